"""The language switcher on every page: on the account when logged in, in the session
otherwise, back to the page it was used on; an unsupported language is refused."""
from lms.accounts.models import User
from lms.extensions import db
from tests.factories import create_user
from tests.helpers import csrf_token, login


def switch(client, locale, page="/courses?q=gxp"):
    token = csrf_token(client, page)
    return client.post("/language", data={"csrf_token": token, "locale": locale, "next": page})


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
    response = switch(client, "xx")
    assert response.status_code == 400 and "This language is not available." in response.get_data(as_text=True)
    token = csrf_token(client, "/")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = client.post("/language", data={"csrf_token": token, "locale": "da", "next": target})
        assert response.status_code == 303 and response.headers["Location"] == "/courses", target
