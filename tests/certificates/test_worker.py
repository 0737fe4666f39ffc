"""Certificates made by a real Celery worker: the whole path from the last lesson to the email
(a worker killed mid-generation: test_worker_killed.py)."""
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.factories import create_course, create_user, enrol
from tests.helpers import login, post_form, text_of, wait_until

pytestmark = pytest.mark.worker

VERIFY_LINK_RE = re.compile(r"https?://\S+/verify/([A-Z2-7]{24})")



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
    # Recorded, just after the mail went out (the worker commits after sending).
    wait_until(lambda: certificates_for(enrolment.id)[0].emailed_at, 30, "the email recorded as sent",
               logs=[celery_worker])

