"""Set-based questions about the training matrix, asked in one statement each so that the
reconcile job costs one query when nothing has to change, whatever the number of people.

They agree with :mod:`lms.compliance.rules`: a completion *satisfies* a binding requirement
at ``now`` when it counts (completed, ``completed_at`` <= now), is current (its version's
number >= the course's effective version's) and, for a recurring requirement, has not lapsed
(``valid_until`` None or later than now) -- exactly the compliant and expiring cells.
A person exempt from the course at ``now`` (a live RequirementExemption) lacks nothing: no
enrolment is opened for them while the exemption lasts; once it expires or is revoked the
pair is missing again and the next reconcile opens its enrolment.
"""
from dataclasses import dataclass

from sqlalchemy import and_, exists, false, func, literal_column, or_, select, union

from lms.accounts.models import User
from lms.compliance.models import JobAssignment, Requirement, RequirementExemption
from lms.courses.models import CourseVersion
from lms.enrolments.models import Enrolment

# Enrolments the matrix made, and so may take back when nothing binds any more. Those the
# learner or an administrator made (self, admin, bulk) are never touched.
MATRIX_SOURCES = ("job_profile", "retraining", "recertification")
# A literal, not a bound parameter: SQLite uses the partial index uq_enrolment_open
# (WHERE status = 'active') only when the query states the same condition literally.
ACTIVE = literal_column("'active'")


def _effective_cte(now):
    """A CTE (course_id, number): each course's effective version at ``now``, as
    ``rules.effective_number`` defines it (major or unmarked, published or since archived,
    in effect by ``now``)."""
    v = CourseVersion
    return (
        select(v.course_id, func.max(v.number).label("number"))
        .where(
            v.status.in_(("published", "archived")), v.published_at.is_not(None), v.published_at <= now,
            or_(v.change_kind.is_(None), v.change_kind == "major"),
            or_(and_(v.effective_at.is_(None), v.published_at <= now), v.effective_at <= now),
        )
        .group_by(v.course_id)
        .cte("effective")
    )


def _live(column_removed, column_start, now):
    return and_(column_start <= now, or_(column_removed.is_(None), column_removed > now))


@dataclass(frozen=True)
class MissingPair:
    """A binding (person, requirement) with neither a satisfying completion nor an open
    enrolment: the reconcile job (or an assignment) creates its enrolment."""

    user_id: int
    course_id: int
    requirement_id: int
    assigned_at: object
    requirement_created_at: object
    due_days: int
    any_completion: bool      # completed the course at all (False: job_profile)
    current_completion: bool  # completed the effective version (then it lapsed: recertification)


def missing_pairs(session, now, user_id=None, profile_id=None, requirement_id=None):
    """Every live (assignment, requirement) pair at ``now`` lacking a satisfying completion
    and an open (active) enrolment, optionally only one person's, one profile's or one
    requirement's. One statement; the two EXISTS columns are evaluated for result rows only."""
    a, r, e, cv = JobAssignment, Requirement, Enrolment, CourseVersion
    eff = _effective_cte(now)
    completed = and_(e.user_id == a.user_id, e.course_id == r.course_id, e.status == "completed",
                     e.completed_at.is_not(None), e.completed_at <= now)
    # The versions whose completion is current: a small set, hashed once by the database
    # (joining the CTE per pair cost PostgreSQL a nested loop per enrolment).
    current_versions = select(cv.id).join(eff, and_(eff.c.course_id == cv.course_id, cv.number >= eff.c.number))
    current = and_(completed, e.version_id.in_(current_versions))
    satisfying = and_(current, or_(r.recurs == false(), e.valid_until.is_(None), e.valid_until > now))
    open_ = and_(e.user_id == a.user_id, e.course_id == r.course_id, e.status == ACTIVE)
    x = RequirementExemption
    exempt = and_(x.user_id == a.user_id, x.course_id == r.course_id, x.created_at <= now, x.expires_at > now,
                  or_(x.revoked_at.is_(None), x.revoked_at > now))
    query = (
        select(
            a.user_id, r.course_id, r.id, a.assigned_at, r.created_at, r.due_days,
            exists().where(completed).correlate(a, r).label("any_completion"),
            exists().where(current).correlate(a, r).label("current_completion"),
        )
        .join(r, r.profile_id == a.profile_id)
        .where(_live(a.removed_at, a.assigned_at, now), _live(r.removed_at, r.created_at, now))
        # A deactivated account binds nothing (the dashboard counts active accounts only):
        # NOT IN over the few deactivated ids, not a join per pair.
        .where(a.user_id.not_in(select(User.id).where(User.is_active_account == false())))
        .where(~exists().where(open_).correlate(a, r))
        .where(~exists().where(satisfying).correlate(a, r))
        .where(~exists().where(exempt).correlate(a, r))
        .order_by(a.user_id, r.course_id, r.id)
    )
    if user_id is not None:
        query = query.where(a.user_id == user_id)
    if profile_id is not None:
        query = query.where(a.profile_id == profile_id)
    if requirement_id is not None:
        query = query.where(r.id == requirement_id)
    return [MissingPair(*row) for row in session.execute(query)]


def unbound_open_enrolments(session, now, user_id=None, course_id=None):
    """Ids of open enrolments the matrix made (``MATRIX_SOURCES``) whose (person, course) no
    live pair binds any more, although a pair once did (a profile or requirement since
    removed): they become no_longer_required. Recertification or retraining enrolments made for
    someone the matrix never bound (a certificate's own expiry) are left alone.

    Driven by the removed assignments and requirements (only they can unbind anyone), so it
    costs little when nothing was removed, whatever the number of open enrolments."""
    a, r, e = JobAssignment, Requirement, Enrolment
    removed = union(
        select(a.user_id, r.course_id).join(r, r.profile_id == a.profile_id)
        .where(a.removed_at.is_not(None), a.removed_at <= now),
        select(a.user_id, r.course_id).join(r, r.profile_id == a.profile_id)
        .where(r.removed_at.is_not(None), r.removed_at <= now),
    ).subquery("removed_pair")
    # Not removed by ``now``: an assignment made a moment after ``now`` was taken (by a request
    # committing while this runs) binds as well; its enrolment must not be released.
    live_pair = select(a.id).join(r, r.profile_id == a.profile_id).where(
        a.user_id == e.user_id, r.course_id == e.course_id,
        or_(a.removed_at.is_(None), a.removed_at > now), or_(r.removed_at.is_(None), r.removed_at > now),
    )
    query = (
        select(e.id).distinct()
        .join(removed, and_(removed.c.user_id == e.user_id, removed.c.course_id == e.course_id))
        .where(e.status == ACTIVE, e.source.in_(MATRIX_SOURCES))
        .where(~exists(live_pair.correlate(e)))
        .order_by(e.id)
    )
    if user_id is not None:
        query = query.where(e.user_id == user_id)
    if course_id is not None:
        query = query.where(e.course_id == course_id)
    return list(session.scalars(query))
