"""Progress: lesson completion, quiz attempts and course completion."""
import logging

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.after_commit import call_after_commit
from lms.audit.services import record_event
from lms.certificates.hooks import certificate_requested
from lms.courses.models import Lesson, Module
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress import rules
from lms.progress.models import LessonProgress, QuizAttempt
from lms.timeutil import utcnow

log = logging.getLogger(__name__)


class WrongLessonKind(Exception):
    pass


def completed_lesson_ids(enrolment_id):
    return set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == enrolment_id)
        )
    )


def version_lesson_ids(version_id):
    return set(
        db.session.scalars(
            select(Lesson.id).join(Module, Module.id == Lesson.module_id).where(Module.version_id == version_id)
        )
    )


def _lock_enrolment(enrolment):
    """Serialise progress writes of one enrolment (row lock on PostgreSQL, the write lock on
    SQLite), so two tabs completing the last lessons at once still complete the course."""
    now = utcnow()
    db.session.execute(
        update(Enrolment).where(Enrolment.id == enrolment.id).values(last_activity_at=now)
    )
    db.session.refresh(enrolment)


def _insert_progress(enrolment, lesson, score):
    """Insert the progress row unless it exists; return True when this call inserted it."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(LessonProgress)
        .values(enrolment_id=enrolment.id, lesson_id=lesson.id, completed_at=utcnow(), score=score)
        .on_conflict_do_nothing(index_elements=["enrolment_id", "lesson_id"])
        .returning(LessonProgress.id)
    )
    return db.session.execute(stmt).scalar() is not None


def _record_lesson_done(enrolment, lesson, actor, score=None):
    if not _insert_progress(enrolment, lesson, score):
        return False
    record_event("lesson.completed", enrolment, actor=actor, lesson_id=lesson.id, score=score)
    if enrolment.status != "completed" and rules.is_course_complete(
        version_lesson_ids(enrolment.version_id), completed_lesson_ids(enrolment.id)
    ):
        enrolment.status = "completed"
        enrolment.completed_at = utcnow()
        record_event(
            "enrolment.completed", enrolment, actor=actor,
            course_id=enrolment.course_id, version_id=enrolment.version_id,
        )
        call_after_commit(db.session(), certificate_requested, enrolment.id)
    return True


def complete_lesson(enrolment, lesson, actor):
    """Mark a text or file lesson complete (idempotent).

    :return: True when this call recorded the completion, False when it was already complete
    :raises WrongLessonKind: for quiz lessons, which complete only by passing
    """
    if lesson.kind == "quiz":
        raise WrongLessonKind(lesson.id)
    _lock_enrolment(enrolment)
    return _record_lesson_done(enrolment, lesson, actor)


def submit_quiz(enrolment, lesson, answers, actor):
    """Score and record a quiz attempt; a pass completes the lesson.

    :param answers: {question_id: set of choice indices}
    :return: (QuizAttempt, QuizResult)
    """
    if lesson.kind != "quiz":
        raise WrongLessonKind(lesson.id)
    result = rules.score_quiz(lesson.questions, answers, lesson.pass_mark)
    _lock_enrolment(enrolment)
    attempt = QuizAttempt(
        enrolment_id=enrolment.id, lesson_id=lesson.id,
        answers={str(q): sorted(a) for q, a in answers.items()},
        score=result.score, passed=result.passed,
    )
    db.session.add(attempt)
    db.session.flush()
    record_event(
        "quiz.attempted", enrolment, actor=actor,
        lesson_id=lesson.id, attempt_id=attempt.id, score=result.score, passed=result.passed,
    )
    if result.passed:
        _record_lesson_done(enrolment, lesson, actor, score=result.score)
    return attempt, result


def summary(enrolment):
    """What a page needs to show progress: the lessons in order, which are done, the percent."""
    lessons = enrolment.version.lessons()
    done = completed_lesson_ids(enrolment.id)
    ids = [lesson.id for lesson in lessons]
    return {
        "lessons": lessons,
        "done": done,
        "percent": rules.progress_percent(ids, done),
        "next": rules.first_unfinished(lessons, done),
    }
