"""Sign-up answers alike whether the address has an account, and a new account logs in only
once its address is confirmed (the link is made here as the worker makes it;
tests/accounts/test_account_emails.py follows the real emails)."""
from sqlalchemy import func, select

from lms.accounts import tokens
from lms.accounts.models import User
from lms.extensions import db
from tests.accounts.test_http import SIGNUP
from tests.factories import PASSWORD, create_user
from tests.helpers import post_form, text_of

EMAIL = "kari.nordmann@example.com"


def log_in(client, email=EMAIL, password=SIGNUP["password"]):
    return post_form(client, "/login", {"email": email, "password": password})


def the_user():
    return db.session.scalar(select(User).where(User.email == EMAIL))


def test_signup_answers_the_same_whether_or_not_the_address_has_an_account(app):
    new = post_form(app.test_client(), "/signup", SIGNUP)
    again = post_form(app.test_client(), "/signup", dict(SIGNUP, name="Someone Else"))
    create_user(email="taken@example.com")
    taken = post_form(app.test_client(), "/signup", dict(SIGNUP, email="taken@example.com"))
    assert new.status_code == again.status_code == taken.status_code == 200
    bodies = [text_of(r).replace(email, "EMAIL") for r, email in
              ((new, EMAIL), (again, EMAIL), (taken, "taken@example.com"))]
    assert bodies[0] == bodies[1] == bodies[2]
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    assert the_user().name == "Kari Nordmann"  # the second sign-up changed nothing


def test_an_unverified_account_cannot_log_in_until_the_link_is_followed_once(app, client):
    post_form(client, "/signup", SIGNUP)
    refused = log_in(client)
    assert refused.status_code == 403 and "Confirm your email address first" in text_of(refused)
    assert client.get("/my-learning").status_code == 302
    path = f"/verify-email/{tokens.verification_token(the_user())}"
    response = client.get(path)
    assert response.status_code == 302 and response.location == "/login"
    assert "Your email address is confirmed" in text_of(client.get("/login"))
    assert log_in(client).status_code == 302
    assert client.get("/my-learning").status_code == 200
    used = app.test_client().get(path)
    assert used.status_code == 404 and "already been used" in text_of(used)


def test_a_wrong_password_on_an_unverified_account_is_an_ordinary_failure(client):
    post_form(client, "/signup", SIGNUP)
    response = log_in(client, password="not the password at all")
    assert response.status_code == 401 and "Wrong email or password." in text_of(response)


def test_tampered_verification_links_are_refused(client):
    assert client.get("/verify-email/not-a-token").status_code == 404


def test_accounts_made_by_others_need_no_confirmation(app, client):
    user = create_user()  # as an admin, a bulk enrolment or the demo data make them
    assert user.email_verified
    assert post_form(client, "/login", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_demo_accounts_log_in(app, client):
    from lms.demo import DEMO_PASSWORD, seed_demo

    assert seed_demo()
    db.session.commit()
    response = post_form(client, "/login", {"email": "ruta@demo.lms.test", "password": DEMO_PASSWORD})
    assert response.status_code == 302
