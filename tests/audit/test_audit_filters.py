"""The audit page filters by the person an event concerns, course, action, date range and
actor; shows who, when (UTC and the viewer's zone), what, old and new values and why; refuses
a bad filter with a 422 and a message."""
from datetime import datetime, timezone

import pytest

from lms.audit.services import record_event
from lms.extensions import db
from tests.factories import create_course, create_org, create_user, enrol
from tests.helpers import login, main_of, text_of


def event_at(action, subject, actor, at, **data):
    event = record_event(action, subject, actor=actor, **data)
    event.at = at  # before the commit, so the chain's hash covers it
    db.session.commit()
    return event


@pytest.fixture
def trail(app):
    org = create_org()
    org.timezone = "Europe/Helsinki"
    admin = create_user(role="admin", email="inspector-admin@example.test", name="Ada Admin", org=org)
    alice = create_user(email="alice@example.test", name="Alice Aalto")
    bob = create_user(email="bob@example.test", name="Bob Berg")
    gmp = create_course(title="GMP Basics")
    sop = create_course(title="SOP Writing")
    alice_gmp = enrol(alice, gmp)
    bob_sop = enrol(bob, sop)
    db.session.commit()
    return {
        "admin": admin, "alice": alice, "bob": bob, "gmp": gmp, "sop": sop,
        # Alice's record changed by the admin, with old and new values and a reason
        "due": event_at("test.due_changed", alice_gmp, admin, datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc),
                        old="2026-04-01", new="2026-05-01", reason="Sick leave"),
        # Alice acts on Bob's record: Bob's event, not Alice's
        "alice_on_bob": event_at("test.note", bob_sop, alice, datetime(2026, 3, 5, 10, 0, tzinfo=timezone.utc)),
        # Alice's own account
        "alice_account": event_at("test.account", alice, admin, datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)),
    }


def admin_client(app, trail):
    client = app.test_client()
    login(client, trail["admin"])
    return client


def shown(client, query):
    """The count line and the table of the page (the filter's choices name every action)."""
    response = client.get("/admin/audit/?" + query)
    assert response.status_code == 200, text_of(response)[:2000]
    return main_of(response).split("</form>", 1)[1]


def test_person_filter_finds_events_about_their_records_not_those_they_made(app, trail):
    client = admin_client(app, trail)
    page = shown(client, "person=ALICE@example.test")
    assert "test.due_changed" in page and "test.account" in page
    assert "test.note" not in page  # Alice made it, but it is about Bob's record
    assert "enrolment.created" in page  # her enrolment, made before
    bob_page = shown(client, "person=bob@example.test")
    assert "test.note" in bob_page and "test.due_changed" not in bob_page


def test_actor_filter_finds_what_a_person_did(app, trail):
    page = shown(admin_client(app, trail), "actor=alice@example.test")
    assert "test.note" in page and "test.due_changed" not in page and "test.account" not in page


def test_course_filter(app, trail):
    client = admin_client(app, trail)
    page = shown(client, f"course={trail['gmp'].id}")
    assert "test.due_changed" in page and "test.note" not in page and "test.account" not in page
    page = shown(client, f"course={trail['sop'].id}")
    assert "test.note" in page and "test.due_changed" not in page


def test_action_filter(app, trail):
    page = shown(admin_client(app, trail), "action=test.account")
    assert "test.account" in page and "test.note" not in page and "test.due_changed" not in page
    assert ">1 event\n" in page


def test_date_range_is_in_the_viewers_time_zone(app, trail):
    client = admin_client(app, trail)
    # 23:30 UTC on 1 March is 01:30 on 2 March in Helsinki, the admin's organisation's zone.
    page = shown(client, "date_from=2026-03-02&date_to=2026-03-05")
    assert "test.due_changed" in page and "test.note" in page and "test.account" not in page
    page = shown(client, "date_from=2026-03-01&date_to=2026-03-01")
    assert "test.due_changed" not in page and "No events match." in page


def test_filters_combine(app, trail):
    client = admin_client(app, trail)
    page = shown(client, f"person=alice@example.test&course={trail['gmp'].id}&actor=inspector-admin@example.test"
                         "&date_from=2026-03-01&date_to=2026-03-31&action=test.due_changed")
    assert "test.due_changed" in page and ">1 event\n" in page


def test_each_row_shows_who_when_in_utc_and_local_time_old_new_and_reason(app, trail):
    page = shown(admin_client(app, trail), "action=test.due_changed")
    assert "Ada Admin" in page and "inspector-admin@example.test" in page
    assert "2026-03-01 23:30:00 UTC" in page
    assert "Europe/Helsinki" in page and "1:30:00" in page  # local time, 2 March 01:30
    assert "<td>2026-04-01</td>" in page and "<td>2026-05-01</td>" in page and "<td>Sick leave</td>" in page
    assert "Alice Aalto" in page and "GMP Basics" in page  # the subject's person and course


@pytest.mark.parametrize("query, message", [
    ("person=nobody@example.test", "No account has this email address."),
    ("actor=nobody@example.test", "No account has this email address."),
    ("date_from=2026-03-10&date_to=2026-03-01", "The end date is before the start date."),
    ("date_from=2026-13-40", "Not a valid date value."),
    ("date_to=9999-12-31", "Choose a date between"),
    ("course=abc", "Not a valid choice"),
    ("course=999999", "Not a valid choice"),
    ("action=no.such.action", "Not a valid choice"),
    ("person=" + "x" * 300, "Field cannot be longer than 254 characters."),
])
def test_bad_filters_are_a_422_with_a_message(app, trail, query, message):
    client = admin_client(app, trail)
    for url in ("/admin/audit/?", "/admin/audit/events.csv?", "/admin/audit/events.pdf?"):
        response = client.get(url + query)
        assert response.status_code == 422, (url, query)
        assert message in text_of(response), (url, query)


def test_only_site_admins_see_the_trail_and_its_exports(app, trail):
    for role in ("org_admin", "learner", "author"):
        client = app.test_client()
        login(client, create_user(role=role))
        for url in ("/admin/audit/", "/admin/audit/events.csv", "/admin/audit/events.pdf"):
            assert client.get(url).status_code == 403, (role, url)
    assert app.test_client().get("/admin/audit/events.csv").status_code == 302  # to the login page


def test_a_role_change_made_on_the_users_page_is_found_under_the_person_with_old_and_new(app, trail):
    client = admin_client(app, trail)
    page = client.get("/admin/users/")
    token = page.get_data(as_text=True).split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    response = client.post(f"/admin/users/{trail['bob'].id}/role", data={"role": "author", "reason": "Duties changed", "csrf_token": token})
    assert response.status_code == 302
    page = shown(client, "person=bob@example.test&action=user.role_changed")
    assert ">1 event\n" in page and "Ada Admin" in page
    assert "<td>learner</td>" in page and "<td>author</td>" in page


def test_events_written_before_the_person_and_course_columns_get_them_from_their_subjects(app, trail):
    """The migration fills person and course in for the trail it finds."""
    import flask_migrate
    from sqlalchemy import select

    from lms.audit.models import AuditEvent

    alice, bob, gmp, sop = (trail[k].id for k in ("alice", "bob", "gmp", "sop"))
    db.session.remove()
    flask_migrate.downgrade(revision="6d4fcd9e521c")
    flask_migrate.upgrade()
    db.session.remove()
    rows = {e.action: (e.person_id, e.course_id) for e in db.session.scalars(select(AuditEvent))}
    assert rows["test.due_changed"] == (alice, gmp)
    assert rows["test.note"] == (bob, sop)
    assert rows["test.account"] == (alice, None)
    assert rows["enrolment.created"] in ((alice, gmp), (bob, sop))
