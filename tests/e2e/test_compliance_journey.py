"""The training matrix end to end in a real browser: an organisation admin creates a job
profile with two requirements, gives it to a person through the bulk CSV (applied by a real
worker), sees the dashboard at 0%; the person completes one course in their own browser and
the dashboard shows 50%; the admin downloads the colour-coded matrix; an author publishes a
major version of the completed course with a future effective date, and the admin sees that
the person will need retraining."""
import io
import re
from datetime import timedelta, timezone

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow
from tests.e2e.axe import assert_accessible
from tests.e2e.test_author_journey import log_in
from tests.factories import create_course, create_org, create_user

pytestmark = pytest.mark.e2e

ORG = "Oslo Pharma"
PROFILE = "QA specialist, Oslo site"
GXP = "GxP essentials"
SOP = "SOP-014 deviation handling"
PERSON = "Kari Nordmann"
COMPLIANT_FILL, PENDING_FILL = "C6EFCE", "D9D9D9"  # lms.compliance.matrix_export.COLOURS


def administration(page: Page, link):
    """Follow ``link`` of the Administration page, reached from the main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1, name="Administration")).to_be_visible()
    page.get_by_role("navigation", name="Administration").get_by_role("link", name=link).click()


def expect_bar(page: Page, name, percent):
    """The progress bar called ``name`` stands at ``percent`` and its cell says so."""
    bar = page.get_by_role("progressbar", name=name, exact=True)
    expect(bar).to_have_attribute("aria-valuenow", str(percent))
    expect(page.get_by_role("cell").filter(has=bar)).to_have_text(f"{percent}%")


def test_org_admin_sets_up_a_matrix_sees_it_fill_exports_it_and_sees_who_will_retrain(
    app, live_server, page: Page, browser: Browser, celery_worker, tmp_path
):
    org = create_org(name=ORG)
    admin = create_user(role="org_admin", org=org, name="Olga Admin", email="olga.admin@example.com")
    author = create_user(role="author", org=org, name="Anders Author", email="anders.author@example.com")
    gxp = create_course(org=org, title=GXP, lessons=("text", "file"))
    sop = create_course(org=org, title=SOP, lessons=("text",))
    person = create_user(org=org, name=PERSON, email="kari.nordmann@example.com")
    db.session.commit()  # the live server and the worker have their own connections

    # The organisation admin creates the job profile with two requirements.
    log_in(page, live_server, admin)
    administration(page, "Job profiles")
    expect(page.get_by_role("heading", level=1, name=f"Job profiles of {ORG}")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill(PROFILE)
    page.get_by_role("button", name="Create job profile").click()
    expect(page.get_by_role("heading", level=1, name=PROFILE)).to_be_visible()
    for title, days in ((GXP, "30"), (SOP, "14")):
        page.get_by_label("Course", exact=True).select_option(label=title)
        page.get_by_label("Days until due").fill(days)
        page.get_by_role("button", name="Add requirement").click()
        expect(page.get_by_role("row", name=title)).to_be_visible()
    assert_accessible(page)

    # ... and gives it to the person through the bulk CSV: preview, then apply by a worker.
    upload = tmp_path / "qa-team.csv"
    upload.write_text(
        "email,name,organisation,country,course,job_profiles,reason\n"
        f'{person.email},{PERSON},{ORG},NO,,"{PROFILE}",Joins the QA team\n', encoding="utf-8")
    administration(page, "Bulk enrolment")
    expect(page.get_by_role("heading", level=1, name="Bulk enrolment")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("CSV file").set_input_files(upload)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1, name="Bulk enrolment preview")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("All 1 rows are valid. Nothing has changed yet.")
    rows = page.get_by_role("table", name="Rows of qa-team.csv")
    row = rows.get_by_role("row").filter(has_text=person.email)
    expect(row).to_contain_text(PROFILE)
    expect(row).to_contain_text("Give job profiles")
    assert_accessible(page)
    page.get_by_role("button", name="Apply all 1 rows").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Bulk enrolment job \d+$"))).to_be_visible()
    # The job page reloads itself until the worker has applied the file.
    expect(page.get_by_role("status")).to_have_text(re.compile("^Done: "), timeout=60_000)
    expect(page.get_by_text("1 job profile given (with the enrolments it requires).")).to_be_visible()
    assert_accessible(page)

    # The dashboard: the person must have both courses and has neither.
    administration(page, "Compliance dashboard")
    expect(page.get_by_role("heading", level=1, name="Compliance dashboard")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=PROFILE)).to_be_visible()
    expect_bar(page, f"Compliant: {GXP}", 0)
    expect_bar(page, f"Compliant: {SOP}", 0)
    expect_bar(page, f"Compliant: {PROFILE}", 0)
    assert_accessible(page)
    dashboard_url = page.url

    # The person, in their own browser, finds both courses on My learning and completes one.
    learner_context = browser.new_context()
    learner = learner_context.new_page()
    log_in(learner, live_server, person)
    learner.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    cards = learner.get_by_role("listitem").filter(has=learner.get_by_role("heading", level=2))
    expect(cards).to_have_count(2)
    for title in (GXP, SOP):
        expect(cards.get_by_role("heading", level=2, name=title)).to_be_visible()
    assert_accessible(learner)
    card = cards.filter(has=learner.get_by_role("heading", name=GXP))
    card.get_by_role("link", name="Continue").click()
    for lesson in ("Text 1.1", "File 1.2"):
        expect(learner.get_by_role("heading", level=1, name=lesson)).to_be_visible()
        assert_accessible(learner)
        learner.get_by_role("button", name="Mark complete").click()
    expect(learner.get_by_text(f"Congratulations, you have completed {GXP}.")).to_be_visible()
    learner.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(card.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    learner_context.close()

    # The dashboard now: GxP done by everyone who must have it, SOP by nobody: 50% overall.
    page.goto(dashboard_url)
    expect_bar(page, f"Compliant: {GXP}", 100)
    expect_bar(page, f"Compliant: {SOP}", 0)
    expect_bar(page, f"Compliant: {PROFILE}", 50)
    assert_accessible(page)

    # The matrix for the inspector: one row for the person, GxP green, SOP grey (pending).
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the training matrix (XLSX)").click()
    download = info.value
    assert download.failure() is None and download.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))["Matrix"]
    columns = {sheet.cell(3, c).value: c for c in range(4, sheet.max_column + 1)}
    assert set(columns) == {GXP, SOP}
    people = {sheet.cell(r, 1).value: r for r in range(4, sheet.max_row + 1)}
    assert list(people) == [PERSON] and sheet.cell(people[PERSON], 2).value == person.email

    def cell(title):
        found = sheet.cell(people[PERSON], columns[title])
        return found.value, found.fill.fgColor.rgb[-6:].upper()

    assert cell(GXP) == ("Compliant", COMPLIANT_FILL)
    db.session.rollback()  # what the worker committed: the SOP enrolment's due date
    due = db.session.scalar(select(Enrolment.due_at).where(
        Enrolment.user_id == person.id, Enrolment.course_id == sop.id, Enrolment.source == "job_profile"))
    due = due.astimezone(timezone.utc) if due.tzinfo else due  # the matrix's dates are UTC days
    assert cell(SOP) == (f"Pending {due:%Y-%m-%d}", PENDING_FILL)

    # An author publishes a major version of the completed course, effective in two weeks.
    author_context = browser.new_context()
    author_page = author_context.new_page()
    log_in(author_page, live_server, author)
    author_page.goto(f"{live_server}/author/courses/{gxp.id}")
    author_page.get_by_role("button", name="Edit in a new draft (version 2)").click()
    author_page.get_by_label(re.compile("^Major")).check()
    author_page.get_by_label("Reason for the change").fill("SOP-12 revision C: new deviation classes")
    effective = (utcnow() + timedelta(days=14)).date()
    author_page.get_by_label(re.compile("^Effective date")).fill(effective.isoformat())
    assert_accessible(author_page)
    author_page.get_by_role("button", name="Publish version 2").click()
    expect(author_page.get_by_role("status").filter(has_text="it becomes required on")).to_be_visible()
    author_context.close()

    # The organisation admin sees who will need retraining on that date: the person.
    administration(page, "Who will need retraining")
    expect(page.get_by_role("heading", level=1, name="Major course versions waiting for their effective date")).to_be_visible()
    waiting = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=GXP))
    expect(waiting).to_contain_text("SOP-12 revision C")
    assert_accessible(page)
    waiting.get_by_role("link", name="1 person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who will need retraining on version 2")
    table = page.get_by_role("table", name="1 person")
    expect(table.get_by_role("rowheader")).to_have_text([re.compile(f"^{PERSON}")])
    expect(table.get_by_role("row").filter(has_text=PERSON)).to_contain_text("Completed version 1")
    assert_accessible(page)
