"""A failed SMTP send is retried with backoff and delivered exactly once, or marked failed
after the last attempt: with a real worker of its own (own broker database, so the session
worker does not take these tasks) and an SMTP server that refuses on purpose."""
import time

import pytest
import redis
from celery import Celery

from config import TestConfig
from lms.extensions import db
from lms.reminders import services
from lms.reminders.models import ReminderLog
from tests.reminders.helpers import DAY, now, situation
from tests.support.servers import CeleryWorker, SmtpServer

pytestmark = pytest.mark.worker

MAX_ATTEMPTS = 4


class FlakySmtpServer(SmtpServer):
    """Answers 451 (try again later) to the next ``fail_data`` messages, and at RCPT to every
    address in ``refuse``; otherwise keeps what it receives, like SmtpServer."""

    def __init__(self):
        super().__init__()
        self.fail_data = 0
        self.refuse = set()
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            self.refused += 1
            return "451 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.fail_data > 0:
                self.fail_data -= 1
                return "451 4.3.0 Temporary failure, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def flaky(redis_url, database_url, upload_dir, certificate_dir, tmp_path_factory):
    """(smtp server, celery client, worker) on broker database 4 with quick retries."""
    broker = redis_url.rsplit("/", 1)[0] + "/4"
    redis.Redis.from_url(broker).flushdb()
    smtp = FlakySmtpServer().start()
    workdir = tmp_path_factory.mktemp("flaky-worker")
    env = {
        "LMS_DATABASE_URL": database_url,
        "LMS_REDIS_URL": broker,
        "LMS_UPLOAD_DIR": str(upload_dir),
        "LMS_CERTIFICATE_DIR": str(certificate_dir),
        "LMS_SECRET_KEY": TestConfig.SECRET_KEY,
        "LMS_SMTP_HOST": "127.0.0.1",
        "LMS_SMTP_PORT": str(smtp.port),
        "LMS_SMTP_TIMEOUT": "5",
        "LMS_INSTANCE_DIR": str(workdir),
        "LMS_REMINDER_RETRY_BASE_SECONDS": "1",
        "LMS_REMINDER_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
    }
    worker = CeleryWorker(broker, env, workdir / "worker.log").start()
    client = Celery("flaky-test-client", broker=broker)
    try:
        yield smtp, client, worker
    finally:
        client.close()
        worker.stop()
        smtp.stop()


def recorded_reminder(app):
    enrolment = situation(now(), due_in=-DAY)
    held = []
    services.run_sweep(enqueue=held.extend)
    [log_id] = held
    return enrolment, log_id


def wait_until_done(log_id, worker, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        row = db.session.get(ReminderLog, log_id)
        if row.status != "pending":
            return row
        time.sleep(0.1)
    pytest.fail(f"reminder {log_id} still pending after {timeout}s\n{worker.log_text()[-4000:]}")


def delivered_to(smtp, email):
    return [m for m in list(smtp.messages) if m["To"].addresses[0].addr_spec == email]


def test_a_temporary_smtp_failure_is_retried_with_backoff_and_delivered_once(app, flaky):
    smtp, client, worker = flaky
    enrolment, log_id = recorded_reminder(app)
    smtp.fail_data = 2
    started = time.monotonic()
    client.send_task("lms.send_reminder", args=[log_id])

    row = wait_until_done(log_id, worker)
    elapsed = time.monotonic() - started
    assert row.status == "sent" and row.attempts == 3
    assert "451" in row.last_error  # why it took three attempts
    assert elapsed >= 0.8 + 1.6  # waited ~1 s, then ~2 s: exponential backoff
    assert len(delivered_to(smtp, enrolment.user.email)) == 1
    # A redelivered task afterwards sends nothing more.
    client.send_task("lms.send_reminder", args=[log_id])
    time.sleep(1.5)
    assert len(delivered_to(smtp, enrolment.user.email)) == 1
    assert "reminder not sent again log_id=%s status=sent" % log_id in worker.log_text()


def test_an_smtp_server_that_is_down_then_back_gets_the_mail_once(app, flaky):
    smtp, client, worker = flaky
    enrolment, log_id = recorded_reminder(app)
    smtp.stop()  # connection refused: an OSError
    try:
        client.send_task("lms.send_reminder", args=[log_id])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.get(ReminderLog, log_id).attempts >= 1:
                break
            time.sleep(0.05)
    finally:
        smtp.start()  # same port
    row = wait_until_done(log_id, worker)
    assert row.status == "sent" and 2 <= row.attempts <= MAX_ATTEMPTS
    assert "Connection refused" in row.last_error or "ConnectionRefusedError" in row.last_error
    assert len(delivered_to(smtp, enrolment.user.email)) == 1


def test_after_the_last_attempt_the_reminder_is_marked_failed_and_logged(app, flaky):
    smtp, client, worker = flaky
    enrolment, log_id = recorded_reminder(app)
    smtp.refuse.add(enrolment.user.email)
    client.send_task("lms.send_reminder", args=[log_id])

    row = wait_until_done(log_id, worker)
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS
    assert "SMTPRecipientsRefused" in row.last_error and "451" in row.last_error
    assert row.sent_at is None and delivered_to(smtp, enrolment.user.email) == []
    assert f"reminder failed for good log_id={log_id}" in worker.log_text()
    # Not retried again by a redelivery, nor requeued by a sweep (only pending rows are).
    refused = smtp.refused
    client.send_task("lms.send_reminder", args=[log_id])
    time.sleep(1.5)
    assert smtp.refused == refused
