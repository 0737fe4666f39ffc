"""Login limits: per account (failures only, growing lockouts, reset by a success) in the
database, and per client address (all attempts loosely, failures more strictly) on Redis."""
import time

from tests.factories import PASSWORD, create_user
from tests.helpers import csrf_token, text_of


def attempt(client, email, password, token):
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password})


def test_an_accounts_lockout_grows_and_a_success_resets_it(app, client):
    app.config.update(LOGIN_LOCKOUT_AFTER=3, LOGIN_LOCKOUT_BASE_SECONDS=1, LOGIN_LOCKOUT_MAX_SECONDS=4)
    user = create_user()
    token = csrf_token(client, "/login")
    assert [attempt(client, user.email, "wrong password!", token).status_code for _ in range(2)] == [401, 401]
    locked = attempt(client, user.email, "wrong password!", token)  # the 3rd failure locks for 1 s
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert "Too many failed attempts for this account" in text_of(locked)
    assert attempt(client, user.email, PASSWORD, token).status_code == 429  # even the right password
    time.sleep(1.1)
    again = attempt(client, user.email, "wrong password!", token)  # the 4th: locked for 2 s
    assert again.status_code == 429
    time.sleep(1.1)
    assert attempt(client, user.email, PASSWORD, token).status_code == 429  # 1 s was not enough now
    time.sleep(1.0)
    assert attempt(client, user.email, PASSWORD, token).status_code == 302
    # The success cleared the count: two more failures are not locked.
    other = app.test_client()
    token = csrf_token(other, "/login")
    assert [attempt(other, user.email, "wrong password!", token).status_code for _ in range(2)] == [401, 401]


def test_the_lockout_is_capped(app, client):
    app.config.update(LOGIN_LOCKOUT_AFTER=1, LOGIN_LOCKOUT_BASE_SECONDS=60, LOGIN_LOCKOUT_MAX_SECONDS=90)
    user = create_user()
    token = csrf_token(client, "/login")
    first = attempt(client, user.email, "wrong password!", token)
    assert first.status_code == 429 and int(first.headers["Retry-After"]) >= 59
    from lms.accounts import throttle

    assert throttle.lockout_seconds(2, app.config) == 90 and throttle.lockout_seconds(40, app.config) == 90


def test_unknown_accounts_are_locked_alike(app, client):
    app.config.update(LOGIN_LOCKOUT_AFTER=2, LOGIN_LOCKOUT_BASE_SECONDS=60)
    create_user(email="known@example.test")
    token = csrf_token(client, "/login")
    answers = {}
    for email in ("known@example.test", "nobody@example.test"):
        statuses = [attempt(client, email, "wrong password!", token) for _ in range(3)]
        answers[email] = [(r.status_code, "Too many failed attempts" in text_of(r)) for r in statuses]
    assert answers["known@example.test"] == answers["nobody@example.test"] == [(401, False), (429, True), (429, True)]


def test_one_persons_lockout_does_not_lock_others_behind_the_same_address(app, client):
    app.config.update(LOGIN_LOCKOUT_AFTER=2)
    typo, colleague = create_user(), create_user()
    token = csrf_token(client, "/login")
    for _ in range(3):
        attempt(client, typo.email, "wrong password!", token)
    assert attempt(client, typo.email, PASSWORD, token).status_code == 429
    browser = app.test_client()
    assert attempt(browser, colleague.email, PASSWORD, csrf_token(browser, "/login")).status_code == 302


def test_failures_per_client_address_are_limited_but_successes_are_not_counted(app, client):
    app.config["RATELIMIT_LOGIN_FAILURES"] = "3 per minute"
    user = create_user()
    for _ in range(5):  # successes do not count towards the failure limit
        browser = app.test_client()
        assert attempt(browser, user.email, PASSWORD, csrf_token(browser, "/login")).status_code == 302
    token = csrf_token(client, "/login")
    statuses = [attempt(client, f"guess{i}@example.test", "wrong password!", token).status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert "Too many attempts" in text_of(attempt(client, user.email, PASSWORD, token))


def test_two_hundred_people_behind_one_address_log_in_within_a_minute(app):
    users = [create_user() for _ in range(200)]
    refused = 0
    for user in users:
        browser = app.test_client()
        response = attempt(browser, user.email, PASSWORD, csrf_token(browser, "/login"))
        assert response.status_code in (302, 429)
        refused += response.status_code == 429
    assert refused == 0


def test_control_characters_in_an_email_are_a_clear_422(client):
    token = csrf_token(client, "/login")
    # (A NUL anywhere in a request is a 400 before any view: tests/test_hostile_input.py.)
    response = attempt(client, "kari\x01@example.test", "wrong password!", token)
    assert response.status_code == 422 and "Use letters, digits and punctuation only." in text_of(response)
    forgot = client.post("/forgot-password", data={"csrf_token": csrf_token(client, "/forgot-password"),
                                                   "email": "kari\x1b@example.test"})
    assert forgot.status_code == 422


def test_failures_a_day_old_are_forgotten(app, client):
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from lms.accounts.models import LoginThrottle
    from lms.extensions import db
    from lms.timeutil import utcnow

    app.config.update(LOGIN_LOCKOUT_AFTER=3)
    user = create_user()
    token = csrf_token(client, "/login")
    for _ in range(2):
        attempt(client, user.email, "wrong password!", token)
    db.session.execute(update(LoginThrottle).values(last_failure_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    attempt(client, "someone.else@example.test", "wrong password!", token)  # sweeps the old row
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 1
    # Two more failures for the user do not reach the lockout: the old two are gone.
    assert [attempt(client, user.email, "wrong password!", token).status_code for _ in range(2)] == [401, 401]
