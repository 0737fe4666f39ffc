"""Authoring: uploaded material (lesson files, images for lesson text).

An upload is streamed to a temporary file beside the store while it is hashed; its type comes
from its first bytes and must agree with its name's extension; then it is kept once per content
(lms.storage). Whatever is refused leaves no file and no row behind.
"""
import logging
from contextlib import contextmanager

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from lms.authoring import filetypes
from lms.authoring.editing import (
    AuthoringError, Conflict, Invalid, authorize, begin_edit, conflict_message, require_draft,
)
from lms.audit.services import record_event
from lms.courses.models import CourseAsset
from lms.extensions import db
from lms.storage import UploadTooLarge, receive_stream, store_incoming

log = logging.getLogger(__name__)

TYPE_NAMES = {
    filetypes.PDF: "PDF", filetypes.PNG: "PNG", filetypes.JPEG: "JPEG",
    filetypes.MP4: "MP4", filetypes.WEBM: "WebM",
}


class UploadRefused(AuthoringError):
    """Base of the reasons an upload is refused."""


class BadFileName(UploadRefused):
    pass


class EmptyFile(UploadRefused):
    pass


class TypeNotAllowed(UploadRefused):
    pass


class TypeMismatch(UploadRefused):
    pass


class FileTooLarge(UploadRefused):
    pass


def size_limit_text():
    megabytes = current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
    return _("%(size)s MB", size=format_decimal(round(megabytes, 1)))


def too_large_message():
    return _("The file is too large. The largest upload accepted is %(limit)s.", limit=size_limit_text())


def allowed_text(types):
    return ", ".join(TYPE_NAMES[t] for t in types)


def check_file_name(name):
    """Refuse a missing, path-like, control-character or overlong upload name (its type is
    checked separately).

    :raises BadFileName: with the message for the learner or author
    """
    problem = filetypes.name_problem(name)
    if problem == "missing":
        raise BadFileName(_("Choose a file to upload."))
    if problem == "path":
        raise BadFileName(_("The file name must not contain folder names or slashes."))
    if problem == "control":
        raise BadFileName(_("The file name contains control characters. Rename the file and try again."))
    if problem == "long":
        raise BadFileName(_("The file name is too long. Rename the file and try again."))


def _check_name(name, allowed):
    check_file_name(name)
    if filetypes.extension_type(name) not in allowed:
        raise TypeNotAllowed(_("This type of file is not accepted here. Accepted: %(types)s.",
                               types=allowed_text(allowed)))


@contextmanager
def _checked_upload(stream, name, allowed):
    """Receive an upload into a temporary file and check it; yield (IncomingFile, content type).
    The temporary file is gone when the block ends unless ``store_incoming`` kept it."""
    _check_name(name, allowed)
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        with receive_stream(stream, limit) as incoming:
            if incoming.size == 0:
                raise EmptyFile(_("The file is empty."))
            content_type = filetypes.sniff(incoming.head)
            if content_type not in allowed:
                raise TypeNotAllowed(_("The content of this file is not an accepted type (%(types)s), "
                                       "whatever its name says.", types=allowed_text(allowed)))
            claimed = filetypes.extension_type(name)
            if content_type != claimed:
                raise TypeMismatch(_("The file name says %(claimed)s but the content is %(actual)s. "
                                     "Check that you chose the right file.",
                                     claimed=TYPE_NAMES[claimed], actual=TYPE_NAMES[content_type]))
            yield incoming, content_type
    except UploadTooLarge:
        raise FileTooLarge(too_large_message()) from None


def attach_lesson_file(actor, lesson, revision, stream, name):
    """Upload the material of a file lesson (PDF, MP4/WebM video or PNG/JPEG image), or the
    PDF of a controlled document.

    Permission, the draft and its revision are checked before the file is copied; the revision
    is bumped (and re-checked) only once the copy is complete, so no lock is held meanwhile.

    :return: the StoredFile now attached
    """
    if lesson.kind not in ("file", "document"):
        raise Invalid(_("Only file lessons and controlled documents have a file."))
    # A controlled document is a PDF: what is signed is that exact file.
    allowed = (filetypes.PDF,) if lesson.kind == "document" else filetypes.LESSON_FILE_TYPES
    version = lesson.module.version
    authorize(actor, "course.edit", version.course)
    require_draft(version)
    if version.revision != revision:
        raise Conflict(conflict_message())
    with _checked_upload(stream, name, allowed) as (incoming, content_type):
        begin_edit(actor, version, revision)
        stored, created = store_incoming(incoming, name, content_type)
    lesson.file = stored
    db.session.flush()
    record_event("lesson.file_attached", lesson, actor=actor, file_id=stored.id, sha256=stored.sha256,
                 new_content=created)
    log.info("lesson file attached lesson_id=%s file_id=%s type=%s size=%s new=%s actor_id=%s",
             lesson.id, stored.id, stored.content_type, stored.size, created, actor.id)
    return stored


def add_course_image(actor, course, stream, name):
    """Upload a PNG or JPEG image for lesson text; it belongs to the course (every version).

    :return: the CourseAsset
    """
    authorize(actor, "course.edit", course)
    with _checked_upload(stream, name, filetypes.IMAGE_TYPES) as (incoming, content_type):
        stored, _created = store_incoming(incoming, name, content_type)
    asset = db.session.scalar(
        select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.file_id == stored.id))
    if asset is None:
        asset = CourseAsset(course_id=course.id, file=stored, uploaded_by_id=actor.id)
        db.session.add(asset)
        db.session.flush()
    return asset


def course_images(course):
    return db.session.scalars(
        select(CourseAsset).where(CourseAsset.course_id == course.id).order_by(CourseAsset.created_at)
    ).all()


def course_asset(course, file_id):
    return db.session.scalar(
        select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.file_id == file_id))


def checked_upload(stream, name, allowed):
    """Receive and check an upload against ``allowed`` content types, as for course material
    (for other features' uploads, e.g. CPD evidence); a context manager yielding
    (IncomingFile, content type). Keep it with lms.storage.store_incoming inside the block.

    :raises UploadRefused: its name, emptiness, type or size is refused
    """
    return _checked_upload(stream, name, allowed)
