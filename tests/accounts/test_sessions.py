"""Server-side session end: the account's session generation travels in the cookie, and a
cookie saved before a logout, "log out everywhere", password change or reset, deactivation or
role change is refused afterwards."""
from lms.accounts import tokens
from lms.audit.models import AuditEvent
from lms.extensions import db
from sqlalchemy import select
from tests.factories import PASSWORD, create_user
from tests.helpers import login, post_form, text_of

PRIVATE = "/my-learning"


def saved_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(app, cookie_value):
    """A new browser that presents a saved session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other


def logged_in(client):
    response = client.get(PRIVATE)
    if response.status_code == 302:
        assert response.location.startswith("/login")
        return False
    assert response.status_code == 200
    return True


def admin_client(app):
    client = app.test_client()
    login(client, create_user(role="admin"))
    return client


def test_a_cookie_saved_before_logout_is_refused_afterwards(app, client):
    user = create_user()
    login(client, user)
    saved = saved_cookie(client)
    assert logged_in(replay(app, saved))  # a copy works while the session lasts
    assert post_form(client, "/logout", page=PRIVATE).status_code == 302
    assert not logged_in(client)
    assert not logged_in(replay(app, saved))
    assert db.session.scalar(select(AuditEvent.data).where(AuditEvent.action == "user.sessions_ended")) == {"reason": "logout"}


def test_logging_out_ends_the_accounts_other_sessions_too(app, client):
    user = create_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    post_form(phone, "/logout", page=PRIVATE)
    assert not logged_in(laptop)


def test_log_out_everywhere_ends_the_other_sessions_and_keeps_this_one(app, client):
    user = create_user()
    other = app.test_client()
    login(client, user)
    login(other, user)
    saved = saved_cookie(client)
    page = text_of(client.get("/account"))
    assert "Log out everywhere else" in page
    response = post_form(client, "/account/sessions/end", page="/account")
    assert response.status_code == 302 and response.location == "/account"
    assert "You are logged out on every other device" in text_of(client.get("/account"))
    assert logged_in(client)
    assert not logged_in(other)
    assert not logged_in(replay(app, saved))  # this browser's own old cookie too
    assert client.post("/account/sessions/end").status_code == 400  # no CSRF token


def test_a_cookie_saved_before_a_password_change_is_refused(app, client):
    user = create_user()
    login(client, user)
    saved = saved_cookie(client)
    response = post_form(client, "/account/password", {
        "current": PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase",
    }, page="/account")
    assert response.status_code == 302
    assert logged_in(client)
    assert not logged_in(replay(app, saved))


def test_a_cookie_saved_before_a_password_reset_is_refused(app, client):
    user = create_user()
    browser = app.test_client()
    login(browser, user)
    saved = saved_cookie(browser)
    path = f"/reset-password/{tokens.password_reset_token(user)}"
    response = post_form(client, path, {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302 and logged_in(client)
    assert not logged_in(browser)
    assert not logged_in(replay(app, saved))


def test_a_cookie_saved_before_deactivation_stays_refused_after_reactivation(app, client):
    user = create_user()
    login(client, user)
    saved = saved_cookie(client)
    admin = admin_client(app)
    assert post_form(admin, f"/admin/users/{user.id}/active", {"active": "0", "reason": "Left the company"}, page="/admin/users/").status_code == 302
    assert not logged_in(replay(app, saved))
    assert post_form(admin, f"/admin/users/{user.id}/active", {"active": "1", "reason": "Left the company"}, page="/admin/users/").status_code == 302
    assert not logged_in(replay(app, saved))
    assert not logged_in(client)
    fresh = app.test_client()
    login(fresh, user)  # the account itself works again
    assert logged_in(fresh)


def test_a_role_change_ends_the_users_sessions(app, client):
    user = create_user()
    login(client, user)
    admin = admin_client(app)
    assert post_form(admin, f"/admin/users/{user.id}/role", {"role": "author", "reason": "Duties changed"}, page="/admin/users/").status_code == 302
    assert not logged_in(client)
    login(client, user)
    assert client.get("/author/").status_code == 200


def test_identifiers_without_a_valid_generation_name_nobody():
    from lms.accounts.models import parse_session_id

    assert parse_session_id("12:3") == (12, 3)
    for bad in ("12", "12:x", "12:²", ":", "", None, "12:" + "9" * 30, "-1:0", "1:2:3"):
        assert parse_session_id(bad) is None
