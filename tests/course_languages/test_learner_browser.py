"""In a real browser: a learner enrols in a course in Lithuanian, reads a lesson and its video's
Lithuanian captions track, switches to English for the next lesson and back, and keeps their
progress throughout; every page passes axe-core."""
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.storage import store_bytes
from tests.course_languages.learner_factories import MP4_BYTES, WORDS, add_caption, translate
from tests.e2e.axe import assert_accessible
from tests.factories import PASSWORD, create_course, create_user

pytestmark = pytest.mark.e2e


def test_a_learner_takes_a_course_in_lithuanian_and_switches_to_english_and_back(app, live_server, page: Page):
    course = create_course(title="Cleanroom basics", lessons=("file", "text"))
    video, text = course.published_version.lessons()
    video.file = store_bytes(MP4_BYTES, "gowning.mp4", "video/mp4")
    db.session.commit()
    translate(course.published_version, "lt")
    add_caption(video, "lt", text="Apsirengimas švariojoje patalpoje")
    learner = create_user()
    db.session.commit()

    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(learner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/courses/{course.slug}")
    assert_accessible(page)
    page.get_by_label("Take the course in").select_option("lt")
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_role("heading", level=1, name=WORDS["lt"]["course"])).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name=f"Pamoka {video.id}")).to_be_visible()
    track = page.locator('video track[srclang="lt"]')
    expect(track).to_have_attribute("default", "")
    assert_accessible(page)
    page.get_by_role("button", name="Mark complete").click()

    # The next lesson, in English for once.
    expect(page.get_by_role("heading", level=1, name=f"Pamoka {text.id}")).to_be_visible()
    page.get_by_label("Course language").select_option("en")
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_text("You are now taking this course in English. Your progress is kept.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=text.title)).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "50")
    assert_accessible(page)

    # And back to Lithuanian to finish.
    page.get_by_label("Course language").select_option("lt")
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_role("heading", level=1, name=f"Pamoka {text.id}")).to_be_visible()
    expect(page.get_by_text(WORDS["lt"]["body"])).to_be_visible()
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text(f"Congratulations, you have completed {WORDS['lt']['course']}.")).to_be_visible()
    db.session.rollback()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    assert enrolment.status == "completed" and enrolment.language == "lt"
