"""Progress: lesson completion, quiz attempts and course completion."""
import logging
from collections import namedtuple
from datetime import timedelta
from functools import cache

from sqlalchemy import String, and_, bindparam, cast, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from lms.audit.services import record_event
from lms.certificates.hooks import certificate_requested
from lms.course_languages.models import CourseTranslation, LessonTranslation, ModuleTranslation
from lms.courses.models import SIGNED_LESSON_KINDS, Course, CourseVersion, Lesson, Module, StoredFile
from lms.courses.outline import lessons_in_order
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress import rules
from lms.progress.models import LessonProgress, QuizAttempt
from lms.timeutil import add_months, utcnow

log = logging.getLogger(__name__)


class WrongLessonKind(Exception):
    pass


def completed_lesson_ids(enrolment_id):
    return set(_execute(_completed_statement(), {"enrolment_id": enrolment_id}).scalars())


@cache
def _completed_statement():
    table = LessonProgress.__table__
    return select(table.c.lesson_id).where(table.c.enrolment_id == bindparam("enrolment_id"))


def _execute(statement, params):
    """Run a Core statement on the session's connection, in its transaction.

    A lesson page or completion runs a handful of statements that read or write plain
    columns; through Session.execute and ORM entities they cost several times the query.
    """
    return _connection().execute(statement, params)


def _connection():
    db.session.flush()  # pending ORM changes first, as Session.execute's autoflush would
    return db.session.connection()


# What learner_lesson reads, as small read-only records: loading five ORM entities was most of
# a lesson page's cost. Writes that need the ORM enrolment load it (see _enrolment_entity).
# ``title``: the course's title in the language the enrolment reads (``language`` stays the
# course's own); ``languages``: the course's own and those of the version's published
# translations, for the page's language switch.
LessonCourse = namedtuple("LessonCourse", "id slug title language languages")
LessonVersion = namedtuple("LessonVersion", "id status published_at revision")  # for lessons_in_order
LessonModule = namedtuple("LessonModule", "id title")


class LearnerEnrolment:
    """The enrolment of a lesson page; _lock_enrolment refreshes its status and times.

    ``completed_ids``: the ids of the lessons it had completed when read (progress rows are
    never removed, so each of them stays complete).
    """

    __slots__ = ("id", "course_id", "version_id", "status", "completed_at", "last_activity_at", "version",
                 "completed_ids", "language", "reading")

    def __init__(self, id, course_id, version_id, status, completed_at, last_activity_at, version,
                 completed_ids=frozenset(), language=None, reading=None):
        self.id, self.course_id, self.version_id = id, course_id, version_id
        self.status, self.completed_at, self.last_activity_at = status, completed_at, last_activity_at
        self.version, self.completed_ids = version, completed_ids
        # language: as chosen (None: the course's own); reading: the language its texts are
        # shown in (the chosen one while the version has a published translation into it).
        self.language, self.reading = language, reading


class LearnerLesson:
    """A lesson's columns, in the language the enrolment reads (``language``; the translation's
    texts and file where it has them); its file and questions (file and quiz lessons) are
    loaded on first use. Questions read in a translation keep the source's ids and correct
    answers, so grading is the same in every language."""

    __slots__ = ("id", "kind", "title", "body_markdown", "file_id", "pass_mark", "module", "language",
                 "translation_id", "document_number", "document_revision", "_entity", "_file", "_questions")

    def __init__(self, id, kind, title, body_markdown, file_id, pass_mark, module, language=None,
                 translation_id=None, document_number=None, document_revision=None):
        self.id, self.kind, self.title, self.body_markdown = id, kind, title, body_markdown
        self.file_id, self.pass_mark, self.module = file_id, pass_mark, module
        self.language, self.translation_id = language, translation_id
        # A controlled document's number and revision (the same in every language).
        self.document_number, self.document_revision = document_number, document_revision
        self._entity = self._file = self._questions = None

    def _lesson(self):
        if self._entity is None:
            self._entity = db.session.get(Lesson, self.id)
        return self._entity

    @property
    def file(self):
        if self.file_id is None:
            return None
        if self._file is None:
            self._file = db.session.get(StoredFile, self.file_id)
        return self._file

    @property
    def questions(self):
        if self.translation_id is None:
            return self._lesson().questions
        if self._questions is None:
            from lms.course_languages.learning import translated_questions

            self._questions = translated_questions(self.translation_id, self._lesson().questions)
        return self._questions


def learner_lesson(user_id, slug, lesson_id):
    """A learner's way into a lesson, in one statement: (course, enrolment, lesson), as
    LessonCourse, LearnerEnrolment (with the lessons it has completed) and LearnerLesson records.

    course is None for an unknown slug, enrolment None when the user is not enrolled, lesson
    None when it is not part of the enrolled version.
    """
    params = {"user_id": user_id, "slug": slug, "lesson_id": lesson_id}
    row = db.session.execute(_learner_lesson_statement(db.engine.dialect.name), params).first()
    if row is None:
        return None, None, None
    (language, translation_id, course_title, lesson_title, lesson_body, lesson_file_id, module_title,
     translated) = row[23:31]
    course_language = row[3]
    languages = [course_language] + sorted(set(translated.split(",")) - {course_language} if translated else ())
    course = LessonCourse(row[0], row[1], course_title or row[2], course_language, languages)
    if row[4] is None:
        return course, None, None
    reading = language if translation_id is not None else course_language
    enrolment = LearnerEnrolment(*row[4:10], version=LessonVersion(*row[10:14]),
                                 completed_ids=frozenset(map(int, row[22].split(","))) if row[22] else frozenset(),
                                 language=language, reading=reading)
    if row[20] is None:  # no module of the enrolled version holds the lesson
        return course, enrolment, None
    lesson_id, kind, title, body, file_id, pass_mark = row[14:20]
    if translation_id is not None:  # the translation's texts where it has them
        title, body = lesson_title or title, lesson_body if lesson_title is not None else body
        file_id = lesson_file_id or file_id
    module = LessonModule(row[20], module_title or row[21])
    return course, enrolment, LearnerLesson(lesson_id, kind, title, body, file_id, pass_mark, module=module,
                                            language=reading, translation_id=translation_id,
                                            document_number=row[31], document_revision=row[32])


@cache
def _learner_lesson_statement(dialect):
    course, enrolment, version = Course.__table__.c, Enrolment.__table__.c, CourseVersion.__table__.c
    lesson, module, progress = Lesson.__table__.c, Module.__table__.c, LessonProgress.__table__.c
    # The enrolment's completed lessons come along as one string of ids ("3,5,8"); the
    # separator written into the SQL (aggregate_strings would render it anew per execution).
    ids, comma = cast(progress.lesson_id, String), literal_column("','")
    aggregate = func.string_agg(ids, comma) if dialect == "postgresql" else func.group_concat(ids, comma)
    completed = (
        select(aggregate)
        .where(progress.enrolment_id == enrolment.id)
        .scalar_subquery()
    )
    translation = CourseTranslation.__table__.c
    lesson_texts = LessonTranslation.__table__.alias("lesson_text")
    module_texts = ModuleTranslation.__table__.alias("module_text")
    lesson_text, module_text = lesson_texts.c, module_texts.c
    offered = CourseTranslation.__table__.alias("offered").c
    # The version's published translations' languages, one string ("lt,nb") as above.
    published = (
        select(func.string_agg(offered.language, comma) if dialect == "postgresql"
               else func.group_concat(offered.language, comma))
        .where(offered.version_id == enrolment.version_id, offered.published_at.is_not(None))
        .scalar_subquery()
    )
    other = Enrolment.__table__.alias("other_enrolment")
    newest = (
        select(func.max(other.c.id))
        .where(other.c.course_id == course.id, other.c.user_id == bindparam("user_id"))
        .scalar_subquery()
    )
    return (
        select(  # in the order learner_lesson slices the row
            course.id, course.slug, course.title, course.language,
            enrolment.id, enrolment.course_id, enrolment.version_id, enrolment.status,
            enrolment.completed_at, enrolment.last_activity_at,
            version.id, version.status, version.published_at, version.revision,
            lesson.id, lesson.kind, lesson.title, lesson.body_markdown, lesson.file_id, lesson.pass_mark,
            module.id, module.title, completed,
            enrolment.language, translation.id, translation.title, lesson_text.title, lesson_text.body_markdown,
            lesson_text.file_id, module_text.title, published,
            lesson.document_number, lesson.document_revision,
        )
        .select_from(Course.__table__)
        # The newest enrolment (enrolments.services.enrolment_for): after a completion, a
        # recertification or retraining enrolment of the same course is the one worked on.
        .outerjoin(Enrolment.__table__, and_(enrolment.course_id == course.id, enrolment.user_id == bindparam("user_id"),
                                             enrolment.id == newest))
        .outerjoin(CourseVersion.__table__, version.id == enrolment.version_id)
        .outerjoin(Lesson.__table__, lesson.id == bindparam("lesson_id"))
        .outerjoin(Module.__table__, and_(module.id == lesson.module_id, module.version_id == enrolment.version_id))
        # The enrolment's language, when the version has a published translation into it.
        .outerjoin(CourseTranslation.__table__, and_(
            translation.version_id == enrolment.version_id, translation.language == enrolment.language,
            translation.published_at.is_not(None)))
        .outerjoin(lesson_texts, and_(lesson_text.translation_id == translation.id, lesson_text.lesson_id == lesson.id))
        .outerjoin(module_texts, and_(
            module_text.translation_id == translation.id, module_text.module_id == module.id))
        .where(course.slug == bindparam("slug"))
    )


def version_lesson_ids(version):
    """The ids of every lesson of ``version`` (a CourseVersion), from its outline."""
    return {lesson.id for lesson in lessons_in_order(version)}


def _lock_enrolment(enrolment):
    """Serialise progress writes of one enrolment (row lock on PostgreSQL, the write lock on
    SQLite), so two tabs completing the last lessons at once still complete the course."""
    # What the lock now guards comes back with it (RETURNING) and refreshes the enrolment.
    row = _execute(_lock_statement(), {"enrolment_id": enrolment.id, "now": utcnow()}).one()
    orm = isinstance(enrolment, Enrolment)
    for name, value in row._mapping.items():
        if orm:
            set_committed_value(enrolment, name, value)
        else:
            setattr(enrolment, name, value)


@cache
def _lock_statement():
    table = Enrolment.__table__
    return (
        update(table).where(table.c.id == bindparam("enrolment_id"))
        .values(last_activity_at=bindparam("now"))
        .returning(table.c.status, table.c.completed_at, table.c.last_activity_at)
    )


def _enrolment_entity(enrolment):
    """The ORM Enrolment (audit events and the completion write need it) for an Enrolment or
    a LearnerEnrolment; loaded after the lock, so it reads what the lock guards."""
    if isinstance(enrolment, Enrolment):
        return enrolment
    return db.session.get(Enrolment, enrolment.id, populate_existing=True)


def _insert_progress(enrolment, lesson, score):
    """Insert the progress row unless it exists; return True when this call inserted it."""
    connection = _connection()
    statement = _insert_progress_statement(connection.dialect.name)
    values = {"enrolment_id": enrolment.id, "lesson_id": lesson.id, "completed_at": utcnow(), "score": score}
    return connection.execute(statement, values).scalar() is not None


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
    """Record the lesson done and, with the last one, the course; ``enrolment`` is locked."""
    if not _insert_progress(enrolment, lesson, score):
        return False  # already done: nothing more to write (the common repeated click)
    entity = _enrolment_entity(enrolment)
    record_event("lesson.completed", entity, actor=actor, lesson_id=lesson.id, score=score)
    complete_if_done(entity, version_lesson_ids(enrolment.version), actor)
    if entity is not enrolment:  # the caller's record reads as the entity now does
        enrolment.status, enrolment.completed_at = entity.status, entity.completed_at
    return True


def complete_if_done(enrolment, lesson_ids, actor):
    """The one place a course is completed: when every lesson of ``lesson_ids`` (the enrolled
    version's) has a progress row, the enrolment (an ORM Enrolment, locked by the caller)
    completes, the event is recorded and its certificate requested. Used by lesson completion
    and by moving a learner to a new version.

    :return: True when this call completed the enrolment
    """
    if enrolment.status == "completed":
        return False
    if not rules.is_course_complete(lesson_ids, completed_lesson_ids(enrolment.id)):
        return False
    enrolment.status = "completed"
    enrolment.completed_at = utcnow()
    # Fixed now, so the certificate (issued later by a worker) and the training matrix agree
    # even if the course's validity changes meanwhile.
    validity = db.session.get(Course, enrolment.course_id).validity_months
    enrolment.valid_until = add_months(enrolment.completed_at, validity) if validity else None
    record_event(
        "enrolment.completed", enrolment, actor=actor,
        course_id=enrolment.course_id, version_id=enrolment.version_id,
    )
    certificate_requested(enrolment.id)  # promised in this commit (lms.outbox)
    return True


def complete_lesson(enrolment, lesson, actor):
    """Mark a text or file lesson complete (idempotent).

    :param enrolment: an Enrolment, or learner_lesson's LearnerEnrolment (refreshed here)
    :return: True when this call recorded the completion, False when it was already complete
    :raises WrongLessonKind: for quiz lessons, which complete only by passing, and controlled
        documents and observed practice, which complete only by a signature
    """
    if lesson.kind == "quiz" or lesson.kind in SIGNED_LESSON_KINDS:
        raise WrongLessonKind(lesson.id)
    if lesson.id in getattr(enrolment, "completed_ids", ()):
        # Complete already when the lesson was read (progress rows are never removed): the
        # common repeated click records nothing but the activity, and that to the minute.
        if not recently_active(enrolment):
            _lock_enrolment(enrolment)
        return False
    _lock_enrolment(enrolment)
    return _record_lesson_done(enrolment, lesson, actor)


def complete_signed_lesson(enrolment, lesson, actor):
    """Complete a controlled-document or observed-practice lesson once its signature is
    written (lms.signatures.services.sign, in the same transaction): the one way they complete.

    :param enrolment: the ORM Enrolment of the signed record (the learner's)
    :param actor: who signed (the learner, or their supervisor)
    :return: True when this call recorded the completion
    """
    if lesson.kind not in SIGNED_LESSON_KINDS:
        raise WrongLessonKind(lesson.id)
    _lock_enrolment(enrolment)
    return _record_lesson_done(enrolment, lesson, actor)


# A learner's last activity is kept to the minute, as Moodle keeps its users' last access: a
# click within a minute of the last recorded one writes nothing (reminders and reports count
# inactivity in days), so repeated clicks stay reads and never queue for the write lock.
ACTIVITY_RESOLUTION = timedelta(minutes=1)


def recently_active(enrolment):
    """True when the enrolment's last activity, as read, is less than a minute old."""
    last = enrolment.last_activity_at
    return last is not None and utcnow() - last < ACTIVITY_RESOLUTION


def submit_quiz(enrolment, lesson, answers, actor):
    """Score and record a quiz attempt; a pass completes the lesson.

    :param enrolment: an Enrolment, or learner_lesson's LearnerEnrolment (refreshed here)
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
    entity = _enrolment_entity(enrolment)  # held: _record_lesson_done finds it in the session
    record_event(
        "quiz.attempted", entity, actor=actor,
        lesson_id=lesson.id, attempt_id=attempt.id, score=result.score, passed=result.passed,
    )
    if result.passed:
        _record_lesson_done(enrolment, lesson, actor, score=result.score)
    return attempt, result


def summary(enrolment, done=None):
    """What a page needs to show progress: the lessons in order, which are done, the percent.

    ``done``: the completed lesson ids when the caller has just read them, else read here.
    """
    lessons = lessons_in_order(enrolment.version)
    if done is None:
        done = completed_lesson_ids(enrolment.id)
    ids = [lesson.id for lesson in lessons]
    return {
        "lessons": lessons,
        "done": done,
        "percent": rules.progress_percent(ids, done),
        "next": rules.first_unfinished(lessons, done),
    }
