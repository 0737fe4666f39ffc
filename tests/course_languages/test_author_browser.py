"""An author translates a course in a real browser: adds Lithuanian, translates the texts beside
the source, uploads captions for the video lesson, and publishes the version, confirming that
an unfinished Swedish translation is not offered. Every page passes the accessibility check."""
import pytest
from playwright.sync_api import Page, expect

from lms.course_languages.texts import offered_languages
from lms.courses.models import CourseVersion
from lms.extensions import db
from lms.storage import store_bytes
from tests.authoring.helpers import MP4_BYTES
from tests.course_languages.author_helpers import VTT
from tests.e2e.axe import assert_accessible
from tests.factories import PASSWORD, create_course, create_org, create_user

pytestmark = pytest.mark.e2e


def test_an_author_translates_captions_and_publishes_in_the_browser(app, live_server, page: Page, tmp_path):
    org = create_org(name="Baltic Life Science Incubator", country="LT")
    author = create_user(role="author", org=org, name="Anders Author")
    course = create_course(title="Cleanroom behaviour", org=org, published=False)
    version = course.versions[0]
    video = version.lessons()[1]
    video.file = store_bytes(MP4_BYTES, "gowning.mp4", "video/mp4")
    db.session.commit()
    captions = tmp_path / "gowning.lt.vtt"
    captions.write_bytes(VTT)

    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(author.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/author/courses/{course.id}")
    page.get_by_role("link", name="Translations (0)").click()
    assert_accessible(page)
    for language in ("Svenska", "Lietuvių"):
        page.get_by_label("Language of the translation").select_option(label=language)
        page.get_by_role("button", name="Add translation").click()
        expect(page.get_by_role("status").filter(has_text="translation is started")).to_be_visible()
        if language == "Svenska":
            page.get_by_role("link", name="All translations of version 1").click()
    assert_accessible(page)

    page.get_by_role("link", name="Translate the course title, summary and module titles").click()
    assert_accessible(page)
    page.get_by_label("Course title").fill("Elgesys švariosiose patalpose")
    page.get_by_label("Title of module 1").fill("1 modulis")
    page.get_by_role("button", name="Save").click()
    for lesson in version.lessons():
        page.get_by_role("link", name=lesson.title, exact=True).click()
        assert_accessible(page)
        page.get_by_label("Lesson title").fill(f"LT {lesson.title}")
        if lesson.kind == "text":
            page.get_by_label("Text (Markdown)").fill("Svarbus tekstas.")
        for question in lesson.questions:
            page.locator(f"#question-{question.id}-prompt").fill(f"LT {question.prompt}")
            for n in range(1, len(question.choices) + 1):
                page.locator(f"#question-{question.id}-choice-{n}").fill(f"Atsakymas {n}")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status").filter(has_text="is saved")).to_be_visible()
    expect(page.get_by_text("Every text is translated and up to date.")).to_be_visible()
    assert_accessible(page)

    # Captions for the video lesson, from its authoring page.
    page.goto(f"{live_server}/author/lessons/{video.id}")
    page.get_by_role("link", name="Captions (WebVTT) per language").click()
    page.get_by_label("Language of the captions").select_option(label="Lietuvių")
    page.get_by_label("WebVTT file (.vtt)").set_input_files(str(captions))
    page.get_by_role("button", name="Upload captions").click()
    expect(page.get_by_role("cell", name="gowning.lt.vtt")).to_be_visible()
    assert_accessible(page)

    # Publishing asks about the unfinished Swedish translation first.
    page.goto(f"{live_server}/author/courses/{course.id}")
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_role("alert").filter(has_text="These languages will not be offered")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Publish without these languages: Svenska.", exact=False).check()
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_role("status").filter(has_text="Version 1 is published")).to_be_visible()
    db.session.expire_all()
    assert offered_languages(db.session.get(CourseVersion, version.id)) == ["en", "lt"]
