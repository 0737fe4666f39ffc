"""Reading a course version in a language: digests of source texts, the state of a
translation, the languages a version offers, and a lesson's texts in a language.

Shared by authoring (writing translations) and the learner's pages (reading them).
"""
import hashlib
import json
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.course_languages.models import (
    CourseTranslation, LessonTranslation, ModuleTranslation, QuestionTranslation,
)
from lms.extensions import db


def supported_languages():
    """The interface's languages (config LANGUAGES): the only ones a course may be in."""
    return current_app.config["LANGUAGES"]


def _digest(*parts):
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def module_digest(module):
    return _digest("module", module.title)


def lesson_digest(lesson):
    """Changes when the lesson's title, text or file changes (not its position)."""
    return _digest("lesson", lesson.kind, lesson.title, lesson.body_markdown,
                   lesson.file.sha256 if lesson.file is not None else None)


def question_digest(question):
    return _digest("question", question.prompt, list(question.choices), question.feedback)


@dataclass
class TranslationState:
    """What a translation lacks against its version's source texts.

    missing: (kind, source row) pairs with no translated text, or with an empty required
    field (a lesson's title or text, a question's prompt or any of its answers);
    changed: (kind, source row) pairs whose source text changed since it was translated.
    """

    missing: list = field(default_factory=list)
    changed: list = field(default_factory=list)

    @property
    def complete(self):
        return not self.missing

    @property
    def current(self):
        return not self.changed

    @property
    def changed_lessons(self):
        """The source lessons whose text (or one of whose questions) changed."""
        lessons = [row for kind, row in self.changed if kind == "lesson"]
        lessons += [row.lesson for kind, row in self.changed if kind == "question" and row.lesson not in lessons]
        return lessons


def translation_state(translation):
    """Compare ``translation`` with the source texts of its version (see TranslationState)."""
    state = TranslationState()
    if not (translation.title or "").strip():
        state.missing.append(("course", translation.version.course))
    modules = {row.module_id: row for row in translation.modules}
    lessons = {row.lesson_id: row for row in translation.lessons}
    questions = {row.question_id: row for row in translation.questions}
    for module in translation.version.modules:
        text = modules.get(module.id)
        if text is None or not text.title.strip():
            state.missing.append(("module", module))
        elif text.source_digest != module_digest(module):
            state.changed.append(("module", module))
        for lesson in module.lessons:
            text = lessons.get(lesson.id)
            if text is None or not text.title.strip() or (lesson.kind == "text" and not text.body_markdown.strip()):
                state.missing.append(("lesson", lesson))
            elif text.source_digest != lesson_digest(lesson):
                state.changed.append(("lesson", lesson))
            for question in lesson.questions:
                text = questions.get(question.id)
                if (text is None or not text.prompt.strip() or len(text.choices) != len(question.choices)
                        or any(not str(choice).strip() for choice in text.choices)):
                    state.missing.append(("question", question))
                elif text.source_digest != question_digest(question):
                    state.changed.append(("question", question))
    return state


def translations_of(version):
    """Every translation of ``version`` with its texts loaded, by language."""
    rows = db.session.scalars(
        select(CourseTranslation).where(CourseTranslation.version_id == version.id)
        .options(selectinload(CourseTranslation.modules), selectinload(CourseTranslation.lessons),
                 selectinload(CourseTranslation.questions))
        .order_by(CourseTranslation.language)
    ).all()
    return {row.language: row for row in rows}


def offered_languages(version):
    """The languages a learner may take ``version`` in: the course's own first, then each
    translation that is published, complete and current."""
    languages = [version.course.language]
    for language, translation in translations_of(version).items():
        if translation.published_at is None or language in languages:
            continue
        state = translation_state(translation)
        if state.complete and state.current:
            languages.append(language)
    return languages


@dataclass
class LessonText:
    """A lesson's texts in one language (the source's where the translation has none)."""

    language: str
    title: str
    body_markdown: str
    file: object
    module_title: str
    questions: list  # QuestionText, in the source's order


@dataclass
class QuestionText:
    question: object  # the source Question: id, correct, multiple
    prompt: str
    choices: list
    feedback: str


def lesson_text(lesson, language):
    """``lesson`` (an ORM Lesson) as read in ``language``: the translation's texts when the
    version has a translation into it, else the source's."""
    version = lesson.module.version
    translation = None
    if language and language != version.course.language:
        translation = db.session.scalar(select(CourseTranslation).where(
            CourseTranslation.version_id == version.id, CourseTranslation.language == language))
    if translation is None:
        return LessonText(version.course.language, lesson.title, lesson.body_markdown, lesson.file,
                          lesson.module.title,
                          [QuestionText(q, q.prompt, list(q.choices), q.feedback) for q in lesson.questions])
    text = db.session.scalar(select(LessonTranslation).where(
        LessonTranslation.translation_id == translation.id, LessonTranslation.lesson_id == lesson.id))
    module = db.session.scalar(select(ModuleTranslation).where(
        ModuleTranslation.translation_id == translation.id, ModuleTranslation.module_id == lesson.module_id))
    by_question = {row.question_id: row for row in db.session.scalars(select(QuestionTranslation).where(
        QuestionTranslation.translation_id == translation.id,
        QuestionTranslation.question_id.in_([q.id for q in lesson.questions])))} if lesson.questions else {}
    questions = []
    for q in lesson.questions:
        qt = by_question.get(q.id)
        questions.append(QuestionText(q, qt.prompt, list(qt.choices), qt.feedback) if qt
                         else QuestionText(q, q.prompt, list(q.choices), q.feedback))
    return LessonText(
        language,
        text.title if text else lesson.title,
        text.body_markdown if text else lesson.body_markdown,
        (text.file if text and text.file is not None else lesson.file),
        module.title if module else lesson.module.title,
        questions,
    )
