"""A worker killed whole (SIGKILL to its process group) while it renders a certificate: the
outbox sweep (real beat) hands the work over again after the hand-over time, and another worker
issues the same certificate, with one PDF and one email. The broker's own redelivery
(visibility timeout, an hour) plays no part."""
import os
import signal
import time

import pytest

from lms.certificates.services import latest_certificate
from lms.extensions import db
from lms.outbox.models import ISSUE_CERTIFICATE
from tests.certificates.helpers import events, pdf_files
from tests.factories import create_course, create_user, enrol
from tests.helpers import login, post_form, wait_until
from tests.outbox.helpers import certificate_mails, issued_certificates, outbox_rows
from tests.support.fixtures import worker_env
from tests.support.servers import CeleryBeat, CeleryWorker

pytestmark = pytest.mark.worker

HANDOVER_SECONDS = 6


@pytest.fixture
def app_redis_url(private_redis):
    return private_redis.url


def test_a_worker_killed_mid_certificate_is_replaced_within_the_hand_over_time(
    app, client, private_redis, database_url, upload_dir, smtp_server, mailbox, tmp_path
):
    cert_dir = tmp_path / "certificates"
    app.config["CERTIFICATE_DIR"] = str(cert_dir)
    env = worker_env(
        private_redis.url, database_url, upload_dir, cert_dir, smtp_server.port, tmp_path / "instance",
        LMS_CERTIFICATE_RENDER_DELAY=60, LMS_OUTBOX_SWEEP_SECONDS=1,
        LMS_OUTBOX_HANDOVER_SECONDS=HANDOVER_SECONDS,
    )
    first = CeleryWorker(private_redis.url, env, tmp_path / "first-worker.log", name="lms-kill-first").start()
    beat = CeleryBeat(env, tmp_path / "beat")
    second = CeleryWorker(private_redis.url, {**env, "LMS_CERTIFICATE_RENDER_DELAY": "0"},
                          tmp_path / "second-worker.log", name="lms-kill-second")
    try:
        learner = create_user(name="Mads Jensen", email="mads.killed@example.test")
        course = create_course(lessons=("text",))
        enrolment = enrol(learner, course)
        [lesson] = enrolment.version.lessons()
        login(client, learner)
        page = f"/courses/{course.slug}/lessons/{lesson.id}"
        assert post_form(client, f"{page}/complete", page=page).status_code == 302
        wait_until(lambda: "certificate generating" in first.log_text(), 30, "generation to start", logs=[first])
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
        killed_at = time.monotonic()
        db.session.rollback()
        claimed = latest_certificate(enrolment.id)
        assert claimed is not None and claimed.status == "pending" and pdf_files(cert_dir) == []

        beat.start()
        second.start()
        [cert] = wait_until(lambda: issued_certificates(enrolment.id), HANDOVER_SECONDS + 60,
                            "another worker to issue it", logs=[second, beat])
        issued_after = time.monotonic() - killed_at
        wait_until(lambda: certificate_mails(mailbox, learner.email), 30, "the email", logs=[second])
        wait_until(lambda: all(row.done_at for row in outbox_rows()), 30, "every promise done", logs=[second])
        time.sleep(2)  # room for a duplicate to show up, if there were one
    finally:
        beat.stop()
        second.stop()
        first.stop()
    assert issued_after < HANDOVER_SECONDS + 30  # the hand-over time, a sweep, a worker start
    [promise] = outbox_rows(ISSUE_CERTIFICATE)
    assert promise.attempts >= 2  # handed over again by the sweep, not redelivered by Redis
    assert cert.id == claimed.id and cert.code == claimed.code
    assert pdf_files(cert_dir) == [f"{cert.code}.pdf"]
    assert [p.name for p in cert_dir.iterdir()] == [f"{cert.code}.pdf"]  # no temp file either
    assert events("certificate.issued", cert) == 1
    assert len(certificate_mails(mailbox, learner.email)) == 1
