"""What every request shows a client: rate-limit headers and 429s on the limited views, CSRF on
every form, the remember-me cookie cleared at logout, and ``Vary: Cookie`` on every response
that depends on the session."""
import pytest

from tests.factories import PASSWORD, create_user
from tests.helpers import csrf_token, login, post_form, text_of

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After")


def rate_headers(response):
    return {name: response.headers.get(name) for name in RATE_HEADERS if name in response.headers}


def removes_remember_cookie(response):
    return any(c.startswith("remember_token=;") and "Max-Age=0" in c for c in response.headers.getlist("Set-Cookie"))


# --------------------------------------------------------------------------- rate limits


@pytest.mark.parametrize("url, data, limit", [
    ("/login", {"email": "nobody@example.test", "password": "wrong password!"}, "10"),
    ("/signup", {"name": "", "email": "not-an-email", "password": "short"}, "5"),
])
def test_limited_forms_send_rate_limit_headers_and_429(app, client, url, data, limit):
    # Failed logins per address are the login's strictest limit (the per-account lockout,
    # tests/accounts/test_login_limits.py, is put off here).
    app.config.update(RATELIMIT_LOGIN_FAILURES="10 per minute", LOGIN_LOCKOUT_AFTER=1000)
    token = csrf_token(client, url)
    first = client.post(url, data={**data, "csrf_token": token})
    assert first.status_code in (401, 422)
    headers = rate_headers(first)
    assert headers["X-RateLimit-Limit"] == limit and headers["X-RateLimit-Remaining"] == str(int(limit) - 1)
    assert 0 < int(headers["Retry-After"]) <= 60
    for _ in range(int(limit) - 1):
        client.post(url, data={**data, "csrf_token": token})
    refused = client.post(url, data={**data, "csrf_token": token})
    assert refused.status_code == 429 and "Too many attempts" in text_of(refused)
    assert rate_headers(refused)["X-RateLimit-Remaining"] == "0" and "Retry-After" in refused.headers


def test_certificate_verification_sends_rate_limit_headers_and_429(client, app):
    app.config["RATELIMIT_VERIFY"] = "2 per minute"
    first = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAA2")
    assert first.status_code == 404 and rate_headers(first)["X-RateLimit-Remaining"] == "1"
    client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAA3")
    refused = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAA4")
    assert refused.status_code == 429 and rate_headers(refused)["X-RateLimit-Limit"] == "2"


def test_pages_without_a_limit_send_no_rate_limit_headers(client):
    # The same views' GETs are not limited (methods=["POST"]); nor is any other page, even
    # right after a limited request.
    post_form(client, "/login", {"email": "nobody@example.test", "password": "wrong password!"})
    for url in ("/login", "/signup", "/", "/no-such-page", "/static/css/app.css"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert rate_headers(response) == {}, url


# --------------------------------------------------------------------------- CSRF


def test_csrf_is_checked_on_unsafe_methods_only(client):
    assert client.get("/login").status_code == 200
    assert client.head("/login").status_code == 200
    refused = client.post("/login", data={"email": "nobody@example.test", "password": "wrong password!"})
    assert refused.status_code == 400 and "The form expired" in text_of(refused)
    user = create_user()
    login(client, user)
    assert client.post("/logout").status_code == 400  # still logged in
    assert client.get("/account").status_code == 200


# --------------------------------------------------------------------------- sessions and Vary


def test_pages_that_read_the_session_vary_by_cookie(client):
    # Anonymous pages too: their header, language and CSRF token come from the session.
    for url in ("/", "/login", "/no-such-page"):
        assert "Cookie" in client.get(url).vary, url
    login(client, create_user())
    for url in ("/", "/my-learning", "/account", "/no-such-page"):
        assert "Cookie" in client.get(url).vary, url


def test_the_language_from_the_session_makes_the_page_vary_by_cookie(client):
    english = client.get("/no-such-page", headers={"Accept-Language": "en"})
    with client.session_transaction() as session:
        session["locale"] = "sv"
    swedish = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in text_of(english) and '<html lang="sv">' in text_of(swedish)
    assert "Cookie" in english.vary and "Cookie" in swedish.vary


def test_vary_cookie_joins_a_vary_header_the_view_set(app, client):
    @app.get("/_test/varies")
    def varies():
        from flask import make_response, session

        response = make_response(session.get("x", "none"))
        response.headers["Vary"] = "Accept-Encoding"
        return response

    assert client.get("/_test/varies").headers["Vary"] == "Accept-Encoding, Cookie"


def test_the_session_is_read_among_other_cookies(client):
    user = create_user()
    client.set_cookie("first", "1")
    login(client, user)
    client.set_cookie("zz_last", "2")
    assert client.get("/account").status_code == 200
    client.set_cookie("session", "forged.value.here")
    assert client.get("/account").status_code == 302  # a cookie that does not check out: logged out


# --------------------------------------------------------------------------- remember-me cookie


def test_a_session_from_another_browser_is_dropped_and_its_remember_cookie_cleared(client):
    # Flask-Login's strong session protection leaves "_remember" = "clear" in the session for
    # its after_request, which must still see it.
    user = create_user()
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert client.get("/account").status_code == 200
    stolen = client.get("/account", headers={"User-Agent": "another browser"})
    assert stolen.status_code == 302 and stolen.location.startswith("/login")
    assert removes_remember_cookie(stolen)


def test_an_app_with_rate_limits_switched_off_starts_and_serves(app):
    """bench/reports.py runs with RATELIMIT_ENABLED=False: Flask-Limiter then registers no
    hooks, and create_app must not look for them (it raised ValueError)."""
    from config import TestConfig
    from lms import create_app

    same = {name: app.config[name] for name in (
        "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "RATELIMIT_STORAGE_URI", "UPLOAD_DIR", "CERTIFICATE_DIR",
        "SMTP_HOST", "SMTP_PORT", "CELERY")}
    unlimited = create_app(TestConfig, RATELIMIT_ENABLED=False, **same)
    try:
        client = unlimited.test_client()
        assert client.get("/").status_code == 200
        response = client.get("/login")
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers
    finally:
        create_app(TestConfig, **same)  # the shared limiter is enabled again, as for every app


def test_a_page_in_the_browsers_language_varies_by_accept_language(client):
    swedish = client.get("/", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert '<html lang="sv">' in text_of(swedish)
    assert "Accept-Language" in swedish.headers.get("Vary", "")
    missing = client.get("/no-such-page", headers={"Accept-Language": "nb"})
    assert missing.status_code == 404 and "Accept-Language" in missing.headers.get("Vary", "")


def test_a_page_in_the_accounts_language_does_not_vary_by_accept_language(client):
    login(client, create_user(locale="nb"))
    page = client.get("/my-learning", headers={"Accept-Language": "sv"})
    assert '<html lang="nb">' in text_of(page)
    assert "Cookie" in page.headers["Vary"] and "Accept-Language" not in page.headers["Vary"]
