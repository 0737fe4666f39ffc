"""What every page shares: the site header (per language, role and section), the CSRF token
of its logout form (per session) and the session cookie."""
import re
import pytest

from tests.factories import create_user
from tests.helpers import CSRF_RE, login, text_of

NAV = re.compile(r'<ul class="nav">(.*?)</ul>', re.S)


def nav_of(response):
    return NAV.search(text_of(response)).group(1)


def header_token(response):
    header = text_of(response).split("</header>")[0]
    return CSRF_RE.search(header).group(1)


@pytest.mark.parametrize("role, links", [
    ("learner", ["Catalogue", "My learning", "My CPD", "Account"]),
    ("author", ["Catalogue", "My learning", "My CPD", "Authoring", "Account"]),
    ("admin", ["Catalogue", "My learning", "My CPD", "Authoring", "Administration", "Account"]),
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


def test_a_tampered_session_cookie_is_refused(app):
    client = app.test_client()
    login(client, create_user())
    assert client.get("/my-learning").status_code == 200
    cookie = client.get_cookie("session").value
    signed, signature = cookie.rsplit(".", 1)
    forged = f"{signed}.{signature[:5]}{'A' if signature[5] != 'A' else 'B'}{signature[6:]}"
    stranger = app.test_client(use_cookies=False)
    assert stranger.get("/my-learning", headers={"Cookie": f"session={forged}"}).status_code == 302
    assert stranger.get("/my-learning", headers={"Cookie": f"session={cookie}"}).status_code == 200
