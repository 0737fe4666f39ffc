"""Certified people for the validity and recertification tests: completions written directly,
with their dates in the past, and their certificates issued by the service (no sleeping)."""
from datetime import timedelta

from lms.certificates import services
from lms.compliance.models import JobAssignment, JobProfile, Requirement
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow
from tests.factories import create_course, create_user

DAY = timedelta(days=1)
YEAR = timedelta(days=365)


def now():
    return utcnow().replace(microsecond=0)


def validity_course(title=None, months=12, lessons=("text", "text")):
    course = create_course(title=title, lessons=lessons)
    course.validity_months = months
    db.session.commit()
    return course


def completion(learner, course, valid_until, issue=True, completed_before=YEAR):
    """A completed enrolment of ``learner`` valid until ``valid_until`` (completed
    ``completed_before`` earlier), with its certificate issued unless ``issue`` is False."""
    completed_at = valid_until - completed_before
    enrolment = Enrolment(
        user_id=learner.id, course_id=course.id, version_id=course.published_version.id,
        enrolled_at=completed_at - 10 * DAY, last_activity_at=completed_at, completed_at=completed_at,
        valid_until=valid_until, status="completed", source="self",
    )
    db.session.add(enrolment)
    db.session.commit()
    if issue:
        services.issue_certificate(enrolment.id)  # commits
    return enrolment


def certified(valid_in, at=None, course=None, **user_args):
    """A new learner certified in ``course`` (default: a new 12-month course) until
    ``at + valid_in``: (enrolment, certificate)."""
    at = at or now()
    course = course or validity_course()
    enrolment = completion(create_user(**user_args), course, at + valid_in)
    return enrolment, services.latest_certificate(enrolment.id)


def require_course(user, course):
    """Give ``user`` a job profile that requires ``course`` (live assignment, live requirement)."""
    profile = JobProfile(organisation_id=user.organisation_id, name=f"Job of {user.email}")
    db.session.add(profile)
    db.session.flush()
    db.session.add(Requirement(profile_id=profile.id, course_id=course.id, due_days=30, recurs=True))
    db.session.add(JobAssignment(user_id=user.id, profile_id=profile.id))
    db.session.commit()
    return profile
