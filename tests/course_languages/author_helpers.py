"""Fixtures and helpers for the tests of authors translating a course: a course of one
organisation with its author, posting translation forms with the translation's current
revision, and translating everything through the pages."""
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.course_languages.models import CourseTranslation
from lms.extensions import db
from tests.factories import create_course, create_org, create_user
from tests.helpers import login, post_form

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nWelcome.\n\n00:00:02.500 --> 00:01:05.000 align:start\nPut on the gown.\n"


@dataclass
class Setup:
    org: object
    course: object
    client: object
    author: object


@pytest.fixture
def draft_course(app):
    """A never-published course (one module: a text, a file and a quiz lesson) and a logged-in
    author of its organisation."""
    return _setup(app, published=False)


@pytest.fixture
def published_course(app):
    return _setup(app, published=True)


def _setup(app, published):
    org = create_org()
    course = create_course(org=org, published=published)
    client = app.test_client()
    author = create_user(role="author", org=org)
    login(client, author)
    return Setup(org, course, client, author)


def translation_row(translation_id):
    db.session.expire_all()
    return db.session.get(CourseTranslation, translation_id)


def send(client, url, translation, data=None, revision=None, **kwargs):
    """POST a translation form with the translation's current revision (or the one given)."""
    data = dict(data or {})
    data["revision"] = translation_row(translation.id).revision if revision is None else revision
    return post_form(client, url, data, page="/", **kwargs)


def add_translation(client, version, language):
    response = post_form(client, f"/author/versions/{version.id}/translations", {"language": language}, page="/")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return db.session.scalar(select(CourseTranslation).where(
        CourseTranslation.version_id == version.id, CourseTranslation.language == language))


def lesson_form(lesson, prefix="NB"):
    """A complete translation of ``lesson``'s texts and questions as form data."""
    data = {"title": f"{prefix} {lesson.title}", "body_markdown": f"{prefix} tekst" if lesson.kind == "text" else ""}
    for question in lesson.questions:
        data[f"question-{question.id}-prompt"] = f"{prefix} {question.prompt}"
        for n, choice in enumerate(question.choices, start=1):
            data[f"question-{question.id}-choice-{n}"] = f"{prefix} {choice}"
        data[f"question-{question.id}-feedback"] = ""
    return data


def translate_everything(client, translation, prefix="NB"):
    """Translate the course title, the module titles and every lesson through the pages."""
    version = translation_row(translation.id).version
    data = {"title": f"{prefix} course", "summary": f"{prefix} summary"}
    data.update({f"module-{m.id}": f"{prefix} {m.title}" for m in version.modules})
    assert send(client, f"/author/translations/{translation.id}/texts", translation, data).status_code == 302
    for lesson in version.lessons():
        response = send(client, f"/author/translations/{translation.id}/lessons/{lesson.id}", translation,
                        lesson_form(lesson, prefix))
        assert response.status_code == 302, response.get_data(as_text=True)[:800]


def actions():
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def send_file(client, url, content, name, translation=None, field="file", **fields):
    """POST a file (with the translation's current revision when one is given)."""
    import io

    data = {field: (io.BytesIO(content), name), **fields}
    if translation is not None:
        data["revision"] = translation_row(translation.id).revision
    return post_form(client, url, data, page="/", content_type="multipart/form-data")
