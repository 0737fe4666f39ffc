"""Job profiles, their requirements and who holds them; the enrolments they bring.

Every service checks ``compliance.manage`` through the policy (raising
:class:`lms.policy.Forbidden`), flushes (never commits) and records an audit event with the
old and new values. Nothing is deleted: removals set ``removed_at``. Enrolments are created
only through :func:`lms.enrolments.services.open_enrolment`, whose unique index on open
enrolments decides between concurrent creators (a request, the reconcile job, two beats).
"""
import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lms.audit.reasons import MissingReason, required_reason
from lms.audit.services import record_event
from lms.compliance import binding
from lms.compliance.models import JobAssignment, JobProfile, Requirement
from lms.courses.models import Course
from lms.enrolments.models import Enrolment
from lms.enrolments.services import NotEnrollable, open_enrolment
from lms.extensions import db
from lms.policy import Forbidden, can
from lms.timeutil import utcnow

log = logging.getLogger(__name__)

MIN_DUE_DAYS, MAX_DUE_DAYS = 1, 3650
NAME_MAX = 200


class ComplianceError(Exception):
    """A refused change, with a message for the person who asked and its HTTP status."""

    status = 422

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Invalid(ComplianceError):
    status = 422


class Conflict(ComplianceError):
    status = 409


def _check(actor, target):
    if actor is not None and not can(actor, "compliance.manage", target):
        raise Forbidden("compliance.manage")


def _reason(reason):
    try:
        return required_reason(reason, _l("Give a reason: it is kept in the audit trail."))
    except MissingReason as exc:
        raise Invalid(exc.message) from None


# ------------------------------------------------------------------------- profiles


def _profile_name(name):
    name = " ".join((name or "").split())
    if not name:
        raise Invalid(_l("Give the job profile a name."))
    if len(name) > NAME_MAX:
        raise Invalid(_l("A job profile's name has at most %(max)s characters.", max=NAME_MAX))
    return name


def _name_taken(organisation_id, name, except_id=None):
    query = select(JobProfile.id).where(JobProfile.organisation_id == organisation_id,
                                        func.lower(JobProfile.name) == name.lower())
    if except_id is not None:
        query = query.where(JobProfile.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


def create_profile(actor, organisation, name, description=""):
    """Create a job profile for ``organisation``.

    :raises Forbidden: the actor does not administer the organisation
    :raises Invalid: no name, or too long
    :raises Conflict: the organisation has a profile of that name already (any case)
    :return: the new JobProfile (flushed)
    """
    _check(actor, organisation)
    name = _profile_name(name)
    if _name_taken(organisation.id, name):
        raise Conflict(_l("%(org)s already has a job profile called “%(name)s”.", org=organisation.name, name=name))
    profile = JobProfile(organisation_id=organisation.id, name=name, description=(description or "").strip())
    try:
        with db.session.begin_nested():  # a concurrent creation hits the unique constraint
            db.session.add(profile)
    except IntegrityError:
        raise Conflict(_l("%(org)s already has a job profile called “%(name)s”.", org=organisation.name, name=name))
    record_event("job_profile.created", profile, actor=actor, organisation_id=organisation.id,
                 old=None, new={"name": name, "description": profile.description})
    return profile


def rename_profile(actor, profile, name, description=None):
    """Rename ``profile`` (and optionally change its description).

    :raises Forbidden, Invalid, Conflict: as :func:`create_profile`
    """
    _check(actor, profile)
    name = _profile_name(name)
    if _name_taken(profile.organisation_id, name, except_id=profile.id):
        raise Conflict(_l("This organisation already has a job profile called “%(name)s”.", name=name))
    old = {"name": profile.name, "description": profile.description}
    profile.name = name
    if description is not None:
        profile.description = description.strip()
    new = {"name": profile.name, "description": profile.description}
    if old == new:
        return profile
    profile.revision += 1
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("This organisation already has a job profile called “%(name)s”.", name=name))
    record_event("job_profile.renamed", profile, actor=actor, old=old, new=new)
    return profile


def profiles_of(organisation_id):
    """The organisation's job profiles, by name."""
    return db.session.scalars(
        select(JobProfile).where(JobProfile.organisation_id == organisation_id).order_by(JobProfile.name)
    ).all()


# ------------------------------------------------------------------------- requirements


def add_requirement(actor, profile, course, due_days, recurs=False, now=None):
    """Require ``course`` in ``profile``, due ``due_days`` after a person starts to hold it
    (or after now, for those holding it already), and give everyone holding the profile the
    enrolment they lack, in this transaction.

    :raises Invalid: due_days outside 1..3650; the course has no published version (a draft
        only, or archived)
    :raises Conflict: the profile requires the course already
    :return: the new Requirement
    """
    _check(actor, profile)
    if not isinstance(due_days, int) or isinstance(due_days, bool) or not MIN_DUE_DAYS <= due_days <= MAX_DUE_DAYS:
        raise Invalid(_l("Days until due must be a whole number from %(min)s to %(max)s.",
                         min=MIN_DUE_DAYS, max=MAX_DUE_DAYS))
    if course is None:
        raise Invalid(_l("Choose a course."))
    if course.published_version is None:
        if any(v.status == "archived" for v in course.versions):
            raise Invalid(_l("“%(title)s” is archived: it cannot be required.", title=course.title))
        raise Invalid(_l("“%(title)s” is not published yet: only a published course can be required.",
                         title=course.title))
    duplicate = _l("“%(profile)s” already requires “%(course)s”.", profile=profile.name, course=course.title)
    if _live_requirement(profile.id, course.id) is not None:
        raise Conflict(duplicate)
    now = now or utcnow()
    requirement = Requirement(profile_id=profile.id, course_id=course.id, due_days=due_days,
                              recurs=bool(recurs), created_at=now)
    try:
        with db.session.begin_nested():  # uq_requirement_live decides between two admins
            db.session.add(requirement)
    except IntegrityError:
        raise Conflict(duplicate)
    profile.revision += 1
    record_event("job_profile.requirement_added", requirement, actor=actor, profile_id=profile.id,
                 course_id=course.id, old=None, new={"due_days": due_days, "recurs": bool(recurs)})
    create_missing(actor, now, profile_id=profile.id, requirement_id=requirement.id)
    return requirement


def _live_requirement(profile_id, course_id):
    return db.session.scalar(select(Requirement).where(
        Requirement.profile_id == profile_id, Requirement.course_id == course_id, Requirement.removed_at.is_(None)))


def remove_requirement(actor, requirement, reason, now=None):
    """Take ``requirement`` out of its profile (``removed_at``); open enrolments it brought
    become no_longer_required unless another live profile of the person requires the course.

    :raises Invalid: no reason given, or the requirement was removed already
    """
    profile = requirement.profile
    _check(actor, profile)
    reason = _reason(reason)
    if requirement.removed_at is not None:
        raise Invalid(_l("That requirement was removed already."))
    now = now or utcnow()
    requirement.removed_at = now
    profile.revision += 1
    db.session.flush()
    record_event("job_profile.requirement_removed", requirement, actor=actor, profile_id=profile.id,
                 course_id=requirement.course_id, reason=reason,
                 old={"removed_at": None}, new={"removed_at": now.isoformat()})
    release_unbound(actor, now, course_id=requirement.course_id, reason=reason)
    return requirement


# ------------------------------------------------------------------------- assignment


def assign(actor, user, profile, reason, now=None):
    """Give ``user`` the job ``profile`` and, in this transaction, one enrolment (source
    job_profile, due assigned_at + due_days) per requirement the person does not satisfy yet.

    :param reason: required; recorded with the old and new value in the audit trail
    :raises Forbidden: the actor does not administer the profile's organisation
    :raises Invalid: no reason, or the person is not of the profile's organisation
    :return: (assignment, created) -- created False when the person holds it already
    """
    _check(actor, profile)
    reason = _reason(reason)
    if user.organisation_id != profile.organisation_id:
        raise Invalid(_l("%(name)s is not in the organisation of “%(profile)s”.", name=user.name, profile=profile.name))
    now = now or utcnow()
    assignment = JobAssignment(user_id=user.id, profile_id=profile.id, assigned_at=now,
                               assigned_by_id=actor.id if actor is not None else None)
    try:
        with db.session.begin_nested():  # uq_job_assignment_live: one live per (user, profile)
            db.session.add(assignment)
    except IntegrityError:
        return live_assignment(user.id, profile.id), False
    record_event("job_profile.assigned", assignment, actor=actor, user_id=user.id, profile_id=profile.id,
                 old=None, new={"profile": profile.name, "assigned_at": now.isoformat()}, reason=reason)
    create_missing(actor, now, user_id=user.id, profile_id=profile.id)
    return assignment, True


def live_assignment(user_id, profile_id):
    return db.session.scalar(select(JobAssignment).where(
        JobAssignment.user_id == user_id, JobAssignment.profile_id == profile_id,
        JobAssignment.removed_at.is_(None)))


def unassign(actor, user, profile, reason, now=None):
    """Take ``profile`` from ``user`` (``removed_at``). Their open enrolments the matrix made
    for its courses become no_longer_required, unless another live profile still requires the
    course; completed records stay as they are.

    :raises Invalid: no reason, or the person does not hold the profile
    """
    _check(actor, profile)
    reason = _reason(reason)
    assignment = live_assignment(user.id, profile.id)
    if assignment is None:
        raise Invalid(_l("%(name)s does not hold “%(profile)s”.", name=user.name, profile=profile.name))
    now = now or utcnow()
    assignment.removed_at = now
    assignment.removed_by_id = actor.id if actor is not None else None
    db.session.flush()
    record_event("job_profile.unassigned", assignment, actor=actor, user_id=user.id, profile_id=profile.id,
                 reason=reason, old={"profile": profile.name, "removed_at": None},
                 new={"profile": profile.name, "removed_at": now.isoformat()})
    release_unbound(actor, now, user_id=user.id, reason=reason)
    return assignment


def assignments_of(user_id):
    """The person's live job assignments, with their profiles."""
    return db.session.scalars(
        select(JobAssignment).join(JobProfile, JobProfile.id == JobAssignment.profile_id)
        .where(JobAssignment.user_id == user_id, JobAssignment.removed_at.is_(None))
        .order_by(JobProfile.name)
    ).all()


def holders_of(profile_id):
    """The live assignments of ``profile_id`` (who holds it), with their people."""
    from lms.accounts.models import User

    return db.session.scalars(
        select(JobAssignment).join(User, User.id == JobAssignment.user_id)
        .where(JobAssignment.profile_id == profile_id, JobAssignment.removed_at.is_(None))
        .order_by(User.name, User.id)
    ).all()


# ------------------------------------------------------------------------- enrolments


def _due_at(pair, now, effective_from, lapsed_at):
    """When the enrolment for ``pair`` is due: ``due_days`` after the requirement began to bind
    the person (the later of assignment and requirement), and for retraining no earlier than
    ``due_days`` after the major version took effect, for recertification no earlier than the
    lapse."""
    start = max(pair.assigned_at, pair.requirement_created_at)
    if not pair.any_completion:
        return start + timedelta(days=pair.due_days)
    if pair.current_completion:
        return max(start + timedelta(days=pair.due_days), lapsed_at or now)
    return max(start, effective_from or now) + timedelta(days=pair.due_days)


def create_missing(actor, now, user_id=None, profile_id=None, requirement_id=None):
    """Create the enrolment of every binding pair that lacks one (see
    :func:`binding.missing_pairs`): source job_profile when never completed, retraining when
    trained only on a superseded version, recertification when the completion lapsed.

    :return: the number of enrolments created (a concurrent creator's are not counted)
    """
    pairs = binding.missing_pairs(db.session, now, user_id=user_id, profile_id=profile_id,
                                  requirement_id=requirement_id)
    if not pairs:
        return 0
    from lms.accounts.models import User

    # One enrolment per (person, course), due at the earliest of the pairs that require it.
    wanted = {}
    effective_from, lapsed = _context(pairs, now)
    for pair in pairs:
        key = (pair.user_id, pair.course_id)
        due = _due_at(pair, now, effective_from.get(pair.course_id), lapsed.get(key))
        if key not in wanted or due < wanted[key][1]:
            wanted[key] = (pair, due)
    created = 0
    courses = {}
    for (user_id_, course_id), (pair, due) in wanted.items():
        course = courses.get(course_id) or courses.setdefault(course_id, db.session.get(Course, course_id))
        source = ("job_profile" if not pair.any_completion
                  else "recertification" if pair.current_completion else "retraining")
        try:
            _enrolment, was_created = open_enrolment(db.session.get(User, user_id_), course, source,
                                                     actor=actor, due_at=due)
        except NotEnrollable:
            log.warning("requirement %s: course %s has no published version", pair.requirement_id, course_id)
            continue
        created += was_created
    return created


def _context(pairs, now):
    """Per course, when its effective version took effect; per (person, course) whose
    completion lapsed, when. Only for the few pairs that need them."""
    from lms.courses.models import CourseVersion
    from lms.compliance import rules

    course_ids = {p.course_id for p in pairs if p.any_completion and not p.current_completion}
    effective_from = {}
    if course_ids:
        rows = db.session.execute(select(
            CourseVersion.course_id, CourseVersion.number, CourseVersion.status, CourseVersion.change_kind,
            CourseVersion.published_at, CourseVersion.effective_at,
        ).where(CourseVersion.course_id.in_(course_ids))).all()
        for course_id in course_ids:
            versions = [row[1:] for row in rows if row[0] == course_id]
            number = rules.effective_number(versions, now)
            for n, _status, _kind, published_at, effective_at in versions:
                if n == number:
                    effective_from[course_id] = effective_at or published_at
    lapsed = {}
    users = {p.user_id for p in pairs if p.current_completion}
    if users:
        for user_id, course_id, valid_until in db.session.execute(
            select(Enrolment.user_id, Enrolment.course_id, func.max(Enrolment.valid_until))
            .where(Enrolment.user_id.in_(users), Enrolment.status == "completed")
            .group_by(Enrolment.user_id, Enrolment.course_id)
        ):
            lapsed[(user_id, course_id)] = valid_until
    return effective_from, lapsed


def release_unbound(actor, now, user_id=None, course_id=None, reason=None):
    """Mark no_longer_required the open enrolments the matrix made that nothing binds any more
    (see :func:`binding.unbound_open_enrolments`), each with an audit event. Never deletes.

    :return: the number of enrolments marked
    """
    ids = binding.unbound_open_enrolments(db.session, now, user_id=user_id, course_id=course_id)
    marked = 0
    for enrolment_id in ids:
        # A conditional UPDATE, so two reconcilers (or a reconciler and a learner completing the
        # course) cannot both act on the row: only the one that still finds it active writes.
        changed = db.session.execute(
            update(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.status == "active")
            .values(status="no_longer_required").execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            continue
        enrolment = db.session.get(Enrolment, enrolment_id, populate_existing=True)
        record_event("enrolment.no_longer_required", enrolment, actor=actor, user_id=enrolment.user_id,
                     course_id=enrolment.course_id, source=enrolment.source, reason=reason,
                     old={"status": "active"}, new={"status": "no_longer_required"})
        marked += 1
    db.session.flush()
    return marked


def reconcile(now=None):
    """Bring everyone in line with the matrix at ``now`` (the beat job): create each missing
    enrolment and mark no_longer_required those nothing binds any more. Safe to run twice or
    on two beats at once (uq_enrolment_open decides); two queries when nothing changes.

    :return: {"created": n, "released": n}
    """
    now = now or utcnow()
    created = create_missing(None, now)
    released = release_unbound(None, now, reason="reconcile")
    return {"created": created, "released": released}
