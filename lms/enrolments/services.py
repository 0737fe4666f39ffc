"""Enrolments: self-enrolment pins the published version."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.audit.services import record_event
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.reminders.services import record_enrolment_confirmation
from lms.timeutil import utcnow


class NotEnrollable(Exception):
    pass


def enrolment_for(user, course):
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def enrol(user, course, actor=None, due_at=None):
    """Enrol ``user`` in the published version of ``course``, once.

    :return: (enrolment, created) -- created is False when the user was already enrolled
    :raises NotEnrollable: when the course has no published version
    """
    existing = enrolment_for(user, course)
    if existing is not None:
        return existing, False
    version = course.published_version
    if version is None:
        raise NotEnrollable(course.slug)
    now = utcnow()
    if due_at is None and course.default_due_days:
        due_at = now + timedelta(days=course.default_due_days)
    enrolment = Enrolment(
        user_id=user.id, course_id=course.id, version_id=version.id,
        enrolled_at=now, due_at=due_at, last_activity_at=now,
    )
    try:
        with db.session.begin_nested():  # a concurrent enrolment hits the unique constraint
            db.session.add(enrolment)
    except IntegrityError:
        return enrolment_for(user, course), False
    record_event(
        "enrolment.created", enrolment, actor=actor or user,
        course_id=course.id, version=version.number, user_id=user.id,
    )
    record_enrolment_confirmation(enrolment)  # sent by a worker once this commits
    return enrolment, True
