"""Helpers for the signing pages: read the signing form of a lesson page and post it."""
import re

from tests.factories import PASSWORD
from tests.helpers import text_of

FIELD_RE = r'name="{0}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{0}"'


def hidden(page, name):
    match = re.search(FIELD_RE.format(name), page)
    assert match, f"no {name} on the page"
    return match.group(1) or match.group(2)


def lesson_url(course, lesson):
    return f"/courses/{course.slug}/lessons/{lesson.id}"


def signing_form(client, course, lesson):
    """The fields of the signing form on the lesson page (CSRF, nonce, file hash)."""
    page = client.get(lesson_url(course, lesson))
    assert page.status_code == 200, page.status_code
    html = text_of(page)
    return {name: hidden(html, name) for name in ("csrf_token", "nonce", "file_sha256")}, html


def sign(client, course, lesson, password=PASSWORD, email=None, form=None, **overrides):
    """Open the lesson page (unless ``form`` is given) and post its signing form."""
    data = dict(form) if form is not None else signing_form(client, course, lesson)[0]
    data["password"] = password
    if email is not None:
        data["email"] = email
    data.update(overrides)
    return client.post(lesson_url(course, lesson) + "/sign", data=data)
