"""The compliance dashboard's SQL: every cell of the training matrix (a person against a
requirement that binds them) gets its status in the database, set-based, in one statement, and
the dashboard counts them per requirement in the same statement.

The statuses are those of :mod:`lms.compliance.rules`, evaluated at a moment ``at`` from the
recorded history, so "compliant as of 1 March" reads the rows as they were then:

- a cell exists when the person's job assignment and the requirement were both live at ``at``
  and the account is active (deactivation keeps no history: today's flag decides);
- the course's effective version at ``at``: the highest published or archived major version
  published and in effect (``effective_at``, else ``published_at``) by ``at``;
- completions count when ``completed_at`` <= ``at``; the newest current one decides compliant,
  expiring (``valid_until`` within 30 days) or expired (recurring requirements only);
- the due date: the ``due_at`` of the enrolment open at ``at`` (enrolled by then, not completed
  by then, active or completed: a withdrawn one keeps no closing time, so it never counts as
  open), else the later of assignment and requirement creation plus the requirement's days.

Dialect differences (adding days to a time, the later of two times) live in two helpers here.
"""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, case, false, func, literal, or_, select, true, type_coerce

from lms.accounts.models import Organisation, User
from lms.compliance import rules
from lms.compliance.models import JobAssignment, JobProfile, Requirement, RequirementExemption
from lms.courses.models import Course, CourseVersion
from lms.enrolments.models import Enrolment
from lms.timeutil import UTCDateTime

COUNTED = ("published", "archived")


def moment_param(at):
    """``at`` as a bound parameter stored times compare with (on SQLite: text in their shape)."""
    return literal(at, UTCDateTime())


def later_of(a, b, dialect):
    """The later of two times (SQLite's two-argument max() is scalar)."""
    if dialect == "postgresql":
        return type_coerce(func.greatest(a, b), UTCDateTime())
    return type_coerce(func.max(a, b), UTCDateTime())


def plus_days(moment, days, dialect):
    """``moment`` + ``days`` whole days, as a time comparable with the stored ones.

    SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' text and compares them as text: the sum
    is written back in that shape (the fraction of a second is unchanged by adding days)."""
    if dialect == "postgresql":
        return type_coerce(moment + func.make_interval(0, 0, 0, days), UTCDateTime())
    shifted = func.strftime("%Y-%m-%d %H:%M:%S", moment, func.printf("%+d days", days))
    return type_coerce(shifted.op("||")(func.substr(moment, 20)), UTCDateTime())


def live(start, end, at):
    """rules.live in SQL: started by ``at`` and not removed by then."""
    return and_(start <= at, or_(end.is_(None), end > at))


def effective_versions(at):
    """course_id -> the number of its effective version at ``at`` (rules.effective_number)."""
    v = CourseVersion
    return (
        select(v.course_id, func.max(v.number).label("number"))
        .where(
            v.status.in_(COUNTED), v.published_at.is_not(None), v.published_at <= at,
            or_(v.change_kind.is_(None), v.change_kind == "major"),
            func.coalesce(v.effective_at, v.published_at) <= at,
        )
        .group_by(v.course_id)
        .cte("effective")
    )


def completions(at, effective, user_id=None):
    """(user_id, course_id) -> the newest completion counted at ``at`` (``last_at``) and the
    newest current one with its ``valid_until`` (``cur_at``, ``cur_valid``)."""
    is_current = case((and_(effective.c.number.is_not(None), CourseVersion.number >= effective.c.number), 1), else_=0)
    ranked = (
        select(
            Enrolment.user_id, Enrolment.course_id, Enrolment.completed_at, Enrolment.valid_until,
            is_current.label("is_current"),
            func.row_number().over(
                partition_by=(Enrolment.user_id, Enrolment.course_id, is_current),
                order_by=(Enrolment.completed_at.desc(), Enrolment.id.desc()),
            ).label("rn"),
        )
        .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
        .outerjoin(effective, effective.c.course_id == Enrolment.course_id)
        .where(Enrolment.completed_at.is_not(None), Enrolment.completed_at <= at)
    )
    if user_id is not None:
        ranked = ranked.where(Enrolment.user_id == user_id)
    ranked = ranked.subquery("ranked")
    newest_current = and_(ranked.c.is_current == 1, ranked.c.rn == 1)
    return (
        select(
            ranked.c.user_id, ranked.c.course_id,
            func.max(ranked.c.completed_at).label("last_at"),
            func.max(case((newest_current, ranked.c.completed_at))).label("cur_at"),
            func.max(case((newest_current, ranked.c.valid_until))).label("cur_valid"),
        )
        .group_by(ranked.c.user_id, ranked.c.course_id)
        .cte("completions")
    )


def open_due_dates(at, user_id=None):
    """(user_id, course_id) -> the due date of the enrolment open at ``at`` (at most one: the
    open-enrolment index; None when it has none)."""
    stmt = (
        select(Enrolment.user_id, Enrolment.course_id, func.max(Enrolment.due_at).label("due_at"))
        .where(
            Enrolment.status.in_(("active", "completed")), Enrolment.enrolled_at <= at,
            or_(Enrolment.completed_at.is_(None), Enrolment.completed_at > at),
        )
        .group_by(Enrolment.user_id, Enrolment.course_id)
    )
    if user_id is not None:
        stmt = stmt.where(Enrolment.user_id == user_id)
    return stmt.cte("open_due")


def live_exemptions(at, user_id=None):
    """(user_id, course_id) -> ``until``: when the exemption live at ``at`` expires
    (rules.exemption_live; at most one is live at a time, the maximum only to be safe)."""
    x = RequirementExemption
    stmt = (
        select(x.user_id, x.course_id, func.max(x.expires_at).label("until"))
        .where(x.created_at <= at, x.expires_at > at, or_(x.revoked_at.is_(None), x.revoked_at > at))
        .group_by(x.user_id, x.course_id)
    )
    if user_id is not None:
        stmt = stmt.where(x.user_id == user_id)
    return stmt.cte("exempt")


def overdue_limits(moment, dialect):
    """requirement_id -> ``limit``: a person assigned (and the requirement created) by then is
    past the requirement's due date at ``moment`` (``moment`` - due_days). Computed once per
    requirement, not once per person: on SQLite the date arithmetic is what costs."""
    return (
        select(Requirement.id.label("requirement_id"),
               plus_days(moment, -Requirement.due_days, dialect).label("limit"))
        .cte("overdue_limits")
        .prefix_with("MATERIALIZED")
    )


def cells(at, dialect, organisation_id=None, user_id=None, requirement_id=None):
    """Every cell binding at ``at``: user_id, profile_id, requirement_id, course_id, status
    (one of rules.STATUSES) and status_date (rules.cell_status's date), as a subquery."""
    moment = moment_param(at)
    soon = moment_param(at + timedelta(days=rules.EXPIRING_DAYS))
    effective = effective_versions(moment)
    done = completions(moment, effective, user_id)
    opened = open_due_dates(moment, user_id)
    limits = overdue_limits(moment, dialect)
    exempt = live_exemptions(moment, user_id)
    start = later_of(JobAssignment.assigned_at, Requirement.created_at, dialect)
    due = type_coerce(func.coalesce(opened.c.due_at, plus_days(start, Requirement.due_days, dialect)), UTCDateTime())
    # due <= moment, without adding days per cell: the open enrolment's due date, else
    # max(assigned_at, created_at) + due_days <= moment, i.e. both <= moment - due_days.
    past_due = case(
        (opened.c.due_at.is_not(None), opened.c.due_at <= moment),
        else_=and_(JobAssignment.assigned_at <= limits.c.limit, Requirement.created_at <= limits.c.limit),
    )
    has_current = done.c.cur_at.is_not(None)
    lapses = and_(has_current, Requirement.recurs == true(), done.c.cur_valid.is_not(None))
    lapsed = and_(lapses, done.c.cur_valid <= moment)
    is_exempt = exempt.c.until.is_not(None)
    # Training first: an exemption stands in only where no current, unlapsed completion does.
    status = case(
        (and_(lapsed, is_exempt), rules.EXEMPT),
        (lapsed, rules.EXPIRED),
        (and_(lapses, done.c.cur_valid <= soon), rules.EXPIRING),
        (has_current, rules.COMPLIANT),
        (is_exempt, rules.EXEMPT),
        (done.c.last_at.is_not(None), rules.SUPERSEDED),
        (past_due, rules.OVERDUE),
        else_=rules.PENDING,
    )
    status_date = case(
        (and_(lapsed, is_exempt), exempt.c.until),
        (lapses, done.c.cur_valid),
        (has_current, None),
        (is_exempt, exempt.c.until),
        (done.c.last_at.is_not(None), done.c.last_at),
        else_=due,
    )
    stmt = (
        select(
            JobAssignment.user_id, Requirement.profile_id, Requirement.id.label("requirement_id"),
            Requirement.course_id, status.label("status"),
            type_coerce(status_date, UTCDateTime()).label("status_date"),
        )
        .select_from(JobAssignment)
        .join(Requirement, Requirement.profile_id == JobAssignment.profile_id)
        .outerjoin(done, and_(done.c.user_id == JobAssignment.user_id, done.c.course_id == Requirement.course_id))
        .outerjoin(opened, and_(opened.c.user_id == JobAssignment.user_id, opened.c.course_id == Requirement.course_id))
        .outerjoin(exempt, and_(exempt.c.user_id == JobAssignment.user_id, exempt.c.course_id == Requirement.course_id))
        .join(limits, limits.c.requirement_id == Requirement.id)
        .where(
            live(JobAssignment.assigned_at, JobAssignment.removed_at, moment),
            live(Requirement.created_at, Requirement.removed_at, moment),
            # As "not one of the (few) deactivated accounts", not a join with every user: a
            # join lets SQLite's planner loop over users per requirement.
            JobAssignment.user_id.not_in(select(User.id).where(User.is_active_account == false())),
        )
    )
    if organisation_id is not None:
        stmt = stmt.join(JobProfile, JobProfile.id == Requirement.profile_id).where(
            JobProfile.organisation_id == organisation_id)
    if user_id is not None:
        stmt = stmt.where(JobAssignment.user_id == user_id)
    if requirement_id is not None:
        stmt = stmt.where(Requirement.id == requirement_id)
    return stmt.subquery("cells")


def summary_statement(at, dialect, organisation_id=None):
    """THE dashboard aggregate: one row per requirement live at ``at`` (with its organisation,
    profile and course), the number of people it binds and how many are in each status."""
    c = cells(at, dialect, organisation_id)

    def count(*statuses):
        return func.count(case((c.c.status.in_(statuses), 1)))

    counts = (
        select(
            c.c.requirement_id, func.count().label("must_have"),
            count(*rules.COMPLIANT_STATUSES).label("compliant"), count(rules.EXPIRING).label("expiring"),
            count(rules.OVERDUE).label("overdue"), count(rules.SUPERSEDED).label("superseded"),
            count(rules.EXPIRED).label("expired"), count(rules.PENDING).label("pending"),
            count(rules.EXEMPT).label("exempt"),
        )
        .group_by(c.c.requirement_id)
        .subquery("counts")
    )
    moment = moment_param(at)
    stmt = (
        select(
            Organisation.id.label("organisation_id"), Organisation.name.label("organisation"),
            JobProfile.id.label("profile_id"), JobProfile.name.label("profile"),
            Requirement.id.label("requirement_id"), Course.title.label("course"),
            Requirement.due_days, Requirement.recurs,
            *(func.coalesce(counts.c[name], 0).label(name) for name in COUNT_NAMES),
        )
        .select_from(Requirement)
        .join(JobProfile, JobProfile.id == Requirement.profile_id)
        .join(Organisation, Organisation.id == JobProfile.organisation_id)
        .join(Course, Course.id == Requirement.course_id)
        .outerjoin(counts, counts.c.requirement_id == Requirement.id)
        .where(live(Requirement.created_at, Requirement.removed_at, moment))
        .order_by(Organisation.name, JobProfile.name, JobProfile.id, Course.title, Requirement.id)
    )
    if organisation_id is not None:
        stmt = stmt.where(JobProfile.organisation_id == organisation_id)
    return stmt


COUNT_NAMES = ("must_have", "compliant", "expiring", "overdue", "superseded", "expired", "pending", "exempt")


def percent(compliant, must_have, exempt=0):
    """Compliant as a whole-number percentage of those who must have it and are not exempt
    (None for nobody): an exemption neither counts as training nor lowers the share."""
    base = must_have - exempt
    return None if base <= 0 else int(compliant * 100 // base)


@dataclass
class ProfileSummary:
    organisation: str
    profile_id: int
    name: str
    requirements: list = field(default_factory=list)

    def total(self, name):
        return sum(getattr(r, name) for r in self.requirements)

    @property
    def percent(self):
        return percent(self.total("compliant"), self.total("must_have"), self.total("exempt"))


def summary(session, at, organisation_id=None):
    """The dashboard: a ProfileSummary per job profile (in name order), its ``requirements``
    the aggregate rows (with a ``percent`` of compliant people), evaluated at ``at``."""
    dialect = session.get_bind().dialect.name
    profiles = []
    for row in session.execute(summary_statement(at, dialect, organisation_id)):
        if not profiles or profiles[-1].profile_id != row.profile_id:
            profiles.append(ProfileSummary(row.organisation, row.profile_id, row.profile))
        profiles[-1].requirements.append(RequirementSummary(**row._asdict()))
    return profiles


@dataclass
class RequirementSummary:
    organisation_id: int
    organisation: str
    profile_id: int
    profile: str
    requirement_id: int
    course: str
    due_days: int
    recurs: bool
    must_have: int
    compliant: int
    expiring: int
    overdue: int
    superseded: int
    expired: int
    pending: int
    exempt: int

    @property
    def percent(self):
        return percent(self.compliant, self.must_have, self.exempt)


# What a drill-down link may ask for: a status, or "compliant" (compliant and expiring alike,
# as the dashboard counts them).
CELL_FILTERS = {
    rules.COMPLIANT: rules.COMPLIANT_STATUSES, rules.EXPIRING: (rules.EXPIRING,),
    rules.OVERDUE: (rules.OVERDUE,), rules.SUPERSEDED: (rules.SUPERSEDED,),
    rules.EXPIRED: (rules.EXPIRED,), rules.PENDING: (rules.PENDING,), rules.EXEMPT: (rules.EXEMPT,),
}


def people_in_cell(session, at, requirement_id, status=None, limit=50, offset=0):
    """(people, total): the people one requirement binds at ``at`` (those with ``status``
    only, when given; a key of CELL_FILTERS), by name: user_id, name, email, status and
    status_date."""
    dialect = session.get_bind().dialect.name
    c = cells(at, dialect, requirement_id=requirement_id)
    where = [c.c.status.in_(CELL_FILTERS[status])] if status else []
    base = select(User.id.label("user_id"), User.name, User.email, c.c.status, c.c.status_date).join(
        c, c.c.user_id == User.id).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    people = session.execute(base.order_by(User.name, User.id).limit(limit).offset(offset)).all()
    return people, total


def person_row(session, at, user_id):
    """One person's matrix row at ``at``: every requirement of every profile they hold, with
    profile, course, due days, status and status_date, by profile and course."""
    dialect = session.get_bind().dialect.name
    c = cells(at, dialect, user_id=user_id)
    return session.execute(
        select(JobProfile.name.label("profile"), Course.title.label("course"), Requirement.due_days,
               Requirement.recurs, c.c.requirement_id, c.c.status, c.c.status_date)
        .select_from(c)
        .join(Requirement, Requirement.id == c.c.requirement_id)
        .join(JobProfile, JobProfile.id == c.c.profile_id)
        .join(Course, Course.id == c.c.course_id)
        .order_by(JobProfile.name, JobProfile.id, Course.title, Requirement.id)
    ).all()


def matrix_cells_statement(at, dialect, organisation_id=None):
    """Every cell with its person, ordered by person (name, id) so the matrix can be written
    one person row at a time: user_id, name, email, organisation, requirement_id, status,
    status_date."""
    c = cells(at, dialect, organisation_id)
    return (
        select(User.id.label("user_id"), User.name, User.email, Organisation.name.label("organisation"),
               c.c.requirement_id, c.c.status, c.c.status_date)
        .select_from(c)
        .join(User, User.id == c.c.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .order_by(User.name, User.id)
    )
