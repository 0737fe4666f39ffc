"""Fixtures for the authoring tests: a draft course of one organisation and its people."""
from dataclasses import dataclass

import pytest

from lms.courses.models import CourseAsset
from lms.extensions import db
from lms.storage import store_bytes
from tests.authoring.helpers import png_bytes
from tests.factories import create_course, create_org, create_user
from tests.helpers import login


@dataclass
class Draft:
    org: object
    course: object
    version: object
    module: object
    text: object
    file: object
    quiz: object
    question: object
    image: object


@pytest.fixture
def draft(app):
    """A never-published course (draft version 1: a module with a text, a file and a quiz
    lesson) with one uploaded image."""
    org = create_org()
    course = create_course(org=org, published=False)
    version = course.versions[0]
    module = version.modules[0]
    text, file_lesson, quiz = module.lessons
    image = store_bytes(png_bytes(), "diagram.png", "image/png")
    db.session.add(CourseAsset(course_id=course.id, file_id=image.id))
    db.session.commit()
    return Draft(org, course, version, module, text, file_lesson, quiz, quiz.questions[0], image)


@pytest.fixture
def author_client(app, draft):
    """A logged-in client of an author of the draft's organisation."""
    client = app.test_client()
    client.user = create_user(role="author", org=draft.org)
    login(client, client.user)
    return client


@pytest.fixture
def admin_client(app):
    client = app.test_client()
    client.user = create_user(role="admin")
    login(client, client.user)
    return client
