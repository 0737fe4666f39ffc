"""The account emails, sent by the real worker over SMTP: a password reset link that works
once, the sign-up confirmation link, and the notice to the owner of an address someone tried
to sign up with."""
import re
import time
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext

from tests.accounts.test_http import SIGNUP
from tests.factories import PASSWORD, create_user
from tests.helpers import post_form, text_of

pytestmark = pytest.mark.worker


def wait_for_mail(mailbox, to, subject, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in list(mailbox.messages) if to in m["To"] and m["Subject"] == subject]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {subject!r} to {to}; got {[(m['To'], m['Subject']) for m in mailbox.messages]}")


def link_in(message, path):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = re.search(rf"https?://\S+{path}\S+", text).group(0)
    assert link in html
    return urlsplit(link).path


def test_a_reset_email_carries_a_link_that_works_once(app, client, celery_worker, mailbox):
    user = create_user(email="reset.me@example.com", name="Aino Virtanen")
    response = post_form(client, "/forgot-password", {"email": "Reset.Me@example.com"})
    assert response.status_code == 200
    post_form(app.test_client(), "/forgot-password", {"email": "nobody@example.com"})
    [message] = wait_for_mail(mailbox, "reset.me@example.com", "Reset your password")
    assert message["To"] == "Aino Virtanen <reset.me@example.com>"
    path = link_in(message, "/reset-password/")
    new = "my new long passphrase"
    assert post_form(client, path, {"password": new, "confirm": new}).status_code == 302
    assert client.get("/my-learning").status_code == 200
    assert app.test_client().get(path).status_code == 404  # used
    assert post_form(app.test_client(), "/login", {"email": user.email, "password": PASSWORD}).status_code == 401
    time.sleep(0.5)
    assert not [m for m in mailbox.messages if "nobody@example.com" in m["To"]]


def test_sign_up_emails_a_confirmation_link_or_tells_the_owner(app, client, celery_worker, mailbox):
    create_user(email="taken@example.com", name="Sven Svensson")
    assert post_form(client, "/signup", SIGNUP).status_code == 200
    assert post_form(app.test_client(), "/signup", dict(SIGNUP, email="taken@example.com")).status_code == 200

    [notice] = wait_for_mail(mailbox, "taken@example.com", "Someone tried to sign up with your email address")
    body = notice.get_body(("plain",)).get_content()
    assert "/login" in body and "/forgot-password" in body

    # In the language chosen at sign-up (SIGNUP's locale: nb).
    with force_locale(SIGNUP["locale"]):
        subject = gettext("Confirm your email address")
    assert subject != "Confirm your email address"
    [message] = wait_for_mail(mailbox, "kari.nordmann@example.com", subject)
    path = link_in(message, "/verify-email/")
    assert client.get(path).status_code == 302
    login = post_form(client, "/login", {"email": SIGNUP["email"], "password": SIGNUP["password"]})
    assert login.status_code == 302
    assert "Kari Nordmann" in text_of(client.get("/account"))
    assert app.test_client().get(path).status_code == 404  # works once
