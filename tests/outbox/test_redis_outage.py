"""Redis stopped and started again under a real app, worker and beat (the outbox sweep every
second), with a real SMTP server: the learner's click, an enrolment, a login, a verification
and a bulk enrolment succeed while it is down, and the promised certificate, its email, the
enrolment confirmation, the bulk job and its invitations, and the account emails (sign-up
confirmation, password reset) arrive once it is back, each exactly once, with nobody doing
anything."""
import logging
import time

import pytest
import redis
from flask_babel import force_locale, gettext
from sqlalchemy import select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.certificates import services as certificates
from lms.enrolments.models import BulkEnrolmentJob
from lms.extensions import db
from lms.outbox.models import (ISSUE_CERTIFICATE, SEND_INVITATION, SEND_PASSWORD_RESET, SEND_SIGNUP_ATTEMPT,
                               SEND_VERIFICATION)
from tests.accounts.test_account_emails import link_in
from tests.accounts.test_http import SIGNUP
from tests.certificates.helpers import completed_enrolment
from tests.enrolments.test_bulk import HEADER, apply_from, upload
from tests.factories import create_course, create_user, enrol
from tests.helpers import csrf_token, login, post_form, text_of, wait_until
from tests.outbox.helpers import certificate_mails, issued_certificates, outbox_rows
from tests.support.fixtures import worker_env
from tests.support.servers import CeleryBeat, CeleryWorker

pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def services(private_redis, database_url, upload_dir, certificate_dir, smtp_server, tmp_path_factory):
    """A worker and beat on the module's own Redis; beat runs the outbox sweep every second and
    the reminder sweep every two (which enqueues again a reminder unsent after three)."""
    workdir = tmp_path_factory.mktemp("outage")
    env = worker_env(private_redis.url, database_url, upload_dir, certificate_dir, smtp_server.port,
                     workdir, LMS_OUTBOX_SWEEP_SECONDS=1, LMS_OUTBOX_HANDOVER_SECONDS=60,
                     LMS_REMINDER_SWEEP_SECONDS=2, LMS_REMINDER_REQUEUE_AFTER_SECONDS=3,
                     LMS_BULK_REQUEUE_SECONDS=1)
    worker = CeleryWorker(private_redis.url, env, workdir / "worker.log", name="lms-outage").start()
    beat = CeleryBeat(env, workdir / "beat")
    try:
        beat.start()
        yield worker, beat
    finally:
        beat.stop()
        worker.stop()


@pytest.fixture
def app_redis_url(private_redis, services):
    return private_redis.url


def test_the_last_lesson_completes_while_redis_is_down_and_the_certificate_follows_once(
    app, client, outage, services, mailbox
):
    learner = create_user(name="Rūta Kazlauskienė", email="ruta.outage@example.test")
    course = create_course(title="GxP essentials", lessons=("text",))
    enrolment = enrol(learner, course)
    [lesson] = enrolment.version.lessons()
    login(client, learner)
    page = f"/courses/{course.slug}/lessons/{lesson.id}"
    token = csrf_token(client, page)

    outage.stop()
    started = time.monotonic()
    response = client.post(f"{page}/complete", data={"csrf_token": token})
    elapsed = time.monotonic() - started
    assert response.status_code == 302, text_of(response)[:500]
    assert elapsed < 2, f"'mark complete' took {elapsed:.1f}s with Redis down"
    my_learning = client.get("/my-learning")
    assert my_learning.status_code == 200
    assert "Your certificate will follow" in text_of(my_learning)
    [promised] = outbox_rows(ISSUE_CERTIFICATE)
    assert promised.subject_id == enrolment.id
    assert promised.handed_over_at is None and promised.last_error  # left for the sweep
    time.sleep(2)  # beat sweeps meanwhile, and fails: still nothing lost
    assert issued_certificates(enrolment.id) is None

    outage.start()  # empty: whatever was queued before is gone too
    [cert] = wait_until(lambda: issued_certificates(enrolment.id), 60, "the certificate", logs=services)
    wait_until(lambda: certificate_mails(mailbox, learner.email), 60, "the certificate email", logs=services)
    wait_until(lambda: all(row.done_at for row in outbox_rows()), 30, "every promise done", logs=services)
    time.sleep(3)  # three more sweeps: room for a duplicate, were there one
    [message] = certificate_mails(mailbox, learner.email)
    assert cert.code in message.get_body(("plain",)).get_content()
    assert f"/certificates/{cert.code}.pdf" in text_of(client.get("/my-learning"))


def test_login_and_verification_answer_while_redis_is_down(app, client, outage, caplog):
    enrolment = completed_enrolment(name="Sven Svensson", email="sven.outage@example.test")
    cert = certificates.issue_certificate(enrolment.id)
    code = cert.code
    outage.stop()
    caplog.set_level(logging.WARNING)

    started = time.monotonic()
    login(client, enrolment.user)  # 302: the rate limiter counted in memory
    verified = app.test_client().get(f"/verify/{code}")
    assert verified.status_code == 200 and 'data-state="valid"' in text_of(verified)
    assert app.test_client().get("/verify/AAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert time.monotonic() - started < 5
    assert any("falling back to in-memory storage" in record.getMessage() for record in caplog.records)

    outage.start()
    limits = redis.Redis.from_url(outage.url.rsplit("/", 1)[0] + "/1")

    def counted_in_redis():  # Flask-Limiter looks for its storage again, and uses it
        app.test_client().get(f"/verify/{code}")
        return limits.dbsize() > 0

    wait_until(counted_in_redis, 30, "the rate limiter to use Redis again")


def test_invitations_promised_while_redis_is_down_arrive_once_it_is_back(
    app, client, outage, services, mailbox
):
    create_course(title="Pharmacovigilance signal detection")
    admin = app.test_client()
    login(admin, create_user(role="admin"))
    people = [("liis.outage@example.com", "Liis Tamm"), ("janis.outage@example.com", "Jānis Bērziņš")]
    csv = HEADER + "".join(f"{email},{name},Tallinn Pharmacy,EE,Pharmacovigilance signal detection,\n"
                           for email, name in people)
    preview = upload(admin, csv)

    outage.stop()
    started = time.monotonic()
    response = apply_from(admin, preview)
    assert response.status_code == 303 and time.monotonic() - started < 5
    # The job is recorded, queued: its task could not be handed over, and nothing is applied yet.
    job = db.session.scalar(select(BulkEnrolmentJob))
    assert job.status == "queued" and 'data-status="queued"' in text_of(admin.get(response.location))

    outage.start()
    # Beat's hand-over enqueues the job again; the worker applies it and promises the invitations.
    wait_until(lambda: db.session.get(BulkEnrolmentJob, job.id).status == "done", 60, "the bulk job", logs=services)
    invited = db.session.scalars(select(User.id).where(User.email.in_([e for e, _ in people]))).all()
    assert len(invited) == 2
    assert sorted(row.subject_id for row in outbox_rows(SEND_INVITATION)) == sorted(invited)

    def invitations():
        return [m for m in list(mailbox.messages) if "invited" in m["Subject"]]

    wait_until(lambda: len(invitations()) >= 2, 60, "both invitations", logs=services)
    wait_until(lambda: all(row.done_at for row in outbox_rows(SEND_INVITATION)), 30,
               "the invitations marked done", logs=services)
    time.sleep(3)
    assert sorted(m["To"].addresses[0].addr_spec for m in invitations()) == sorted(e for e, _ in people)
    # "Sent once" is the user's column, set with the send; no audit row stands for it.
    assert all(db.session.get(User, user_id).invitation_sent_at for user_id in invited)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "user.invitation_sent")) is None


def test_account_emails_asked_for_while_redis_is_down_arrive_once_it_is_back(
    app, client, outage, services, mailbox
):
    owner = create_user(name="Lena Berg", email="lena.outage@example.com")
    newcomer = "mari.outage@example.com"

    outage.stop()
    started = time.monotonic()
    signed_up = post_form(app.test_client(), "/signup", dict(SIGNUP, email=newcomer))
    assert signed_up.status_code == 200 and "Check your email" in text_of(signed_up)
    taken = post_form(app.test_client(), "/signup", dict(SIGNUP, email=owner.email))
    assert taken.status_code == 200 and text_of(taken).replace(owner.email, newcomer) == text_of(signed_up)
    # The same answer for a known and an unknown address.
    known = post_form(app.test_client(), "/forgot-password", {"email": "Lena.Outage@Example.com"})
    unknown = post_form(app.test_client(), "/forgot-password", {"email": "nobody.outage@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert text_of(known).replace(owner.email, "nobody.outage@example.com") == text_of(unknown)
    assert time.monotonic() - started < 5, "sign-up and reset requests are slow with Redis down"
    kinds = (SEND_VERIFICATION, SEND_SIGNUP_ATTEMPT, SEND_PASSWORD_RESET)
    promised = [row for row in outbox_rows() if row.kind in kinds]
    assert sorted(row.kind for row in promised) == sorted(kinds + (SEND_PASSWORD_RESET,))
    assert all(row.handed_over_at is None and row.done_at is None for row in promised)  # left for the sweep
    time.sleep(2)  # beat sweeps meanwhile, and fails: nothing sent, nothing lost
    assert not mailbox.messages

    outage.start()

    def mails(to, subject):
        return [m for m in list(mailbox.messages) if to in m["To"] and m["Subject"] == subject]

    with force_locale(SIGNUP["locale"]):  # the confirmation speaks the language chosen at sign-up
        confirm = gettext("Confirm your email address")
    attempt, reset = "Someone tried to sign up with your email address", "Reset your password"
    wait_until(lambda: mails(newcomer, confirm), 60, "the sign-up confirmation", logs=services)
    wait_until(lambda: mails(owner.email, reset), 60, "the reset email", logs=services)
    wait_until(lambda: all(row.done_at for row in outbox_rows() if row.kind in kinds), 30,
               "every account email done", logs=services)
    time.sleep(3)  # three more sweeps: room for a duplicate, were there one
    assert len(mails(newcomer, confirm)) == 1
    assert len(mails(owner.email, attempt)) == 1
    assert len(mails(owner.email, reset)) == 1
    assert not [m for m in list(mailbox.messages) if "nobody.outage" in m["To"]]
    assert all(row.payload is None for row in outbox_rows(SEND_PASSWORD_RESET))  # no address kept
    # The links work.
    assert client.get(link_in(mails(newcomer, confirm)[0], "/verify-email/")).status_code == 302
    assert client.get(link_in(mails(owner.email, reset)[0], "/reset-password/")).status_code == 200


def test_an_enrolment_while_redis_is_down_is_confirmed_once_it_is_back(app, client, outage, services, mailbox):
    learner = create_user(email="aino.outage@example.test")
    course = create_course(title="Data integrity basics")
    login(client, learner)
    page = f"/courses/{course.slug}"
    token = csrf_token(client, page)

    outage.stop()
    started = time.monotonic()
    assert client.post(f"{page}/enrol", data={"csrf_token": token}).status_code == 302
    assert time.monotonic() - started < 2
    outage.start()

    def confirmations():
        return [m for m in list(mailbox.messages)
                if learner.email in m["To"] and m["Subject"] == "You are enrolled in Data integrity basics"]

    wait_until(confirmations, 60, "the enrolment confirmation", logs=services)
    time.sleep(5)  # two more reminder sweeps
    assert len(confirmations()) == 1
