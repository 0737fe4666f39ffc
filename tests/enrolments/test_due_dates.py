"""Changing an open enrolment's due date from the training record page: a reason is
required, the date is a day in the learner's organisation's timezone, and the audit trail
keeps the old and new date with the reason."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.factories import create_course, create_org, create_user, enrol
from tests.helpers import csrf_token, login, post_form, text_of

OSLO = ZoneInfo("Europe/Oslo")


def oslo_org(name="Oslo Pharma"):
    org = create_org(name=name)
    org.timezone = "Europe/Oslo"
    db.session.commit()
    return org


def today_in_oslo():
    return datetime.now(OSLO).date()


def due_events():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "enrolment.due_date_changed")).all()


def setup_person(admin_role="admin"):
    org = oslo_org()
    learner = create_user(org=org, name="Kari Nordmann")
    enrolment = enrol(learner, create_course(org=org, title="GxP essentials"))
    enrolment.due_at = datetime.now(OSLO) + timedelta(days=30)
    db.session.commit()
    admin = create_user(role=admin_role, org=org)
    return learner, enrolment, admin


def url_of(enrolment):
    return f"/admin/users/{enrolment.user_id}/enrolments/{enrolment.id}/due-date"


def form(enrolment, day, reason):
    prefix = f"due{enrolment.id}-"
    return {prefix + "due_on": day.isoformat() if hasattr(day, "isoformat") else day, prefix + "reason": reason}


def test_an_admin_changes_a_due_date_with_a_reason(app, client):
    learner, enrolment, admin = setup_person()
    before = enrolment.due_at
    login(client, admin)
    record = f"/admin/users/{learner.id}/record"
    page = text_of(client.get(record))
    assert "Due dates of open enrolments" in page and f'action="{url_of(enrolment)}"' in page
    day = today_in_oslo() + timedelta(days=10)
    response = post_form(client, url_of(enrolment), form(enrolment, day, "  Extended:   on parental leave "), page=record)
    assert response.status_code == 302
    db.session.expire_all()
    # Due at the end of that day in Oslo.
    assert enrolment.due_at.astimezone(OSLO).date() == day
    assert enrolment.due_at.astimezone(OSLO).time().hour == 23
    [event] = due_events()
    assert event.actor_id == admin.id and event.person_id == learner.id
    assert event.data["old"] == before.astimezone(OSLO).date().isoformat()
    assert event.data["new"] == day.isoformat()
    assert event.data["reason"] == "Extended: on parental leave"
    assert "GxP essentials” is now due on" in text_of(client.get(response.location))
    # The audit trail page shows the old and new date and the reason in their columns.
    trail = text_of(client.get("/admin/audit/", query_string={"action": "enrolment.due_date_changed"}))
    assert "Extended: on parental leave" in trail and day.isoformat() in trail


def test_without_a_reason_nothing_changes(app, client):
    learner, enrolment, admin = setup_person()
    before = enrolment.due_at
    login(client, admin)
    record = f"/admin/users/{learner.id}/record"
    for reason in ("", "   ", "x" * 501):
        response = post_form(client, url_of(enrolment), form(enrolment, today_in_oslo() + timedelta(days=3), reason),
                             page=record)
        assert response.status_code == 422
        body = text_of(response)
        assert ("Give a reason for the change: it is kept in the audit trail." in body
                or "Keep the reason to at most 500 characters." in body)
        assert "Training record of Kari Nordmann" in body  # the page again, with the message
    db.session.expire_all()
    assert enrolment.due_at == before and due_events() == []


def test_past_dates_bad_dates_and_closed_enrolments_are_refused(app, client):
    learner, enrolment, admin = setup_person()
    before = enrolment.due_at
    login(client, admin)
    record = f"/admin/users/{learner.id}/record"
    past = post_form(client, url_of(enrolment), form(enrolment, today_in_oslo() - timedelta(days=1), "Backdated"), page=record)
    assert past.status_code == 422 and "The due date is in the past." in text_of(past)
    for bad in ("", "31.12.2026", "9999-12-31"):
        assert post_form(client, url_of(enrolment), form(enrolment, bad, "Why"), page=record).status_code == 422
    # Today (in Oslo) is allowed.
    assert post_form(client, url_of(enrolment), form(enrolment, today_in_oslo(), "Due today"), page=record).status_code == 302
    enrolment.status = "completed"
    db.session.commit()
    closed = post_form(client, url_of(enrolment), form(enrolment, today_in_oslo() + timedelta(days=5), "Later"), page=record)
    assert closed.status_code == 409 and "Only an open enrolment has a due date to change." in text_of(closed)
    db.session.expire_all()
    assert enrolment.due_at.astimezone(OSLO).date() == today_in_oslo() != before.astimezone(OSLO).date()
    assert len(due_events()) == 1


def test_who_may_change_a_due_date(app):
    learner, enrolment, _admin = setup_person()
    record = f"/admin/users/{learner.id}/record"
    day = today_in_oslo() + timedelta(days=20)
    own_org_admin = create_user(role="org_admin", org=learner.organisation)
    other_org_admin = create_user(role="org_admin", org=oslo_org("Riga Pharma"))
    for user, expected in ((learner, 403), (create_user(role="author", org=learner.organisation), 403),
                           (other_org_admin, 403), (own_org_admin, 302)):
        client = app.test_client()
        login(client, user)
        response = post_form(client, url_of(enrolment), form(enrolment, day, "Agreed with the manager"), page="/my-learning")
        assert response.status_code == expected, user.role
    assert len(due_events()) == 1
    # Nobody changes their own due date, and an enrolment is found only under its person.
    admin = create_user(role="admin", org=learner.organisation)
    own = enrol(admin, create_course())
    client = app.test_client()
    login(client, admin)
    assert post_form(client, url_of(own), form(own, day, "Mine"), page="/my-learning").status_code == 403
    wrong_person = f"/admin/users/{admin.id}/enrolments/{enrolment.id}/due-date"
    assert post_form(client, wrong_person, form(enrolment, day, "x"), page="/my-learning").status_code == 404
    assert 'Due dates of open enrolments' not in text_of(client.get("/my-learning/record"))
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "enrolment.due_date_changed")) == 1
    anonymous = app.test_client().post(url_of(enrolment), data=form(enrolment, day, "x"))
    assert anonymous.status_code in (302, 400)
    assert record


def test_the_json_api_changes_a_due_date_with_the_same_rules(app, client):
    learner, enrolment, admin = setup_person(admin_role="org_admin")
    before = enrolment.due_at
    url = f"/api/v1/enrolments/{enrolment.id}/due-date"
    day = today_in_oslo() + timedelta(days=14)
    assert client.put(url, json={"due_date": day.isoformat(), "reason": "x"}).status_code in (400, 401)  # CSRF first
    login(client, admin)
    headers = {"X-CSRFToken": csrf_token(client, f"/admin/users/{learner.id}/record")}
    refusals = [
        ({"due_date": day.isoformat()}, 422, "Give a reason for the change"),
        ({"due_date": day.isoformat(), "reason": "   "}, 422, "Give a reason for the change"),
        ({"due_date": day.isoformat(), "reason": ["no"]}, 422, "Give a reason for the change"),
        ({"due_date": "14.01.2027", "reason": "Leave"}, 422, "due_date"),
        ({"reason": "Leave"}, 422, "due_date"),
        ({"due_date": (today_in_oslo() - timedelta(days=2)).isoformat(), "reason": "Leave"}, 422, "in the past"),
    ]
    for body, status, message in refusals:
        refused = client.put(url, json=body, headers=headers)
        assert refused.status_code == status and message in refused.get_json()["error"]["message"], body
    assert client.put(url, data="not json", headers=headers).status_code == 422
    db.session.expire_all()
    assert enrolment.due_at == before and due_events() == []
    done = client.put(url, json={"due_date": day.isoformat(), "reason": "Long-term sick leave"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["changed"] is True and done.get_json()["due_date"] == day.isoformat()
    [event] = due_events()
    assert (event.data["new"], event.data["reason"]) == (day.isoformat(), "Long-term sick leave")
    assert client.put("/api/v1/enrolments/999999/due-date", json={}, headers=headers).status_code == 404
    stranger = enrol(create_user(org=oslo_org("Elsewhere")), create_course())
    other = client.put(f"/api/v1/enrolments/{stranger.id}/due-date",
                       json={"due_date": day.isoformat(), "reason": "x"}, headers=headers)
    assert other.status_code == 403 and len(due_events()) == 1
