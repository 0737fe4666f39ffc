"""Changing a role or deactivating an account needs a reason: without one the change is
refused with 422 and a clear message, and neither the account nor the audit trail changes."""
import pytest
from sqlalchemy import func, select

from lms.accounts import services
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.factories import create_user
from tests.helpers import login, post_form, text_of

MISSING = "Give a reason for the change: it is kept in the audit trail."


def trail_size():
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def admin_client(app):
    client = app.test_client()
    login(client, create_user(role="admin", name="Ada Admin"))
    return client


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 501])
def test_a_role_change_without_a_reason_changes_nothing(admin_client, reason):
    user = create_user()
    before = trail_size()
    data = {"role": "author"} if reason is None else {"role": "author", "reason": reason}
    response = post_form(admin_client, f"/admin/users/{user.id}/role", data, page="/admin/users/")
    assert response.status_code == 422
    assert MISSING in text_of(response) or "at most 500 characters" in text_of(response)
    db.session.expire_all()
    assert user.role == "learner" and trail_size() == before


@pytest.mark.parametrize("reason", [None, " \n "])
def test_deactivation_without_a_reason_changes_nothing(app, admin_client, reason):
    user = create_user(email="stays@example.test")
    before = trail_size()
    data = {"active": "0"} if reason is None else {"active": "0", "reason": reason}
    response = post_form(admin_client, f"/admin/users/{user.id}/active", data, page="/admin/users/")
    assert response.status_code == 422 and MISSING in text_of(response)
    db.session.expire_all()
    assert user.is_active_account and trail_size() == before
    login(app.test_client(), user)  # still logs in: the session generation was not bumped


def test_deactivation_and_reactivation_record_old_new_and_reason(app, admin_client):
    user = create_user(email="leaves@example.test")
    post_form(admin_client, f"/admin/users/{user.id}/active", {"active": "0", "reason": "Left the company"},
              page="/admin/users/")
    post_form(admin_client, f"/admin/users/{user.id}/active", {"active": "1", "reason": "Rehired in QA"},
              page="/admin/users/")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "user",
                                                          AuditEvent.subject_id == user.id)
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.data) for e in events] == [
        ("user.deactivated", {"old": "active", "new": "deactivated", "reason": "Left the company"}),
        ("user.reactivated", {"old": "deactivated", "new": "active", "reason": "Rehired in QA"}),
    ]
    # The audit trail page shows them in its old, new and reason columns.
    trail = text_of(admin_client.get("/admin/audit/", query_string={"person": user.email}))
    assert "Left the company" in trail and "Rehired in QA" in trail


def test_the_users_page_asks_for_the_reason(admin_client):
    user = create_user()
    page = text_of(admin_client.get("/admin/users/"))
    assert f'id="role-reason-{user.id}" name="reason" type="text" required' in page
    assert f'id="active-reason-{user.id}" name="reason" type="text" required' in page


def test_the_services_refuse_without_a_reason(app):
    admin, user = create_user(role="admin"), create_user()
    with pytest.raises(services.MissingReason):
        services.change_role(admin, user, "author", "  ")
    with pytest.raises(services.MissingReason):
        services.set_active(admin, user, False, None)
    db.session.rollback()
    db.session.expire_all()
    assert user.role == "learner" and user.is_active_account
    assert services.change_role(admin, user, "author", " Now writes  SOPs ")
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.data == {"old": "learner", "new": "author", "reason": "Now writes SOPs"}
