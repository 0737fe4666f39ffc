"""Unsubscribing with the signed link (no login), one-click, and opting back in on the account
page."""
from itsdangerous import URLSafeSerializer

from lms.accounts.models import User
from lms.extensions import db
from lms.reminders.tokens import unsubscribe_token
from tests.factories import create_user
from tests.helpers import csrf_token, login, post_form, text_of


def url(token):
    return f"/reminders/unsubscribe/{token}"


def opted_out(user):
    db.session.expire_all()
    return db.session.get(User, user.id).reminders_opt_out


def test_the_link_shows_a_confirmation_and_the_button_unsubscribes_without_login(client, app):
    learner = create_user()
    token = unsubscribe_token(learner.id)
    page = client.get(url(token))
    body = text_of(page)
    assert page.status_code == 200 and "Unsubscribe from reminder emails" in body
    assert learner.email not in body  # a forwarded link shows nothing personal
    assert not opted_out(learner)  # GET alone (a link scanner) changes nothing

    done = post_form(client, url(token))
    assert done.status_code == 200 and "You are unsubscribed" in text_of(done)
    assert opted_out(learner)
    assert "already unsubscribed" in text_of(client.get(url(token)))


def test_the_pages_are_in_the_learners_language(client, app):
    learner = create_user(locale="sv")
    page = client.get(url(unsubscribe_token(learner.id)), headers={"Accept-Language": "en"})
    assert '<html lang="sv">' in text_of(page) and "Avsluta prenumerationen" in text_of(page)
    done = post_form(client, url(unsubscribe_token(learner.id)))
    assert '<html lang="sv">' in text_of(done) and "påminnelser" in text_of(done)


def test_posting_without_the_csrf_token_is_refused(client, app):
    learner = create_user()
    response = client.post(url(unsubscribe_token(learner.id)))
    assert response.status_code == 400 and not opted_out(learner)


def test_bad_or_tampered_tokens_get_a_clear_404(client, app):
    learner = create_user()
    token = unsubscribe_token(learner.id)
    forged = URLSafeSerializer("another-secret", salt="lms.reminders.unsubscribe").dumps({"u": learner.id})
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="something-else").dumps({"u": learner.id})
    unknown_user = unsubscribe_token(999999)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense", forged, other_salt, unknown_user):
        response = client.get(url(bad))
        assert response.status_code == 404, bad
        assert "This unsubscribe link is not valid" in text_of(response)
        assert client.post(url(bad), data={"csrf_token": csrf_token(client, "/login")}).status_code == 404
    assert not opted_out(learner)


def test_one_click_unsubscribe_from_the_list_unsubscribe_header(client, app):
    learner = create_user()
    one_click = url(unsubscribe_token(learner.id)) + "/one-click"
    assert client.post(one_click, data={}).status_code == 400 and not opted_out(learner)
    opened = client.get(one_click)
    assert opened.status_code == 302 and opened.location == url(unsubscribe_token(learner.id))
    response = client.post(one_click, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and opted_out(learner)
    assert client.post("/reminders/unsubscribe/forged/one-click",
                       data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_the_account_page_turns_reminders_off_and_on_again(client, app):
    learner = create_user(name="Kari Nordmann", locale="en")
    login(client, learner)
    page = text_of(client.get("/account"))
    assert 'name="reminders"' in page and "checked" in page.split('name="reminders"')[0][-200:] + page.split('name="reminders"')[1][:200]
    response = post_form(client, "/account", {"name": "Kari Nordmann", "locale": "en"})
    assert response.status_code == 302 and opted_out(learner)
    page = text_of(client.get("/account"))
    after = page.split('name="reminders"')[1][:200]
    assert "checked" not in after
    post_form(client, "/account", {"name": "Kari Nordmann", "locale": "en", "reminders": "y"})
    assert not opted_out(learner)
