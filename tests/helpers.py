"""Helpers for driving the app through HTTP like a browser does (CSRF included)."""
import re
import time

import pytest

from lms.extensions import db
from tests.factories import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url):
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def post_form(client, url, data=None, page=None, **kwargs):
    """POST ``data`` to ``url`` with the CSRF token from ``page`` (default: ``url``)."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, page or url)
    return client.post(url, data=data, **kwargs)


def login(client, user, password=PASSWORD):
    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def text_of(response):
    return response.get_data(as_text=True)


def main_of(response):
    """The page's <main> only: names looked for are not confused with the site's header and
    footer (the language switcher lists "Dansk", "Suomi" ...)."""
    return text_of(response).split("<main", 1)[1].split("</main>", 1)[0]


def text_without_csrf(response):
    """The page without its CSRF tokens (a page with a form has one; the language switcher
    has none), so two visitors' pages compare equal when all else is."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", text_of(response))


def wait_until(predicate, timeout, what, logs=()):
    """predicate()'s first true value, looked for in fresh snapshots of what other processes
    (workers, web servers) committed until ``timeout``; a failure shows the tails of ``logs``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot of what the other processes committed
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    tails = "\n".join(f"--- {proc.log_path} ---\n{proc.log_text()[-4000:]}" for proc in logs)
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{tails}")
