"""What every page shares, now kept between requests: the site header (per language, role and
section), the signed CSRF token (per session, re-signed every minute) and the checked session
cookie (per cookie value). Each must still be right for the request at hand."""
import re
import time

import pytest
from flask import request

from lms import sessions as sessions_module
from lms import templating
from tests.factories import create_user
from tests.helpers import CSRF_RE, login, text_of

NAV = re.compile(r'<ul class="nav">(.*?)</ul>', re.S)


def nav_of(response):
    return NAV.search(text_of(response)).group(1)


def header_token(response):
    header = text_of(response).split("</header>")[0]
    return CSRF_RE.search(header).group(1)


@pytest.mark.parametrize("role, links", [
    ("learner", ["Catalogue", "My learning", "Account"]),
    ("author", ["Catalogue", "My learning", "Authoring", "Account"]),
    ("admin", ["Catalogue", "My learning", "Authoring", "Administration", "Account"]),
])
def test_the_header_shows_what_the_role_may_use(app, role, links):
    client = app.test_client()
    anonymous = nav_of(client.get("/"))
    assert "Log in" in anonymous and "My learning" not in anonymous
    login(client, create_user(role=role))
    nav = nav_of(client.get("/my-learning"))
    shown = re.findall(r"<a [^>]*>([^<]+)</a>", nav)
    assert shown == links
    # the current section is marked, and only it
    assert re.findall(r'aria-current="page">([^<]+)<', nav) == ["My learning"]
    assert re.findall(r'aria-current="page">([^<]+)<', nav_of(client.get("/"))) == ["Catalogue"]
    assert "aria-current" not in nav_of(client.get("/courses/no-such-course"))


def test_the_header_follows_the_language(app):
    client = app.test_client()
    login(client, create_user(locale="nb"))
    assert "Logg ut" in nav_of(client.get("/my-learning"))
    other = app.test_client()
    login(other, create_user(locale="en"))
    assert "Log out" in nav_of(other.get("/my-learning"))


def test_each_session_logs_out_with_its_own_token(app):
    first, second = app.test_client(), app.test_client()
    login(first, create_user())
    login(second, create_user())
    token_1, token_2 = header_token(first.get("/my-learning")), header_token(second.get("/my-learning"))
    assert token_1 != token_2
    # A token is the session's: the other session's is refused, its own logs it out.
    assert second.post("/logout", data={"csrf_token": token_1}).status_code == 400
    assert first.post("/logout", data={"csrf_token": token_1}).status_code == 302
    assert first.get("/my-learning").status_code == 302  # logged out
    assert second.get("/my-learning").status_code == 200


def test_a_signed_token_is_reused_for_a_minute_then_signed_anew(app, monkeypatch):
    client = app.test_client()
    login(client, create_user())
    now = [1000.0]
    monkeypatch.setattr(templating.time, "monotonic", lambda: now[0])
    first = header_token(client.get("/"))
    time.sleep(1.05)  # tokens carry the second they were signed in
    assert header_token(client.get("/")) == first
    now[0] += templating.CSRF_TOKEN_REUSE_SECONDS + 1
    renewed = header_token(client.get("/"))
    assert renewed != first
    assert client.post("/logout", data={"csrf_token": first}).status_code == 302  # still valid
    # A page whose view made a form (which signs a token) shows that token everywhere.
    login(client, create_user())
    page = text_of(client.get("/account"))
    assert len(CSRF_RE.findall(page)) > 1 and len(set(CSRF_RE.findall(page))) == 1


def test_a_tampered_session_cookie_is_refused_even_after_the_real_one_was_seen(app):
    client = app.test_client()
    login(client, create_user())
    assert client.get("/my-learning").status_code == 200  # the real cookie is now remembered
    cookie = client.get_cookie("session").value
    signed, signature = cookie.rsplit(".", 1)
    forged = f"{signed}.{signature[:5]}{'A' if signature[5] != 'A' else 'B'}{signature[6:]}"
    stranger = app.test_client(use_cookies=False)
    assert stranger.get("/my-learning", headers={"Cookie": f"session={forged}"}).status_code == 302
    assert stranger.get("/my-learning", headers={"Cookie": f"session={cookie}"}).status_code == 200


def test_a_remembered_session_cookie_still_expires(app, monkeypatch):
    client = app.test_client()
    login(client, create_user())
    assert client.get("/my-learning").status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    real_time = sessions_module.time.time
    monkeypatch.setattr(sessions_module.time, "time", lambda: real_time() + lifetime + 5)
    assert client.get("/my-learning").status_code == 302  # to the login page


def test_a_request_that_changes_its_session_does_not_change_the_remembered_one(app):
    """Views change their session in place (a flash message is appended to a list): what the
    next request with the same cookie gets must be what the cookie says, nothing more."""
    client = app.test_client()
    login(client, create_user())
    client.get("/my-learning")
    cookie = client.get_cookie("session").value
    browser = app.test_client(use_cookies=False)
    headers = {"Cookie": f"session={cookie}"}
    with app.test_request_context("/", headers=headers):
        opened = app.session_interface.open_session(app, request)
        opened.setdefault("_flashes", []).append(("info", "only for this request"))
        opened["extra"] = "changed"
        again = app.session_interface.open_session(app, request)
        assert "_flashes" not in again and "extra" not in again
    assert "only for this request" not in text_of(browser.get("/my-learning", headers=headers))
