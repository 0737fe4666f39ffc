"""The language switcher on every page: on the account when logged in, in the session
otherwise, back to the page it was used on; an unsupported language is refused.

It carries no CSRF token (it changes only a display preference), so an anonymous visitor gets
no session cookie from merely reading a page, and the catalogue's ETag answers 304."""
from lms.accounts.models import User
from lms.extensions import db
from tests.factories import create_course, create_user
from tests.helpers import login, text_of


def switch(client, locale, page="/courses?q=gxp"):
    """What the footer form posts: the language and the page it was used on, no token."""
    return client.post("/language", data={"locale": locale, "next": page})


def test_a_visitor_switches_to_lithuanian_and_every_page_follows(app, client):
    response = switch(client, "lt")
    assert response.status_code == 303 and response.headers["Location"] == "/courses?q=gxp"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="lt">' in page
    assert '<option value="lt" lang="lt" selected>Lietuvių</option>' in page


def test_a_logged_in_learner_keeps_the_language_on_the_account(app, client):
    learner = create_user(locale="en")
    login(client, learner)
    assert switch(client, "fi", page="/my-learning").headers["Location"] == "/my-learning"
    assert db.session.get(User, learner.id, populate_existing=True).locale == "fi"
    assert '<html lang="fi">' in client.get("/my-learning").get_data(as_text=True)


def test_an_unsupported_language_or_a_foreign_next_is_refused(app, client):
    for code in ("xx", "", "EN", "nb-NO"):
        response = switch(client, code)
        assert response.status_code == 400 and "This language is not available." in text_of(response), code
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "courses"):
        response = client.post("/language", data={"locale": "da", "next": target})
        assert response.status_code == 303 and response.headers["Location"] == "/courses", target


def test_the_footer_form_has_no_token_and_still_switches(app, client):
    page = text_of(client.get("/courses"))
    footer = page.split('class="language-switcher"', 1)[1].split("</form>", 1)[0]
    assert "csrf_token" not in footer and 'name="next" value="/courses"' in footer
    assert switch(client, "et", page="/courses").status_code == 303
    assert '<html lang="et">' in text_of(client.get("/courses"))


def test_an_anonymous_visitor_gets_no_cookie_and_a_304_on_the_catalogue_again(app, client):
    create_course(title="GxP essentials")
    first = client.get("/courses")
    assert first.status_code == 200 and "GxP essentials" in text_of(first)
    assert "Set-Cookie" not in first.headers, first.headers.get("Set-Cookie")
    etag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]

    again = client.get("/courses", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and "Set-Cookie" not in again.headers
    # Another visitor (a fresh client: no cookie jar) is served the very same page.
    other = app.test_client().get("/courses", headers={"If-None-Match": etag})
    assert other.status_code == 304 and "Set-Cookie" not in other.headers


def test_after_switching_the_catalogue_is_cached_per_language(app, client):
    create_course(title="GxP essentials")
    english = client.get("/courses").headers["ETag"]
    switch(client, "lv", page="/courses")
    latvian = client.get("/courses", headers={"If-None-Match": english})
    assert latvian.status_code == 200 and '<html lang="lv">' in text_of(latvian)
    assert client.get("/courses", headers={"If-None-Match": latvian.headers["ETag"]}).status_code == 304
