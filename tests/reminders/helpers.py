"""Enrolments in a given reminder situation, committed (the sweep and workers see them)."""
from datetime import timedelta

from sqlalchemy import select

from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.reminders.models import ReminderLog
from lms.timeutil import utcnow
from tests.factories import create_course, create_user

DAY = timedelta(days=1)


def situation(now, course=None, due_in=None, idle=DAY, enrolled_ago=60 * DAY, status="active",
              locale="en", opted_out=False, active=True, name=None):
    """A learner enrolled ``enrolled_ago`` before ``now``, last active ``idle`` before it, due
    ``due_in`` after it (None: no deadline). Inserted directly, not through the enrolment
    service, so there is no enrolment confirmation in the way."""
    user = create_user(locale=locale, name=name)
    user.reminders_opt_out = opted_out
    user.is_active_account = active
    course = course or create_course(lessons=("text", "text", "text", "text"))
    enrolment = Enrolment(
        user_id=user.id, course_id=course.id, version_id=course.published_version.id,
        enrolled_at=now - enrolled_ago, last_activity_at=now - idle,
        due_at=None if due_in is None else now + due_in, status=status,
    )
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def logs(kinds=("deadline_7d", "deadline_1d", "overdue", "inactivity")):
    db.session.expire_all()
    return db.session.scalars(
        select(ReminderLog).where(ReminderLog.kind.in_(kinds)).order_by(ReminderLog.id)
    ).all()


def now():
    return utcnow().replace(microsecond=0)
