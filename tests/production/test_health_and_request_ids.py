"""/healthz and /readyz (no login, no rate limit), and the request id in logs and responses."""
import logging

import pytest

from config import TestConfig
from lms import create_app
from tests.conftest import make_app
from tests.support.servers import RedisServer, free_port


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own, which it may stop and start again (same port)."""
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


def test_healthz_answers_without_login_or_database(client):
    for _ in range(50):  # not rate-limited
        response = client.get("/healthz")
        assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    # It touches nothing but the process: an app whose database does not exist answers too.
    broken = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    assert broken.test_client().get("/healthz").status_code == 200


def test_readyz_says_which_dependency_is_down(app, own_redis, database_url, upload_dir, certificate_dir, smtp_server):
    ready_app = make_app(database_url, own_redis.url, upload_dir, certificate_dir, smtp_server.port)
    client = ready_app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}

    own_redis.stop()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.mimetype == "application/json"
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "unreachable"}}

    own_redis.start()
    assert client.get("/readyz").status_code == 200

    no_db = make_app(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none", own_redis.url, upload_dir,
                     certificate_dir, smtp_server.port)
    response = no_db.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "unreachable", "redis": "ok"}


def logging_app(database_url, redis_url, upload_dir, certificate_dir, smtp_port, **overrides):
    log_app = make_app(database_url, redis_url, upload_dir, certificate_dir, smtp_port, **overrides)

    @log_app.route("/_test/log")
    def write_log_lines():
        logging.getLogger("lms.test").warning("first line")
        logging.getLogger("elsewhere").warning("second line")
        return "logged"

    return log_app


def test_every_log_line_of_a_request_carries_its_id(app, caplog, database_url, redis_url, upload_dir,
                                                     certificate_dir, smtp_server):
    log_app = logging_app(database_url, redis_url, upload_dir, certificate_dir, smtp_server.port)
    client = log_app.test_client()
    ids = []
    for _ in range(2):
        caplog.clear()
        response = client.get("/_test/log", headers={"X-Request-ID": "chosen-by-client"})
        request_id = response.headers["X-Request-ID"]
        lines = [r for r in caplog.records if r.getMessage() in ("first line", "second line")]
        assert len(lines) == 2 and {r.request_id for r in lines} == {request_id}
        ids.append(request_id)
    # Generated (no trusted proxy, so the client's header is not taken) and new each time.
    assert ids[0] != ids[1] and "chosen-by-client" not in ids
    logging.getLogger("outside").warning("no request")
    assert caplog.records[-1].request_id == "-"


def test_a_sane_request_id_from_a_trusted_proxy_is_kept(app, database_url, redis_url, upload_dir,
                                                        certificate_dir, smtp_server):
    proxied = logging_app(database_url, redis_url, upload_dir, certificate_dir, smtp_server.port, TRUSTED_PROXIES=1)
    client = proxied.test_client()
    assert client.get("/healthz", headers={"X-Request-ID": "f3b2c1-proxy.42"}).headers["X-Request-ID"] == "f3b2c1-proxy.42"
    for insane in ("has space", "x" * 129, "new\\nline", ""):
        given = client.get("/healthz", headers={"X-Request-ID": insane}).headers["X-Request-ID"]
        assert given != insane and len(given) == 32


def test_healthz_answers_a_logged_in_browser_while_the_database_is_down(app, client):
    from tests.factories import create_user
    from tests.helpers import login

    login(client, create_user())
    # The same cookie on an app whose database is gone: the process is still up.
    down = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    down_client = down.test_client()
    for cookie in ("session",):
        value = client.get_cookie(cookie)
        assert value is not None
        down_client.set_cookie(cookie, value.value)
    response = down_client.get("/healthz")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert down_client.get("/readyz").status_code == 503
