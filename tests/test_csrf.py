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
