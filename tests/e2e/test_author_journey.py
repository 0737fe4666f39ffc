"""An author builds a course in a real browser (a text lesson, an uploaded PDF and a quiz) and
publishes it; a learner enrols and sees exactly that; the author edits and republishes; the
learner stays on the version they enrolled in."""
import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from lms.courses.models import Course
from lms.enrolments.models import Enrolment
from lms.extensions import db
from tests.authoring.helpers import pdf_bytes
from tests.e2e.axe import assert_accessible
from tests.factories import PASSWORD, create_org, create_user

pytestmark = pytest.mark.e2e

TITLE = "Cleanroom behaviour for QA staff"


def log_in(page: Page, base, user):
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible(page)


def flash(page: Page, text):
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()
    assert_accessible(page)


def add_lesson(page: Page, title, kind):
    page.get_by_label("New lesson in module 1").fill(title)
    page.get_by_label("Kind of lesson").select_option(label=kind)
    page.get_by_role("button", name="Add lesson").click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    assert_accessible(page)


def back_to_course(page: Page):
    page.get_by_role("link", name="Back to the course").click()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    assert_accessible(page)


def test_author_builds_publishes_and_revises_while_the_learner_keeps_their_version(
    app, live_server, page: Page, browser: Browser, tmp_path
):
    org = create_org(name="Nordic MedTech Association")
    author = create_user(role="author", org=org, name="Anders Author")
    learner = create_user(name="Kari Nordmann")
    handout = tmp_path / "gowning-checklist.pdf"
    handout.write_bytes(pdf_bytes("Gowning checklist"))
    db.session.commit()

    # The author creates the course.
    log_in(page, live_server, author)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Authoring").click()
    page.get_by_role("link", name="New course").click()
    assert_accessible(page)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill("Gowning, hygiene and behaviour in classified areas.")
    page.get_by_label("Language of the course").select_option("en")
    page.get_by_label("CPD hours").fill("1.5")
    page.get_by_label("Default deadline (days after enrolment)").fill("30")
    page.get_by_role("button", name="Create course").click()
    flash(page, "The course is created.")
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Module title").fill("Working in a cleanroom")
    page.get_by_role("button", name="Add module").click()
    flash(page, "Module “Working in a cleanroom” added.")

    # A text lesson, previewed before it is saved.
    add_lesson(page, "Why behaviour matters", "Text")
    page.get_by_label("Text (Markdown)").fill("## People shed particles\n\nMove **slowly** and keep doors closed.")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview (not saved yet)")
    expect(preview.get_by_role("heading", name="People shed particles")).to_be_visible()
    assert_accessible(page)
    expect(preview.locator("strong")).to_have_text("slowly")
    page.get_by_role("button", name="Save").click()
    flash(page, "Lesson “Why behaviour matters” saved.")
    back_to_course(page)

    # A PDF, uploaded with the progress bar (the script sends it).
    add_lesson(page, "Gowning checklist", "File (PDF, video or image)")
    page.get_by_label("File", exact=True).set_input_files(handout)
    page.get_by_role("button", name="Upload file").click()
    flash(page, "“gowning-checklist.pdf” uploaded.")
    expect(page.get_by_text("Current file:")).to_contain_text("gowning-checklist.pdf")
    assert_accessible(page)
    back_to_course(page)

    # A quiz with one question.
    add_lesson(page, "Cleanroom check", "Quiz")
    page.get_by_label("Pass mark (%)").fill("100")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Question").fill("What do you do before entering?")
    page.get_by_label("Choice 1", exact=True).fill("Gown in the right order")
    page.get_by_label("Choice 1 is correct").check()
    page.get_by_label("Choice 2", exact=True).fill("Run in quickly")
    page.get_by_label("Feedback shown after a wrong answer").fill("Gowning comes first.")
    page.get_by_role("button", name="Save question").click()
    flash(page, "Question added.")
    page.screenshot(path=tmp_path / "author-quiz.png", full_page=True)
    back_to_course(page)

    expect(page.get_by_text("Everything needed is there.")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=tmp_path / "author-draft.png", full_page=True)
    page.get_by_role("button", name="Publish version 1").click()
    flash(page, "Version 1 is published.")
    page.screenshot(path=tmp_path / "author-course.png", full_page=True)

    # A learner, in a browser of their own, enrols and sees exactly that.
    learner_context = browser.new_context()
    other = learner_context.new_page()
    log_in(other, live_server, learner)
    other.goto(f"{live_server}/courses")
    other.get_by_role("link", name=TITLE).click()
    other.get_by_role("button", name="Enrol").click()
    contents = other.get_by_role("region", name="Contents")
    expect(contents.get_by_role("heading", level=3)).to_have_text(["Working in a cleanroom"])
    assert_accessible(other)
    expect(contents.get_by_role("listitem")).to_have_text(
        [re.compile(r"Why behaviour matters\s+\(Reading\)"), re.compile(r"Gowning checklist\s+\(Material\)"),
         re.compile(r"Cleanroom check\s+\(Quiz\)")])
    other.get_by_role("link", name="Why behaviour matters").click()
    expect(other.get_by_role("heading", level=2, name="People shed particles")).to_be_visible()
    assert_accessible(other)
    other.get_by_role("link", name=re.compile("Gowning checklist")).click()
    link = other.get_by_role("link", name=re.compile("Open gowning-checklist.pdf"))
    response = other.request.get(live_server + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body() == handout.read_bytes()
    other.get_by_role("link", name=re.compile("Cleanroom check")).click()
    question = other.get_by_role("group", name=re.compile("What do you do before entering"))
    expect(question.get_by_role("radio")).to_have_count(2)
    expect(other.get_by_text("Pass mark: 100%")).to_be_visible()
    assert_accessible(other)

    # The author edits in a new draft and republishes.
    page.get_by_role("button", name="Edit in a new draft (version 2)").click()
    flash(page, "Version 2 is open as a draft.")
    page.get_by_role("link", name="Why behaviour matters", exact=True).click()
    page.get_by_label("Title").fill("Why behaviour matters (revised)")
    page.get_by_role("button", name="Save").click()
    back_to_course(page)
    page.get_by_role("button", name="Publish version 2").click()  # without saying what changed
    expect(page.get_by_role("alert").filter(has_text="Choose whether this is a major change")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("^Minor")).check()
    page.get_by_label("Reason for the change").fill("Clearer wording of the first lesson")
    page.get_by_role("button", name="Publish version 2").click()
    flash(page, "Version 2 is published.")
    expect(page.get_by_role("cell", name="Clearer wording of the first lesson")).to_be_visible()

    # The learner is still on version 1, with its lessons.
    other.goto(f"{live_server}/my-learning")
    card = other.get_by_role("listitem").filter(has=other.get_by_role("heading", name=TITLE))
    version = card.locator("dl > div").filter(has=other.get_by_role("term").filter(has_text=re.compile("^Version$")))
    expect(version.get_by_role("definition")).to_have_text("1")
    card.get_by_role("link", name=TITLE).click()
    expect(other.get_by_role("link", name="Why behaviour matters", exact=True)).to_be_visible()
    expect(other.get_by_text("Why behaviour matters (revised)")).to_have_count(0)
    assert_accessible(other)
    learner_context.close()

    db.session.remove()  # see what the server committed
    course = db.session.scalar(select(Course).where(Course.title == TITLE))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    assert [(v.number, v.status) for v in course.versions] == [(1, "archived"), (2, "published")]
    assert enrolment.version_id == course.versions[0].id
