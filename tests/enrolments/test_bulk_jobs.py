"""Bulk enrolment applied by the real Celery worker: the job page, all or nothing when the data
changed since the preview, applied once however often it is submitted or delivered, and the
beat's hand-over of a job whose task was lost (broker down) or whose worker died."""
import os
import re
import signal
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import redis
from celery import Celery
from sqlalchemy import func, select, update

from config import TestConfig
from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.enrolments.models import BulkEnrolmentJob, Enrolment
from lms.enrolments.tasks import apply_bulk_job, hand_over_bulk_jobs
from lms.extensions import db
from lms.timeutil import utcnow
from tests.conftest import RequestContextClient, make_app
from tests.enrolments.test_bulk import FUTURE, HEADER, INLINE_SCRIPT, apply_form_of, apply_from, counts, upload
from tests.factories import create_course, create_user, enrol
from tests.helpers import login, post_form, text_of, wait_until
from tests.support.fixtures import worker_env
from tests.support.servers import CeleryWorker

pytestmark = pytest.mark.worker

STATUS_RE = re.compile(r'data-status="(\w+)"')


def wait_for_job(client, path, worker, timeout=60, until=("done", "failed")):
    """Reload the job page (as its refresh does) until its status is one of ``until``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(path)
        assert page.status_code == 200
        match = STATUS_RE.search(text_of(page))
        if match and match.group(1) in until:
            db.session.rollback()  # see what the worker committed
            return match.group(1), text_of(page)
        time.sleep(0.2)
    pytest.fail(f"job at {path} not {until} after {timeout}s\n{worker.log_text()[-4000:]}")



def events(action):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def job_at(path):
    return db.session.get(BulkEnrolmentJob, int(path.rsplit("/", 1)[1]))


@pytest.fixture
def admin(app):
    client = app.test_client()
    login(client, create_user(role="admin"))
    return client


def test_preview_then_apply_runs_as_a_job_whose_page_shows_the_counts(app, admin, celery_worker):
    course = create_course(title="GxP essentials")
    other = create_course(title="Pharmacovigilance")
    existing = create_user(email="old@example.com")
    enrol(existing, course)
    many = [f"learner{n:03}@example.com,Learner {n:03},Tartu Pharmacy,EE,Pharmacovigilance,\n" for n in range(200)]
    csv_text = HEADER + (
        f"new@example.com,Kari Nordmann,Oslo Pharma,NO,GxP essentials,{FUTURE}\n"
        f"new@example.com,Kari Nordmann,Oslo Pharma,NO,Pharmacovigilance,\n"
        "old@example.com,Old Timer,Oslo Pharma,NO,GxP essentials,\n"
        "old@example.com,Old Timer,Oslo Pharma,NO,Pharmacovigilance,\n"
    ) + "".join(many)
    preview = upload(admin, csv_text)
    assert "All 204 rows are valid" in text_of(preview)
    response = apply_from(admin, preview)
    assert response.status_code == 303
    path = urlsplit(response.location).path

    status, body = wait_for_job(admin, path, celery_worker)
    assert status == "done", body
    assert "Done: 203 enrolments, 201 new users invited, 1 already enrolled and left as they were." in body
    assert "http-equiv=\"refresh\"" not in body and not INLINE_SCRIPT.search(body)
    assert body.count("New user: invite and enrol") == 202  # both rows of new@ and "Already enrolled: left as it is" in body
    new = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert new.name == "Kari Nordmann" and new.organisation.name == "Oslo Pharma" and new.country == "NO"
    assert {e.course_id for e in db.session.scalars(select(Enrolment).where(Enrolment.user_id == new.id))} == {course.id, other.id}
    gxp = db.session.scalar(select(Enrolment).where(Enrolment.user_id == new.id, Enrolment.course_id == course.id))
    assert gxp.due_at.date().isoformat() == FUTURE
    assert db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.course_id == other.id)) == 202
    job = job_at(path)
    assert (job.status, job.row_count, job.progress, job.attempts) == ("done", 204, 204, 1)
    assert job.started_at <= job.finished_at and job.submitted_by.role == "admin"
    assert events("user.invited") == 201 and events("enrolment.bulk_applied") == 1
    listing = text_of(admin.get("/admin/enrolments/bulk"))
    assert f'href="{path}"' in listing and "Done" in listing


def test_a_file_that_became_invalid_since_the_preview_fails_the_job_and_writes_nothing(app, admin, celery_worker):
    create_course(title="GxP essentials")
    leaver = create_user(email="leaver@example.com")
    preview = upload(admin, HEADER + (
        "fresh@example.com,Fresh Person,Oslo Pharma,NO,GxP essentials,\n"
        "leaver@example.com,Leaving Person,Oslo Pharma,NO,GxP essentials,\n"
    ))
    assert "All 2 rows are valid" in text_of(preview)
    leaver.is_active_account = False  # deactivated between the preview and the apply
    db.session.commit()
    before = counts()
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    path = urlsplit(apply_from(admin, preview).location).path
    status, body = wait_for_job(admin, path, celery_worker)
    assert status == "failed"
    assert "Failed: 1 row has errors now (the data changed since the preview). Nothing was changed" in body
    assert "The account of leaver@example.com is deactivated." in body
    assert counts() == before
    assert db.session.scalar(select(User).where(User.email == "fresh@example.com")) is None
    # Only the submission was recorded: no invitation, no enrolment.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before + 1
    assert job_at(path).finished_at is not None


def test_applied_once_however_often_submitted_or_delivered(app, admin, celery_worker):
    create_course(title="GxP essentials")
    preview = upload(admin, HEADER + "once@example.com,Only Once,Oslo Pharma,NO,GxP essentials,\n")
    fields = apply_form_of(preview)
    first = post_form(admin, "/admin/enrolments/bulk/apply", fields, page="/admin/enrolments/bulk")
    again = post_form(admin, "/admin/enrolments/bulk/apply", fields, page="/admin/enrolments/bulk")
    assert first.status_code == again.status_code == 303 and first.location == again.location
    path = urlsplit(first.location).path
    assert wait_for_job(admin, path, celery_worker)[0] == "done"
    after = counts()
    job_id = job_at(path).id

    # The task delivered again (a redelivery after a lost acknowledgement) and the hand-over
    # run: the job is done, so neither applies it a second time.
    apply_bulk_job.delay(job_id)
    hand_over_bulk_jobs.delay(0)
    deadline = time.monotonic() + 30
    while f"bulk job {job_id} not claimed" not in celery_worker.log_text():
        assert time.monotonic() < deadline, celery_worker.log_text()[-4000:]
        time.sleep(0.1)
    db.session.rollback()
    assert counts() == after
    assert events("enrolment.bulk_applied") == 1 and events("user.invited") == 1
    assert db.session.scalar(select(func.count()).select_from(BulkEnrolmentJob)) == 1
    assert job_at(path).attempts == 1


@pytest.fixture
def broker_down_admin(app, database_url, redis_url, upload_dir, certificate_dir, smtp_server):
    """An admin's client on an app whose broker is a closed port (Redis down at submit)."""
    closed = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
    down = make_app(database_url, redis_url, upload_dir, certificate_dir, smtp_server.port,
                    CELERY={**TestConfig.CELERY, "broker_url": closed, "result_backend": closed})
    down.test_client_class = RequestContextClient
    client = down.test_client()
    login(client, create_user(role="admin"))
    yield client
    with down.app_context():
        db.engine.dispose()
    use_own_broker(app)


def use_own_broker(app):
    """Celery's current app is the newest one made (the one with the closed port): make it the
    test's own again, so the tasks the test sends reach the worker."""
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()


def test_a_job_submitted_while_the_broker_is_down_is_handed_over_later(app, broker_down_admin, celery_worker):
    create_course(title="GxP essentials")
    preview = upload(broker_down_admin, HEADER + "later@example.com,Later Person,Oslo Pharma,NO,GxP essentials,\n")
    started = time.monotonic()
    response = apply_from(broker_down_admin, preview)
    assert response.status_code == 303 and time.monotonic() - started < 10
    path = urlsplit(response.location).path
    body = text_of(broker_down_admin.get(path))
    assert 'data-status="queued"' in body and '<meta http-equiv="refresh" content="2">' in body
    use_own_broker(app)

    hand_over_bulk_jobs.delay(0)  # what beat runs every BULK_REQUEUE_SECONDS
    status, body = wait_for_job(broker_down_admin, path, celery_worker)
    assert status == "done" and "Done: 1 enrolments, 1 new users invited" in body
    assert db.session.scalar(select(User).where(User.email == "later@example.com")) is not None


def test_a_job_left_running_by_a_dead_worker_is_put_back_and_applied(app, broker_down_admin, celery_worker):
    create_course(title="GxP essentials")
    preview = upload(broker_down_admin, HEADER + "stuck@example.com,Stuck Person,Oslo Pharma,NO,GxP essentials,\n")
    path = urlsplit(apply_from(broker_down_admin, preview).location).path
    use_own_broker(app)
    # As a worker killed mid-apply leaves it: claimed, its transaction rolled back with it,
    # no sign of life for longer than BULK_STALE_SECONDS.
    long_ago = utcnow() - timedelta(seconds=TestConfig.BULK_STALE_SECONDS + 60)
    db.session.execute(update(BulkEnrolmentJob).where(BulkEnrolmentJob.id == job_at(path).id).values(
        status="running", attempts=1, started_at=long_ago, heartbeat_at=long_ago, enqueued_at=long_ago))
    db.session.commit()
    assert 'data-status="running"' in text_of(broker_down_admin.get(path))

    hand_over_bulk_jobs.delay()
    status, body = wait_for_job(broker_down_admin, path, celery_worker)
    assert status == "done"
    assert job_at(path).attempts == 2
    assert events("enrolment.bulk_applied") == 1


def test_a_worker_killed_mid_job_leaves_nothing_and_the_job_is_applied_once_later(
    app, broker_down_admin, redis_url, database_url, upload_dir, certificate_dir, smtp_server, tmp_path
):
    """SIGKILL to a worker's whole process group while it applies a job: its transaction dies
    with it; a new worker takes the job back (the hand-over finds it stale, or the broker
    redelivers the unacknowledged task) and applies it, once."""
    create_course(title="GxP essentials")
    rows = 400
    csv_text = HEADER + "".join(f"killed{n:03}@example.com,Person {n:03},Riga Pharma,LV,GxP essentials,\n" for n in range(rows))
    path = urlsplit(apply_from(broker_down_admin, upload(broker_down_admin, csv_text)).location).path
    use_own_broker(app)
    job_id = job_at(path).id
    before = counts()
    # A broker of its own (Redis db 3), so the session worker never takes these tasks.
    broker = redis_url.rsplit("/", 1)[0] + "/3"
    redis.Redis.from_url(broker).flushdb()
    env = worker_env(broker, database_url, upload_dir, certificate_dir, smtp_server.port, tmp_path / "instance",
                     LMS_BROKER_VISIBILITY_TIMEOUT=3, LMS_BULK_STALE_SECONDS=2)
    sender = Celery("bulk-kill-test", broker=broker)
    first = CeleryWorker(broker, env, tmp_path / "first-worker.log", name="lms-bulk-kill-first").start()
    try:
        sender.send_task("lms.apply_bulk_job", args=[job_id])
        wait_until(lambda: job_at(path).status == "running", 30, "the job to start", logs=[first])
        time.sleep(0.3)  # into its rows (a few hundred take seconds)
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
    finally:
        first.stop()
    db.session.rollback()
    assert job_at(path).status == "running" and counts() == before  # nothing of the run is left

    second = CeleryWorker(broker, env, tmp_path / "second-worker.log", name="lms-bulk-kill-second").start()
    try:
        time.sleep(2.5)  # past BULK_STALE_SECONDS since the first run's last sign of life
        sender.send_task("lms.hand_over_bulk_jobs")  # what beat runs
        wait_until(lambda: job_at(path).status == "done", 120, "the job to be applied again", logs=[second])
        time.sleep(4)  # the first run's redelivered task comes back too: it must find the job done
    finally:
        second.stop()
        sender.close()
        redis.Redis.from_url(broker).flushdb()
    db.session.rollback()
    job = job_at(path)
    assert job.attempts == 2 and job.progress == rows
    assert counts() == (before[0] + rows, before[1] + rows)
    assert events("enrolment.bulk_applied") == 1 and events("user.invited") == rows
