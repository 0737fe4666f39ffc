"""External activities in a real browser: a site admin sets up a body; a learner stores their
registration number and claims credits with a PDF; their organisation admin opens the
evidence and approves; the learner sees the entry in My CPD. Every page passes axe-core."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from lms.extensions import db
from tests.cpd.helpers import entries_of
from tests.e2e.axe import assert_accessible
from tests.e2e.test_author_journey import flash, log_in
from tests.factories import PDF_BYTES, create_org, create_user

pytestmark = pytest.mark.e2e

BODY = "Latvijas Farmaceitu biedrība"


def test_a_claimed_activity_is_approved_and_lands_in_the_ledger(app, live_server, page: Page, browser: Browser,
                                                                 tmp_path):
    org = create_org("Rīgas aptieka", country="LV")
    site_admin = create_user("admin", org=create_org(), name="Sam Site")
    org_admin = create_user("org_admin", org=org, name="Olga Admin")
    learner = create_user(org=org, name="Ilze Bērziņa")
    db.session.commit()

    # The site admin sets up the body.
    log_in(page, live_server, site_admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Accrediting bodies").click()
    expect(page.get_by_role("heading", level=1, name="Accrediting bodies")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill(BODY)
    page.get_by_label("Country (two-letter ISO code)").fill("LV")
    page.get_by_label("Unit", exact=True).fill("kredītpunkti")
    page.get_by_label("Rounding step").fill("0.5")
    page.get_by_label("Cap per day").fill("8")
    page.get_by_label("Format of registration numbers").fill(r"LV-\d{5}")
    page.get_by_label("Example registration number").fill("LV-12345")
    page.get_by_role("button", name="Create accrediting body").click()
    flash(page, "created")
    expect(page.get_by_role("heading", level=1, name=BODY)).to_be_visible()

    # The learner stores a registration number (a wrong one first) and claims credits.
    context = browser.new_context()
    mine = context.new_page()
    log_in(mine, live_server, learner)
    mine.get_by_role("navigation", name="Main").get_by_role("link", name="My CPD").click()
    expect(mine.get_by_role("heading", level=1, name="My CPD")).to_be_visible()
    assert_accessible(mine)
    mine.get_by_label("Accrediting body", exact=True).select_option(label=BODY)
    mine.get_by_label("Registration number", exact=True).fill("12345")
    mine.get_by_role("button", name="Save registration number").click()
    expect(mine.get_by_text("It looks like LV-12345")).to_be_visible()
    assert_accessible(mine)
    mine.get_by_label("Accrediting body", exact=True).select_option(label=BODY)
    mine.get_by_label("Registration number", exact=True).fill("LV-04711")
    mine.get_by_role("button", name="Save registration number").click()
    flash(mine, "is saved")
    mine.get_by_role("link", name="Claim credits for an external activity").click()
    assert_accessible(mine)
    evidence = tmp_path / "sertifikāts.pdf"
    evidence.write_bytes(PDF_BYTES)
    mine.get_by_label("Accrediting body", exact=True).select_option(label=BODY)
    mine.get_by_label("Title", exact=True).fill("Baltijas farmācijas kongress")
    mine.get_by_label("Provider", exact=True).fill("LFB")
    mine.get_by_label("Date", exact=True).fill((date.today() - timedelta(days=3)).isoformat())
    mine.get_by_label("Credits claimed", exact=True).fill("6.75")
    mine.get_by_label("Evidence (PDF, PNG or JPEG)").set_input_files(str(evidence))
    mine.get_by_role("button", name="Send for approval").click()
    flash(mine, "for approval")
    expect(mine.get_by_role("row", name="Baltijas farmācijas kongress")).to_contain_text("Waiting for approval")

    # The organisation admin opens the evidence and approves.
    admin_context = browser.new_context(accept_downloads=True)
    theirs = admin_context.new_page()
    log_in(theirs, live_server, org_admin)
    theirs.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    theirs.get_by_role("link", name="External activities to approve").click()
    expect(theirs.get_by_role("heading", level=2, name="Baltijas farmācijas kongress")).to_be_visible()
    assert_accessible(theirs)
    with theirs.expect_download() as download:
        theirs.get_by_role("link", name="sertifikāts.pdf").click()
    assert open(download.value.path(), "rb").read() == PDF_BYTES
    theirs.get_by_label("Approve").check()
    theirs.get_by_role("button", name="Record the decision").click()
    flash(theirs, "approved")

    # The learner's ledger: 6.75 claimed, 6.5 credited (rounded down to 0.5).
    mine.reload()
    row = mine.get_by_role("row", name="Baltijas farmācijas kongress").first
    expect(row).to_contain_text("6.5 kredītpunkti")
    expect(mine.get_by_text("Registration number: LV-04711")).to_be_visible()
    assert_accessible(mine)
    [entry] = entries_of(learner)
    assert str(entry.amount) == "6.50" and entry.source == "external"
    context.close()
    admin_context.close()
