"""Authoring: the modules, lessons and questions of a draft version.

Every change goes through ``begin_edit`` (permission, draft only, revision check and bump) and
flushes; the view commits.
"""
import unicodedata

from flask_babel import gettext as _

from lms.authoring.editing import Invalid, begin_edit
from lms.course_languages import versioning as translations
from lms.courses.models import LESSON_KINDS, Lesson, Module, Question
from lms.extensions import db


def _renumber(items):
    for position, item in enumerate(items):
        item.position = position


def _move(items, item, direction):
    """Swap ``item`` with its neighbour in ``items`` (ordered by position)."""
    items = list(items)
    i = items.index(item)
    j = i - 1 if direction == "up" else i + 1
    if direction not in ("up", "down") or not 0 <= j < len(items):
        raise Invalid(_("That cannot move further in that direction."), direction=direction)
    items[i], items[j] = items[j], items[i]
    _renumber(items)


# ------------------------------------------------------------------ modules

def add_module(actor, version, revision, title):
    """Append a module to the draft ``version``; return it (flushed)."""
    begin_edit(actor, version, revision)
    module = Module(version=version, title=title, position=len(version.modules))
    db.session.add(module)
    db.session.flush()
    return module


def rename_module(actor, module, revision, title):
    begin_edit(actor, module.version, revision)
    module.title = title
    db.session.flush()


def move_module(actor, module, revision, direction):
    """Move a module one place ``up`` or ``down``.

    :raises Invalid: it is already first (up) or last (down)
    """
    version = module.version
    begin_edit(actor, version, revision)
    _move(version.modules, module, direction)
    db.session.flush()
    db.session.expire(version, ["modules"])


def _delete_lesson_rows(lesson):
    translations.forget_source_rows(lessons=[lesson], questions=lesson.questions)
    for question in list(lesson.questions):
        db.session.delete(question)
    db.session.delete(lesson)


def delete_module(actor, module, revision):
    """Delete a module with its lessons and their questions."""
    version = module.version
    begin_edit(actor, version, revision)
    for lesson in list(module.lessons):
        _delete_lesson_rows(lesson)
    translations.forget_source_rows(modules=[module])
    db.session.flush()
    db.session.delete(module)
    db.session.flush()
    db.session.expire(version, ["modules"])
    _renumber(version.modules)
    db.session.flush()


# ------------------------------------------------------------------ lessons

def add_lesson(actor, module, revision, kind, title):
    """Append a lesson of ``kind`` (one of LESSON_KINDS) to ``module``; return it (flushed)."""
    if kind not in LESSON_KINDS:
        raise Invalid(_("Choose a kind of lesson: text, file, quiz or controlled document."), kind=kind)
    begin_edit(actor, module.version, revision)
    lesson = Lesson(module=module, kind=kind, title=title, body_markdown="",
                    position=len(module.lessons))
    db.session.add(lesson)
    db.session.flush()
    return lesson


def update_lesson(actor, lesson, revision, *, title, body_markdown, pass_mark=None,
                  document_number=None, document_revision=None):
    """Change a lesson's title, text, (quizzes only) pass mark and (controlled documents only)
    document number and revision.

    :raises Invalid: a controlled document's number or revision is missing, too long or holds
        control characters
    """
    if lesson.kind == "document":
        document_number = check_document_field(
            document_number, 64, _("Give the controlled document's number."),
            _("The document number may be at most 64 letters, digits and punctuation."))
        document_revision = check_document_field(
            document_revision, 32, _("Give the controlled document's revision."),
            _("The revision may be at most 32 letters, digits and punctuation."))
    begin_edit(actor, lesson.module.version, revision)
    lesson.title = title
    lesson.body_markdown = body_markdown or ""
    if lesson.kind == "quiz":
        lesson.pass_mark = pass_mark
    if lesson.kind == "document":
        lesson.document_number, lesson.document_revision = document_number, document_revision
    db.session.flush()


def check_document_field(value, longest, missing, bad):
    """``value`` stripped; Invalid(``missing``) when empty, Invalid(``bad``) when longer than
    ``longest`` or holding control characters."""
    value = (value or "").strip()
    if not value:
        raise Invalid(missing)
    if len(value) > longest or any(unicodedata.category(char).startswith("C") for char in value):
        raise Invalid(bad)
    return value


def move_lesson(actor, lesson, revision, direction):
    """Move a lesson one place up or down within its module."""
    module = lesson.module
    begin_edit(actor, module.version, revision)
    _move(module.lessons, lesson, direction)
    db.session.flush()
    db.session.expire(module, ["lessons"])


def delete_lesson(actor, lesson, revision):
    module = lesson.module
    begin_edit(actor, module.version, revision)
    _delete_lesson_rows(lesson)
    db.session.flush()
    db.session.expire(module, ["lessons"])
    _renumber(module.lessons)
    db.session.flush()


# ---------------------------------------------------------------- questions

def _check_question(lesson, choices, correct, multiple):
    if lesson.kind != "quiz":
        raise Invalid(_("Only quiz lessons have questions."), lesson_id=lesson.id)
    if len(choices) < 2 or not correct or any(not 0 <= i < len(choices) for i in correct):
        raise Invalid(_("A question needs at least two choices and at least one correct answer."))
    if not multiple and len(correct) != 1:
        raise Invalid(_("A single-answer question has exactly one correct answer."))


def add_question(actor, lesson, revision, *, prompt, choices, correct, feedback="", multiple=False):
    """Append a question to a quiz lesson; return it (flushed).

    :param choices: the answer texts, in order
    :param correct: indices into ``choices`` of the right answers
    :param multiple: learners may choose several answers ("choose all that apply")
    """
    _check_question(lesson, choices, correct, multiple)
    begin_edit(actor, lesson.module.version, revision)
    question = Question(lesson=lesson, prompt=prompt, choices=list(choices), correct=sorted(correct),
                        feedback=feedback or "", allow_multiple=bool(multiple),
                        position=len(lesson.questions))
    db.session.add(question)
    db.session.flush()
    return question


def update_question(actor, question, revision, *, prompt, choices, correct, feedback="", multiple=False):
    lesson = question.lesson
    _check_question(lesson, choices, correct, multiple)
    begin_edit(actor, lesson.module.version, revision)
    question.prompt = prompt
    question.choices = list(choices)
    question.correct = sorted(correct)
    question.feedback = feedback or ""
    question.allow_multiple = bool(multiple)
    db.session.flush()


def move_question(actor, question, revision, direction):
    lesson = question.lesson
    begin_edit(actor, lesson.module.version, revision)
    _move(lesson.questions, question, direction)
    db.session.flush()
    db.session.expire(lesson, ["questions"])


def delete_question(actor, question, revision):
    lesson = question.lesson
    begin_edit(actor, lesson.module.version, revision)
    translations.forget_source_rows(questions=[question])
    db.session.delete(question)
    db.session.flush()
    db.session.expire(lesson, ["questions"])
    _renumber(lesson.questions)
    db.session.flush()
