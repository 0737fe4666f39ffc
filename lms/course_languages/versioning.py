"""Translations through a version's life: checking them before the version is published,
publishing the ready ones with it, copying them (and the captions) into a new draft, and
forgetting the texts of rows deleted from a draft. Called by lms.authoring.versions and
lms.authoring.structure; the author's own edits are in lms.course_languages.authoring."""
from flask_babel import gettext as _
from sqlalchemy import delete, select

from lms.audit.services import record_event
from lms.authoring.editing import AuthoringError
from lms.course_languages.models import (
    CourseTranslation, LessonCaption, LessonTranslation, ModuleTranslation, QuestionTranslation,
)
from lms.course_languages.texts import supported_languages, translation_state, translations_of
from lms.extensions import db


class LanguagesNotOffered(AuthoringError):
    """Publishing the version would leave translations unoffered (incomplete or out of date)
    that the author has not confirmed: ``details["languages"]`` lists their codes."""


def language_name(code):
    return supported_languages().get(code, code)


def readiness(version):
    """[(translation, state, ready)] for every translation of ``version``, by language."""
    rows = []
    for translation in translations_of(version).values():
        state = translation_state(translation)
        rows.append((translation, state, state.complete and state.current))
    return rows


def check_languages_before_publishing(version, confirmed_without):
    """Before ``version`` is published: every translation that is not complete and current
    must be among ``confirmed_without`` (the languages the author agreed not to offer).

    :raises LanguagesNotOffered: naming the languages still to confirm
    """
    unready = [t.language for t, _state, ready in readiness(version) if not ready]
    unconfirmed = [code for code in unready if code not in set(confirmed_without or ())]
    if unconfirmed:
        raise LanguagesNotOffered(
            _("These languages will not be offered, because their translation is incomplete or out of date: "
              "%(languages)s. Confirm to publish without them, or finish the translations first.",
              languages=", ".join(language_name(code) for code in unready)),
            languages=unready)


def publish_with_version(actor, version, now):
    """The version is being published: publish its complete and current translations with it.

    :return: (published language codes, languages left unoffered)
    """
    published, left = [], []
    for translation, _state, ready in readiness(version):
        if ready:
            if translation.published_at is None:
                translation.published_at = now
            published.append(translation.language)
        else:
            translation.published_at = None
            left.append(translation.language)
    db.session.flush()
    for translation, _state, ready in readiness(version):
        if ready:
            record_event("translation.published", translation, actor=actor, language=translation.language,
                         version_id=version.id, version=version.number, with_version=True)
    return published, left


# ------------------------------------------------------------------ source rows deleted

def forget_source_rows(modules=(), lessons=(), questions=()):
    """Delete the translated texts and captions of draft rows about to be deleted (a module,
    lesson or question removed from the draft): they translate nothing any more, and they
    refer to the rows."""
    module_ids = [m.id for m in modules]
    lesson_ids = [lesson.id for lesson in lessons]
    question_ids = [q.id for q in questions]
    for model, column, ids in ((ModuleTranslation, ModuleTranslation.module_id, module_ids),
                               (LessonTranslation, LessonTranslation.lesson_id, lesson_ids),
                               (LessonCaption, LessonCaption.lesson_id, lesson_ids),
                               (QuestionTranslation, QuestionTranslation.question_id, question_ids)):
        if ids:
            db.session.execute(delete(model).where(column.in_(ids)).execution_options(synchronize_session=False))
    # Translations loaded in this session must not keep the deleted rows in their collections.
    for translation in db.session.identity_map.values():
        if isinstance(translation, CourseTranslation):
            db.session.expire(translation, ["modules", "lessons", "questions"])


# ------------------------------------------------------------------ new drafts

def copy_translations(source, draft, modules, lessons, questions):
    """Copy ``source``'s translations and its lessons' captions onto the new ``draft``.

    Texts are re-keyed onto the draft's rows and keep their source digests, so whatever the
    author then changes in the draft shows as out of date. The copies are unpublished until
    the draft is published.

    :param modules, lessons, questions: {source row id: its copy in the draft}
    :return: the languages copied
    """
    languages = []
    for translation in translations_of(source).values():
        copy = CourseTranslation(version=draft, language=translation.language, title=translation.title,
                                 summary=translation.summary, created_by_id=translation.created_by_id,
                                 copied_from_id=translation.id, published_at=None, revision=0)
        db.session.add(copy)
        for row in translation.modules:
            if row.module_id in modules:
                db.session.add(ModuleTranslation(translation=copy, module=modules[row.module_id], title=row.title,
                                                 source_digest=row.source_digest))
        for row in translation.lessons:
            if row.lesson_id in lessons:
                db.session.add(LessonTranslation(
                    translation=copy, lesson=lessons[row.lesson_id], title=row.title,
                    body_markdown=row.body_markdown, file_id=row.file_id, source_digest=row.source_digest))
        for row in translation.questions:
            if row.question_id in questions:
                db.session.add(QuestionTranslation(
                    translation=copy, question=questions[row.question_id], prompt=row.prompt,
                    choices=list(row.choices), feedback=row.feedback, source_digest=row.source_digest))
        languages.append(translation.language)
    if lessons:
        for caption in db.session.scalars(select(LessonCaption).where(LessonCaption.lesson_id.in_(list(lessons)))):
            db.session.add(LessonCaption(lesson=lessons[caption.lesson_id], language=caption.language,
                                         file_id=caption.file_id))
    return languages
