"""Accrediting bodies and course credits (site admins, through HTTP) and learners'
registration numbers validated by their body's pattern: bad input is a 4xx, nothing stored."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.cpd.models import AccreditingBody, CourseCredit, LearnerRegistration
from lms.extensions import db
from tests.cpd.helpers import count, events, make_body
from tests.factories import create_course, create_user
from tests.helpers import login, main_of, post_form, text_of

GOOD = {"name": "Latvijas Farmaceitu biedrība", "country": "lv", "unit_name": "kredītpunkti",
        "rounding_step": "0,5", "daily_cap": "8", "registration_pattern": r"LV-\d{5}",
        "registration_example": "LV-12345"}


@pytest.fixture
def admin_client(app):
    client = app.test_client()
    login(client, create_user("admin"))
    return client


def test_a_site_admin_creates_and_changes_a_body(app, admin_client):
    response = post_form(admin_client, "/admin/cpd/bodies", GOOD)
    assert response.status_code == 302
    body = db.session.scalar(select(AccreditingBody))
    assert (body.name, body.country, body.unit_name) == ("Latvijas Farmaceitu biedrība", "LV", "kredītpunkti")
    assert body.rounding_step == Decimal("0.5") and body.daily_cap == Decimal(8)
    assert body.registration_pattern == r"LV-\d{5}" and events("cpd.body_created") == 1
    assert "Latvijas Farmaceitu biedrība" in main_of(admin_client.get("/admin/cpd/bodies"))
    changed = {**GOOD, "daily_cap": "", "rounding_step": "0.25"}
    response = post_form(admin_client, f"/admin/cpd/bodies/{body.id}", changed)
    assert response.status_code == 302
    db.session.expire_all()
    assert body.daily_cap is None and body.rounding_step == Decimal("0.25")
    assert events("cpd.body_changed") == 1


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Give the body a name"),
    ("country", "XX", "two-letter ISO code"),
    ("country", "Latvia", "Field cannot be longer"),
    ("unit_name", "", "Give the unit"),
    ("rounding_step", "-1", "Not a valid decimal value"),
    ("rounding_step", "0", "greater than 0"),
    ("rounding_step", "0.125", "at most two decimals"),
    ("daily_cap", "1000", "at most 100"),
    ("daily_cap", "NaN", "Not a valid decimal value"),
    ("registration_pattern", "LV-(\\d{5}", "not a valid regular expression"),
    ("registration_example", "12345", "does not match the format"),
])
def test_a_bad_body_is_refused_with_a_message_and_nothing_stored(app, admin_client, field, value, message):
    response = post_form(admin_client, "/admin/cpd/bodies", {**GOOD, field: value})
    assert response.status_code == 422
    assert message in text_of(response)
    assert count(AccreditingBody) == 0


def test_a_second_body_with_the_same_name_is_refused(app, admin_client):
    make_body("Latvijas Farmaceitu biedrība")
    response = post_form(admin_client, "/admin/cpd/bodies", {**GOOD, "name": "latvijas farmaceitu biedrība"})
    assert response.status_code == 422 and "already an accrediting body" in text_of(response)
    assert count(AccreditingBody) == 1


@pytest.mark.parametrize("role", ["org_admin", "learner", "author"])
def test_only_site_admins_manage_bodies(app, role):
    body = make_body()
    client = app.test_client()
    login(client, create_user(role))
    assert client.get("/admin/cpd/bodies").status_code == 403
    assert client.get(f"/admin/cpd/bodies/{body.id}").status_code == 403
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/admin/cpd/bodies", data=GOOD).status_code == 403
    assert client.post(f"/admin/cpd/bodies/{body.id}/credits", data={"course": "1", "amount": "2"}).status_code == 403
    assert count(AccreditingBody) == 1 and count(CourseCredit) == 0


def test_a_course_carries_different_credits_with_each_body(app, admin_client):
    norway, latvia = make_body("Norsk farmasøytisk selskap"), make_body("Latvijas Farmaceitu biedrība", country="LV")
    course = create_course(title="Pharmacovigilance")
    url = f"/admin/cpd/bodies/{norway.id}/credits"
    assert post_form(admin_client, url, {"course": course.id, "amount": "4.5"}, page=f"/admin/cpd/bodies/{norway.id}").status_code == 302
    url_lv = f"/admin/cpd/bodies/{latvia.id}/credits"
    assert post_form(admin_client, url_lv, {"course": course.id, "amount": "4"}, page=f"/admin/cpd/bodies/{latvia.id}").status_code == 302
    credits = {c.body_id: c.amount for c in db.session.scalars(select(CourseCredit))}
    assert credits == {norway.id: Decimal("4.5"), latvia.id: Decimal(4)}
    # Setting it again changes it; the page lists it.
    assert post_form(admin_client, url, {"course": course.id, "amount": "5"}, page=f"/admin/cpd/bodies/{norway.id}").status_code == 302
    assert count(CourseCredit) == 2 and events("cpd.course_credit_set") == 3
    assert "Pharmacovigilance" in main_of(admin_client.get(f"/admin/cpd/bodies/{norway.id}"))
    for bad in ("0", "-2", "1000.5", "abc", ""):
        response = post_form(admin_client, url, {"course": course.id, "amount": bad}, page=f"/admin/cpd/bodies/{norway.id}")
        assert response.status_code == 422, bad
    response = post_form(admin_client, url, {"course": "999999", "amount": "2"}, page=f"/admin/cpd/bodies/{norway.id}")
    assert response.status_code == 422
    credit = db.session.scalar(select(CourseCredit).where(CourseCredit.body_id == norway.id))
    assert credit.amount == Decimal(5)
    remove = f"/admin/cpd/bodies/{norway.id}/credits/{credit.id}/remove"
    assert post_form(admin_client, f"/admin/cpd/bodies/{latvia.id}/credits/{credit.id}/remove", {},
                     page=f"/admin/cpd/bodies/{norway.id}").status_code == 404  # not that body's
    assert post_form(admin_client, remove, {}, page=f"/admin/cpd/bodies/{norway.id}").status_code == 302
    assert count(CourseCredit) == 1 and events("cpd.course_credit_removed") == 1


# ------------------------------------------------------------------ registration numbers


@pytest.fixture
def learner_client(app):
    learner = create_user(name="Ilze Bērziņa")
    client = app.test_client()
    login(client, learner)
    return client, learner


def registration(learner, body):
    db.session.expire_all()
    return db.session.scalar(select(LearnerRegistration).where(
        LearnerRegistration.user_id == learner.id, LearnerRegistration.body_id == body.id))


def test_a_learner_stores_a_registration_number_matching_the_pattern(app, learner_client):
    client, learner = learner_client
    body = make_body("Latvijas Farmaceitu biedrība", registration_pattern=r"LV-\d{5}", registration_example="LV-12345")
    response = post_form(client, "/cpd/registration", {"body": body.id, "number": " LV-04711 "}, page="/cpd/")
    assert response.status_code == 302
    assert registration(learner, body).number == "LV-04711"
    assert "LV-04711" in main_of(client.get("/cpd/"))
    assert post_form(client, "/cpd/registration", {"body": body.id, "number": "LV-04712"}, page="/cpd/").status_code == 302
    assert registration(learner, body).number == "LV-04712" and count(LearnerRegistration) == 1
    assert events("cpd.registration_set") == 2
    # Empty removes it.
    assert post_form(client, "/cpd/registration", {"body": body.id, "number": ""}, page="/cpd/").status_code == 302
    assert registration(learner, body) is None


@pytest.mark.parametrize("number", ["LV-1234", "LV-123456", "lv-12345", "XLV-12345", "LV-12\n345", "LV-１２３４５", "x" * 65])
def test_a_number_not_matching_the_pattern_is_refused_and_nothing_stored(app, learner_client, number):
    client, learner = learner_client
    body = make_body("Latvijas Farmaceitu biedrība", registration_pattern=r"LV-\d{5}", registration_example="LV-12345")
    post_form(client, "/cpd/registration", {"body": body.id, "number": "LV-00001"}, page="/cpd/")
    response = post_form(client, "/cpd/registration", {"body": body.id, "number": number}, page="/cpd/")
    assert response.status_code == 422
    assert "LV-12345" in text_of(response) or "at most 64" in text_of(response) or "longer than 64" in text_of(response)
    assert registration(learner, body).number == "LV-00001"


def test_a_body_without_a_pattern_takes_any_number_and_an_unknown_body_is_refused(app, learner_client):
    client, learner = learner_client
    body = make_body()
    assert post_form(client, "/cpd/registration", {"body": body.id, "number": "12 34/x"}, page="/cpd/").status_code == 302
    assert registration(learner, body).number == "12 34/x"
    response = post_form(client, "/cpd/registration", {"body": "999999", "number": "1"}, page="/cpd/")
    assert response.status_code == 422 and count(LearnerRegistration) == 1
