from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.enrolments.models import Enrolment
from lms.extensions import db
from tests.factories import add_version, create_course, create_user
from tests.helpers import login, post_form, text_of


def enrolment_count():
    return db.session.scalar(select(func.count()).select_from(Enrolment))


def test_catalogue_lists_published_courses_only(client, app):
    create_course(title="GxP essentials", lessons=("text", "quiz"), modules=3)
    create_course(title="Secret draft", published=False)
    body = text_of(client.get("/"))
    assert "GxP essentials" in body and "Secret draft" not in body
    assert "2.5" in body  # CPD hours
    assert "1 course" in body


def test_catalogue_filters_by_language_and_searches_titles(client, app):
    create_course(title="Pharmacovigilance signal detection", language="en")
    create_course(title="Legemiddelovervåking", language="nb")
    body = text_of(client.get("/courses?language=nb"))
    assert "Legemiddelovervåking" in body and "Pharmacovigilance" not in body
    body = text_of(client.get("/courses?q=SIGNAL"))
    assert "Pharmacovigilance" in body and "Legemiddelovervåking" not in body
    body = text_of(client.get("/courses?q=%25_%25"))  # LIKE wildcards are literal
    assert "No courses match" in body
    # A page number that is not one is a clear 400 (lms.parsing.page_number), not page 1.
    for bad in ("abc", "-4", "0", "99999999999999999999"):
        response = client.get(f"/courses?page={bad}")
        assert response.status_code == 400 and "whole number" in text_of(response), bad


def test_course_page_shows_modules_and_cpd(client, app):
    course = create_course(title="Course A", modules=3)
    body = text_of(client.get(f"/courses/{course.slug}"))
    assert body.count("<h3>Module") == 3 and "Log in to enrol" in body


def test_drafts_are_hidden_from_learners_but_previewed_by_their_authors(client, app):
    draft = create_course(title="Draft", published=False)
    assert client.get(f"/courses/{draft.slug}").status_code == 404
    learner = create_user()
    login(client, learner)
    assert client.get(f"/courses/{draft.slug}").status_code == 404
    author_client = app.test_client()
    author = create_user(role="author", org=draft.organisation)
    login(author_client, author)
    page = author_client.get(f"/courses/{draft.slug}")
    assert page.status_code == 200 and "Draft preview" in text_of(page)
    other_author = create_user(role="author")
    other_client = app.test_client()
    login(other_client, other_author)
    assert other_client.get(f"/courses/{draft.slug}").status_code == 404


def test_unknown_course_is_a_clear_404(client, app):
    response = client.get("/courses/no-such-course")
    assert response.status_code == 404 and "There is no such course." in text_of(response)


def test_enrol_once_pins_the_published_version(client, app):
    course = create_course()
    learner = create_user()
    login(client, learner)
    response = post_form(client, f"/courses/{course.slug}/enrol", page=f"/courses/{course.slug}")
    assert response.status_code == 302
    assert "You are enrolled" in text_of(client.get(response.location))
    again = post_form(client, f"/courses/{course.slug}/enrol", page=f"/courses/{course.slug}", follow_redirects=True)
    assert again.status_code == 200 and "already enrolled" in text_of(again)
    assert enrolment_count() == 1
    enrolment = db.session.scalar(select(Enrolment))
    first_version = enrolment.version_id
    # A new published version does not move the learner.
    course.versions[0].status = "archived"
    add_version(course, lessons=("text",))
    db.session.refresh(enrolment)
    assert enrolment.version_id == first_version
    events = db.session.scalars(select(AuditEvent.action)).all()
    assert events.count("enrolment.created") == 1


def test_enrol_needs_login_csrf_and_a_published_course(client, app):
    course = create_course()
    draft = create_course(published=False)
    response = post_form(client, f"/courses/{course.slug}/enrol", page="/login")
    assert response.status_code == 302 and "/login" in response.location
    login(client, create_user())
    response = client.post(f"/courses/{course.slug}/enrol", data={})
    assert response.status_code == 400
    response = post_form(client, f"/courses/{draft.slug}/enrol", page="/")
    assert response.status_code == 404
    assert enrolment_count() == 0


def test_enrolment_sets_due_date_from_course_default(client, app):
    course = create_course(default_due_days=30)
    login(client, create_user())
    post_form(client, f"/courses/{course.slug}/enrol", page=f"/courses/{course.slug}")
    enrolment = db.session.scalar(select(Enrolment))
    assert (enrolment.due_at - enrolment.enrolled_at).days == 30


def test_api_lists_courses_and_requires_login_for_enrolments(client, app):
    create_course(title="API course", modules=2)
    data = client.get("/api/v1/courses").get_json()
    assert data["total"] == 1 and data["courses"][0]["title"] == "API course"
    assert data["courses"][0]["modules"] == 2
    response = client.get("/api/v1/me/enrolments")
    assert response.status_code == 401 and response.get_json()["error"]["status"] == 401
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.is_json


def test_learners_cannot_open_author_or_admin_pages(client, app):
    login(client, create_user())
    assert client.get("/author/").status_code == 403
    assert client.get("/admin/").status_code == 403


def test_author_and_admin_dashboards(client, app):
    course = create_course(title="Mine")
    create_course(title="Theirs")
    author = create_user(role="author", org=course.organisation)
    login(client, author)
    body = text_of(client.get("/author/"))
    assert "Mine" in body and "Theirs" not in body
    assert client.get("/admin/").status_code == 403
    admin_client = app.test_client()
    login(admin_client, create_user(role="admin"))
    body = text_of(admin_client.get("/admin/"))
    assert "Mine" in body and "Theirs" in body


def test_method_not_allowed_is_a_clear_405(client, app):
    response = client.get("/logout")
    assert response.status_code == 405 and "not allowed" in text_of(response)
