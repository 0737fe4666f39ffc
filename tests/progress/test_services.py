"""Completion rules through the services, against the real database."""
import pytest
from sqlalchemy import func, select

from lms.after_commit import call_after_commit
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.outbox.models import ISSUE_CERTIFICATE, Outbox
from lms.progress import services
from lms.progress.models import LessonProgress, QuizAttempt
from tests.factories import create_course, create_user, enrol


def actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


@pytest.fixture
def setup(app):
    learner = create_user()
    course = create_course(lessons=("text", "file", "quiz"))
    enrolment = enrol(learner, course)
    text_lesson, file_lesson, quiz = enrolment.version.lessons()
    return learner, enrolment, text_lesson, file_lesson, quiz


def test_course_completes_with_the_last_lesson_in_the_same_transaction(setup):
    learner, enrolment, text_lesson, file_lesson, quiz = setup
    assert services.complete_lesson(enrolment, text_lesson, learner)
    assert services.complete_lesson(enrolment, file_lesson, learner)
    db.session.commit()
    assert enrolment.status == "active"
    services.submit_quiz(enrolment, quiz, {q.id: set(q.correct) for q in quiz.questions}, learner)
    assert enrolment.status == "completed" and enrolment.completed_at is not None
    db.session.commit()
    # The certificate is promised in the completing commit (handed to the worker after it).
    promised = db.session.execute(select(Outbox.kind, Outbox.subject_id)).all()
    assert promised == [(ISSUE_CERTIFICATE, enrolment.id)]
    assert actions()[-4:] == ["lesson.completed", "quiz.attempted", "lesson.completed", "enrolment.completed"]


def test_completing_twice_records_one_progress_row(setup):
    learner, enrolment, text_lesson, *_ = setup
    assert services.complete_lesson(enrolment, text_lesson, learner) is True
    assert services.complete_lesson(enrolment, text_lesson, learner) is False
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(LessonProgress))
    assert count == 1
    assert actions().count("lesson.completed") == 1


def test_quiz_completes_only_when_passed(setup):
    learner, enrolment, _t, _f, quiz = setup
    single, multiple = quiz.questions
    _attempt, failed = services.submit_quiz(enrolment, quiz, {single.id: {1}, multiple.id: {0}}, learner)
    assert (failed.score, failed.passed, failed.wrong) == (0, False, [single.id, multiple.id])
    assert quiz.id not in services.completed_lesson_ids(enrolment.id)
    _attempt, passed = services.submit_quiz(enrolment, quiz, {single.id: {0}, multiple.id: {0, 2}}, learner)
    db.session.commit()
    assert passed.passed and passed.score == 100
    assert quiz.id in services.completed_lesson_ids(enrolment.id)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 2
    with pytest.raises(services.WrongLessonKind):
        services.complete_lesson(enrolment, quiz, learner)


def test_a_rolled_back_completion_requests_no_certificate(setup, monkeypatch):
    calls = []
    call_after_commit(db.session(), calls.append, "x")
    db.session.rollback()
    db.session.commit()
    assert calls == []
    call_after_commit(db.session(), calls.append, "y")
    db.session.commit()
    assert calls == ["y"]


def test_summary_tracks_percent_and_next_lesson(setup):
    learner, enrolment, text_lesson, file_lesson, _quiz = setup
    assert services.summary(enrolment)["next"].id == text_lesson.id
    services.complete_lesson(enrolment, text_lesson, learner)
    db.session.commit()
    state = services.summary(enrolment)
    assert state["percent"] == 33 and state["next"].id == file_lesson.id


def test_after_commit_work_waits_for_the_outer_commit_not_a_savepoint(app):
    """Regression: a savepoint's release fired the callbacks, so a worker could be handed the
    id of a row not yet committed (seen with bulk enrolment's invitations)."""
    calls = []
    call_after_commit(db.session(), calls.append, "outer")
    with db.session.begin_nested():
        pass
    assert calls == []
    db.session.commit()
    assert calls == ["outer"]
