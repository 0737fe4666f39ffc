"""A CSRF token that checked out is remembered until it expires (lms.csrf): posting it again
must work, and everything Flask-WTF refuses must still be refused."""
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from lms import csrf as csrf_module
from tests.factories import create_course, create_user, enrol
from tests.helpers import CSRF_RE, login, text_of


@pytest.fixture
def lesson_post(app, client):
    course = create_course(lessons=("text", "text"))
    learner = create_user()
    enrol(learner, course)
    login(client, learner)
    first = course.versions[0].lessons()[0]
    page = f"/courses/{course.slug}/lessons/{first.id}"
    return page, page + "/complete"


def test_the_same_token_posts_again_and_again(client, lesson_post):
    page, action = lesson_post
    token = CSRF_RE.search(text_of(client.get(page))).group(1)
    for _ in range(3):
        assert client.post(action, data={"csrf_token": token}).status_code == 302


def test_a_remembered_token_is_refused_to_another_session(app, client, lesson_post):
    page, action = lesson_post
    token = CSRF_RE.search(text_of(client.get(page))).group(1)
    assert client.post(action, data={"csrf_token": token}).status_code == 302
    other = app.test_client()
    login(other, create_user())
    assert other.post(action, data={"csrf_token": token}).status_code == 400


def test_a_tampered_or_missing_token_is_refused(client, lesson_post):
    page, action = lesson_post
    token = CSRF_RE.search(text_of(client.get(page))).group(1)
    assert client.post(action, data={"csrf_token": token}).status_code == 302
    assert client.post(action, data={"csrf_token": token[:-2] + "xx"}).status_code == 400
    assert client.post(action, data={}).status_code == 400


def test_a_remembered_token_expires_with_its_time_limit(app, client, lesson_post, monkeypatch):
    page, action = lesson_post
    token = CSRF_RE.search(text_of(client.get(page))).group(1)
    assert client.post(action, data={"csrf_token": token}).status_code == 302
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    later = time.time() + limit + 5
    monkeypatch.setattr(csrf_module.time, "time", lambda: later)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert client.post(action, data={"csrf_token": token}).status_code == 400


def test_the_expiry_is_the_signing_time_plus_the_limit(app):
    serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    signed = serializer.dumps("raw")
    _raw, signed_at = serializer.loads(signed, return_timestamp=True)
    assert csrf_module._expiry(signed, 3600) == signed_at.timestamp() + 3600
    assert csrf_module._expiry(signed, None) == float("inf")


def test_the_token_is_found_beside_other_fields_and_in_the_header(client, lesson_post):
    page, action = lesson_post
    token = CSRF_RE.search(text_of(client.get(page))).group(1)
    # Read from a small urlencoded body among other fields, in any order.
    body = f"note=S%C3%B8knad+%26+%C3%86rlighet&csrf_token={token}&x="
    assert client.post(action, data=body, content_type="application/x-www-form-urlencoded").status_code == 302
    # Not in the body: Flask-WTF's lookup finds it in the header.
    assert client.post(action, data="x=1", content_type="application/x-www-form-urlencoded",
                       headers={"X-CSRFToken": token}).status_code == 302
    # A large body is parsed by werkzeug as before.
    big = f"filler={'y' * 5000}&csrf_token={token}"
    assert client.post(action, data=big, content_type="application/x-www-form-urlencoded").status_code == 302
    assert client.post(action, data=f"csrf_token={token[:-2]}xx",
                       content_type="application/x-www-form-urlencoded").status_code == 400


def test_a_form_view_reads_every_field_after_the_token_check(app, client):
    """The body read for the token stays readable: a login post reaches the view whole."""
    from tests.factories import PASSWORD

    user = create_user()
    token = CSRF_RE.search(text_of(client.get("/login"))).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert response.status_code == 302
