"""Signatures in a real browser: the learner's My learning and training record, the public
verification page and the site admin's signature check show the manifest, are accessible
(axe-core) and run under the Content-Security-Policy without a violation."""
import pytest
from playwright.sync_api import expect

from lms import storage
from lms.extensions import db
from tests.e2e.axe import assert_accessible
from tests.e2e.test_content_security_policy import log_in, watch_for_violations
from tests.factories import PASSWORD, create_org, create_user
from tests.signatures.signed_records import make_signed_record  # noqa: F401  (fixture)
from tests.signatures.test_manifest_pages import certificate_code

pytestmark = pytest.mark.e2e


def test_signature_pages_in_the_browser(app, live_server, browser, make_signed_record):
    org = create_org()
    org.timezone = "Europe/Oslo"
    db.session.commit()
    learner = create_user(name="Kari Nordmann", org=org)
    supervisor = create_user(name="Siri Supervisor", org=org)
    record = make_signed_record(learner=learner, supervisor=supervisor, title="GMP documentation")
    code = certificate_code(record.enrolment)
    document = f"{record.read.document_number} rev. 1"
    admin = create_user(role="admin", name="Ada Admin")

    page = browser.new_context().new_page()
    violations = watch_for_violations(page)
    log_in(page, live_server, learner.email, PASSWORD)
    page.goto(f"{live_server}/my-learning")
    signed = page.locator(".enrolment-signatures")
    expect(signed.get_by_role("heading", name="Signed documents and sign-offs")).to_be_visible()
    expect(signed.get_by_text(document)).to_be_visible()
    expect(signed.get_by_text("Siri Supervisor")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/my-learning/record")
    expect(page.get_by_role("heading", name="Electronic signatures")).to_be_visible()
    expect(page.get_by_text("I have read and understood this document")).to_be_visible()
    expect(page.get_by_text("(Europe/Oslo)").first).to_be_visible()
    assert_accessible(page)
    assert violations == [], violations

    page = browser.new_context().new_page()  # anyone with the code
    violations = watch_for_violations(page)
    page.goto(f"{live_server}/verify/{code}")
    expect(page.get_by_role("heading", name="Signed documents and sign-offs")).to_be_visible()
    expect(page.get_by_text(document)).to_be_visible()
    assert learner.email not in page.content()
    assert_accessible(page)
    assert violations == [], violations

    path = storage.path_for(record.read.file_sha256)
    original = path.read_bytes()
    page = browser.new_context().new_page()
    violations = watch_for_violations(page)
    log_in(page, live_server, admin.email, PASSWORD)
    page.goto(f"{live_server}/admin/")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Electronic signatures").click()
    expect(page.get_by_role("heading", level=1, name="Electronic signatures")).to_be_visible()
    assert_accessible(page)
    try:
        path.write_bytes(original + b"% edited\n")
        page.get_by_role("button", name="Verify now").click()
        expect(page.get_by_role("heading", name="1 signature does not match its record.")).to_be_visible()
    finally:
        path.write_bytes(original)
    expect(page.get_by_role("cell", name="The signed file has changed on disk")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Verify now").click()
    expect(page.get_by_role("heading", name="All 2 signatures checked match their records and signed files.")).to_be_visible()
    assert violations == [], violations
