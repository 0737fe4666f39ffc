"""The lesson page is rendered once per process for what it shows (lms.templating.render_page):
every learner must still see their own progress, language and CSRF tokens, at once."""
import re

from flask import flash
from sqlalchemy import insert, update

from lms.courses.models import Course
from lms.extensions import db
from lms.progress.models import LessonProgress
from lms.templating import render_page
from lms.timeutil import utcnow
from tests.factories import create_course, create_user, enrol
from tests.helpers import CSRF_RE, login, post_form, text_of

PERCENT = re.compile(r'<span class="progress-text">(\d+)%</span>')


def url(course, lesson, action=""):
    return f"/courses/{course.slug}/lessons/{lesson.id}{action}"


def learner_on(app, course, **user):
    client = app.test_client()
    learner = create_user(**user)
    enrolment = enrol(learner, course)
    login(client, learner)
    return client, enrolment


def test_each_learner_sees_their_own_progress_and_tokens(app):
    course = create_course(lessons=("text", "text"))
    first, second = course.versions[0].lessons()
    alice, _ = learner_on(app, course)
    bob, _ = learner_on(app, course)

    page_a, page_b = text_of(alice.get(url(course, first))), text_of(bob.get(url(course, first)))
    tokens_a, tokens_b = CSRF_RE.findall(page_a), CSRF_RE.findall(page_b)
    assert len(tokens_a) == 2 and len(set(tokens_a)) == 1  # logout and "Mark complete"
    assert set(tokens_a).isdisjoint(tokens_b)
    assert CSRF_RE.sub("", page_a) == CSRF_RE.sub("", page_b)  # the same page but for the tokens

    # Alice's token from the kept page works; Bob's page does not change with her progress.
    done = alice.post(url(course, first, "/complete"), data={"csrf_token": tokens_a[0]})
    assert done.status_code == 302
    page_a = text_of(alice.get(url(course, first)))
    assert "You have completed this lesson." in page_a and "Mark complete" not in page_a
    assert PERCENT.search(page_a).group(1) == "50"
    page_b = text_of(bob.get(url(course, first)))
    assert "You have completed this lesson." not in page_b and "Mark complete" in page_b
    assert PERCENT.search(page_b).group(1) == "0"
    assert PERCENT.search(text_of(alice.get(url(course, second)))).group(1) == "50"


def test_progress_written_elsewhere_shows_at_once(app):
    course = create_course(lessons=("text", "text"))
    first, _second = course.versions[0].lessons()
    client, enrolment = learner_on(app, course)
    assert "Mark complete" in text_of(client.get(url(course, first)))
    # another process records it (a quiz in another tab, a version upgrade): plain SQL
    with db.engine.begin() as connection:
        connection.execute(insert(LessonProgress.__table__).values(
            enrolment_id=enrolment.id, lesson_id=first.id, completed_at=utcnow()))
    page = text_of(client.get(url(course, first)))
    assert "You have completed this lesson." in page and PERCENT.search(page).group(1) == "50"


def test_a_renamed_course_shows_its_new_title(app):
    course = create_course(lessons=("text",))
    (lesson,) = course.versions[0].lessons()
    client, _ = learner_on(app, course)
    assert course.title in text_of(client.get(url(course, lesson)))
    with db.engine.begin() as connection:
        connection.execute(update(Course.__table__).where(Course.__table__.c.id == course.id)
                           .values(title="Renamed course on validation"))
    assert "Renamed course on validation" in text_of(client.get(url(course, lesson)))


def test_the_page_follows_the_learners_language(app):
    course = create_course(lessons=("text",))
    (lesson,) = course.versions[0].lessons()
    english, _ = learner_on(app, course, locale="en")
    norwegian, _ = learner_on(app, course, locale="nb")
    assert "Mark complete" in text_of(english.get(url(course, lesson)))
    page = text_of(norwegian.get(url(course, lesson)))
    assert "Mark complete" not in page and '<html lang="nb">' in page
    assert "Mark complete" in text_of(english.get(url(course, lesson)))


def test_marking_complete_once_more_changes_nothing_but_the_activity(app):
    course = create_course(lessons=("text", "text"))
    first, _second = course.versions[0].lessons()
    client, enrolment = learner_on(app, course)
    assert post_form(client, url(course, first, "/complete"), page=url(course, first)).status_code == 302
    again = post_form(client, url(course, first, "/complete"), page=url(course, first))
    assert again.status_code == 302 and again.location == f"/courses/{course.slug}/continue"
    assert len(db.session.scalars(db.select(LessonProgress)).all()) == 1


def test_a_page_with_flashed_messages_is_rendered_afresh(app):
    def page():
        return render_page(("flash-test",), "error.html", code=400, title="t", message="m")

    with app.test_request_context("/"):
        plain = page()
    with app.test_request_context("/"):
        assert page() == plain  # kept
    with app.test_request_context("/"):
        flash("Shown once, here")
        assert "Shown once, here" in page()
    with app.test_request_context("/"):
        assert page() == plain


def test_each_template_keeps_its_pages_apart(app, monkeypatch):
    from lms import templating

    monkeypatch.setattr(templating, "_pages", {})
    monkeypatch.setattr(templating, "PAGES_PER_TEMPLATE", 2)
    with app.test_request_context("/"):
        render_page(("kept",), "error.html", code=400, title="t", message="kept")
        for n in range(5):  # many pages of another template (catalogue searches, say)
            render_page((n,), "_site_header.html", endpoint=None, authenticated=False,
                        is_author=False, is_admin=False)
    assert len(templating._pages["_site_header.html"]) == 2  # bounded
    assert [key[0] for key in templating._pages["error.html"]] == [("kept",)]  # not pushed out
