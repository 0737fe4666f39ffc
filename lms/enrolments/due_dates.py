"""An administrator changes when an open enrolment is due (Annex 11 §9: who, when, old and new
date, and why). The date is a day in the learner's organisation's timezone; the enrolment is
then due at the end of that day there."""
import logging
from datetime import datetime, time, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.audit.reasons import required_reason
from lms.audit.services import record_event
from lms.compliance.retraining import organisation_zone
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.policy import Forbidden, can
from lms.timeutil import utcnow

log = logging.getLogger(__name__)


class DueDateRefused(Exception):
    """The change is refused; ``message`` says why and ``status`` is its HTTP status."""

    def __init__(self, message, status=422):
        super().__init__(str(message))
        self.message, self.status = message, status


def zone_of(user):
    """The timezone the person's due dates are given in: their organisation's."""
    return organisation_zone(user.organisation)  # UTC without one


def due_day(enrolment):
    """The enrolment's due date as a day in the learner's organisation's timezone, or None."""
    if enrolment.due_at is None:
        return None
    return enrolment.due_at.astimezone(zone_of(enrolment.user)).date()


def open_enrolments(user):
    """The person's open (active) enrolments, whose due dates may be changed, by course title."""
    from lms.courses.models import Course

    return db.session.scalars(
        select(Enrolment).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id, Enrolment.status == "active")
        .order_by(Course.title, Enrolment.id)
    ).all()


def change_due_date(actor, enrolment, day, reason, now=None):
    """Make the open ``enrolment`` due at the end of ``day`` (in the learner's organisation's
    timezone), recording the old and new date and the reason. Flushes; the caller commits.

    :param actor: a site admin, or an org admin of the learner's organisation; never the learner
    :param reason: required (stripped, at most 500 characters)
    :raises Forbidden: the policy refuses
    :raises MissingReason: no reason (nothing changes)
    :raises DueDateRefused: 409 the enrolment is not open; 422 a day before today there
    :return: True when the date changed, False when it was that day already
    """
    if not can(actor, "enrolment.change_due", enrolment.user):
        raise Forbidden("enrolment.change_due")
    reason = required_reason(reason)
    # Locked, so a completion at this moment is not given a new deadline after the fact.
    locked = db.session.scalar(select(Enrolment).where(Enrolment.id == enrolment.id)
                               .with_for_update().execution_options(populate_existing=True))
    if locked.status != "active":
        raise DueDateRefused(_l("Only an open enrolment has a due date to change."), 409)
    zone = zone_of(locked.user)
    now = now or utcnow()
    if day < now.astimezone(zone).date():
        raise DueDateRefused(_l("The due date is in the past."))
    old_day = due_day(locked)
    if old_day == day:
        return False
    old_at = locked.due_at
    locked.due_at = datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(timezone.utc)
    db.session.flush()
    record_event("enrolment.due_date_changed", locked, actor=actor, course_id=locked.course_id,
                 old=old_day.isoformat() if old_day else None, new=day.isoformat(), reason=reason,
                 old_due_at=old_at.isoformat() if old_at else None, new_due_at=locked.due_at.isoformat(),
                 timezone=str(zone))
    log.info("due date changed enrolment_id=%s actor_id=%s", locked.id, actor.id)
    return True
