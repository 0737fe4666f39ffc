"""A learner's whole path in a real browser: sign up, enrol, learn, fail and then pass a quiz,
finish the course, and see it completed on "My learning"."""
import re

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.accounts import tokens
from lms.accounts.models import User
from lms.demo import seed_demo
from lms.enrolments.models import Enrolment
from lms.extensions import db
from tests.e2e.axe import assert_accessible

pytestmark = pytest.mark.e2e

COURSE = "GxP essentials for medical-device professionals"
EMAIL = "liisa.korhonen@example.com"


def question(page: Page, prompt):
    """A quiz question: its fieldset, named by its legend."""
    return page.get_by_role("group", name=re.compile(re.escape(prompt)))


def answer(page: Page, prompt, *choices):
    group = question(page, prompt)
    for choice in choices:
        group.get_by_label(choice, exact=True).check()


def expect_lesson(page: Page, title):
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    assert_accessible(page)


def mark_complete(page: Page, title):
    expect_lesson(page, title)
    page.get_by_role("button", name="Mark complete").click()


def test_learner_signs_up_enrols_passes_a_quiz_after_a_failed_try_and_completes(
    app, live_server, page: Page, tmp_path
):
    seed_demo()
    db.session.commit()  # the live server has its own connection

    # Sign up.
    page.goto(live_server)
    assert_accessible(page)
    page.get_by_role("link", name="Sign up").click()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Liisa Korhonen")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Repeat password").fill("a long enough password")
    page.get_by_label("Organisation").fill("Helsinki Hospital Pharmacy")
    page.get_by_label("Country").select_option(label="Finland")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1, name="Check your email")).to_be_visible()

    # The link from the confirmation email (made as the worker makes it; tests/accounts/
    # test_account_emails.py follows the real email), then log in.
    user = db.session.scalar(select(User).where(User.email == EMAIL))
    page.goto(f"{live_server}/verify-email/{tokens.verification_token(user)}")
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible(page)

    # Find the course in the catalogue and enrol.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    assert_accessible(page)
    page.get_by_role("link", name=COURSE).click()
    expect(page.get_by_role("heading", level=1, name=COURSE)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_role("progressbar", name="Course progress")).to_have_attribute("aria-valuenow", "0")
    assert_accessible(page)
    page.get_by_role("link", name="Continue").click()

    # Module 1 and the text lesson of module 2.
    mark_complete(page, "Why GxP matters")
    mark_complete(page, "GxP quick reference (PDF)")
    mark_complete(page, "ALCOA+ in practice")

    # A quiz: first with two wrong answers out of three, then right.
    expect_lesson(page, "Data integrity check")
    expect(page.get_by_role("button", name="Mark complete")).to_have_count(0)
    answer(page, "shows who made it", "Legible")
    answer(page, "part of ALCOA+", "Original", "Accurate")
    answer(page, "A correction in a paper record", "Use correction fluid")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status").filter(has_text="Your score")).to_contain_text("Your score: 33%")
    expect(question(page, "shows who made it")).to_contain_text("Not quite right")
    expect(question(page, "part of ALCOA+")).not_to_contain_text("Not quite right")
    expect(question(page, "A correction in a paper record")).to_contain_text("Not quite right")
    page.screenshot(path=tmp_path / "quiz-failed.png", full_page=True)
    assert_accessible(page)

    answer(page, "shows who made it", "Attributable")
    answer(page, "A correction in a paper record", "Be signed, dated and leave the original legible")
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("status").filter(has_text="Your score")).to_contain_text("Your score: 100%")
    expect(page.get_by_text("You passed.")).to_be_visible()
    expect(page.get_by_text("Not quite right")).to_have_count(0)
    assert_accessible(page)

    # Back to the course, and on to module 3.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=COURSE).click()
    page.get_by_role("link", name="Continue").click()
    mark_complete(page, "From deviation to CAPA")
    expect_lesson(page, "CAPA knowledge check")
    answer(page, "What comes first", "Record it")
    answer(page, "A preventive action", "Stops a problem from happening again elsewhere")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("You passed.")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Course progress")).to_have_attribute("aria-valuenow", "100")

    # My learning: 100% and the completion date.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=COURSE))
    expect(card.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(card).to_contain_text("100%")
    assert_accessible(page)

    db.session.remove()  # see what the server committed
    enrolment = db.session.scalar(select(Enrolment).join(User).where(User.email == EMAIL))
    assert enrolment.status == "completed" and enrolment.completed_at is not None
    completed_on = format_date(enrolment.completed_at, "medium", locale="en")
    completed = card.locator("dl > div").filter(has=page.get_by_role("term").filter(has_text=re.compile("^Completed$")))
    expect(completed.get_by_role("definition")).to_have_text(completed_on)
