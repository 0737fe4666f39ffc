"""Electronic signatures end to end in a real browser (issue 14): a learner opens an SOP and
signs it "read and understood" with a wrong password (refused), then the right one; their
supervisor signs off the observed practice "verified competent"; the training record PDF shows
both signatures' manifest (name, meaning, date and time); an organisation admin exempts a
colleague from the course with a reason, and the audit trail's PDF lists the exemption with it."""
import io
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from lms.compliance.models import JobProfileSupervisor
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.signatures.models import Signature
from lms.timeutil import utcnow
from tests.e2e.axe import assert_accessible
from tests.e2e.test_author_journey import log_in
from tests.factories import (
    PASSWORD, add_requirement, assign_profile, create_course, create_org, create_profile, create_user, enrol,
)

pytestmark = pytest.mark.e2e

COURSE = "Line clearance and documentation"
REASON = "Works only in the warehouse until the packaging line reopens"


def pdf_text(data):
    """The PDF's text with every run of white space as one space (a table cell may wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def sign(page: Page, button, password, email=None):
    if email is not None:
        page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name=button, exact=True).click()


def test_a_learner_signs_an_sop_a_supervisor_signs_off_practice_and_an_exemption_reaches_the_audit_pdf(
    app, live_server, page: Page, browser: Browser, celery_worker
):
    org = create_org("Uppsala Pharma AB", country="SE")
    org.timezone = "Europe/Stockholm"
    org_admin = create_user("org_admin", org=org, name="Sara Orgadmin")
    site_admin = create_user("admin", org=org, name="Ada Siteadmin")
    learner = create_user(org=org, name="Kari Nordmann", email="kari.nordmann@example.com")
    colleague = create_user(org=org, name="Erik Sandberg", email="erik.sandberg@example.com")
    supervisor = create_user(org=org, name="Birgitta Holm", email="birgitta.holm@example.com")
    course = create_course(title=COURSE, org=org, lessons=("document", "observed"))
    document, observed = course.published_version.lessons()
    profile = create_profile(org, "Packaging operator, Uppsala site")
    add_requirement(profile, course)
    for person in (learner, colleague):
        assign_profile(person, profile)
    db.session.add(JobProfileSupervisor(profile=profile, user=supervisor))
    db.session.commit()
    enrol(learner, course)

    # The learner opens the SOP: its number, revision and the meaning of the signature.
    log_in(page, live_server, learner)
    page.goto(f"{live_server}/courses/{course.slug}/lessons/{document.id}")
    section = page.get_by_test_id("controlled-document")
    expect(section).to_contain_text(document.document_number)
    form = page.get_by_test_id("signing-form")
    expect(form).to_contain_text("I have read and understood this document")
    expect(form).to_contain_text("Kari Nordmann")
    assert_accessible(page)

    # A wrong password is refused and nothing is signed; the right one signs.
    sign(page, "Sign", "not my password", email=learner.email)
    expect(page.get_by_role("status").filter(has_text="The password is not correct. The document was not signed.")
           ).to_be_visible()
    db.session.rollback()
    assert db.session.scalar(select(Signature.id)) is None
    sign(page, "Sign", PASSWORD, email=learner.email)
    manifest = page.get_by_test_id("signature-manifest")
    expect(manifest).to_contain_text("Kari Nordmann")
    expect(manifest).to_contain_text("I have read and understood this document")
    expect(manifest).to_contain_text("UTC")
    assert_accessible(page)

    # Her supervisor signs off the observed practice from the list of who waits for them.
    theirs_context = browser.new_context()
    theirs = theirs_context.new_page()
    log_in(theirs, live_server, supervisor)
    theirs.get_by_role("navigation", name="Main").get_by_role("link", name="Sign-offs").click()
    waiting = theirs.get_by_test_id("waiting")
    expect(waiting).to_contain_text("Kari Nordmann")
    assert_accessible(theirs)
    waiting.get_by_role("link", name="Sign off").first.click()
    expect(theirs.get_by_role("heading", level=1, name="Sign off observed practice")).to_be_visible()
    sign(theirs, "Sign: verified competent", PASSWORD, email=supervisor.email)
    expect(theirs.get_by_role("status").filter(has_text="Kari Nordmann: verified competent")).to_be_visible()
    assert_accessible(theirs)
    theirs_context.close()

    # The learner's lesson page shows the supervisor's signature.
    page.goto(f"{live_server}/courses/{course.slug}/lessons/{observed.id}")
    manifest = page.get_by_test_id("signature-manifest")
    expect(manifest).to_contain_text("Birgitta Holm")
    expect(manifest).to_contain_text("Verified competent")

    # Both lessons signed, the course is complete; the training record PDF shows both manifests.
    db.session.rollback()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    assert enrolment.status == "completed"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    page.get_by_role("link", name="My training record (PDF, CSV)").click()
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    text = pdf_text(Path(info.value.path()).read_bytes())
    for expected in ("Kari Nordmann", "I have read and understood this document", document.document_number,
                     "Birgitta Holm", "Verified competent", "UTC"):
        assert expected in text, expected
    signed = db.session.scalars(select(Signature).order_by(Signature.id)).all()
    assert [s.signed_at.strftime("%Y-%m-%d %H:%M:%S UTC") in text for s in signed] == [True, True]

    # The organisation admin exempts the colleague from the course, with a reason.
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    log_in(admin, live_server, org_admin)
    admin.goto(f"{live_server}/admin/compliance/people/{colleague.id}/exemptions")
    admin.get_by_label("Required course", exact=True).select_option(label=COURSE)
    admin.get_by_label("Reason for the exemption (kept in the audit trail)", exact=True).fill(REASON)
    admin.get_by_label("Expires on", exact=True).fill((utcnow() + timedelta(days=90)).date().isoformat())
    assert_accessible(admin)
    admin.get_by_role("button", name="Grant the exemption").click()
    expect(admin.locator(".exemption-list")).to_contain_text(REASON)
    admin_context.close()

    # The site admin filters the audit trail by the colleague and prints it: the PDF lists it.
    audit_context = browser.new_context()
    audit = audit_context.new_page()
    log_in(audit, live_server, site_admin)
    audit.goto(f"{live_server}/admin/audit/")
    audit.get_by_label("Person (email)", exact=True).fill(colleague.email)
    audit.get_by_role("button", name="Filter").click()
    expect(audit.get_by_role("row").filter(has_text=REASON)).to_be_visible()
    with audit.expect_download() as info:
        audit.get_by_role("link", name="Download PDF").click()
    text = pdf_text(Path(info.value.path()).read_bytes())
    assert "exemption.granted" in text and REASON in text and colleague.email in text
    audit_context.close()
