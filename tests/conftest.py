"""Per-test app and database on top of the real services started in tests.support.fixtures."""
import flask_migrate
import pytest
from flask.testing import FlaskClient
import redis
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from config import TestConfig
from lms import create_app
from lms.extensions import db

pytest_plugins = ["tests.support.fixtures"]


class RequestContextClient(FlaskClient):
    """Each request gets its own app context (and so its own ``g`` and db session), as in a
    real server, although the test itself keeps one pushed for its own database work."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's session sees what the request committed
        return response


def limits_url(redis_url):
    """Rate-limit counters in their own Redis database, so a test can reset them without
    touching the Celery broker's queues."""
    return redis_url.rsplit("/", 1)[0] + "/1"


def quiet_broker_url(redis_url):
    """A broker database no worker consumes, for tests that run no worker."""
    return redis_url.rsplit("/", 1)[0] + "/2"


def make_app(database_url, redis_url, upload_dir, certificate_dir, smtp_port, **overrides):
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=redis_url,
        RATELIMIT_STORAGE_URI=limits_url(redis_url),
        UPLOAD_DIR=str(upload_dir),
        CERTIFICATE_DIR=str(certificate_dir),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_port,
        **overrides,
    )


@pytest.fixture(scope="session")
def _schema(database_url, redis_url, upload_dir, certificate_dir, smtp_server):
    """The schema comes from the migrations, so they are tested by every run."""
    app = make_app(database_url, redis_url, upload_dir, certificate_dir, smtp_server.port)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return True


@pytest.fixture
def app_redis_url(redis_url):
    """The Redis of the test's app (broker, results, rate limits): the session's. A module
    with a Redis of its own (e.g. to stop it) overrides this fixture; its tests then run
    their own worker on it."""
    return redis_url


@pytest.fixture
def app(request, _schema, database_url, redis_url, app_redis_url, upload_dir, certificate_dir, smtp_server):
    own_redis = app_redis_url != redis_url
    redis_url = app_redis_url
    redis.Redis.from_url(limits_url(redis_url)).flushdb()
    overrides = {}
    if "celery_worker" not in request.fixturenames and not own_redis:
        # Enrolling (a confirmation email) or completing (a certificate) enqueues a task. In a
        # test without a worker it goes where nobody consumes it: else the session worker,
        # started by an earlier test, would run it during this test and its teardown.
        quiet = quiet_broker_url(redis_url)
        redis.Redis.from_url(quiet).flushdb()
        overrides["CELERY"] = {**TestConfig.CELERY, "broker_url": quiet, "result_backend": quiet}
    app = make_app(database_url, redis_url, upload_dir, certificate_dir, smtp_server.port, **overrides)
    app.test_client_class = RequestContextClient
    app.extensions["celery"].control.purge()  # no task left over from an earlier test
    with app.app_context():
        yield app
        db.session.remove()
        for attempt in range(5):
            try:
                _empty_tables()
                break
            except OperationalError:
                # A worker task still finishing can make PostgreSQL pick the TRUNCATE as a
                # deadlock victim; once the task is done it goes through.
                if attempt == 4:
                    raise
        db.engine.dispose()


def _empty_tables():
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()
