"""Learners and the languages of a course: which language an enrolment reads in, choosing and
switching it (progress belongs to the lesson, so it stays), translated titles for the course
page, My learning and the certificate, and a video lesson's captions.

A translation is shown to learners only once it is published. Pages read the published
translations with plain queries; choosing a language (a write, rare) also checks that the
translation is complete and current (lms.course_languages.texts.offered_languages).
"""
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from babel import Locale
from sqlalchemy import select

from lms.audit.services import record_event
from lms.course_languages.models import (
    CourseTranslation, LessonCaption, LessonTranslation, ModuleTranslation, QuestionTranslation,
)
from lms.course_languages.texts import offered_languages, supported_languages
from lms.extensions import db
from lms.policy import Forbidden


class LanguageRefused(Exception):
    """A language a learner may not take the course in; ``message`` says why."""

    status = 422

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def language_name(code, locale=None):
    """The name of language ``code`` in ``locale`` (default: the page's), e.g. "litauisk" in
    Norwegian; the code itself when Babel does not know it."""
    if not code:
        return ""
    try:
        reader = Locale.parse(str(locale or get_locale() or "en"))
        name = reader.languages.get(code)
    except (ValueError, TypeError):
        name = None
    return name or str(supported_languages().get(code, code))


def published_languages(version):
    """The course's own language first, then the languages of ``version``'s published
    translations (one query; what pages list)."""
    course_language = version.course.language
    rows = db.session.scalars(
        select(CourseTranslation.language)
        .where(CourseTranslation.version_id == version.id, CourseTranslation.published_at.is_not(None))
        .order_by(CourseTranslation.language)
    ).all()
    return [course_language] + [code for code in rows if code != course_language]


def reading_language(enrolment):
    """The language ``enrolment`` reads its version in: its chosen language while the version
    has a published translation into it, else the course's own (e.g. after a move to a new
    version not yet translated into it)."""
    course_language = enrolment.course.language
    chosen = enrolment.language or course_language
    if chosen == course_language:
        return course_language
    return chosen if _published_translation(enrolment.version_id, chosen) is not None else course_language


def _published_translation(version_id, language):
    return db.session.scalar(select(CourseTranslation).where(
        CourseTranslation.version_id == version_id, CourseTranslation.language == language,
        CourseTranslation.published_at.is_not(None)))


def default_language(user, version, earlier=None):
    """The language an enrolment starts in: ``earlier`` (the language of the learner's earlier
    enrolment in the course: a recertification or retraining goes on in it), else the
    learner's interface language, when ``version`` offers it; else the course's own."""
    course_language = version.course.language
    for candidate in (earlier, getattr(user, "locale", None)):
        if not candidate or candidate == course_language:
            if candidate:
                return course_language
            continue
        if _published_translation(version.id, candidate) is not None and candidate in offered_languages(version):
            return candidate
    return course_language


def check_language(version, language):
    """``language`` when a learner may take ``version`` in it.

    :raises LanguageRefused: not a supported language code, or not offered by this course
    """
    language = (language or "").strip()
    if language not in supported_languages():
        raise LanguageRefused(_l("Choose one of the supported languages."))
    if language not in offered_languages(version):
        raise LanguageRefused(_l("This course is not offered in %(language)s.", language=language_name(language)))
    return language


def switch_language(enrolment, language, actor):
    """Let the learner read ``enrolment`` in ``language`` from now on. Progress, attempts and
    completion belong to the lessons, not to a translation: nothing else changes.

    :raises Forbidden: ``actor`` is not the enrolment's learner
    :raises LanguageRefused: see check_language
    :return: True when the language changed
    """
    if actor is None or actor.id != enrolment.user_id:
        raise Forbidden("enrolment.language")
    language = check_language(enrolment.version, language)
    old = enrolment.language or enrolment.course.language
    enrolment.language = language
    if old == language:
        return False
    db.session.flush()
    record_event("enrolment.language_changed", enrolment, actor=actor, old=old, new=language)
    return True


# ------------------------------------------------------------------------- translated texts


@dataclass(frozen=True)
class VersionTexts:
    """A version's titles in a language (empty dicts: the source's)."""

    language: str
    title: str | None = None
    summary: str | None = None
    modules: dict = None  # module id -> title
    lessons: dict = None  # lesson id -> title

    def module_title(self, module):
        return (self.modules or {}).get(module.id) or module.title

    def lesson_title(self, lesson):
        return (self.lessons or {}).get(lesson.id) or lesson.title


def version_texts(version, language):
    """``version``'s course title, summary, module and lesson titles in ``language`` when it has
    a published translation into it (three small queries), else the source's."""
    course = version.course
    translation = None
    if language and language != course.language:
        translation = _published_translation(version.id, language)
    if translation is None:
        return VersionTexts(course.language, course.title, course.summary, {}, {})
    modules = dict(db.session.execute(select(ModuleTranslation.module_id, ModuleTranslation.title)
                                      .where(ModuleTranslation.translation_id == translation.id)).all())
    lessons = dict(db.session.execute(select(LessonTranslation.lesson_id, LessonTranslation.title)
                                      .where(LessonTranslation.translation_id == translation.id)).all())
    return VersionTexts(language, translation.title or course.title, translation.summary or course.summary,
                        modules, lessons)


def lesson_titles(translation_id, lesson_ids):
    """{lesson id: title} of ``lesson_ids`` in the translation ``translation_id``."""
    if not lesson_ids:
        return {}
    return dict(db.session.execute(
        select(LessonTranslation.lesson_id, LessonTranslation.title)
        .where(LessonTranslation.translation_id == translation_id, LessonTranslation.lesson_id.in_(list(lesson_ids)))
    ).all())


def course_titles(enrolments):
    """{enrolment id: the course title in the enrolment's language} for My learning, in one
    query; enrolments reading the source get the course's title."""
    pairs = {(e.version_id, e.language) for e in enrolments if e.language and e.language != e.course.language}
    found = {}
    if pairs:
        rows = db.session.execute(
            select(CourseTranslation.version_id, CourseTranslation.language, CourseTranslation.title)
            .where(CourseTranslation.version_id.in_({v for v, _lang in pairs}),
                   CourseTranslation.published_at.is_not(None))
        ).all()
        found = {(v, lang): title for v, lang, title in rows if title}
    return {e.id: found.get((e.version_id, e.language), e.course.title) for e in enrolments}


def course_title_in(enrolment, language):
    """The course title of ``enrolment``'s version in ``language`` (its published translation's,
    else the course's): what a certificate states."""
    course = enrolment.course
    if language and language != course.language:
        translation = _published_translation(enrolment.version_id, language)
        if translation is not None and translation.title.strip():
            return translation.title
    return course.title


class TranslatedQuestion:
    """A quiz question as read in a language: the translated prompt, answers and feedback;
    the id and the correct indices (what grading reads) are the source question's."""

    __slots__ = ("id", "correct", "multiple", "prompt", "choices", "feedback")

    def __init__(self, question, text):
        self.id, self.correct, self.multiple = question.id, list(question.correct), question.multiple
        same = text is not None and len(text.choices) == len(question.choices)
        self.prompt = text.prompt if same else question.prompt
        self.choices = list(text.choices) if same else list(question.choices)
        self.feedback = (text.feedback if same else question.feedback) or ""


def translated_questions(translation_id, questions):
    """``questions`` (the source's, in order) as TranslatedQuestion read from the translation."""
    questions = list(questions)
    if not questions:
        return []
    texts = {row.question_id: row for row in db.session.scalars(select(QuestionTranslation).where(
        QuestionTranslation.translation_id == translation_id,
        QuestionTranslation.question_id.in_([q.id for q in questions])))}
    return [TranslatedQuestion(q, texts.get(q.id)) for q in questions]


# ------------------------------------------------------------------------------- captions


def captions_of(lesson_id):
    """The lesson's caption files (LessonCaption), by language."""
    rows = db.session.scalars(select(LessonCaption).where(LessonCaption.lesson_id == lesson_id)
                              .order_by(LessonCaption.language)).all()
    return {row.language: row for row in rows}
