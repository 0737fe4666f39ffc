from sqlalchemy import func, select

from config import ProductionConfig
from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.factories import PASSWORD, create_user
from tests.helpers import csrf_token, login, post_form, text_of

SIGNUP = {
    "name": "Kari  Nordmann", "email": "Kari.Nordmann@Example.COM", "password": "a long passphrase",
    "confirm": "a long passphrase", "organisation": "Oslo Pharma", "country": "NO", "locale": "nb",
}


def user_count():
    return db.session.scalar(select(func.count()).select_from(User))


def test_signup_creates_an_unverified_learner_with_a_hashed_password(client):
    response = post_form(client, "/signup", SIGNUP)
    assert response.status_code == 200 and "Check your email" in text_of(response)
    user = db.session.scalar(select(User))
    assert user.email == "kari.nordmann@example.com" and user.name == "Kari Nordmann"
    assert user.role == "learner" and user.locale == "nb" and user.country == "NO"
    assert user.organisation.name == "Oslo Pharma"
    assert user.password_hash.startswith("$argon2id$") and "passphrase" not in user.password_hash
    assert not user.email_verified
    assert db.session.scalar(select(AuditEvent.action)) == "user.signed_up"
    # Not logged in, and no login until the address is confirmed (tests/accounts/test_signup.py).
    assert client.get("/my-learning").status_code == 302


def test_signup_with_a_taken_email_answers_like_a_new_one(client, app):
    create_user(email="kari.nordmann@example.com")
    response = post_form(client, "/signup", SIGNUP)
    assert response.status_code == 200 and "Check your email" in text_of(response)
    assert "already" not in text_of(response)
    assert user_count() == 1


def test_signup_rejects_short_passwords_and_missing_fields(client):
    short = dict(SIGNUP, password="short", confirm="short")
    response = post_form(client, "/signup", short)
    assert response.status_code == 422 and "at least 12 characters" in text_of(response)
    response = post_form(client, "/signup", dict(SIGNUP, name="", country="XX", email="not-an-email"))
    assert response.status_code == 422
    body = text_of(response)
    assert "This field is required." in body and "Invalid email address." in body
    mismatch = post_form(client, "/signup", dict(SIGNUP, confirm="another long passphrase"))
    assert mismatch.status_code == 422 and "Passwords do not match." in text_of(mismatch)
    assert user_count() == 0


def test_forms_without_csrf_token_are_refused(client):
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 400
    assert "form expired" in text_of(response)
    assert user_count() == 0
    assert client.post("/login", data={"email": "a@b.c", "password": "x" * 12}).status_code == 400


def test_wrong_password_and_unknown_email_give_the_same_message(client, app):
    create_user(email="known@example.test")
    wrong = post_form(client, "/login", {"email": "known@example.test", "password": "wrong password!"})
    unknown = post_form(client, "/login", {"email": "nobody@example.test", "password": "wrong password!"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in text_of(wrong) and "Wrong email or password." in text_of(unknown)


def test_login_ignores_email_case_and_logout_ends_the_session(client, app):
    user = create_user(email="case@example.test")
    response = post_form(client, "/login", {"email": "CASE@Example.test", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/my-learning"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/my-learning").status_code == 200
    response = post_form(client, "/logout", page="/my-learning")
    assert response.status_code == 302
    after = client.get("/my-learning")
    assert after.status_code == 302 and after.location.startswith("/login")
    assert user.id


def test_login_redirects_only_to_local_next(client, app):
    user = create_user()
    response = post_form(client, "/login?next=https://evil.example/", {"email": user.email, "password": PASSWORD})
    assert response.location == "/my-learning"


def test_deactivated_user_cannot_log_in(client, app):
    user = create_user()
    user.is_active_account = False
    db.session.commit()
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_login_is_rate_limited_per_address_on_redis(client, app):
    app.config["RATELIMIT_LOGIN"] = "10 per minute"
    statuses = []
    token = csrf_token(client, "/login")
    for _ in range(12):
        statuses.append(client.post("/login", data={"csrf_token": token, "email": "not-an-email", "password": ""}).status_code)
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    limited = client.post("/login", data={"csrf_token": token, "email": "x@example.test", "password": "wrong password!"})
    assert "Too many attempts" in text_of(limited)


def test_production_cookies_are_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax" and ProductionConfig.SESSION_COOKIE_HTTPONLY


def test_settings_store_the_language_choice(client, app):
    user = create_user(locale="en")
    login(client, user)
    response = post_form(client, "/account", {"name": "New Name", "locale": "sv"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale) == ("New Name", "sv")
    assert '<html lang="sv">' in text_of(client.get("/"))
    bad = post_form(client, "/account", {"name": "New Name", "locale": "xx"})
    assert bad.status_code == 422
    db.session.refresh(user)
    assert user.locale == "sv"


def test_signup_and_login_pages_render_labelled_fields(client):
    for url in ("/signup", "/login"):
        body = text_of(client.get(url))
        assert '<label for="email">' in body and 'id="email"' in body
        assert "<main" in body and "<h1>" in body
