"""The Content-Security-Policy in a real browser: learner, author and admin pages (progress
bars, lesson images, the upload script, report charts) work and the browser reports no
violation."""
import pytest
from playwright.sync_api import Page, expect

from lms.courses.models import CourseAsset
from lms.demo import DEMO_PASSWORD, seed_demo
from lms.extensions import db
from lms.storage import store_bytes
from tests.authoring.helpers import png_bytes
from tests.factories import PASSWORD, create_course, create_user, enrol, lessons_of

pytestmark = pytest.mark.e2e


def watch_for_violations(page: Page):
    """Console messages of CSP violations on this page, as the browser reports them."""
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def log_in(page: Page, base, email, password):
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_pages_work_under_the_csp_without_violations(app, live_server, browser, tmp_path):
    seed_demo()
    course = create_course(title="CSP course", lessons=("text", "file"))
    image = store_bytes(png_bytes(), "diagram.png", "image/png")
    db.session.add(CourseAsset(course_id=course.id, file_id=image.id))
    text_lesson, file_lesson = lessons_of(course)
    text_lesson.body_markdown = f"Look: ![Diagram](/courses/{course.slug}/media/{image.id})"
    learner = create_user(name="Csp Learner")
    enrolment = enrol(learner, course)
    author = create_user(role="author", org=course.organisation)
    db.session.commit()

    # A learner: the progress bar (an SVG, no inline style), a lesson image, a PDF lesson.
    page = browser.new_context().new_page()
    violations = watch_for_violations(page)
    log_in(page, live_server, learner.email, PASSWORD)
    page.goto(f"{live_server}/courses/{course.slug}/lessons/{text_lesson.id}")
    diagram = page.get_by_role("img", name="Diagram")
    expect(diagram).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", diagram.element_handle()) > 0  # it loaded
    page.get_by_role("button", name="Mark complete").click()
    page.goto(f"{live_server}/my-learning")
    bar = page.get_by_role("progressbar").first
    expect(bar).to_have_attribute("aria-valuenow", "50")
    track = bar.bounding_box()
    fill = bar.locator(".progress-fill").bounding_box()
    assert abs(fill["width"] / track["width"] - 0.5) < 0.05, (fill, track)
    page.goto(f"{live_server}/courses/{course.slug}/lessons/{file_lesson.id}")
    expect(page.get_by_role("link", name="Download")).to_be_visible()
    assert violations == [], violations

    # An author: the lesson editor with the upload script (progress bar while sending).
    page = browser.new_context().new_page()
    violations = watch_for_violations(page)
    log_in(page, live_server, author.email, PASSWORD)
    version = course.published_version
    page.goto(f"{live_server}/author/courses/{course.id}")
    page.get_by_role("button", name="Edit in a new draft (version 2)").click()
    page.get_by_role("link", name=text_lesson.title, exact=True).click()
    png = tmp_path / "chart.png"
    png.write_bytes(png_bytes(width=5, height=3))
    page.get_by_label("Image (PNG or JPEG)").set_input_files(png)
    page.get_by_role("button", name="Upload image").click()
    expect(page.get_by_label("Markdown for chart.png")).to_be_visible()
    assert violations == [], violations
    assert version.id

    # An admin: the report with its SVG charts, the users list, the audit trail.
    page = browser.new_context().new_page()
    violations = watch_for_violations(page)
    log_in(page, live_server, "admin@demo.lms.test", DEMO_PASSWORD)
    for path in ("/admin/reports/", "/admin/users/", "/admin/audit/", "/admin/certificates", "/admin/enrolments/bulk"):
        response = page.goto(f"{live_server}{path}")
        assert response.ok, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert violations == [], violations
    assert enrolment.id
