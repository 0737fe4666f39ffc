"""With Redis down (the rate limiter falls back to memory, the broker is unreachable), the
account pages still answer at once: sign-up, a password-reset request and login."""
import time

import pytest

from tests.factories import PASSWORD, create_user
from tests.helpers import csrf_token, text_of
from tests.accounts.test_http import SIGNUP


@pytest.fixture
def app_redis_url(private_redis):
    return private_redis.url


def timed_post(client, url, data):
    token = csrf_token(client, url)
    started = time.monotonic()
    response = client.post(url, data={**data, "csrf_token": token})
    return response, time.monotonic() - started


def test_account_pages_answer_while_redis_is_down(app, client, outage):
    user = create_user(email="kari.outage@example.test")
    outage.stop()
    response, seconds = timed_post(app.test_client(), "/signup", SIGNUP)
    assert response.status_code == 200 and "Check your email" in text_of(response), text_of(response)[:300]
    assert seconds < 3, f"sign-up took {seconds:.1f}s with Redis down"
    response, seconds = timed_post(app.test_client(), "/forgot-password", {"email": user.email})
    assert response.status_code == 200 and seconds < 3
    response, seconds = timed_post(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and seconds < 3
    assert client.get("/account").status_code == 200
