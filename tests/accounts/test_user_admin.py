from sqlalchemy import select

from lms.accounts import admin_views
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.factories import PASSWORD, create_course, create_user, enrol
from tests.helpers import login, post_form, text_of


def admin_client(app):
    client = app.test_client()
    admin = create_user(role="admin", name="Ada Admin")
    login(client, admin)
    return client, admin


def test_admin_lists_and_searches_users(app):
    client, _admin = admin_client(app)
    create_user(name="Kari Nordmann", email="kari@example.com")
    create_user(name="Sven Svensson", role="author")
    body = text_of(client.get("/admin/users/?q=KARI"))
    assert "Kari Nordmann" in body and "Sven Svensson" not in body
    body = text_of(client.get("/admin/users/?role=author"))
    assert "Sven Svensson" in body and "Kari Nordmann" not in body
    assert client.get("/admin/users/?role=emperor").status_code == 200  # ignored, not a 500


def test_admin_changes_a_role_with_an_audit_event(app):
    client, admin = admin_client(app)
    user = create_user()
    response = post_form(client, f"/admin/users/{user.id}/role", {"role": "author", "reason": "Duties changed"}, page="/admin/users/")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == "author"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.actor_id == admin.id and event.data == {"old": "learner", "new": "author", "reason": "Duties changed"}
    bad = post_form(client, f"/admin/users/{user.id}/role", {"role": "emperor", "reason": "Duties changed"}, page="/admin/users/")
    assert bad.status_code == 422
    assert post_form(client, "/admin/users/999999/role", {"role": "admin", "reason": "Duties changed"}, page="/admin/users/").status_code == 404


def test_admins_cannot_demote_or_deactivate_themselves(app):
    client, admin = admin_client(app)
    assert post_form(client, f"/admin/users/{admin.id}/role", {"role": "learner", "reason": "Duties changed"}, page="/admin/users/").status_code == 409
    assert post_form(client, f"/admin/users/{admin.id}/active", {"active": "0", "reason": "Left the company"}, page="/admin/users/").status_code == 409
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.is_active_account


def test_a_deactivated_user_cannot_log_in_but_keeps_their_records(app):
    client, _admin = admin_client(app)
    learner = create_user(email="leaving@example.com")
    enrolment = enrol(learner, create_course())
    learner_client = app.test_client()
    login(learner_client, learner)
    response = post_form(client, f"/admin/users/{learner.id}/active", {"active": "0", "reason": "Left the company"}, page="/admin/users/")
    assert response.status_code == 302
    # The open session ends at the next request, and logging in again fails.
    assert learner_client.get("/my-learning").status_code == 302
    assert post_form(app.test_client(), "/login", {"email": "leaving@example.com", "password": PASSWORD}).status_code == 401
    assert db.session.get(type(enrolment), enrolment.id) is not None
    assert "Deactivated" in text_of(client.get("/admin/users/"))
    post_form(client, f"/admin/users/{learner.id}/active", {"active": "1", "reason": "Left the company"}, page="/admin/users/")
    login(app.test_client(), learner)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "user")).all()
    assert "user.deactivated" in actions and "user.reactivated" in actions


def test_only_admins_manage_users(app, client):
    target = create_user()
    assert client.get("/admin/users/").status_code == 302  # anonymous: log in first
    for role in ("learner", "author"):
        other = app.test_client()
        login(other, create_user(role=role))
        assert other.get("/admin/users/").status_code == 403
        assert post_form(other, f"/admin/users/{target.id}/role", {"role": "admin", "reason": "Duties changed"}, page="/my-learning").status_code == 403
        assert post_form(other, f"/admin/users/{target.id}/active", {"active": "0", "reason": "Left the company"}, page="/my-learning").status_code == 403
    db.session.refresh(target)
    assert target.role == "learner" and target.is_active_account


def test_users_list_pages(app, monkeypatch):
    monkeypatch.setattr(admin_views, "PER_PAGE", 2)
    client = app.test_client()
    login(client, create_user(role="admin"))
    for _ in range(4):
        create_user()
    body = text_of(client.get("/admin/users/?role=learner"))
    assert 'rel="next" href="/admin/users/?page=2&amp;role=learner"' in body and "Page 1 of 2" in body
    body = text_of(client.get("/admin/users/?role=learner&page=2"))
    assert 'rel="prev"' in body and "Page 2 of 2" in body
