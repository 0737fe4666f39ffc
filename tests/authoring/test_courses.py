"""Creating courses, their settings, and the author dashboard."""
import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.authoring.courses import slugify
from lms.courses.models import Course
from lms.extensions import db
from tests.factories import add_version, create_course, create_org, create_user, enrol
from tests.helpers import login, post_form, text_of

VALID = {"title": "Cleanroom behaviour", "summary": "Gowning and hygiene", "language": "en", "cpd_hours": "1.5"}


def courses():
    return db.session.scalars(select(Course).order_by(Course.id)).all()


@pytest.fixture
def author(client, app):
    user = create_user(role="author", org=create_org(name="Home Org"))
    login(client, user)
    return user


def test_create_page_has_labelled_fields_and_authors_see_their_organisation_only(client, author):
    body = text_of(client.get("/author/courses/new"))
    for label in ("Title", "Summary", "Language of the course", "CPD hours",
                  "Default deadline (days after enrolment)"):
        assert f">{label}</label>" in body
    assert 'name="organisation_id"' not in body and "Home Org" in body
    assert body.count("<h1>") == 1


def test_an_author_creates_a_course_for_their_organisation_whatever_they_post(client, author):
    other = create_org(name="Other Org")
    response = post_form(client, "/author/courses/new", {**VALID, "organisation_id": other.id, "default_due_days": "14"})
    assert response.status_code == 302
    [course] = courses()
    assert course.organisation_id == author.organisation_id and course.owner_id == author.id
    assert course.default_due_days == 14 and str(course.cpd_hours) == "1.5"
    assert [(v.number, v.status) for v in course.versions] == [(1, "draft")]
    assert response.location == f"/author/courses/{course.id}"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.created"))
    assert event.subject_id == course.id and event.actor_id == author.id


def test_admins_choose_the_organisation(client, app):
    target = create_org(name="Partner Org")
    admin = create_user(role="admin")
    login(client, admin)
    body = text_of(client.get("/author/courses/new"))
    assert 'name="organisation_id"' in body and "Partner Org" in body
    response = post_form(client, "/author/courses/new", {**VALID, "organisation_id": target.id})
    assert response.status_code == 302
    assert courses()[0].organisation_id == target.id
    bad = post_form(client, "/author/courses/new", {**VALID, "organisation_id": "99999"})
    assert bad.status_code == 422 and len(courses()) == 1


@pytest.mark.parametrize("changes,message", [
    ({"title": ""}, "This field is required."),
    ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
    ({"cpd_hours": "lots"}, "Not a valid decimal value."),
    ({"cpd_hours": "-1"}, "Number must be between 0 and 1000."),
    ({"language": "xx"}, "Not a valid choice."),
    ({"default_due_days": "0"}, "Number must be between 1 and 3650."),
    ({"validity_months": "many"}, "Not a valid integer value."),
])
def test_invalid_course_forms_are_refused_with_the_reason(client, author, changes, message):
    response = post_form(client, "/author/courses/new", {**VALID, **changes})
    assert response.status_code == 422
    assert message in text_of(response) and courses() == []


def test_slugs_come_from_the_title_and_are_unique(client, author):
    for _ in range(3):
        post_form(client, "/author/courses/new", {**VALID, "title": "Søknad & Ærlighet: GMP/GDP 101!"})
    assert [c.slug for c in courses()] == [
        "soknad-aerlighet-gmp-gdp-101", "soknad-aerlighet-gmp-gdp-101-2", "soknad-aerlighet-gmp-gdp-101-3"]
    assert slugify("Ελληνικά") == "course" and slugify("Kazlauskienė") == "kazlauskiene"


def test_settings_change_the_course_and_a_stale_form_is_a_409(client, author):
    post_form(client, "/author/courses/new", VALID)
    [course] = courses()
    url = f"/author/courses/{course.id}/settings"
    page = text_of(client.get(url))
    assert 'name="revision"' in page and 'name="organisation_id"' not in page
    response = post_form(client, url, {**VALID, "title": "Cleanroom behaviour, 2nd ed.", "revision": 0})
    assert response.status_code == 302
    db.session.expire_all()
    assert course.title == "Cleanroom behaviour, 2nd ed." and course.slug == "cleanroom-behaviour"
    assert course.revision == 1
    stale = post_form(client, url, {**VALID, "title": "Overwritten?", "revision": 0})
    assert stale.status_code == 409 and "changed meanwhile" in text_of(stale)
    db.session.expire_all()
    assert course.title == "Cleanroom behaviour, 2nd ed."
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "course.updated")) == 1


def test_dashboard_lists_status_versions_and_enrolment_counts(client, author):
    mine = create_course(title="Published and edited", org=author.organisation)
    add_version(mine, status="draft")
    create_course(title="Never published", org=author.organisation, published=False)
    create_course(title="Someone else's")
    for _ in range(2):
        enrol(create_user(), mine)
    body = text_of(client.get("/author/"))
    assert "Someone else" not in body
    row = body[body.index("Published and edited"):body.index("</tr>", body.index("Published and edited"))]
    assert "Published</span> version 1" in row and "Draft</span> version 2" in row
    assert "<td>2</td>" in row  # versions and enrolled
    row = body[body.index("Never published"):body.index("</tr>", body.index("Never published"))]
    assert "Draft</span> version 1" in row and "Published" not in row
