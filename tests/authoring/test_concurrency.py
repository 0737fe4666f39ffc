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
