"""The demo's electronic signatures (lms/demo_signatures.py): a published English course with a
controlled document (SOP-QA-012 revision 4, a real multi-page PDF) and an observed practice,
required by a job profile of the demo pharma organisation; its supervisor; a learner whose
signature of the SOP verifies (record hash, file SHA-256, audit event) and who waits for
sign-off; a learner who has not started; an exemption with a reason and an expiry."""
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms.accounts.models import User
from lms.audit.chain import verify_chain
from lms.audit.models import AuditEvent
from lms.compliance.models import (
    JobAssignment, JobProfile, JobProfileSupervisor, Requirement, RequirementExemption,
)
from lms.courses.models import Course
from lms.demo import DEMO_PASSWORD, ORGANISATIONS, demo_accounts
from lms.demo_signatures import COURSE, EXEMPTION_REASON, OBSERVED_TITLE, PROFILE, SIGNATURE_PEOPLE
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress.models import LessonProgress
from lms.signatures import hashing
from lms.signatures.meanings import READ_UNDERSTOOD
from lms.signatures.models import Signature
from lms.storage import path_for
from lms.timeutil import utcnow
from tests.helpers import login, text_of

PHARMA = "Swedish Pharma Quality Network"


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["lms", "seed-demo"])
    assert result.exit_code == 0, result.output
    for _name, email, *_rest in SIGNATURE_PEOPLE:
        assert email in result.output
    return app


def user(email):
    return db.session.scalar(select(User).where(User.email == email))


def course_and_lessons():
    course = db.session.scalar(select(Course).where(Course.slug == COURSE["slug"]))
    lessons = {lesson.kind: lesson for lesson in course.published_version.lessons()}
    return course, lessons


def enrolment_of(email, course):
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user(email).id,
                                                     Enrolment.course_id == course.id))


def done_lessons(enrolment):
    return set(db.session.scalars(select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == enrolment.id)))


def test_a_published_english_course_with_a_multi_page_sop_and_an_observed_practice(demo):
    course, lessons = course_and_lessons()
    assert course.title == "GMP documentation and on-the-job training" and course.language == "en"
    assert course.organisation.name == PHARMA and course.published_version.status == "published"
    assert set(lessons) == {"text", "document", "observed"}
    document, observed = lessons["document"], lessons["observed"]
    assert (document.document_number, document.document_revision) == ("SOP-QA-012", "4")
    assert observed.title == OBSERVED_TITLE and "supervisor" in observed.body_markdown
    assert document.file.content_type == "application/pdf"
    pdf = PdfReader(io.BytesIO(path_for(document.file.sha256).read_bytes()))
    assert len(pdf.pages) >= 3
    pages = [page.extract_text() for page in pdf.pages]
    for number, text in enumerate(pages, 1):
        assert "SOP-QA-012" in text and "Revision 4" in text and f"Page {number} of {len(pages)}" in text
    assert "Line clearance" in " ".join(pages)


def test_a_job_profile_of_the_pharma_organisation_requires_it_and_has_a_supervisor(demo):
    course, _lessons = course_and_lessons()
    profile = db.session.scalar(select(JobProfile).where(JobProfile.name == PROFILE))
    assert profile.organisation.name == PHARMA
    required = db.session.scalars(select(Requirement.course_id).where(
        Requirement.profile_id == profile.id, Requirement.removed_at.is_(None))).all()
    assert required == [course.id]
    supervisors = db.session.scalars(select(JobProfileSupervisor).where(
        JobProfileSupervisor.profile_id == profile.id, JobProfileSupervisor.removed_at.is_(None))).all()
    assert [s.user_id for s in supervisors] == [user("supervisor.se@demo.lms.test").id]
    assert user("supervisor.se@demo.lms.test").organisation.name == PHARMA
    holders = set(db.session.scalars(select(JobAssignment.user_id).where(JobAssignment.profile_id == profile.id)))
    assert holders == {user(email).id for email in
                       ("oskar@demo.lms.test", "hanna@demo.lms.test", "erik@demo.lms.test")}
    assert user("supervisor.se@demo.lms.test").id not in holders


def test_oskar_signed_the_sop_through_the_services_and_it_verifies(demo):
    course, lessons = course_and_lessons()
    document, observed = lessons["document"], lessons["observed"]
    oskar = user("oskar@demo.lms.test")
    enrolment = enrolment_of("oskar@demo.lms.test", course)
    signatures = db.session.scalars(select(Signature)).all()
    assert len(signatures) == 1
    signature = signatures[0]
    assert (signature.signer_id, signature.subject_user_id, signature.enrolment_id, signature.lesson_id) == (
        oskar.id, oskar.id, enrolment.id, document.id)
    assert signature.meaning == READ_UNDERSTOOD and signature.printed_name == "Oskar Nilsson"
    assert (signature.document_number, signature.document_revision) == ("SOP-QA-012", "4")
    assert signature.course_version_id == course.published_version.id
    # Bound to its record, the exact file on disk, and the audit chain.
    assert signature.record_hash == hashing.record_hash(signature)
    assert signature.file_sha256 == document.file.sha256
    assert hashing.stored_file_sha256(signature.file_sha256) == signature.file_sha256
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signature.signed"))
    assert event.data["record_hash"] == signature.record_hash and event.person_id == oskar.id
    assert verify_chain(db.session)[1] is None
    checked = demo.test_cli_runner().invoke(args=["lms", "signatures-verify"])
    assert checked.exit_code == 0 and "All 1 signature(s) match" in checked.output, checked.output
    # The document is done, the practice waits for the supervisor: the course is still open.
    assert done_lessons(enrolment) == {lessons["text"].id, document.id}
    assert observed.id not in done_lessons(enrolment) and enrolment.status == "active"
    assert oskar.signing_failures == 0 and oskar.signing_locked_at is None


def test_hanna_has_not_started_and_erik_is_exempt_with_a_reason_and_an_expiry(demo):
    course, _lessons = course_and_lessons()
    hanna = enrolment_of("hanna@demo.lms.test", course)
    assert hanna.status == "active" and hanna.source == "job_profile" and done_lessons(hanna) == set()
    erik = user("erik@demo.lms.test")
    exemption = db.session.scalar(select(RequirementExemption))
    assert (exemption.user_id, exemption.course_id) == (erik.id, course.id)
    assert exemption.reason == EXEMPTION_REASON and exemption.revoked_at is None
    assert exemption.expires_at > utcnow() and exemption.created_by_id == user("orgadmin.se@demo.lms.test").id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exemption.granted"))
    assert event.person_id == erik.id and event.course_id == course.id
    assert event.data["reason"] == EXEMPTION_REASON
    assert event.data["old"] == {"exempt": False} and event.data["new"]["exempt"] is True


def test_the_new_demo_accounts_log_in_and_see_the_course(demo):
    assert len(demo_accounts()) == len({email for _name, email, *_rest in demo_accounts()})
    for name, email, _role, org, _locale in SIGNATURE_PEOPLE:
        assert user(email).name == name and user(email).organisation.name == ORGANISATIONS[org][0]
    client = demo.test_client()
    login(client, user("oskar@demo.lms.test"), password=DEMO_PASSWORD)
    assert COURSE["title"] in text_of(client.get("/my-learning"))
    supervisor = demo.test_client()
    login(supervisor, user("supervisor.se@demo.lms.test"), password=DEMO_PASSWORD)
    assert supervisor.get("/my-learning").status_code == 200
