"""Password change on the account page and password reset by emailed link (the link is made
here the way the worker makes it; tests/accounts/test_account_emails.py follows the real email)."""
import time

from sqlalchemy import select

from lms.accounts import tokens
from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.factories import PASSWORD, create_user
from tests.helpers import login, post_form, text_of

NEW = "a brand new passphrase"


def change(client, current, new=NEW, confirm=None):
    return post_form(client, "/account/password", {
        "current": current, "password": new, "confirm": confirm or new,
    }, page="/account")


def can_log_in(app, user, password):
    response = post_form(app.test_client(), "/login", {"email": user.email, "password": password})
    return response.status_code == 302


def test_password_change_asks_for_the_current_password(app, client):
    user = create_user()
    login(client, user)
    page = text_of(client.get("/account"))
    assert "Change password" in page and 'name="current"' in page
    wrong = change(client, "not my password at all")
    assert wrong.status_code == 422 and "This is not your current password." in text_of(wrong)
    short = change(client, PASSWORD, "short")
    assert short.status_code == 422 and "at least 12 characters" in text_of(short)
    mismatch = change(client, PASSWORD, NEW, "another passphrase")
    assert mismatch.status_code == 422 and "Passwords do not match." in text_of(mismatch)
    assert can_log_in(app, user, PASSWORD)

    response = change(client, PASSWORD)
    assert response.status_code == 302 and response.location == "/account"
    assert "Your password is changed" in text_of(client.get("/account"))
    assert client.get("/my-learning").status_code == 200  # still logged in here
    assert not can_log_in(app, user, PASSWORD)
    assert can_log_in(app, user, NEW)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "user.password_changed"))


def test_password_change_needs_a_login(client):
    assert client.post("/account/password").status_code in (302, 400)
    assert client.get("/account").status_code == 302


def reset_path(user):
    return f"/reset-password/{tokens.password_reset_token(user)}"


def test_a_reset_link_sets_the_password_once(app, client):
    user = create_user()
    path = reset_path(user)
    page = client.get(path)
    assert page.status_code == 200 and user.email in text_of(page)
    assert post_form(client, path, {"password": "short", "confirm": "short"}).status_code == 422
    response = post_form(client, path, {"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.location == "/my-learning"
    assert client.get("/my-learning").status_code == 200
    assert can_log_in(app, user, NEW) and not can_log_in(app, user, PASSWORD)
    # Used: the link names the password hash it was made for.
    again = app.test_client()
    assert again.get(path).status_code == 404
    assert "not valid or has already been used" in text_of(again.get(path))


def test_a_reset_link_expires_after_its_time(app, client):
    app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] = 1
    user = create_user()
    path = reset_path(user)
    time.sleep(2.1)
    response = client.get(path)
    assert response.status_code == 410 and "expired" in text_of(response)
    assert app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] == 1


def test_the_default_reset_link_lasts_one_hour(app):
    assert app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] == 3600


def test_tampered_reset_links_and_deactivated_accounts_are_refused(app, client):
    user = create_user()
    path = reset_path(user)
    assert client.get(path[:-8] + "AAAAAAAA").status_code == 404
    assert client.get("/reset-password/not-a-token").status_code == 404
    user.is_active_account = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_an_invited_account_sets_its_first_password_through_a_reset(app, client):
    from lms.accounts.invitations import unusable_password_hash

    user = create_user()
    user.password_hash = unusable_password_hash()
    db.session.commit()
    response = post_form(client, reset_path(user), {"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert can_log_in(app, user, NEW)


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(app, client):
    create_user(email="known@example.test")
    assert "Forgot your password?" in text_of(client.get("/login"))
    known = post_form(client, "/forgot-password", {"email": "Known@Example.test"})
    unknown = post_form(client, "/forgot-password", {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r, e: text_of(r).replace(e, "EMAIL")  # noqa: E731
    assert strip(known, "known@example.test") == strip(unknown, "nobody@example.test")
    bad = post_form(client, "/forgot-password", {"email": ""})
    assert bad.status_code == 422


def test_forgot_password_is_rate_limited_per_target_address(app, client):
    statuses = [post_form(app.test_client(), "/forgot-password", {"email": "someone@example.test"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another address from the same client is not affected by that address's limit.
    assert post_form(client, "/forgot-password", {"email": "other@example.test"}).status_code == 200


def test_forgot_password_is_rate_limited_per_client_address(app, client):
    app.config["RATELIMIT_PASSWORD_RESET"] = "2 per minute"
    statuses = [post_form(client, "/forgot-password", {"email": f"p{i}@example.test"}).status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    assert db.session.scalar(select(User.id)) is None  # nothing was created
