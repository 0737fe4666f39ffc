"""Per-test app and database on top of the real services started in tests.support.fixtures."""
import flask_migrate
import pytest
from flask.testing import FlaskClient
import redis
from sqlalchemy import text

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
def app(_schema, database_url, redis_url, upload_dir, certificate_dir, smtp_server):
    redis.Redis.from_url(limits_url(redis_url)).flushdb()
    app = make_app(database_url, redis_url, upload_dir, certificate_dir, smtp_server.port)
    app.test_client_class = RequestContextClient
    app.extensions["celery"].control.purge()  # no task left over from an earlier test
    with app.app_context():
        yield app
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()
