"""Progress: lesson completion, quiz attempts and course completion."""
import logging
from functools import cache

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from lms.after_commit import call_after_commit
from lms.audit.services import record_event
from lms.certificates.hooks import certificate_requested
from lms.courses.models import Course, CourseVersion, Lesson, Module
from lms.courses.outline import lessons_in_order
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress import rules
from lms.progress.models import LessonProgress, QuizAttempt
from lms.timeutil import utcnow

log = logging.getLogger(__name__)


class WrongLessonKind(Exception):
    pass


def completed_lesson_ids(enrolment_id):
    return set(db.session.scalars(_completed_statement(), {"enrolment_id": enrolment_id}))


@cache
def _completed_statement():
    return select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == bindparam("enrolment_id"))


def learner_lesson(user_id, slug, lesson_id):
    """A learner's way into a lesson, in one statement: (course, enrolment, lesson).

    course is None for an unknown slug, enrolment None when the user is not enrolled, lesson
    None when it is not part of the enrolled version.
    """
    row = db.session.execute(
        _learner_lesson_statement(), {"user_id": user_id, "slug": slug, "lesson_id": lesson_id}
    ).first()
    if row is None:
        return None, None, None
    course, enrolment, lesson, module, version = row
    # Hand the loaded module and version to the objects that refer to them, which a page
    # reads next (the session only holds objects weakly: they would be fetched again).
    if enrolment is not None:
        set_committed_value(enrolment, "version", version)
    if module is None:
        return course, enrolment, None
    set_committed_value(lesson, "module", module)
    return course, enrolment, lesson


@cache
def _learner_lesson_statement():
    # Built once (every lesson view and completion runs it): see lms.accounts.auth.
    return (
        select(Course, Enrolment, Lesson, Module, CourseVersion)
        .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("user_id")))
        .outerjoin(CourseVersion, CourseVersion.id == Enrolment.version_id)  # for enrolment.version
        .outerjoin(Lesson, Lesson.id == bindparam("lesson_id"))
        .outerjoin(Module, and_(Module.id == Lesson.module_id, Module.version_id == Enrolment.version_id))
        .where(Course.slug == bindparam("slug"))
    )


def version_lesson_ids(version):
    """The ids of every lesson of ``version`` (a CourseVersion), from its outline."""
    return {lesson.id for lesson in lessons_in_order(version)}


def _lock_enrolment(enrolment):
    """Serialise progress writes of one enrolment (row lock on PostgreSQL, the write lock on
    SQLite), so two tabs completing the last lessons at once still complete the course."""
    # What the lock now guards comes back with it (RETURNING) and refreshes the object.
    row = db.session.execute(_lock_statement(), {"enrolment_id": enrolment.id, "now": utcnow()}).one()
    for name, value in row._mapping.items():
        set_committed_value(enrolment, name, value)


@cache
def _lock_statement():
    table = Enrolment.__table__
    return (
        update(table).where(table.c.id == bindparam("enrolment_id"))
        .values(last_activity_at=bindparam("now"))
        .returning(table.c.status, table.c.completed_at, table.c.last_activity_at)
    )


def _insert_progress(enrolment, lesson, score):
    """Insert the progress row unless it exists; return True when this call inserted it."""
    statement = _insert_progress_statement(db.session.get_bind().dialect.name)
    values = {"enrolment_id": enrolment.id, "lesson_id": lesson.id, "completed_at": utcnow(), "score": score}
    return db.session.execute(statement, values).scalar() is not None


@cache
def _insert_progress_statement(dialect):
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = LessonProgress.__table__  # the table, not the entity: no ORM bulk machinery
    return (
        insert(table)
        .values({name: bindparam(name) for name in ("enrolment_id", "lesson_id", "completed_at", "score")})
        .on_conflict_do_nothing(index_elements=["enrolment_id", "lesson_id"])
        .returning(table.c.id)
    )


def _record_lesson_done(enrolment, lesson, actor, score=None):
    if not _insert_progress(enrolment, lesson, score):
        return False
    record_event("lesson.completed", enrolment, actor=actor, lesson_id=lesson.id, score=score)
    if enrolment.status != "completed" and rules.is_course_complete(
        version_lesson_ids(enrolment.version), completed_lesson_ids(enrolment.id)
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
    lessons = lessons_in_order(enrolment.version)
    done = completed_lesson_ids(enrolment.id)
    ids = [lesson.id for lesson in lessons]
    return {
        "lessons": lessons,
        "done": done,
        "percent": rules.progress_percent(ids, done),
        "next": rules.first_unfinished(lessons, done),
    }
