"""The demo's electronic signatures (issue 14): in the Swedish Pharma Quality Network, the job
profile "Packaging operator, Uppsala site" requires the course "GMP documentation and on-the-job
training" -- a controlled document to read and sign (SOP-QA-012 revision 4, a real multi-page
PDF, lms.demo_sop) and an observed practice a supervisor signs off. Birgitta Holm supervises
the profile; Oskar Nilsson has signed the SOP and waits for her sign-off; Hanna Ek has not
started; Erik Sandberg is exempt from the requirement, with a reason and an expiry.

Oskar's signature goes through lms.signatures.services as a signing page's POST does
(re-authentication, single-use nonce, sign, complete), so its record hash, file SHA-256 and
audit event are the real thing and ``flask lms signatures-verify`` checks them. Called by
lms.demo.seed_demo (flushes; the caller commits).
"""
from datetime import datetime, time, timedelta, timezone

import pytz
from flask import current_app

from lms.accounts.services import sign_up
from lms.audit.services import record_event
from lms.compliance.models import (
    JobAssignment, JobProfile, JobProfileSupervisor, Requirement, RequirementExemption,
)
from lms.courses.models import Course, CourseVersion, Lesson, Module
from lms.demo import DEMO_PASSWORD, ORGANISATIONS
from lms.demo_sop import NUMBER as SOP_NUMBER, REVISION as SOP_REVISION, TITLE as SOP_TITLE, sop_pdf
from lms.enrolments.services import open_enrolment
from lms.extensions import db
from lms.progress.services import complete_lesson, complete_signed_lesson
from lms.signatures import services as signing
from lms.signatures.meanings import READ_UNDERSTOOD
from lms.storage import store_bytes
from lms.timeutil import utcnow

PHARMA = 1  # the demo organisation index of the Swedish Pharma Quality Network

# In the shape of lms.demo.PEOPLE: (name, email, role, organisation index, interface language).
SIGNATURE_PEOPLE = [
    ("Birgitta Holm", "supervisor.se@demo.lms.test", "learner", PHARMA, "en"),  # supervises the profile
    ("Oskar Nilsson", "oskar@demo.lms.test", "learner", PHARMA, "en"),  # signed the SOP, waits for sign-off
    ("Hanna Ek", "hanna@demo.lms.test", "learner", PHARMA, "en"),  # has not started
    ("Erik Sandberg", "erik@demo.lms.test", "learner", PHARMA, "sv"),  # exempt
]
SUPERVISOR, SIGNED, NOT_STARTED, EXEMPT = (email.split("@")[0] for _n, email, *_r in SIGNATURE_PEOPLE)

COURSE = {
    "slug": "gmp-documentation-on-the-job-training",
    "title": "GMP documentation and on-the-job training",
    "summary": "Read and sign the site's documentation procedure, then show a supervisor that you "
               "clear a packaging line correctly.",
    "cpd_hours": 1.5, "due_days": 30, "validity_months": 12,
}
INTRO = (
    "## Reading a controlled document\n\nA controlled document has a **number** and a **revision**. "
    "Open the PDF, read all of it, then sign \"I have read and understood this document\" with your "
    "password. Your signature records your printed name, the date and time and the exact file you "
    "read.")
OBSERVED_TITLE = "Line clearance under observation"
OBSERVED_BODY = (
    "## Line clearance under observation\n\nPerform line clearance on a packaging line as "
    f"{SOP_NUMBER} section 7 describes, while your supervisor watches:\n\n"
    "1. Remove every material, printed component and document of the previous batch.\n"
    "2. Inspect the line with checklist F-QA-012-1, guards open where it says so.\n"
    "3. Clear the coders and printers.\n"
    "4. Record the clearance and ask for the independent check.\n\n"
    "Your supervisor signs \"Verified competent\" here when you have done it correctly.")
PROFILE = "Packaging operator, Uppsala site"
EXEMPTION_REASON = (
    "Transferred from the Strängnäs site, where line clearance on the same packaging line type was "
    "trained and signed off (training record STR-TR-2291). Exempt until the next annual review.")
EXEMPTION_DAYS = 180


def seed_signatures(orgs, people):
    """Everything listed above. ``people``: the demo's users by the part of their email before
    the @ (the accounts made here are added to it). Flushes; the caller commits."""
    org = orgs[PHARMA]
    for name, email, role, org_index, locale in SIGNATURE_PEOPLE:
        people[email.split("@")[0]] = sign_up(
            name=name, email=email, password=DEMO_PASSWORD, organisation=orgs[org_index].name,
            country=ORGANISATIONS[org_index][1], locale=locale, role=role)
    course, intro, document = _course(org, people["author"])
    admin = people["orgadmin.se"]
    now = utcnow()
    profile = JobProfile(organisation_id=org.id, name=PROFILE, created_at=now - timedelta(days=400),
                         description="Operators of the primary and secondary packaging lines.")
    db.session.add(profile)
    db.session.flush()
    db.session.add(Requirement(profile_id=profile.id, course_id=course.id, due_days=COURSE["due_days"],
                               recurs=True, created_at=profile.created_at))
    supervisor = JobProfileSupervisor(profile_id=profile.id, user_id=people[SUPERVISOR].id,
                                      added_at=now - timedelta(days=300), added_by_id=admin.id)
    db.session.add(supervisor)
    db.session.flush()
    # The event data in the shape of lms.compliance.supervisors (issue 14's supervisor pages).
    record_event("supervisor.added", supervisor, actor=admin, user_id=supervisor.user_id, profile_id=profile.id,
                 old=None, new={"profile": profile.name, "supervisor": people[SUPERVISOR].name,
                                "added_at": supervisor.added_at.isoformat()})

    enrolments = {}
    for key, days_ago in ((SIGNED, 12), (NOT_STARTED, 3), (EXEMPT, 20)):
        assigned_at = now - timedelta(days=days_ago)
        db.session.add(JobAssignment(user_id=people[key].id, profile_id=profile.id, assigned_at=assigned_at,
                                     assigned_by_id=admin.id))
        enrolment, _created = open_enrolment(people[key], course, "job_profile", actor=admin,
                                             due_at=assigned_at + timedelta(days=COURSE["due_days"]))
        enrolment.enrolled_at = assigned_at
        enrolments[key] = enrolment
    db.session.flush()
    _sign_the_sop(people[SIGNED], enrolments[SIGNED], intro, document)
    _exempt(people[EXEMPT], course, admin, now)
    db.session.flush()
    return course


def _course(org, author):
    """The course, published: an introduction and the SOP to sign, then the observed practice."""
    course = Course(slug=COURSE["slug"], title=COURSE["title"], summary=COURSE["summary"], language="en",
                    cpd_hours=COURSE["cpd_hours"], organisation=org, owner=author,
                    default_due_days=COURSE["due_days"], validity_months=COURSE["validity_months"])
    version = CourseVersion(course=course, number=1, status="published", published_at=utcnow())
    documents = Module(version=version, position=0, title="Controlled documents")
    practice = Module(version=version, position=1, title="On-the-job training")
    intro = Lesson(module=documents, position=0, kind="text", title="Reading a controlled document",
                   body_markdown=INTRO)
    document = Lesson(
        module=documents, position=1, kind="document", title=f"{SOP_NUMBER} {SOP_TITLE}",
        file=store_bytes(sop_pdf(), f"{SOP_NUMBER}-rev{SOP_REVISION}.pdf", "application/pdf"),
        document_number=SOP_NUMBER, document_revision=SOP_REVISION,
        body_markdown="Read the whole procedure, then sign that you have read and understood it.")
    observed = Lesson(module=practice, position=0, kind="observed", title=OBSERVED_TITLE, body_markdown=OBSERVED_BODY)
    db.session.add_all([course, version, documents, practice, intro, document, observed])
    db.session.flush()
    return course, intro, document


def _sign_the_sop(learner, enrolment, intro, document):
    """The learner reads the introduction and signs the SOP the way the signing page does:
    password and email again (the first signing of a session), the page's nonce, the signature
    with the file's SHA-256, then the lesson completes. The observed practice stays open."""
    complete_lesson(enrolment, intro, learner)
    file_sha256 = document.file.sha256
    # The signing services keep "signed in this session" in the session: a request of its own.
    with current_app.test_request_context():
        signing.check_signer(learner, DEMO_PASSWORD, email=learner.email)
        nonce = signing.issue_nonce(learner, enrolment, document, file_sha256)
        signing.use_nonce(nonce, learner, enrolment, document, file_sha256)
        signing.sign(learner, enrolment, document, READ_UNDERSTOOD, file_sha256=file_sha256)
        complete_signed_lesson(enrolment, document, learner)


def _exempt(user, course, admin, now):
    """Exempt until the start of a day EXEMPTION_DAYS ahead in the organisation's time zone (as
    the exemption form sets it), granted two days ago; the event data in the shape of
    lms.compliance.exemptions."""
    zone = pytz.timezone(user.organisation.timezone or "UTC")
    expires_on = now.astimezone(zone).date() + timedelta(days=EXEMPTION_DAYS)
    expires_at = zone.localize(datetime.combine(expires_on, time())).astimezone(timezone.utc)
    exemption = RequirementExemption(user_id=user.id, course_id=course.id, reason=EXEMPTION_REASON,
                                     created_at=now - timedelta(days=2), created_by_id=admin.id,
                                     expires_at=expires_at)
    db.session.add(exemption)
    db.session.flush()
    record_event("exemption.granted", exemption, actor=admin, user_id=user.id, course_id=course.id,
                 reason=EXEMPTION_REASON, expires=expires_at.isoformat(), old={"exempt": False},
                 new={"exempt": True, "expires_at": expires_at.isoformat(), "expires_on": expires_on.isoformat()})
    return exemption
