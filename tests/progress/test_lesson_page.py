"""The learner's lesson page and "mark complete", read and written with Core statements and
read-only records (lms.progress.services.learner_lesson): they must behave as the ORM did."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress import services
from lms.progress.models import LessonProgress
from lms.timeutil import utcnow
from tests.factories import create_course, create_user, enrol
from tests.helpers import login, post_form, text_of


@pytest.fixture
def learner_in(app, client):
    def make(lessons):
        learner = create_user()
        course = create_course(lessons=lessons)
        enrolment = enrol(learner, course)
        login(client, learner)
        return learner, course, enrolment, enrolment.version.lessons()
    return make


def url(course, lesson, action=""):
    return f"/courses/{course.slug}/lessons/{lesson.id}{action}"


def audit_actions(enrolment):
    return db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.subject_type == "enrolment", AuditEvent.subject_id == enrolment.id)
        .order_by(AuditEvent.id)
    ).all()


def test_learner_lesson_records_read_like_the_models(learner_in):
    learner, course, enrolment, (text_lesson, file_lesson, quiz) = learner_in(("text", "file", "quiz"))
    for lesson in (text_lesson, file_lesson, quiz):
        got_course, got_enrolment, got = services.learner_lesson(learner.id, course.slug, lesson.id)
        assert (got_course.id, got_course.slug, got_course.title, got_course.language) == (
            course.id, course.slug, course.title, course.language)
        assert (got_enrolment.id, got_enrolment.status, got_enrolment.version.id) == (
            enrolment.id, enrolment.status, enrolment.version_id)
        assert (got.id, got.kind, got.title, got.body_markdown, got.pass_mark, got.module.title) == (
            lesson.id, lesson.kind, lesson.title, lesson.body_markdown, lesson.pass_mark, lesson.module.title)
        assert (got.file and got.file.id) == (lesson.file and lesson.file.id)
        assert [q.id for q in got.questions] == [q.id for q in lesson.questions]
    assert services.learner_lesson(learner.id, "no-such-course", text_lesson.id) == (None, None, None)
    assert services.learner_lesson(learner.id, course.slug, 999999)[2] is None
    assert services.learner_lesson(create_user().id, course.slug, text_lesson.id)[1] is None


def test_marking_the_last_lesson_complete_completes_the_course(client, learner_in):
    _learner, course, enrolment, (first, second) = learner_in(("text", "text"))
    assert post_form(client, url(course, first, "/complete"), page=url(course, first)).location == (
        f"/courses/{course.slug}/continue")
    last = post_form(client, url(course, second, "/complete"), page=url(course, second))
    assert last.status_code == 302 and last.location == f"/courses/{course.slug}"
    assert "Congratulations, you have completed" in text_of(client.get(last.location))
    enrolment = db.session.get(Enrolment, enrolment.id)
    db.session.refresh(enrolment)
    assert enrolment.status == "completed" and enrolment.completed_at is not None
    assert audit_actions(enrolment)[-3:] == ["lesson.completed", "lesson.completed", "enrolment.completed"]


def test_completing_a_completed_lesson_again_only_records_the_activity(client, learner_in):
    _learner, course, enrolment, (first, _second) = learner_in(("text", "text"))
    post_form(client, url(course, first, "/complete"), page=url(course, first))
    enrolment = db.session.get(Enrolment, enrolment.id)
    long_ago = datetime(2020, 1, 1, tzinfo=timezone.utc)
    enrolment.last_activity_at = long_ago
    db.session.commit()
    events = audit_actions(enrolment)
    again = post_form(client, url(course, first, "/complete"), page=url(course, first))
    assert again.status_code == 302 and again.location == f"/courses/{course.slug}/continue"
    db.session.refresh(enrolment)
    assert enrolment.last_activity_at > long_ago and enrolment.status == "active"
    assert audit_actions(enrolment) == events
    assert len(db.session.scalars(select(LessonProgress)).all()) == 1


def test_a_repeated_click_within_a_minute_of_the_last_activity_writes_nothing(client, learner_in):
    _learner, course, enrolment, (first, _second) = learner_in(("text", "text"))
    post_form(client, url(course, first, "/complete"), page=url(course, first))
    enrolment = db.session.get(Enrolment, enrolment.id)
    recent = utcnow() - timedelta(seconds=20)
    enrolment.last_activity_at = recent
    db.session.commit()
    again = post_form(client, url(course, first, "/complete"), page=url(course, first))
    assert again.status_code == 302 and again.location == f"/courses/{course.slug}/continue"
    db.session.refresh(enrolment)
    assert enrolment.last_activity_at == recent  # kept to the minute: nothing written
    # A minute later the same click records the activity again.
    enrolment.last_activity_at = recent - timedelta(minutes=1)
    db.session.commit()
    post_form(client, url(course, first, "/complete"), page=url(course, first))
    db.session.refresh(enrolment)
    assert enrolment.last_activity_at > recent


def test_complete_lesson_refreshes_a_learner_enrolment_record(learner_in):
    learner, course, _enrolment, (first, second) = learner_in(("text", "text"))
    for lesson in (first, second):
        _course, record, got = services.learner_lesson(learner.id, course.slug, lesson.id)
        assert services.complete_lesson(record, got, learner) is True
    assert record.status == "completed" and record.completed_at is not None
    assert record.last_activity_at is not None
    db.session.commit()
