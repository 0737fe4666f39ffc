"""Supervisors of a job profile through its page: an organisation admin names and takes off
supervisors (audited, with the supervisor as the person), bad input is a 422 with nothing
written, and nobody else changes them."""
import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.compliance.models import JobProfileSupervisor
from lms.extensions import db
from tests.factories import create_org, create_profile, create_user
from tests.helpers import login, main_of, post_form, text_of


def rows():
    return db.session.scalars(select(JobProfileSupervisor).order_by(JobProfileSupervisor.id)).all()


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def setting(app):
    org = create_org("Alpha Pharma")
    profile = create_profile(org, "Line operator")
    admin = create_user("org_admin", org=org, name="Olav Orgadmin")
    person = create_user(org=org, name="Siri Supervisor", email="siri@example.test")
    return org, profile, admin, person


def test_an_org_admin_names_and_takes_off_a_supervisor(app, client, setting):
    org, profile, admin, person = setting
    login(client, admin)
    url = f"/admin/compliance/profiles/{profile.id}"
    assert "This job profile has no supervisors yet." in main_of(client.get(url))
    added = post_form(client, f"{url}/supervisors", {"supervisor-email": " SIRI@example.test "}, page=url)
    assert added.status_code == 302
    [row] = rows()
    assert (row.user_id, row.profile_id, row.added_by_id, row.removed_at) == (person.id, profile.id, admin.id, None)
    page = main_of(client.get(url))
    assert "Siri Supervisor" in page and "siri@example.test" in page
    [event] = events("supervisor.added")
    assert event.person_id == person.id and event.actor_id == admin.id and event.data["profile_id"] == profile.id
    again = post_form(client, f"{url}/supervisors", {"supervisor-email": "siri@example.test"}, page=url)
    assert again.status_code == 302 and len(rows()) == 1 and len(events("supervisor.added")) == 1

    no_reason = post_form(client, f"{url}/supervisors/{person.id}/remove", {"reason": "  "}, page=url)
    assert no_reason.status_code == 422 and "Give a reason" in text_of(no_reason)
    assert rows()[0].removed_at is None and events("supervisor.removed") == []
    removed = post_form(client, f"{url}/supervisors/{person.id}/remove", {"reason": "Moved to the Bergen site"}, page=url)
    assert removed.status_code == 302
    db.session.expire_all()
    assert rows()[0].removed_at is not None and rows()[0].removed_by_id == admin.id
    [event] = events("supervisor.removed")
    assert event.person_id == person.id and event.data["reason"] == "Moved to the Bergen site"
    assert "This job profile has no supervisors yet." in main_of(client.get(url))
    # Taking off someone who is not a supervisor (any more) is refused.
    twice = post_form(client, f"{url}/supervisors/{person.id}/remove", {"reason": "Again"}, page=url)
    assert twice.status_code == 422 and "does not supervise" in text_of(twice)
    # Named again later: a new row, the old one stays as history.
    assert post_form(client, f"{url}/supervisors", {"supervisor-email": "siri@example.test"}, page=url).status_code == 302
    assert [r.removed_at is None for r in rows()] == [False, True]


@pytest.mark.parametrize("email, message", [
    ("", "This field is required."),
    ("nobody@example.test", "Nobody in Alpha Pharma has this email."),
    ("stranger@example.test", "Nobody in Alpha Pharma has this email."),  # another organisation's
    ("gone@example.test", "account is deactivated"),
])
def test_bad_supervisor_input_is_a_422_with_a_message_and_nothing_written(app, client, setting, email, message):
    org, profile, admin, _person = setting
    create_user(org=create_org(), email="stranger@example.test")
    gone = create_user(org=org, email="gone@example.test")
    gone.is_active_account = False
    db.session.commit()
    login(client, admin)
    url = f"/admin/compliance/profiles/{profile.id}"
    response = post_form(client, f"{url}/supervisors", {"supervisor-email": email}, page=url)
    assert response.status_code == 422 and message in text_of(response)
    assert rows() == [] and events("supervisor.added") == []


@pytest.mark.parametrize("role", ["learner", "author", "other_org_admin", "anonymous"])
def test_nobody_else_names_or_takes_off_supervisors(app, client, setting, role):
    org, profile, admin, person = setting
    from lms.compliance import supervisors

    supervisors.add_supervisor(admin, profile, person)
    db.session.commit()
    user = {"learner": lambda: create_user(org=org), "author": lambda: create_user("author", org=org),
            "other_org_admin": lambda: create_user("org_admin", org=create_org()),
            "anonymous": lambda: None}[role]()
    if user is not None:
        login(client, user)
    url = f"/admin/compliance/profiles/{profile.id}"
    other = create_user(org=org, email="other@example.test")
    page = "/" if user is not None else "/login"  # a page with a CSRF token
    added = post_form(client, f"{url}/supervisors", {"supervisor-email": other.email}, page=page)
    removed = post_form(client, f"{url}/supervisors/{person.id}/remove", {"reason": "No"}, page=page)
    expected = (302,) if user is None else (403,)
    assert added.status_code in expected and removed.status_code in expected
    if user is None:
        assert "/login" in added.location
    db.session.expire_all()
    assert [(r.user_id, r.removed_at) for r in rows()] == [(person.id, None)]


def test_a_site_admin_names_supervisors_in_any_organisation(app, client, setting):
    _org, profile, _admin, person = setting
    login(client, create_user("admin", org=create_org()))
    url = f"/admin/compliance/profiles/{profile.id}"
    assert post_form(client, f"{url}/supervisors", {"supervisor-email": person.email}, page=url).status_code == 302
    assert [r.user_id for r in rows()] == [person.id]
