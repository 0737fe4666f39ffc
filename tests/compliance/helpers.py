"""Shared set-up for the training-matrix tests: profiles, requirements, completions."""
from datetime import timedelta

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.compliance import services
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import add_months, utcnow
from tests.factories import add_version, create_user


def org_admin(org):
    return create_user(role="org_admin", org=org)


def profile_with(admin, org, courses, due_days=30, recurs=False, name="QA specialist"):
    profile = services.create_profile(admin, org, name)
    for course in courses:
        services.add_requirement(admin, profile, course, due_days, recurs)
    db.session.commit()
    return profile


def enrolments_of(user, course=None):
    query = select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.id)
    if course is not None:
        query = query.where(Enrolment.course_id == course.id)
    return db.session.scalars(query).all()


def complete(enrolment, at=None):
    """Mark ``enrolment`` completed at ``at`` (valid for the course's validity_months)."""
    at = at or utcnow() - timedelta(days=1)
    enrolment.status = "completed"
    enrolment.completed_at = at
    months = enrolment.course.validity_months
    enrolment.valid_until = add_months(at, months) if months else None
    db.session.commit()
    return enrolment


def publish_major(course, effective_at=None):
    version = add_version(course)
    for other in course.versions:
        if other is not version and other.status == "published":
            other.status = "archived"
    version.change_kind = "major"
    version.effective_at = effective_at
    db.session.commit()
    return version


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
