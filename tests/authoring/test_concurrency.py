"""Real concurrent requests against a live server: two authors saving the same draft at once."""
import threading

from sqlalchemy import func, select

from lms.courses.models import CourseVersion
from lms.extensions import db
from tests.authoring.helpers import revision_of
from tests.factories import create_course, create_user
from tests.progress.test_concurrency import CSRF_RE, browser_session


def post_at_once(requests_):
    """POST each (session, url, data) at the same moment; return the status codes."""
    barrier = threading.Barrier(len(requests_))
    results = [None] * len(requests_)

    def worker(i, session, url, data):
        barrier.wait()
        results[i] = session.post(url, data=data, allow_redirects=False).status_code

    threads = [threading.Thread(target=worker, args=(i, *r)) for i, r in enumerate(requests_)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_of_two_saves_of_the_same_revision_exactly_one_wins(app, live_server, draft):
    first, second = (browser_session(live_server, create_user(role="author", org=draft.org)) for _ in range(2))
    url = f"{live_server}/author/modules/{draft.module.id}/rename"
    tokens = [CSRF_RE.search(s.get(f"{live_server}/author/").text).group(1) for s in (first, second)]
    for round_ in range(4):
        revision = revision_of(draft.version)
        statuses = post_at_once([
            (first, url, {"csrf_token": tokens[0], "revision": revision, "title": f"First {round_}"}),
            (second, url, {"csrf_token": tokens[1], "revision": revision, "title": f"Second {round_}"}),
        ])
        assert sorted(statuses) == [302, 409]
        assert revision_of(draft.version) == revision + 1
        db.session.expire_all()
        winner = "First" if statuses[0] == 302 else "Second"
        assert draft.module.title == f"{winner} {round_}"


def test_two_authors_opening_a_draft_at_once_get_the_same_one(app, live_server):
    course = create_course()
    authors = [browser_session(live_server, create_user(role="author", org=course.organisation)) for _ in range(3)]
    url = f"{live_server}/author/courses/{course.id}/drafts"
    tokens = [CSRF_RE.search(s.get(f"{live_server}/author/").text).group(1) for s in authors]
    statuses = post_at_once([(s, url, {"csrf_token": t}) for s, t in zip(authors, tokens)])
    assert statuses == [302, 302, 302]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CourseVersion).where(
        CourseVersion.course_id == course.id, CourseVersion.status == "draft")) == 1


def test_a_draft_opened_by_someone_else_meanwhile_is_the_one_returned(app):
    """The race the live test above can lose: this request has already looked for a draft
    (none) when another request's draft commits; the database's one-draft-per-course index
    turns its insert into the other draft instead of a second one."""
    from lms.authoring.versions import start_draft

    course = create_course()
    author = create_user(role="author", org=course.organisation)
    assert [v.status for v in course.versions] == ["published"]  # this request's view: no draft
    with db.engine.connect() as other:  # another request opens draft number 2 and commits
        other.execute(CourseVersion.__table__.insert().values(
            course_id=course.id, number=2, status="draft", revision=0))
        other.commit()
    draft, created = start_draft(author, course)
    db.session.commit()
    assert not created and draft.number == 2
    assert db.session.scalar(select(func.count()).select_from(CourseVersion).where(
        CourseVersion.course_id == course.id, CourseVersion.status == "draft")) == 1


def test_the_database_holds_at_most_one_draft_per_course(app):
    import pytest
    from sqlalchemy.exc import IntegrityError

    course = create_course(published=False)
    db.session.add(CourseVersion(course_id=course.id, number=2, status="draft"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(CourseVersion(course_id=course.id, number=2, status="archived"))
    db.session.commit()  # other statuses are not limited
