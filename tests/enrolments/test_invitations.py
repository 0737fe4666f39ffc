"""New users from a bulk enrolment get an invitation email (sent by the real worker) whose
set-password link works once."""
import re
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from tests.factories import create_course, create_user
from tests.helpers import login, post_form, text_of
from tests.enrolments.test_bulk import HEADER, apply_from, upload
from tests.enrolments.test_bulk_jobs import wait_for_job

pytestmark = pytest.mark.worker


def test_invitation_email_sets_a_password_once(app, client, celery_worker, mailbox):
    create_course(title="GxP essentials")
    admin = app.test_client()
    login(admin, create_user(role="admin"))
    preview = upload(admin, HEADER + "liisa@example.com,Liisa Korhonen,Helsinki Pharmacy,FI,GxP essentials,\n")
    assert apply_from(admin, preview).status_code == 303  # a worker applies it, then invites

    # The enrolment confirmation (lms.reminders) may arrive first: wait for the invitation.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any("invited" in m["Subject"] for m in list(mailbox.messages)):
        time.sleep(0.05)
    [message] = [m for m in list(mailbox.messages) if "invited" in m["Subject"]]
    assert message["To"] == "Liisa Korhonen <liisa@example.com>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = re.search(r"https?://\S+/account/set-password/\S+", text).group(0)
    assert link in html
    path = urlsplit(link).path

    assert client.get(path).status_code == 200
    short = post_form(client, path, {"password": "short", "confirm": "short"})
    assert short.status_code == 422
    response = post_form(client, path, {"password": "my own long password", "confirm": "my own long password"})
    assert response.status_code == 302
    assert "GxP essentials" in text_of(client.get("/my-learning"))
    assert app.test_client().get(path).status_code == 404  # used
    user = db.session.scalar(select(User).where(User.email == "liisa@example.com"))
    assert user.password_hash.startswith("$argon2id$")


def test_tampered_set_password_links_are_refused(client):
    assert client.get("/account/set-password/not-a-token").status_code == 404


def test_an_invited_account_cannot_log_in_before_its_password_is_set(app, client, celery_worker):
    create_course(title="GxP essentials")
    admin = app.test_client()
    login(admin, create_user(role="admin"))
    preview = upload(admin, HEADER + "aino@example.com,Aino Virtanen,Turku Pharmacy,FI,GxP essentials,\n")
    job_page = urlsplit(apply_from(admin, preview).location).path
    assert wait_for_job(admin, job_page, celery_worker)[0] == "done"
    stored = db.session.scalar(select(User.password_hash).where(User.email == "aino@example.com"))
    assert not stored.startswith("$argon2")  # nothing was hashed for a password nobody types
    for guess in (stored, stored[1:], "a long enough password"):
        response = post_form(client, "/login", {"email": "aino@example.com", "password": guess})
        assert response.status_code == 401 and "Wrong email or password." in text_of(response)
        assert "Log out" not in text_of(response)
