"""Failed signing: three wrong passwords in a row lock signing and login (every session ends,
the organisation's admins are to be told), a locked account cannot log in, and an
administrator unlocks it only with a reason."""
import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.outbox.models import EMAIL_SIGNING_LOCKED, Outbox
from lms.signatures.models import Signature
from tests.factories import PASSWORD, create_course, create_org, create_user, enrol, lessons_of
from tests.helpers import login, post_form, text_of
from tests.signatures.helpers import sign, signing_form


@pytest.fixture
def locked(app):
    """A learner who gave three wrong passwords when signing, and their client."""
    learner = create_user(name="Kari Nordmann")
    course = create_course(lessons=("document",), org=learner.organisation)
    enrolment = enrol(learner, course)
    [document] = lessons_of(enrolment)
    client = app.test_client()
    login(client, learner)
    for attempt in (1, 2):
        response = sign(client, course, document, password="wrong", email=learner.email)
        assert response.status_code == 422
    third = sign(client, course, document, password="wrong", email=learner.email)
    return learner, course, document, client, third


def fresh(user):
    return db.session.get(User, user.id, populate_existing=True)


def events(action):
    return db.session.scalars(select(AuditEvent).filter_by(action=action)).all()


def test_the_third_wrong_password_locks_signing_and_login_and_promises_the_admins_email(app, locked):
    learner, course, document, client, third = locked
    assert third.status_code == 403
    assert "Signing and login are locked for your account" in text_of(third)
    assert fresh(learner).signing_locked_at is not None
    assert len(events("signature.failed")) == 3 and len(events("signature.locked")) == 1
    [row] = db.session.scalars(select(Outbox).filter_by(kind=EMAIL_SIGNING_LOCKED)).all()
    assert row.subject_id == learner.id
    # Every session ended: this one too.
    assert client.get("/my-learning").status_code == 302
    assert db.session.scalars(select(Signature)).all() == []


def test_two_wrong_passwords_do_not_lock(app):
    learner = create_user()
    course = create_course(lessons=("document",), org=learner.organisation)
    [document] = lessons_of(enrol(learner, course))
    client = app.test_client()
    login(client, learner)
    for _attempt in (1, 2):
        assert sign(client, course, document, password="wrong", email=learner.email).status_code == 422
    assert fresh(learner).signing_locked_at is None
    assert not db.session.scalars(select(Outbox).filter_by(kind=EMAIL_SIGNING_LOCKED)).all()


def test_a_locked_account_cannot_log_in_even_with_the_right_password(app, locked):
    learner, _course, _document, _client, _third = locked
    client = app.test_client()
    response = post_form(client, "/login", {"email": learner.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "locked after wrong passwords in a row when signing" in text_of(response)
    assert client.get("/my-learning").status_code == 302
    # A wrong password still gets the answer that tells nothing.
    assert post_form(client, "/login", {"email": learner.email, "password": "nope"}).status_code == 401


def admin_client(app, user):
    client = app.test_client()
    login(client, user)
    return client


def test_unlocking_needs_a_reason_and_then_login_and_signing_work_again(app, locked):
    learner, course, document, _client, _third = locked
    org_admin = create_user(role="org_admin", org=learner.organisation)
    client = admin_client(app, org_admin)
    record = text_of(client.get(f"/admin/users/{learner.id}/record"))
    assert "Signing locked since" in record and "Unlock signing" in record
    url = f"/admin/users/{learner.id}/unlock-signing"
    for reason in ("", "   "):
        refused = post_form(client, url, {"reason": reason}, page=f"/admin/users/{learner.id}/record")
        assert refused.status_code == 422 and "Give the reason for unlocking." in text_of(refused)
        assert fresh(learner).signing_locked_at is not None and not events("user.signing_unlocked")
    done = post_form(client, url, {"reason": "Identity confirmed in person"}, page=f"/admin/users/{learner.id}/record")
    assert done.status_code == 302
    assert fresh(learner).signing_locked_at is None and fresh(learner).signing_failures == 0
    [event] = events("user.signing_unlocked")
    assert event.data["reason"] == "Identity confirmed in person"
    assert (event.data["old"], event.data["new"]) == ("locked", "unlocked") and event.actor_id == org_admin.id
    assert "Signing locked since" not in text_of(client.get(f"/admin/users/{learner.id}/record"))
    # Unlocked: the learner logs in and signs.
    again = app.test_client()
    login(again, learner)
    assert sign(again, course, document, email=learner.email).status_code == 302
    assert len(db.session.scalars(select(Signature)).all()) == 1


@pytest.mark.parametrize("who", ["the learner's org admin", "site admin", "another organisation's org admin",
                                 "learner", "author"])
def test_who_may_unlock(app, locked, who):
    learner = locked[0]
    org = learner.organisation if who in ("the learner's org admin", "learner", "author") else create_org()
    role = {"site admin": "admin", "learner": "learner", "author": "author"}.get(who, "org_admin")
    client = admin_client(app, create_user(role=role, org=org))
    response = post_form(client, f"/admin/users/{learner.id}/unlock-signing", {"reason": "Checked"}, page="/")
    allowed = who in ("the learner's org admin", "site admin")
    assert response.status_code == (302 if allowed else 403)
    assert (fresh(learner).signing_locked_at is None) == allowed


def test_unlocking_an_account_that_is_not_locked_is_a_conflict(app):
    learner = create_user()
    client = admin_client(app, create_user(role="admin"))
    response = post_form(client, f"/admin/users/{learner.id}/unlock-signing", {"reason": "Checked"}, page="/")
    assert response.status_code == 409 and not events("user.signing_unlocked")
    assert post_form(client, "/admin/users/999999/unlock-signing", {"reason": "x"}, page="/").status_code == 404


def test_a_new_password_does_not_lift_the_lock(app, locked):
    from lms.accounts import tokens

    learner = locked[0]
    client = app.test_client()
    with app.test_request_context():
        token = tokens.password_reset_token(fresh(learner))
    new = "a brand new long passphrase"
    response = post_form(client, f"/reset-password/{token}", {"password": new, "confirm": new})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/my-learning").status_code == 302
    assert fresh(learner).signing_locked_at is not None
