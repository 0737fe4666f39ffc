"""Production settings that cannot be got wrong: LMS_ENV chooses the config for the web app,
the CLI and the worker; production refuses a missing, short or development secret key; Secure
cookies; X-Forwarded-* trusted from exactly LMS_TRUSTED_PROXIES proxies."""
import os
import subprocess
import sys

import pytest

from config import DEVELOPMENT_SECRET_KEY, Config, ConfigError, ProductionConfig, TestConfig, select_config
from lms import create_app
from tests.conftest import limits_url, quiet_broker_url
from tests.factories import create_user
from tests.helpers import csrf_token
from tests.support.servers import REPO_ROOT

GOOD_KEY = "k" * 32
BAD_KEYS = {
    "missing": None,
    "empty": "",
    "development": DEVELOPMENT_SECRET_KEY,
    "short": "s" * 31,
    # 31 bytes although 16 characters would look long enough to a careless check.
    "short in bytes": "ū" * 15 + "x",
}


def production_env(**extra):
    """The environment of a process started with LMS_ENV=production and ``extra`` LMS_* values."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("LMS_")}
    env.update(LMS_ENV="production", PYTHONUNBUFFERED="1")
    env.update({name: value for name, value in extra.items() if value is not None})
    return env


def test_lms_env_selects_the_config_class():
    assert select_config({}) is Config
    assert select_config({"LMS_ENV": "development"}) is Config
    assert select_config({"LMS_ENV": "production"}) is ProductionConfig
    assert select_config({"LMS_ENV": " Production "}) is ProductionConfig
    with pytest.raises(ConfigError, match="LMS_ENV"):
        select_config({"LMS_ENV": "prod"})  # a typo is refused, not silently development


@pytest.mark.parametrize("key", list(BAD_KEYS.values()), ids=list(BAD_KEYS))
def test_a_production_app_refuses_a_bad_secret_key(key):
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        create_app(ProductionConfig, SECRET_KEY=key)


def test_create_app_without_arguments_uses_lms_env(monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        create_app(SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    app = create_app(SECRET_KEY=GOOD_KEY)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    monkeypatch.delenv("LMS_ENV")
    assert create_app().config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("key", ["development", "short", "missing"])
def test_the_cli_with_lms_env_production_exits_non_zero_on_a_bad_key(key, tmp_path):
    env = production_env(LMS_SECRET_KEY=BAD_KEYS[key], LMS_INSTANCE_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "lms", "lms", "--help"], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "LMS_SECRET_KEY" in result.stderr


def test_the_cli_with_lms_env_production_and_a_good_key_runs(tmp_path):
    env = production_env(LMS_SECRET_KEY=GOOD_KEY, LMS_INSTANCE_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "lms", "lms", "--help"], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "seed-demo" in result.stdout


def test_the_worker_with_lms_env_production_refuses_the_development_key(tmp_path, redis_url):
    env = production_env(LMS_SECRET_KEY=DEVELOPMENT_SECRET_KEY, LMS_REDIS_URL=quiet_broker_url(redis_url),
                         LMS_INSTANCE_DIR=str(tmp_path), LMS_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "--pool=solo", "--loglevel=info"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "LMS_SECRET_KEY" in result.stderr + result.stdout


def production_app(database_url, redis_url, upload_dir, certificate_dir, smtp_server, **overrides):
    """A ProductionConfig app on the test services (cheap password hashing, no worker)."""
    quiet = quiet_broker_url(redis_url)
    return create_app(
        ProductionConfig, SECRET_KEY=GOOD_KEY, SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=redis_url,
        RATELIMIT_STORAGE_URI=limits_url(redis_url), UPLOAD_DIR=str(upload_dir),
        CERTIFICATE_DIR=str(certificate_dir), SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port,
        ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=1024,
        CELERY={**TestConfig.CELERY, "broker_url": quiet, "result_backend": quiet}, **overrides,
    )


def test_production_cookies_are_secure(app, database_url, redis_url, upload_dir, certificate_dir, smtp_server):
    user = create_user()
    prod = production_app(database_url, redis_url, upload_dir, certificate_dir, smtp_server)
    client = prod.test_client()
    token = csrf_token(client, "https://lms.example/login")
    response = client.post("https://lms.example/login", data={"email": user.email, "password": "correct horse battery",
                                           "remember": "y", "csrf_token": token},
                           headers={"Referer": "https://lms.example/login"})  # Flask-WTF's HTTPS check
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in cookie for cookie in cookies), cookies
    assert any(cookie.startswith("session=") for cookie in cookies)


def proxied_app(app_factory_args, hops):
    app = production_app(*app_factory_args, TRUSTED_PROXIES=hops)

    @app.route("/_test/where")
    def where():
        from flask import request
        return {"remote_addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app


@pytest.mark.parametrize("hops", [0, 1, 2])
def test_proxyfix_trusts_exactly_the_configured_number_of_proxies(
        hops, app, database_url, redis_url, upload_dir, certificate_dir, smtp_server):
    proxied = proxied_app((database_url, redis_url, upload_dir, certificate_dir, smtp_server), hops)
    headers = {
        # A client's own claim first, then what each of two proxies appended.
        "X-Forwarded-For": "6.6.6.6, 203.0.113.7, 10.0.0.2",
        "X-Forwarded-Proto": "http, https, https",
        "X-Forwarded-Host": "evil.example, lms.example, lms.internal",
        "X-Forwarded-Port": "1, 443, 8443",
    }
    seen = proxied.test_client().get("/_test/where", headers=headers,
                                     environ_base={"REMOTE_ADDR": "10.0.0.1"}).get_json()
    expected = {
        0: {"remote_addr": "10.0.0.1", "scheme": "http", "host": "localhost"},
        1: {"remote_addr": "10.0.0.2", "scheme": "https", "host": "lms.internal:8443"},
        2: {"remote_addr": "203.0.113.7", "scheme": "https", "host": "lms.example"},
    }[hops]
    assert seen == expected


def test_a_negative_number_of_proxies_is_refused():
    with pytest.raises(ConfigError, match="LMS_TRUSTED_PROXIES"):
        create_app(TestConfig, TRUSTED_PROXIES=-1)


def test_unsubscribe_and_invitation_tokens_are_salted_apart_from_the_session():
    # Both sign with SECRET_KEY (checked above), each with its own salt, so a token of one
    # kind is never valid as another or as a session cookie.
    from lms.accounts import invitations
    from lms.reminders import tokens

    assert tokens.SALT and invitations.SALT and tokens.SALT != invitations.SALT
