"""Security headers on every page, for every role: a CSP without inline script, no framing,
nosniff, a Referrer-Policy, and no caching of what a logged-in user is served. And no page
carries inline script, event handlers, javascript: links or inline styles the CSP would block."""
import re

import pytest

from lms.security_headers import CONTENT_SECURITY_POLICY
from tests.factories import create_course, create_user, enrol
from tests.helpers import login

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=|<style", re.I)


def get_routes_without_arguments(app):
    """Every GET route of the app that needs no URL argument (static files aside)."""
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static" and not (rule.arguments - set(rule.defaults or {})):
            urls.add(rule.rule)
    return sorted(urls)


def assert_security_headers(response, url, logged_in):
    headers = response.headers
    assert headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, url
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers.get("X-Frame-Options") == "DENY", url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin", "same-origin", "no-referrer"), url
    if logged_in:
        assert headers.get("Cache-Control") == "no-store", (url, headers.get("Cache-Control"))


def assert_nothing_inline(response, url):
    if response.mimetype != "text/html":
        return
    html = response.get_data(as_text=True)
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL, INLINE_STYLE):
        match = pattern.search(html)
        assert match is None, f"{url}: {match.group(0) if match else ''}"


@pytest.fixture
def people(app):
    course = create_course(title="Headers course")
    learner = create_user(name="Lea Learner")
    enrol(learner, course)
    return {
        "learner": learner,
        "author": create_user(role="author", org=course.organisation),
        "admin": create_user(role="admin"),
        "course": course,
    }


@pytest.mark.parametrize("role", ["anonymous", "learner", "author", "admin"])
def test_every_page_carries_the_security_headers(app, people, role):
    client = app.test_client()
    if role != "anonymous":
        login(client, people[role])
    course = people["course"]
    lesson = course.published_version.lessons()[0]
    urls = get_routes_without_arguments(app) + [
        f"/courses/{course.slug}", f"/courses/{course.slug}/lessons/{lesson.id}", "/no-such-page",
    ]
    assert len(urls) > 20
    checked = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        assert_security_headers(response, url, logged_in=role != "anonymous")
        assert_nothing_inline(response, url)
        response.close()  # a streamed export holds its request context until closed
        checked += 1
    assert checked == len(urls)


def test_anonymous_catalogue_and_static_files_stay_cacheable(app, people, client):
    assert "no-store" not in client.get("/courses").headers.get("Cache-Control", "")
    login(client, people["learner"])
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    assert static.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/courses").headers["Cache-Control"] == "no-store"


def test_errors_and_downloads_carry_the_headers_too(app, people, client):
    login(client, people["learner"])
    for url in ("/no-such-page", "/my-learning/record.csv", "/my-learning/record.pdf"):
        response = client.get(url)
        assert_security_headers(response, url, logged_in=True)
        response.close()
