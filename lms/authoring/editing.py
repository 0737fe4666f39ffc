"""What every authoring change goes through: the policy, and the draft's revision check.

Services raise these exceptions; the authoring views turn them into 403/409/413/415/422 pages
(or JSON) with the message they carry.
"""
from flask_babel import gettext as _
from sqlalchemy import update

from lms.policy import Forbidden, can
from lms.courses.models import Course, CourseVersion
from lms.extensions import db


class AuthoringError(Exception):
    """A change refused for a reason the author can act on; ``message`` says which."""

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class Conflict(AuthoringError):
    """Someone else changed the draft (or the course settings) since this form was loaded."""


class Frozen(AuthoringError):
    """The version is published or archived: it never changes again."""


class Invalid(AuthoringError):
    """The change makes no sense for this object (e.g. moving the first module up)."""


class Incomplete(AuthoringError):
    """The draft cannot be published yet; ``details["problems"]`` lists what is missing."""


def authorize(user, action, target=None):
    """Raise Forbidden unless the policy lets ``user`` do ``action``."""
    if not can(user, action, target):
        raise Forbidden(action)


def frozen_message():
    return _("This version is published and can no longer be changed. Open a new draft to edit the course.")


def conflict_message():
    return _("This course was changed meanwhile, probably by another author. Reload the page to see "
             "the current state, then make your change again.")


def begin_edit(actor, version, revision):
    """Check that ``actor`` may edit ``version`` and that it is still the draft they loaded
    (``revision``); bump the revision, in the same transaction as the edit that follows.

    The check and the bump are one conditional UPDATE, so of two concurrent edits carrying the
    same revision exactly one goes through, on SQLite and PostgreSQL alike.

    :raises Forbidden: the actor may not edit this course
    :raises Frozen: the version is not a draft
    :raises Conflict: the draft changed since ``revision``
    """
    authorize(actor, "course.edit", version.course)
    result = db.session.execute(
        update(CourseVersion)
        .where(CourseVersion.id == version.id, CourseVersion.revision == revision,
               CourseVersion.status == "draft")
        .values(revision=CourseVersion.revision + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(version)
    if result.rowcount != 1:
        if version.status != "draft":
            raise Frozen(frozen_message())
        raise Conflict(conflict_message())


def require_draft(version):
    if version.status != "draft":
        raise Frozen(frozen_message())


def begin_course_edit(actor, course, revision):
    """As ``begin_edit``, for the course's own settings (title, summary, CPD hours, ...)."""
    authorize(actor, "course.edit", course)
    result = db.session.execute(
        update(Course)
        .where(Course.id == course.id, Course.revision == revision)
        .values(revision=Course.revision + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(course)
    if result.rowcount != 1:
        raise Conflict(conflict_message())
