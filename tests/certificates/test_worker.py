"""Certificates made by real Celery workers: the whole path from the last lesson to the email,
and a worker killed (SIGKILL) mid-generation."""
import os
import re
import signal
import time
from urllib.parse import urlsplit

import pytest
import redis
from celery import Celery
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.certificates.helpers import completed_enrolment, events, pdf_files
from tests.factories import create_course, create_user, enrol
from tests.helpers import login, post_form, text_of
from tests.support.fixtures import worker_env
from tests.support.servers import CeleryWorker

pytestmark = pytest.mark.worker

VERIFY_LINK_RE = re.compile(r"https?://\S+/verify/([A-Z2-7]{24})")


def wait_until(predicate, timeout, what, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot of what the worker committed
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    tails = "\n".join(f"--- {worker.log_path} ---\n{worker.log_text()[-4000:]}" for worker in logs)
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{tails}")


def certificates_for(enrolment_id):
    return db.session.scalars(select(Certificate).where(Certificate.enrolment_id == enrolment_id)).all()


def mails_to(mailbox, address):
    """The certificate emails to ``address`` (other features mail the learner too)."""
    return [m for m in mailbox.messages if address in m["To"] and m["Subject"].startswith("Your certificate")]


def test_finishing_a_course_over_http_issues_the_certificate_and_emails_the_learner(
    app, client, celery_worker, mailbox, certificate_dir
):
    learner = create_user(name="Aino Virtanen", email="aino.cert@example.test")
    course = create_course(title="Pharmacovigilance signal detection", lessons=("text", "quiz"))
    enrolment = enrol(learner, course)
    text_lesson, quiz = enrolment.version.lessons()
    login(client, learner)
    base = f"/courses/{course.slug}/lessons"
    post_form(client, f"{base}/{text_lesson.id}/complete", page=f"{base}/{text_lesson.id}")
    single, multiple = quiz.questions
    passed = post_form(client, f"{base}/{quiz.id}/quiz", {f"q{single.id}": "0", f"q{multiple.id}": ["0", "2"]},
                       page=f"{base}/{quiz.id}")
    assert "You passed." in text_of(passed)

    def issued():
        certs = certificates_for(enrolment.id)
        return certs[0] if certs and certs[0].status == "issued" else None

    cert = wait_until(issued, 30, "the issued certificate", logs=[celery_worker])
    assert (certificate_dir / f"{cert.code}.pdf").is_file()
    wait_until(lambda: mails_to(mailbox, learner.email), 30, "the certificate email", logs=[celery_worker])
    [message] = mails_to(mailbox, learner.email)
    assert message["To"] == "Aino Virtanen <aino.cert@example.test>"
    assert message["Subject"] == "Your certificate for Pharmacovigilance signal detection"
    text = message.get_body(("plain",)).get_content()
    link = VERIFY_LINK_RE.search(text)
    assert link and link.group(1) == cert.code
    assert link.group(0) in message.get_body(("html",)).get_content()

    # The link works: no login needed, and it says valid.
    client.get("/my-learning")  # still logged in; verification does not care
    verified = app.test_client().get(urlsplit(link.group(0)).path)
    assert verified.status_code == 200 and 'data-state="valid"' in text_of(verified)
    assert "Aino Virtanen" in text_of(verified) and learner.email not in text_of(verified)
    # And "My learning" offers the PDF.
    page = text_of(client.get("/my-learning"))
    assert f"/certificates/{cert.code}.pdf" in page
    download = client.get(f"/certificates/{cert.code}.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    # Recorded once, just after the mail went out (the worker commits after sending).
    wait_until(lambda: events("certificate.email_sent", cert) == 1, 30, "the email recorded as sent",
               logs=[celery_worker])


def test_a_worker_killed_while_generating_leaves_exactly_one_certificate_and_one_pdf(
    app, redis_url, database_url, upload_dir, smtp_server, mailbox, tmp_path
):
    """SIGKILL to the worker's whole process group mid-render: the task is redelivered (late
    acknowledgement, visibility timeout 3 s) to a new worker, which finishes the claim."""
    enrolment = completed_enrolment(name="Mads Jensen", email="mads.killed@example.test")
    # A broker of its own (Redis db 3), so the session worker never takes this task.
    broker = redis_url.rsplit("/", 1)[0] + "/3"
    redis.Redis.from_url(broker).flushdb()
    cert_dir = tmp_path / "certificates"
    env = worker_env(
        broker, database_url, upload_dir, cert_dir, smtp_server.port, tmp_path / "instance",
        LMS_BROKER_VISIBILITY_TIMEOUT=3, LMS_CERTIFICATE_RENDER_DELAY=60,
    )
    first = CeleryWorker(broker, env, tmp_path / "first-worker.log", name="lms-kill-first").start()
    try:
        sender = Celery("kill-test", broker=broker)
        sender.send_task("lms.issue_certificate", args=[enrolment.id])
        sender.close()
        claimed = wait_until(lambda: certificates_for(enrolment.id), 30, "the claimed certificate", logs=[first])
        delivered = time.monotonic()  # the worker took the message before it claimed
        wait_until(lambda: "certificate generating" in first.log_text(), 10, "generation to start", logs=[first])
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
    finally:
        first.stop()
    [claimed] = claimed
    assert claimed.status == "pending" and pdf_files(cert_dir) == []
    # Kombu restores an unacknowledged message once it is older than the visibility timeout,
    # checking when a worker starts and every few seconds after: start past the timeout so
    # the first check already finds it.
    time.sleep(max(0.0, delivered + 3 + 1.5 - time.monotonic()))

    second_env = {**env, "LMS_CERTIFICATE_RENDER_DELAY": "0"}
    second = CeleryWorker(broker, second_env, tmp_path / "second-worker.log", name="lms-kill-second").start()
    try:
        def issued():
            certs = certificates_for(enrolment.id)
            return certs if certs and all(c.status == "issued" for c in certs) else None

        [cert] = wait_until(issued, 120, "the redelivered task to issue it", logs=[second])
        wait_until(lambda: mails_to(mailbox, "mads.killed@example.test"), 30, "the email", logs=[second])
        time.sleep(1)  # room for a duplicate to show up, if there were one
    finally:
        second.stop()
        redis.Redis.from_url(broker).flushdb()
    assert cert.id == claimed.id and cert.code == claimed.code
    assert pdf_files(cert_dir) == [f"{cert.code}.pdf"]
    assert [p.name for p in cert_dir.iterdir()] == [f"{cert.code}.pdf"]  # no temp file either
    assert events("certificate.issued", cert) == 1
    assert len(mails_to(mailbox, "mads.killed@example.test")) == 1
