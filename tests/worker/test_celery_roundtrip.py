"""One task through the real wiring: Redis broker, a Celery worker process, the database."""
import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db
from lms.tasks import ping
from tests.factories import create_user

pytestmark = pytest.mark.worker


def test_ping_round_trips_through_broker_worker_and_database(app, celery_worker):
    create_user(email="pinger@example.test")  # committed: the worker has its own connection
    users = db.session.scalar(select(func.count()).select_from(User))
    assert users >= 1

    result = ping.delay("tok")
    try:
        reply = result.get(timeout=30)
    except Exception as exc:  # the worker's log says why far better than a timeout does
        pytest.fail(f"{exc!r}\n--- worker log ({celery_worker.log_path}) ---\n{celery_worker.log_text()[-4000:]}")

    assert reply == {"token": "tok", "users": users}
