"""pytest plugin: real Redis, database, Celery worker, live server and browser settings.

Enabled from tests/conftest.py with ``pytest_plugins = ["tests.support.fixtures"]``.

Session fixtures start each server once, on a free loopback port, and stop it at the end:

- ``redis_url``      redis://127.0.0.1:PORT/0 (or LMS_TEST_REDIS_URL if set: used as is)
- ``database_url``   LMS_TEST_DB=sqlite (default): a SQLite *file*, so a worker process and a
                     live server thread share it; LMS_TEST_DB=postgresql: a throwaway cluster
- ``upload_dir``     a directory for uploaded files, shared with the worker process
- ``celery_worker``  a real ``celery -A worker.app worker`` process on that Redis and database
- ``postgres_cluster`` the PostgreSQL cluster (None on SQLite), to restart it
- ``private_redis``  (module) a Redis of the module's own, to stop and start again

Function fixture:

- ``live_server``    the test's ``app`` served over HTTP; the value is the base URL

Marker: ``@pytest.mark.postgresql`` skips a test in the SQLite run.
"""
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

from config import TestConfig
from tests.support.servers import CeleryWorker, LiveServer, PostgresCluster, RedisServer, SmtpServer

DB_KINDS = ("sqlite", "postgresql")

# Keep Chromium off the network and out of /dev/shm (small in containers).
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-gpu",
]


def selected_db_kind():
    kind = os.environ.get("LMS_TEST_DB", "sqlite").strip().lower() or "sqlite"
    if kind not in DB_KINDS:
        raise pytest.UsageError(f"LMS_TEST_DB must be one of {', '.join(DB_KINDS)}, not {kind!r}")
    return kind


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    selected_db_kind()  # fail fast on a typo, before anything starts
    # A CI timeout sends SIGTERM; as an interrupt, pytest still tears the servers down
    # instead of leaving a PostgreSQL cluster, Redis and a worker running.
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)


def pytest_report_header(config):
    return f"LMS_TEST_DB={selected_db_kind()}"


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgresql") and selected_db_kind() != "postgresql":
        pytest.skip("runs only with LMS_TEST_DB=postgresql")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """URL of a Redis server for this session: a private redis-server, no persistence."""
    external = os.environ.get("LMS_TEST_REDIS_URL")
    if external:
        yield external
        return
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_cluster():
    """The session's throwaway PostgreSQL cluster (``restart()`` it to test a database
    restart), or None in the SQLite run."""
    if selected_db_kind() != "postgresql":
        yield None
        return
    cluster = PostgresCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    """A Redis server of this test module's own, to ``stop()`` and ``start()`` again (same
    port, empty: no persistence) while the app, a worker and beat use it: a Redis outage
    without disturbing the session's Redis and worker. ``.url`` is its database 0."""
    server = RedisServer(tmp_path_factory.mktemp("private-redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def outage(private_redis):
    """The module's Redis (``private_redis``), for a test to stop; started again after the
    test if the test left it stopped."""
    yield private_redis
    if not private_redis.running:
        private_redis.start()


@pytest.fixture(scope="session")
def database_url(postgres_cluster, tmp_path_factory):
    """SQLAlchemy URL of an empty database for this session (no schema: the app fixture
    migrates it)."""
    if postgres_cluster is not None:
        yield postgres_cluster.url
    else:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def upload_dir(tmp_path_factory):
    """Uploaded files for this session; the worker process gets it as LMS_UPLOAD_DIR."""
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="session")
def certificate_dir(tmp_path_factory):
    """Issued certificate PDFs for this session, shared with the worker process."""
    return tmp_path_factory.mktemp("certificates")


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on loopback for the whole session; see ``mailbox`` for a test's view."""
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mailbox(smtp_server):
    """The session's SMTP server, emptied for this test: ``.messages``, ``.wait_for(n)``."""
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


@dataclass
class RunningWorker:
    log_path: Path
    process: object

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def worker_env(redis_url, database_url, upload_dir, certificate_dir, smtp_port, instance_dir, **extra):
    """The LMS_* environment of a test worker process: the test Redis (broker and results),
    database, file directories and SMTP server; ``extra`` adds or overrides (LMS_* names)."""
    env = {
        "LMS_DATABASE_URL": database_url,
        "LMS_REDIS_URL": redis_url,
        "LMS_UPLOAD_DIR": str(upload_dir),
        "LMS_CERTIFICATE_DIR": str(certificate_dir),
        "LMS_SMTP_HOST": "127.0.0.1",
        # Signed links made by the worker (invitations, unsubscribe) must verify in the test app.
        "LMS_SECRET_KEY": TestConfig.SECRET_KEY,
        "LMS_SMTP_PORT": str(smtp_port),
        "LMS_INSTANCE_DIR": str(instance_dir),
        # Cheap hashing, as in TestConfig, for any task that creates users.
        "LMS_ARGON2_TIME_COST": "1",
        "LMS_ARGON2_MEMORY_COST": "1024",
    }
    env.update({name: str(value) for name, value in extra.items()})
    return env


@pytest.fixture(scope="session")
def celery_worker(redis_url, database_url, upload_dir, certificate_dir, smtp_server, tmp_path_factory):
    """A real Celery worker process (prefork, one child) consuming the default queue, with the
    test Redis as broker and result backend and the test database. Tests must commit what the
    worker should see."""
    workdir = tmp_path_factory.mktemp("celery")
    env = worker_env(redis_url, database_url, upload_dir, certificate_dir, smtp_server.port, workdir)
    worker = CeleryWorker(redis_url, env, workdir / "worker.log").start()
    try:
        yield RunningWorker(log_path=worker.log_path, process=worker.process)
    finally:
        worker.stop()


@pytest.fixture
def live_server(app):
    """The test's Flask app served on http://127.0.0.1:PORT in a thread; yields that base URL.
    It shares the database with the test, so commit before the browser looks."""
    server = LiveServer(app).start()
    try:
        yield server.url
    finally:
        server.stop()


def chromium_executable():
    path = os.environ.get("LMS_TEST_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is not installed: run `make system-deps`", pytrace=False)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options (--headed, --slowmo, ...) plus Debian's chromium:
    never a browser Playwright downloads."""
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": chromium_executable(),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }
