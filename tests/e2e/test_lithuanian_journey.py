"""Across a border, in a real browser: a Lithuanian learner switches the site to Lithuanian,
enrols in a translated course in Lithuanian, switches to English for one lesson and back,
completes it, downloads a Lithuanian certificate (its PDF text checked), sees the ledger entry
with two accrediting bodies, claims an external activity with a PDF, their organisation admin
approves it, and the cycle statement PDF lists both the certificate and the activity.

The learner's pages are found by their Lithuanian labels, read from the Lithuanian catalogue,
so the test also proves the journey is in Lithuanian from end to end."""
import io
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from babel import Locale
from babel.support import Translations
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlalchemy import select

import lms
from lms.certificates.models import Certificate
from lms.cpd.models import AccreditingBody, CourseCredit, CreditCycle, LearnerRegistration
from lms.enrolments.models import Enrolment
from lms.extensions import db
from tests.course_languages.learner_factories import WORDS, translate
from tests.e2e.axe import assert_accessible
from tests.e2e.test_author_journey import flash, log_in
from tests.factories import PDF_BYTES, create_course, create_org, create_user

pytestmark = pytest.mark.e2e

LT = Translations.load(str(Path(lms.__file__).parent / "translations"), ["lt"])
COURSE = "Good manufacturing practice basics"
ACTIVITY = "Baltijos farmacijos kongresas"
BODIES = (("Lietuvos farmacijos sąjunga", "LT", "kvalifikacijos valandos", Decimal("4.5")),
          ("Latvijas Farmaceitu biedrība", "LV", "kredītpunkti", Decimal("4")))


def t(message, context=None, **values):
    """``message`` as the Lithuanian catalogue has it (what a Lithuanian page shows)."""
    text = LT.pgettext(context, message) if context else LT.gettext(message)
    return text % values if values else text


def pdf_text(data):
    """The PDF's text with every run of white space as one space (a table cell may wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_a_lithuanian_learner_takes_a_translated_course_and_collects_credits_with_two_bodies(
    app, live_server, page: Page, browser: Browser, celery_worker, tmp_path
):
    org = create_org("Kauno vaistinė", country="LT")
    org_admin = create_user("org_admin", org=org, name="Ona Administratorė")
    learner = create_user(org=org, name="Rūta Žemaitytė", email="ruta.zemaityte@example.com")
    course = create_course(title=COURSE, org=org, lessons=("text", "text"))
    translate(course.published_version, "lt")
    first, second = course.published_version.lessons()
    for name, country, unit, amount in BODIES:
        body = AccreditingBody(name=name, country=country, unit_name=unit, rounding_step=Decimal("0.5"),
                               daily_cap=Decimal("8"))
        db.session.add_all([
            body, CourseCredit(course=course, body=body, amount=amount),
            CreditCycle(body=body, starts_on=date.today() - timedelta(days=400), years=5, required=Decimal("60")),
            LearnerRegistration(user_id=learner.id, body=body, number=f"{country}-10042"),
        ])
    db.session.commit()  # the live server and the worker have their own connections

    # Signed in (in English), the learner switches the whole site to Lithuanian.
    log_in(page, live_server, learner)
    page.get_by_label("Language", exact=True).select_option("lt")
    page.get_by_role("button", name="Change", exact=True).click()
    nav = page.get_by_role("navigation", name=t("Main"))
    expect(nav.get_by_role("link", name=t("My learning"))).to_be_visible()

    # The course offers Lithuanian; the learner enrols in it in Lithuanian.
    page.goto(f"{live_server}/courses/{course.slug}")
    page.get_by_label(t("Take the course in")).select_option("lt")
    assert_accessible(page)
    page.get_by_role("button", name=t("Enrol")).click()
    expect(page.get_by_role("heading", level=1, name=WORDS["lt"]["course"])).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=t("Continue")).click()
    expect(page.get_by_role("heading", level=1, name=f"Pamoka {first.id}")).to_be_visible()
    page.get_by_role("button", name=t("Mark complete")).click()

    # One lesson in English (the course's own language), then back to Lithuanian.
    expect(page.get_by_role("heading", level=1, name=f"Pamoka {second.id}")).to_be_visible()
    page.get_by_label(t("Course language")).select_option("en")
    page.get_by_role("button", name=t("Change language")).click()
    expect(page.get_by_role("heading", level=1, name=second.title)).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "50")
    assert_accessible(page)
    page.get_by_label(t("Course language")).select_option("lt")
    page.get_by_role("button", name=t("Change language")).click()
    expect(page.get_by_role("heading", level=1, name=f"Pamoka {second.id}")).to_be_visible()
    expect(page.get_by_text(WORDS["lt"]["body"])).to_be_visible()
    page.get_by_role("button", name=t("Mark complete")).click()
    expect(page.get_by_role("progressbar").first).to_have_attribute("aria-valuenow", "100")

    # The worker issues the certificate; My learning offers it, in Lithuanian.
    download_link = page.get_by_role("link", name=t("Download certificate (PDF)"))
    deadline = time.monotonic() + 60
    while True:
        nav.get_by_role("link", name=t("My learning")).click()
        if download_link.count() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    assert_accessible(page)
    with page.expect_download() as info:
        download_link.click()
    text = pdf_text(Path(info.value.path()).read_bytes())
    assert t("Certificate of completion") in text
    assert learner.name in text and WORDS["lt"]["course"] in text
    assert t("Course taken in %(language)s", language=Locale.parse("lt").languages["lt"]) in text
    db.session.rollback()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    assert enrolment.status == "completed" and enrolment.language == "lt"
    cert = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    assert cert.status == "issued" and cert.course_language == "lt"

    # My CPD: the completion is in the ledger of both bodies, each in its own unit.
    nav.get_by_role("link", name=t("My CPD")).click()
    expect(page.get_by_role("heading", level=1, name=t("My CPD"))).to_be_visible()
    for name, _country, unit, amount in BODIES:
        ledger = page.get_by_role("region", name=name)
        row = ledger.get_by_role("row", name=WORDS["lt"]["course"])
        expect(row).to_contain_text(cert.code)
        expect(row).to_contain_text(unit)
    assert_accessible(page)

    # An external activity with its PDF evidence, sent for approval.
    page.get_by_role("link", name=t("Claim credits for an external activity")).click()
    evidence = tmp_path / "pažymėjimas.pdf"
    evidence.write_bytes(PDF_BYTES)
    page.get_by_label(t("Accrediting body"), exact=True).select_option(label=BODIES[0][0])
    page.get_by_label(t("Title"), exact=True).fill(ACTIVITY)
    page.get_by_label(t("Provider"), exact=True).fill("Lietuvos farmacijos sąjunga")
    page.get_by_label(t("Date"), exact=True).fill((date.today() - timedelta(days=2)).isoformat())
    page.get_by_label(t("Credits claimed"), exact=True).fill("6")
    page.get_by_label(t("Evidence (PDF, PNG or JPEG)")).set_input_files(str(evidence))
    assert_accessible(page)
    page.get_by_role("button", name=t("Send for approval")).click()
    expect(page.get_by_role("row", name=ACTIVITY)).to_be_visible()

    # Their organisation's admin (in English) approves it.
    admin_context = browser.new_context()
    theirs = admin_context.new_page()
    log_in(theirs, live_server, org_admin)
    theirs.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    theirs.get_by_role("link", name="External activities to approve").click()
    expect(theirs.get_by_role("heading", level=2, name=ACTIVITY)).to_be_visible()
    theirs.get_by_label("Approve").check()
    theirs.get_by_role("button", name="Record the decision").click()
    flash(theirs, "approved")
    admin_context.close()

    # The cycle statement of the Lithuanian body lists the certificate and the activity.
    nav.get_by_role("link", name=t("My CPD")).click()
    page.get_by_role("link", name=t("My CPD cycles")).click()
    expect(page.get_by_role("heading", level=1, name=t("My CPD cycles"))).to_be_visible()
    assert_accessible(page)
    section = page.get_by_role("region", name=BODIES[0][0])
    expect(section).to_contain_text("10,5")  # 4.5 from the course + 6 approved, in Lithuanian numbers
    with page.expect_download() as info:
        section.get_by_role("link", name=t("Statement (PDF)")).click()
    text = pdf_text(Path(info.value.path()).read_bytes())
    assert t("CPD statement") in text
    assert cert.code in text and ACTIVITY in text
    assert t("External activity, provided by %(provider)s", provider="Lietuvos farmacijos sąjunga") in text
