"""Authors translating a course version: adding a translation, saving its texts (with the
digests of the source texts they were made from), its files, and publishing it on its own
(what happens to translations when their version is published or copied into a new draft is
in lms.course_languages.versioning).

The structure is the source version's and is never edited here: a translation holds texts
keyed by the source's modules, lessons and questions. Every change checks the policy
(``course.edit``) and the translation's revision (optimistic concurrency, like a draft's),
flushes and records an audit event; the view commits.
"""
import logging

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms.audit.services import record_event
from lms.authoring import filetypes, uploads
from lms.authoring.editing import (
    AuthoringError, Conflict, Frozen, Invalid, authorize, conflict_message,
)
from lms.course_languages.models import (
    CourseTranslation, LessonTranslation, ModuleTranslation, QuestionTranslation,
)
from lms.course_languages.texts import (
    lesson_digest, module_digest, question_digest, supported_languages, translation_state,
    translations_of,
)
from lms.course_languages.versioning import language_name
from lms.extensions import db
from lms.storage import store_incoming
from lms.timeutil import utcnow

log = logging.getLogger(__name__)


class NotReady(AuthoringError):
    """A translation cannot be published: ``details["problems"]`` says what is missing or out
    of date."""


def _frozen_translation_message():
    return _("This version is archived: its translations can no longer be changed.")


def _check_open(version):
    if version.status == "archived":
        raise Frozen(_frozen_translation_message())


# ------------------------------------------------------------------ adding

def add_translation(actor, version, language):
    """Start a translation of ``version`` (a draft or the published version) into
    ``language``: a supported language other than the course's own, not translated yet.

    :return: the new CourseTranslation (flushed, no texts yet)
    :raises Invalid: the language is not supported, is the course's, or exists already
    :raises Frozen: the version is archived
    """
    course = version.course
    authorize(actor, "course.edit", course)
    _check_open(version)
    language = (language or "").strip()
    if language not in supported_languages():
        raise Invalid(_("“%(code)s” is not one of the languages courses can be in: %(languages)s.",
                        code=language[:20], languages=", ".join(supported_languages())))
    if language == course.language:
        raise Invalid(_("The course itself is in %(language)s: choose another language to translate it into.",
                        language=language_name(language)))
    if language in translations_of(version):
        raise Invalid(_("Version %(n)s already has a translation into %(language)s.",
                        n=version.number, language=language_name(language)))
    translation = CourseTranslation(version_id=version.id, language=language, created_by_id=actor.id)
    try:
        with db.session.begin_nested():  # two authors adding the same language at once
            db.session.add(translation)
    except IntegrityError:
        raise Invalid(_("Version %(n)s already has a translation into %(language)s.",
                        n=version.number, language=language_name(language))) from None
    record_event("translation.created", translation, actor=actor, course_id=course.id,
                 version_id=version.id, version=version.number, language=language)
    log.info("translation created translation_id=%s version_id=%s language=%s actor_id=%s",
             translation.id, version.id, language, actor.id)
    return translation


# ------------------------------------------------------------------ editing

def begin_translation_edit(actor, translation, revision):
    """Check that ``actor`` may edit ``translation`` and that it is still as loaded
    (``revision``); bump the revision in the transaction of the edit that follows.

    :raises Forbidden, Frozen, Conflict
    """
    version = translation.version
    authorize(actor, "course.edit", version.course)
    _check_open(version)
    result = db.session.execute(
        update(CourseTranslation)
        .where(CourseTranslation.id == translation.id, CourseTranslation.revision == revision)
        .values(revision=CourseTranslation.revision + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(translation)
    if result.rowcount != 1:
        raise Conflict(conflict_message())


def _keep_published_complete(translation):
    """A published translation is what learners read: it may not lose a required text."""
    if translation.published_at is None:
        return
    db.session.flush()
    db.session.expire(translation, ["modules", "lessons", "questions"])
    if not translation_state(translation).complete:
        raise Invalid(_("This translation is published, so every text it needs must stay filled in."))


def save_course_texts(actor, translation, revision, *, title, summary, module_titles):
    """Save the translated course title and summary and module titles.

    :param module_titles: {module id: translated title}; modules of the version only
    """
    begin_translation_edit(actor, translation, revision)
    modules = {m.id: m for m in translation.version.modules}
    unknown = set(module_titles) - set(modules)
    if unknown:
        raise Invalid(_("The form names a module that is not part of this version. Reload the page and try again."))
    translation.title = title
    translation.summary = summary or ""
    existing = {row.module_id: row for row in translation.modules}
    for module_id, text in module_titles.items():
        module = modules[module_id]
        row = existing.get(module_id)
        if row is None:
            row = ModuleTranslation(translation=translation, module_id=module_id, title="", source_digest="")
            db.session.add(row)
        row.title = text
        row.source_digest = module_digest(module)
    _keep_published_complete(translation)
    db.session.flush()
    record_event("translation.course_texts_saved", translation, actor=actor, language=translation.language,
                 version_id=translation.version_id, modules=sorted(module_titles))


def lesson_of(translation, lesson_id):
    """The source lesson ``lesson_id`` if it belongs to the translation's version, else None."""
    return next((lesson for lesson in translation.version.lessons() if lesson.id == lesson_id), None)


def save_lesson_texts(actor, translation, lesson, revision, *, title, body_markdown, questions):
    """Save a lesson's translated title and text and its questions' prompts, answers and
    feedback; each row keeps the digest of the source text it translates.

    :param questions: {question id: (prompt, [choices], feedback)}; each with exactly as many
        choices as the source question, in its order (the correct answers are the source's)
    :raises Invalid: a question of another lesson, or a different number of answers
    """
    begin_translation_edit(actor, translation, revision)
    if lesson.module.version_id != translation.version_id:
        raise Invalid(_("This lesson is not part of the translated version."))
    sources = {q.id: q for q in lesson.questions}
    for question_id, (_prompt, choices, _feedback) in questions.items():
        source = sources.get(question_id)
        if source is None:
            raise Invalid(_("The form names a question that is not part of this lesson. Reload the page and try again."))
        if len(choices) != len(source.choices):
            raise Invalid(_("Question %(n)s has %(count)s answers: translate each of them, in the same order.",
                            n=lesson.questions.index(source) + 1, count=len(source.choices)))
    text = db.session.scalar(select(LessonTranslation).where(
        LessonTranslation.translation_id == translation.id, LessonTranslation.lesson_id == lesson.id))
    if text is None:
        text = LessonTranslation(translation=translation, lesson_id=lesson.id, source_digest="")
        db.session.add(text)
    text.title, text.body_markdown = title, body_markdown or ""
    text.source_digest = lesson_digest(lesson)
    existing = {row.question_id: row for row in translation.questions if row.question_id in sources}
    for question_id, (prompt, choices, feedback) in questions.items():
        row = existing.get(question_id)
        if row is None:
            row = QuestionTranslation(translation=translation, question_id=question_id, prompt="", choices=[],
                                      source_digest="")
            db.session.add(row)
        row.prompt, row.choices, row.feedback = prompt, list(choices), feedback or ""
        row.source_digest = question_digest(sources[question_id])
    _keep_published_complete(translation)
    db.session.flush()
    record_event("translation.lesson_texts_saved", translation, actor=actor, language=translation.language,
                 version_id=translation.version_id, lesson_id=lesson.id, questions=sorted(questions))
    log.info("translation lesson saved translation_id=%s lesson_id=%s questions=%s actor_id=%s",
             translation.id, lesson.id, len(questions), actor.id)
    return text


def _lesson_text(translation, lesson):
    return db.session.scalar(select(LessonTranslation).where(
        LessonTranslation.translation_id == translation.id, LessonTranslation.lesson_id == lesson.id))


def attach_translated_file(actor, translation, lesson, revision, stream, name):
    """Upload a file lesson's file in the translation's language (a translated PDF, a dubbed
    video), with the same rules as lesson files. The lesson's translated title is needed
    first (the row that holds the file is the lesson's translation).

    :return: the StoredFile
    """
    if lesson.kind != "file" or lesson.module.version_id != translation.version_id:
        raise Invalid(_("Only file lessons of this version have a file."))
    authorize(actor, "course.edit", translation.version.course)
    _check_open(translation.version)
    if translation.revision != revision:
        raise Conflict(conflict_message())
    text = _lesson_text(translation, lesson)
    if text is None:
        raise Invalid(_("Save the lesson’s translated title first, then upload its file."))
    with uploads.checked_upload(stream, name, filetypes.LESSON_FILE_TYPES) as (incoming, content_type):
        begin_translation_edit(actor, translation, revision)
        stored, created = store_incoming(incoming, name, content_type)
    text.file = stored
    db.session.flush()
    record_event("translation.file_attached", translation, actor=actor, language=translation.language,
                 lesson_id=lesson.id, file_id=stored.id, sha256=stored.sha256, new_content=created)
    return stored


def remove_translated_file(actor, translation, lesson, revision):
    """Learners get the source lesson's file again in this language."""
    begin_translation_edit(actor, translation, revision)
    text = _lesson_text(translation, lesson)
    if text is None or text.file_id is None:
        raise Invalid(_("This lesson has no file of its own in this language."))
    old = text.file_id
    text.file_id = None
    db.session.flush()
    record_event("translation.file_removed", translation, actor=actor, language=translation.language,
                 lesson_id=lesson.id, file_id=old)


# ------------------------------------------------------------------ publishing

def problems_of(state):
    """A translation's state as sentences for the author: what is missing, what changed."""
    problems = []
    for kind, row in state.missing:
        if kind == "course":
            problems.append(_("The course title is not translated."))
        elif kind == "module":
            problems.append(_("Module “%(module)s” has no translated title.", module=row.title))
        elif kind == "lesson":
            problems.append(_("Lesson “%(lesson)s” is not fully translated (title, and text for a text lesson).",
                              lesson=row.title))
        else:
            problems.append(_("A question of “%(lesson)s” is not fully translated (question and every answer).",
                              lesson=row.lesson.title))
    for kind, row in state.changed:
        if kind == "module":
            problems.append(_("Module “%(module)s” changed since it was translated.", module=row.title))
        elif kind == "lesson":
            problems.append(_("Lesson “%(lesson)s” changed since it was translated.", lesson=row.title))
        else:
            problems.append(_("A question of “%(lesson)s” changed since it was translated.", lesson=row.lesson.title))
    return problems


def publish_translation(actor, translation, revision):
    """Offer a complete and current translation of the published version to learners.

    A draft's translations are published with the draft (publish_with_version).

    :raises NotReady: with ``details["problems"]``
    """
    begin_translation_edit(actor, translation, revision)
    version = translation.version
    if version.status != "published":
        raise Invalid(_("This version is a draft: its complete translations are published with it."))
    if translation.published_at is not None:
        raise Invalid(_("This translation is published already."))
    problems = problems_of(translation_state(translation))
    if problems:
        raise NotReady(_("The %(language)s translation cannot be published yet.",
                         language=language_name(translation.language)), problems=problems)
    translation.published_at = utcnow()
    db.session.flush()
    record_event("translation.published", translation, actor=actor, language=translation.language,
                 version_id=version.id, version=version.number)
    log.info("translation published translation_id=%s version_id=%s language=%s actor_id=%s",
             translation.id, version.id, translation.language, actor.id)


def withdraw_translation(actor, translation, revision):
    """Stop offering a published translation to new choices of language (learners already
    reading it fall back to what is offered)."""
    begin_translation_edit(actor, translation, revision)
    if translation.published_at is None:
        raise Invalid(_("This translation is not published."))
    translation.published_at = None
    db.session.flush()
    record_event("translation.withdrawn", translation, actor=actor, language=translation.language,
                 version_id=translation.version_id)
