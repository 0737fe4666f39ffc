"""Captions of video lessons: one WebVTT file per lesson and language (the course's own
language included), uploaded by authors with the same safety rules as lesson files (a safe
name, a size limit, the content checked, stored content-addressed outside the web root).

Captions may be added to a draft or to the published version (like its translations); an
archived version's never change.
"""
import logging

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.audit.services import record_event
from lms.authoring import filetypes
from lms.authoring.editing import Frozen, Invalid, authorize
from lms.authoring.uploads import EmptyFile, FileTooLarge, TypeNotAllowed, check_file_name
from lms.course_languages import webvtt
from lms.course_languages.models import LessonCaption
from lms.course_languages.texts import supported_languages
from lms.extensions import db
from lms.storage import UploadTooLarge, receive_stream, store_incoming

log = logging.getLogger(__name__)

VTT = "text/vtt"
# Captions are text: a feature film's are well under a megabyte.
MAX_CAPTION_BYTES = 2 * 1024 * 1024
VIDEO_TYPES = (filetypes.MP4, filetypes.WEBM)


def is_video_lesson(lesson):
    return lesson.kind == "file" and lesson.file is not None and lesson.file.content_type in VIDEO_TYPES


def captions_of(lesson):
    """The lesson's captions, by language code."""
    rows = db.session.scalars(select(LessonCaption).where(LessonCaption.lesson_id == lesson.id)
                              .order_by(LessonCaption.language)).all()
    return {row.language: row for row in rows}


def caption_limit_text():
    return _("%(size)s MB", size=format_decimal(MAX_CAPTION_BYTES / (1024 * 1024)))


def _check_lesson(actor, lesson, language, need_video=True):
    version = lesson.module.version
    authorize(actor, "course.edit", version.course)
    if version.status == "archived":
        raise Frozen(_("This version is archived: its captions can no longer be changed."))
    if need_video and not is_video_lesson(lesson):
        raise Invalid(_("Captions belong to video lessons: upload the lesson’s MP4 or WebM video first."))
    if language not in supported_languages():
        raise Invalid(_("“%(code)s” is not one of the languages courses can be in: %(languages)s.",
                        code=(language or "")[:20], languages=", ".join(supported_languages())))


def _problem_message(problem):
    if problem.reason == "encoding":
        return _("The caption file must be UTF-8 text.")
    if problem.reason == "signature":
        return _("This is not a WebVTT file: its first line must be WEBVTT.")
    if problem.reason == "timing":
        return _("Line %(line)s of the caption file has a cue timing that does not parse "
                 "(hh:mm:ss.ttt --> hh:mm:ss.ttt, ending after it starts).", line=problem.line)
    return _("The caption file has no cues.")


def upload_caption(actor, lesson, language, stream, name):
    """Upload (or replace) the WebVTT captions of a video lesson in ``language``.

    :return: the LessonCaption
    :raises BadFileName (lms.authoring.uploads), TypeNotAllowed, EmptyFile, FileTooLarge, Invalid: nothing is kept
    """
    _check_lesson(actor, lesson, language)
    check_file_name(name)
    if not name.lower().endswith(".vtt"):
        raise TypeNotAllowed(_("Captions must be a WebVTT file (.vtt)."))
    try:
        with receive_stream(stream, MAX_CAPTION_BYTES) as incoming:
            if incoming.size == 0:
                raise EmptyFile(_("The file is empty."))
            try:
                cues = webvtt.check(incoming.path.read_bytes())
            except webvtt.CaptionProblem as exc:
                raise Invalid(_problem_message(exc)) from None
            stored, created = store_incoming(incoming, name, VTT)
    except UploadTooLarge:
        raise FileTooLarge(_("The caption file is too large. The largest accepted is %(limit)s.",
                             limit=caption_limit_text())) from None
    caption = captions_of(lesson).get(language)
    replaced = caption.file_id if caption is not None else None
    if caption is None:
        caption = LessonCaption(lesson_id=lesson.id, language=language, file_id=stored.id)
        try:
            with db.session.begin_nested():  # the same language uploaded twice at once
                db.session.add(caption)
        except IntegrityError:
            caption = captions_of(lesson)[language]
    caption.file_id = stored.id
    db.session.flush()
    record_event("caption.uploaded", lesson, actor=actor, language=language, file_id=stored.id,
                 sha256=stored.sha256, cues=cues, replaced_file_id=replaced, new_content=created)
    log.info("caption uploaded lesson_id=%s language=%s file_id=%s cues=%s actor_id=%s",
             lesson.id, language, stored.id, cues, actor.id)
    return caption


def remove_caption(actor, lesson, language):
    """Remove the lesson's captions in ``language`` (even if its video was since replaced)."""
    _check_lesson(actor, lesson, language, need_video=False)
    caption = captions_of(lesson).get(language)
    if caption is None:
        raise Invalid(_("This lesson has no captions in that language."))
    file_id = caption.file_id
    db.session.delete(caption)
    db.session.flush()
    record_event("caption.removed", lesson, actor=actor, language=language, file_id=file_id)
    log.info("caption removed lesson_id=%s language=%s actor_id=%s", lesson.id, language, actor.id)
