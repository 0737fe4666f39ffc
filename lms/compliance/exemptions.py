"""Exempting a person from a course their job requires: with a reason, until a date (in the
organisation's time zone), revocable early with a reason. Every change is an audit event with
the old and new values and the reason (``exemption.granted``, ``exemption.revoked``).

What an exemption means for the matrix is in :mod:`lms.compliance.rules` (EXEMPT): it stands in
for training only while live (``created_at`` <= at < ``expires_at``, not revoked by then), so an
expired exemption stops counting by itself. While it lasts, the reconcile job, a new job
profile, a major version's retraining and the recertification sweep open no enrolment for the
person in that course (``exempt_clause``). An open enrolment made before is left as it is: the
person may still train, and a completion then counts as training.

The expiry date is a day in the person's organisation's time zone: the exemption ends at the
start of that day (so it must be after today, and at most ``MAX_YEARS`` years ahead).
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from lms.audit.services import record_event
from lms.compliance.models import JobAssignment, JobProfile, Requirement, RequirementExemption
from lms.compliance.retraining import organisation_zone
from lms.compliance.services import ComplianceError, Conflict, Invalid, create_missing
from lms.courses.models import Course
from lms.extensions import db
from lms.policy import Forbidden, can
from lms.timeutil import utcnow

REASON_MAX = 500
MAX_YEARS = 5


class NotFound(ComplianceError):
    status = 404


class BadExpiry(Invalid):
    """The expiry date is missing, not in the future, or too far ahead."""


def exempt_clause(user_column, course_column, now):
    """SQL: the person in ``user_column`` is exempt from the course in ``course_column`` at
    ``now`` (for NOT EXISTS in the jobs that open enrolments)."""
    x = RequirementExemption
    return and_(x.user_id == user_column, x.course_id == course_column, x.created_at <= now,
                x.expires_at > now, or_(x.revoked_at.is_(None), x.revoked_at > now))


def exempt_user_ids(course_id, now):
    """Ids of the people exempt from ``course_id`` at ``now``."""
    x = RequirementExemption
    return set(db.session.scalars(select(x.user_id).where(
        x.course_id == course_id, x.created_at <= now, x.expires_at > now,
        or_(x.revoked_at.is_(None), x.revoked_at > now))))


def _check(actor, person):
    if actor is not None and not can(actor, "compliance.manage", person):
        raise Forbidden("compliance.manage")


def clean_reason(reason):
    """The reason with its white space tidied; Invalid when empty or longer than REASON_MAX."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid(_l("Give a reason: it is kept in the audit trail."))
    if len(reason) > REASON_MAX:
        raise Invalid(_l("The reason has at most %(max)s characters.", max=REASON_MAX))
    return reason


def expiry_moment(organisation, day, now):
    """When an exemption with expiry date ``day`` ends: the start of that day in the
    organisation's time zone, in UTC.

    :raises BadExpiry: no date, today or earlier, or more than MAX_YEARS years ahead
    """
    if not isinstance(day, date):
        raise BadExpiry(_l("Give the date the exemption expires (YYYY-MM-DD)."))
    zone = organisation_zone(organisation)
    today = now.astimezone(zone).date()
    if day <= today:
        raise BadExpiry(_l("The expiry date must be in the future (after %(today)s).", today=today.isoformat()))
    try:
        latest = today.replace(year=today.year + MAX_YEARS)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + MAX_YEARS, day=28)
    if day > latest:
        raise BadExpiry(_l("An exemption lasts at most %(years)s years: choose %(latest)s or earlier.",
                         years=MAX_YEARS, latest=latest.isoformat()))
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def expiry_day(exemption):
    """The expiry date as the admin gave it: a day in the person's organisation's time zone."""
    zone = organisation_zone(exemption.user.organisation)
    return exemption.expires_at.astimezone(zone).date()


def required_courses(user, now=None):
    """The courses ``user``'s live job profiles require now, by title."""
    now = now or utcnow()
    return db.session.scalars(
        select(Course).join(Requirement, Requirement.course_id == Course.id)
        .join(JobAssignment, JobAssignment.profile_id == Requirement.profile_id)
        .join(JobProfile, JobProfile.id == Requirement.profile_id)
        .where(JobAssignment.user_id == user.id, JobAssignment.removed_at.is_(None),
               Requirement.removed_at.is_(None), JobProfile.organisation_id == user.organisation_id)
        .distinct().order_by(Course.title, Course.id)
    ).all()


def current_exemption(user_id, course_id):
    """The person's exemption from the course that is not revoked (live, or expired and not
    yet replaced), if any: at most one (uq_requirement_exemption_live)."""
    return db.session.scalar(select(RequirementExemption).where(
        RequirementExemption.user_id == user_id, RequirementExemption.course_id == course_id,
        RequirementExemption.revoked_at.is_(None)))


def is_live(exemption, at=None):
    at = at or utcnow()
    return exemption.created_at <= at < exemption.expires_at and (
        exemption.revoked_at is None or exemption.revoked_at > at)


def _describe(exemption):
    return {"exempt": True, "expires_at": exemption.expires_at.isoformat(),
            "expires_on": expiry_day(exemption).isoformat()}


def grant(actor, user, course, reason, expires_on, now=None):
    """Exempt ``user`` from ``course`` (which a live job profile of theirs must require) until
    the start of ``expires_on`` in their organisation's time zone.

    :raises Forbidden: the actor does not administer the person's organisation
    :raises Invalid: no reason (or too long), a bad expiry date, or the course is not required
    :raises Conflict: the person is exempt from the course already (revoke that one first)
    :return: the new RequirementExemption (flushed)
    """
    _check(actor, user)
    now = now or utcnow()
    reason = clean_reason(reason)
    if course is None or course.id not in {c.id for c in required_courses(user, now)}:
        raise Invalid(_l("Choose a course one of the person's job profiles requires."))
    expires_at = expiry_moment(user.organisation, expires_on, now)
    earlier = current_exemption(user.id, course.id)
    if earlier is not None:
        if is_live(earlier, now):
            raise Conflict(_l("%(name)s is already exempt from “%(course)s” until %(day)s: revoke that "
                              "exemption first.", name=user.name, course=course.title,
                              day=expiry_day(earlier).isoformat()))
        # Expired, never revoked: closed at the moment it expired (what it said stays true for
        # every past day), so the new one can be the person's one unrevoked exemption.
        earlier.revoked_at = earlier.expires_at
    exemption = RequirementExemption(user_id=user.id, course_id=course.id, reason=reason, created_at=now,
                                     created_by_id=actor.id if actor is not None else None, expires_at=expires_at)
    try:
        with db.session.begin_nested():  # two admins at once: the partial unique index decides
            db.session.add(exemption)
    except IntegrityError:
        raise Conflict(_l("%(name)s was exempted from “%(course)s” meanwhile.", name=user.name, course=course.title))
    record_event("exemption.granted", exemption, actor=actor, user_id=user.id, course_id=course.id,
                 reason=reason, expires=exemption.expires_at.isoformat(),
                 old={"exempt": False}, new=_describe(exemption))
    return exemption


def revoke(actor, exemption, reason, now=None):
    """End ``exemption`` now, before it expires; the person's enrolments the matrix requires
    are opened again in this transaction.

    :raises Forbidden: the actor does not administer the person's organisation
    :raises Invalid: no reason (or too long)
    :raises Conflict: the exemption was revoked or has expired already
    """
    _check(actor, exemption.user)
    now = now or utcnow()
    reason = clean_reason(reason)
    if exemption.revoked_at is not None or not is_live(exemption, now):
        raise Conflict(_l("This exemption has ended already."))
    old = _describe(exemption)
    exemption.revoked_at = now
    exemption.revoked_by_id = actor.id if actor is not None else None
    exemption.revoke_reason = reason
    db.session.flush()
    record_event("exemption.revoked", exemption, actor=actor, user_id=exemption.user_id,
                 course_id=exemption.course_id, reason=reason, expires=exemption.expires_at.isoformat(),
                 old=old, new={"exempt": False, "revoked_at": now.isoformat()})
    create_missing(actor, now, user_id=exemption.user_id)
    return exemption


def get(exemption_id):
    exemption = db.session.get(RequirementExemption, exemption_id)
    if exemption is None:
        raise NotFound(_l("There is no such exemption."))
    return exemption


@dataclass(frozen=True)
class ExemptionLine:
    """An exemption as pages show it: its dates as days in the organisation's time zone."""

    exemption: RequirementExemption
    course_title: str
    live: bool
    expires_on: date
    ended_on: date | None  # revoked (early) or closed after expiry
    revoked_early: bool


def exemptions_of(user, live_only=False, now=None):
    """The person's exemptions, newest first (live ones only with ``live_only``)."""
    now = now or utcnow()
    zone = organisation_zone(user.organisation)
    rows = db.session.scalars(
        select(RequirementExemption).where(RequirementExemption.user_id == user.id)
        .order_by(RequirementExemption.created_at.desc(), RequirementExemption.id.desc())
    ).all()
    lines = []
    for x in rows:
        live = is_live(x, now)
        if live_only and not live:
            continue
        early = x.revoked_at is not None and x.revoked_at < x.expires_at
        ended = x.revoked_at if early else (x.expires_at if x.expires_at <= now else None)
        lines.append(ExemptionLine(x, x.course.title, live, x.expires_at.astimezone(zone).date(),
                                   ended.astimezone(zone).date() if ended else None, early))
    return lines
