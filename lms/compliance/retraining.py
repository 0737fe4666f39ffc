"""Retraining when a course changes: the effective date of a major version, applying it once
(learners moved, retraining enrolments opened), and who will need retraining before it applies.

A major version (``change_kind`` major, or None for versions published before kinds existed)
becomes the course's effective version at ``effective_at`` (None: at publication; see
lms.compliance.rules.effective_number). From then on:

- active enrolments on an older version move to the published version, carrying progress
  (lms.authoring.versions.move_enrolments, the one move path);
- everyone who must have the course (a live job assignment to a profile with a live
  requirement for it) whose newest completion is on an older version gets a new enrolment,
  source "retraining", due after the requirement's ``due_days`` (the smallest if several),
  through lms.enrolments.services.open_enrolment. Their old completion stays completed.
  People exempt from the course at that moment (lms.compliance.exemptions) get none: the
  reconcile job opens it once their exemption ends.

``CourseVersion.retraining_applied_at`` says it was done; claiming it is a conditional UPDATE,
so two beats (or a beat and a publication) apply a version once. A minor version applies
nothing.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.authoring.versions import move_enrolments
from lms.compliance.models import JobAssignment, Requirement
from lms.courses.models import Course, CourseVersion
from lms.enrolments.models import Enrolment
from lms.enrolments.services import open_enrolment
from lms.extensions import db
from lms.policy import can
from lms.timeutil import utcnow

log = logging.getLogger(__name__)

CHANGE_KINDS = ("major", "minor")
REASON_MAX = 2000


class InvalidChange(ValueError):
    """The kind, reason or effective date of a publication is missing or wrong; ``str()`` is
    the message for the author."""


def organisation_zone(organisation):
    """The organisation's timezone (Organisation.timezone, an IANA name); UTC when unset or
    unknown."""
    name = getattr(organisation, "timezone", None)
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown timezone %r of organisation %s: using UTC", name, organisation.id)
    return timezone.utc


def effective_moment(organisation, day, now):
    """When a major version with effective date ``day`` (a date in the organisation's
    timezone) takes effect: the start of that day there, in UTC; ``now`` for today.

    :raises InvalidChange: for a day before today (in that timezone)
    """
    zone = organisation_zone(organisation)
    today = now.astimezone(zone).date()
    if day < today:
        raise InvalidChange(_("The effective date %(day)s is in the past. Choose today or a later date.",
                              day=day.isoformat()))
    if day == today:
        return now
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def check_change(version, kind, reason, effective_on, now):
    """Validate what the author says about the version being published.

    :param version: the draft being published
    :param kind: "major" or "minor" (required when the course was published before)
    :param reason: why (required likewise)
    :param effective_on: a date in the organisation's timezone, or None (major only)
    :return: (kind, reason, effective_at) to store; kind None for a first version
    :raises InvalidChange: with the message for the author
    """
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise InvalidChange(_("The reason is too long (at most %(n)d characters).", n=REASON_MAX))
    earlier = [v for v in version.course.versions if v.status in ("published", "archived")]
    if not earlier:
        if effective_on is not None:
            raise InvalidChange(_("The first version of a course is in effect when it is published; "
                                  "leave the effective date empty."))
        return None, reason or None, None
    if kind not in CHANGE_KINDS:
        raise InvalidChange(_("Choose whether this is a major change (retraining required) or a minor one."))
    if not reason:
        raise InvalidChange(_("Give the reason for the change: it is kept with the version."))
    if kind == "minor":
        if effective_on is not None:
            raise InvalidChange(_("A minor change has no effective date: it applies when published."))
        return kind, reason, None
    if effective_on is None:
        return kind, reason, now
    return kind, reason, effective_moment(version.course.organisation, effective_on, now)


def is_pending(version, now=None):
    """A published major version whose effective date has not come yet."""
    now = now or utcnow()
    return (version.status in ("published", "archived") and version.change_kind != "minor"
            and version.retraining_applied_at is None
            and version.effective_at is not None and version.effective_at > now)


# ------------------------------------------------------------------ who must have the course

def _required_query(course_id):
    """(user_id, due_days) of everyone who must have the course now, as a subquery."""
    return (
        select(JobAssignment.user_id.label("user_id"), func.min(Requirement.due_days).label("due_days"))
        .join(Requirement, Requirement.profile_id == JobAssignment.profile_id)
        .join(User, User.id == JobAssignment.user_id)
        .where(Requirement.course_id == course_id, Requirement.removed_at.is_(None),
               JobAssignment.removed_at.is_(None), User.is_active_account.is_(True))
        .group_by(JobAssignment.user_id)
        .subquery()
    )


def required_people(course_id):
    """{user id: smallest due_days} of everyone who must have the course now: a live job
    assignment to a profile with a live requirement for it (active accounts only: a
    deactivated account is sent nothing)."""
    required = _required_query(course_id)
    return dict(db.session.execute(select(required.c.user_id, required.c.due_days)).all())


def _newest_enrolments(course_id, required):
    """{user id: (newest completed (number, completed_at) or None, open (number, due_at) or
    None)} for the user ids of ``required`` (joined in SQL: no list of ids as parameters)."""
    found = {uid: [None, None] for uid in required}
    if not required:
        return found
    people = _required_query(course_id)
    rows = db.session.execute(
        select(Enrolment.user_id, Enrolment.status, CourseVersion.number, Enrolment.completed_at,
               Enrolment.due_at)
        .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
        .join(people, people.c.user_id == Enrolment.user_id)
        .where(Enrolment.course_id == course_id, Enrolment.status.in_(("completed", "active")))
    ).all()
    for user_id, status, number, completed_at, due_at in rows:
        slot = found.get(user_id)
        if slot is None:  # became required between the two queries
            continue
        if status == "completed":
            if slot[0] is None or completed_at > slot[0][1]:
                slot[0] = (number, completed_at)
        else:
            slot[1] = (number, due_at)
    return found


@dataclass
class Retrainee:
    """One person who must retrain on a major version: what they have now, and the due date
    their retraining enrolment will get."""

    user: User
    completed_number: int | None
    completed_at: datetime | None
    enrolled_number: int | None  # an active enrolment on an older version (it will be moved)
    due_at: datetime | None


def needing_retraining(version, viewer=None):
    """Who will need retraining when major ``version`` takes effect: the people who must have
    the course whose newest completion, or open enrolment, is on an older version. With
    ``viewer``, only the people whose training matrix they manage (compliance.manage: a site
    admin everyone, an organisation admin their organisation's), by name.

    :return: [Retrainee]
    """
    required = required_people(version.course_id)
    state = _newest_enrolments(version.course_id, required)
    starts = version.effective_at or version.published_at or utcnow()
    ids = []
    for user_id, (completed, open_) in state.items():
        if open_ is not None and open_[0] < version.number:
            ids.append(user_id)
        elif open_ is None and completed is not None and completed[0] < version.number:
            ids.append(user_id)
    wanted = set(ids)
    people = _required_query(version.course_id)
    users = [user for user in db.session.scalars(
        select(User).join(people, people.c.user_id == User.id).order_by(User.name, User.id)) if user.id in wanted]
    out = []
    for user in users:
        if viewer is not None and not can(viewer, "compliance.manage", user):
            continue
        completed, open_ = state[user.id]
        out.append(Retrainee(
            user=user, completed_number=completed[0] if completed else None,
            completed_at=completed[1] if completed else None,
            enrolled_number=open_[0] if open_ else None,
            due_at=None if open_ else starts + timedelta(days=required[user.id]),
        ))
    return out


def waiting_versions(now=None):
    """Published major versions waiting for their effective date, soonest first."""
    now = now or utcnow()
    return db.session.scalars(
        select(CourseVersion)
        .where(CourseVersion.retraining_applied_at.is_(None),
               CourseVersion.status.in_(("published", "archived")),
               CourseVersion.effective_at > now)
        .order_by(CourseVersion.effective_at, CourseVersion.id)
    ).all()


# ------------------------------------------------------------------ applying a version

def _claim(version_id, now):
    """Mark the version applied if it is due and not applied yet; True when this caller won."""
    result = db.session.execute(
        update(CourseVersion)
        .where(CourseVersion.id == version_id, CourseVersion.retraining_applied_at.is_(None),
               CourseVersion.status.in_(("published", "archived")),
               or_(CourseVersion.effective_at.is_(None), CourseVersion.effective_at <= now))
        .values(retraining_applied_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def carry_out(version, actor=None, now=None):
    """Apply major ``version`` now: move active learners on older versions (with their
    progress) and open retraining enrolments. The caller has claimed it (or is publishing it).
    Flushes; the caller commits.

    :return: {"moved": n, "retraining": n}
    """
    now = now or utcnow()
    course = db.session.get(Course, version.course_id)
    if course.published_version is None:
        # Taken off the catalogue meanwhile: nobody can be moved or enrolled; marked applied.
        log.warning("major version %s of course %s not applied: the course has no published version",
                    version.id, course.id)
        return {"moved": 0, "retraining": 0}
    older = db.session.scalars(
        select(Enrolment.id)
        .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
        .where(Enrolment.course_id == course.id, Enrolment.status == "active",
               CourseVersion.number < version.number)
        .order_by(Enrolment.id)
    ).all()
    moved = move_enrolments(course, older, actor, version.change_reason) if older else []

    from lms.compliance.exemptions import exempt_user_ids  # it imports this module

    required = required_people(course.id)
    state = _newest_enrolments(course.id, required)
    exempt = exempt_user_ids(course.id, now)
    opened = 0
    for user_id in sorted(required):
        completed, _open = state[user_id]
        if completed is None or completed[0] >= version.number:
            continue  # never trained (the matrix assigns them) or trained on this version already
        if user_id in exempt:
            continue  # exempted from the course for now; reconcile opens it when that ends
        user = db.session.get(User, user_id)
        _enrolment, created = open_enrolment(
            user, course, "retraining", actor=actor, due_at=now + timedelta(days=required[user_id]))
        opened += created
    record_event("course.version_applied", version, actor=actor, course_id=course.id,
                 version=version.number, moved=len(moved), retraining=opened)
    log.info("major version applied course_id=%s version_id=%s number=%s moved=%s retraining=%s",
             course.id, version.id, version.number, len(moved), opened)
    return {"moved": len(moved), "retraining": opened}


def due_versions(now=None):
    """Ids of published versions whose effective date has come and that are not applied yet,
    oldest first."""
    now = now or utcnow()
    return db.session.scalars(
        select(CourseVersion.id)
        .where(CourseVersion.retraining_applied_at.is_(None),
               CourseVersion.status.in_(("published", "archived")),
               or_(CourseVersion.effective_at.is_(None), CourseVersion.effective_at <= now))
        .order_by(CourseVersion.course_id, CourseVersion.number)
    ).all()


def apply_version(version_id, now=None):
    """Claim and apply one due version (by the system: no actor). A minor or first version is
    only marked. Flushes; the caller commits.

    :return: the counts, or None when it was not due or another run had it already
    """
    now = now or utcnow()
    if not _claim(version_id, now):
        return None
    version = db.session.get(CourseVersion, version_id)
    db.session.refresh(version)
    if version.change_kind == "minor" or version.number == 1:
        return {"moved": 0, "retraining": 0}  # nothing older to move from or retrain on
    return carry_out(version, actor=None, now=now)


def effective_date_label(version):
    """The effective date as a date in the course organisation's timezone (for pages)."""
    moment = version.effective_at or version.published_at
    if moment is None:
        return None
    return moment.astimezone(organisation_zone(version.course.organisation)).date()

