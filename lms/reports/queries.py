"""The SQL behind the completion report: every figure is aggregated in the database, so a
report page runs the same handful of statements whatever the number of enrolments.

Dialect differences (SQLite, PostgreSQL) live here and only here: the duration of an
enrolment in days, the week a completion falls in, and the median.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Date, Float, and_, case, cast, func, literal, null, select, union_all
from sqlalchemy.sql import ColumnElement

from lms.accounts.models import Organisation, User
from lms.certificates.models import Certificate
from lms.courses.models import Course, CourseVersion, Lesson, Module
from lms.enrolments.models import Enrolment
from lms.progress.models import LessonProgress

# What the status filter offers; "overdue" is derived (active and past its due date).
STATUS_FILTERS = ("in_progress", "overdue", "completed", "withdrawn")


@dataclass(frozen=True)
class ReportFilters:
    """Which enrolments a report covers. Dates are whole days (UTC), both ends included."""

    course_id: int | None = None
    organisation_id: int | None = None
    country: str | None = None
    status: str | None = None
    enrolled_from: date | None = None
    enrolled_to: date | None = None
    completed_from: date | None = None
    completed_to: date | None = None

    @property
    def needs_user(self):
        return self.organisation_id is not None or self.country is not None


def day_start(day):
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def is_overdue(now) -> ColumnElement:
    return and_(Enrolment.status == "active", Enrolment.due_at < now)


def conditions(filters, now):
    """WHERE clauses for ``filters``; they refer to Enrolment and, for organisation and
    country, to User (joined by the caller when ``filters.needs_user``)."""
    where = []
    if filters.course_id is not None:
        where.append(Enrolment.course_id == filters.course_id)
    if filters.organisation_id is not None:
        where.append(User.organisation_id == filters.organisation_id)
    if filters.country is not None:
        where.append(User.country == filters.country)
    if filters.status == "in_progress":
        where.append(Enrolment.status == "active")
    elif filters.status == "overdue":
        where.append(is_overdue(now))
    elif filters.status in ("completed", "withdrawn"):
        where.append(Enrolment.status == filters.status)
    if filters.enrolled_from:
        where.append(Enrolment.enrolled_at >= day_start(filters.enrolled_from))
    if filters.enrolled_to:
        where.append(Enrolment.enrolled_at < day_start(filters.enrolled_to + timedelta(days=1)))
    if filters.completed_from:
        where.append(Enrolment.completed_at >= day_start(filters.completed_from))
    if filters.completed_to:
        where.append(Enrolment.completed_at < day_start(filters.completed_to + timedelta(days=1)))
    return where


def filtered(stmt, filters, now, user_joined=False):
    """``stmt`` (selecting from Enrolment) narrowed to the enrolments ``filters`` covers."""
    if filters.needs_user and not user_joined:
        stmt = stmt.join(User, User.id == Enrolment.user_id)
    return stmt.where(*conditions(filters, now))


# ------------------------------------------------------------------ dialect helpers


def duration_days(dialect):
    """Days from enrolment to completion, as a float."""
    if dialect == "postgresql":
        return func.extract("epoch", Enrolment.completed_at - Enrolment.enrolled_at) / 86400.0
    return func.julianday(Enrolment.completed_at) - func.julianday(Enrolment.enrolled_at)


def week_of(column, dialect):
    """The Monday (UTC) of the ISO week ``column`` falls in."""
    if dialect == "postgresql":
        return cast(func.date_trunc("week", func.timezone("UTC", column)), Date)
    # 'weekday 0' moves to the coming Sunday (or stays on one); six days back is its Monday.
    return func.date(column, "weekday 0", "-6 days")


def as_date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _sqlite_median(filters, now):
    """Median days to complete per course, from one window query: number the completed
    enrolments of each course by duration and average the middle one (or two)."""
    durations = filtered(
        select(Enrolment.course_id.label("course_id"), duration_days("sqlite").label("days"))
        .where(Enrolment.status == "completed", Enrolment.completed_at.is_not(None)),
        filters, now,
    ).subquery("durations")
    ranked = select(
        durations.c.course_id, durations.c.days,
        func.row_number().over(partition_by=durations.c.course_id, order_by=durations.c.days).label("rn"),
        func.count().over(partition_by=durations.c.course_id).label("n"),
    ).subquery("ranked")
    return (
        select(ranked.c.course_id, func.avg(ranked.c.days).label("median_days"))
        .where(ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
        .group_by(ranked.c.course_id)
        .subquery("median")
    )


# ------------------------------------------------------------------ the course table

COURSE_SORTS = ("title", "enrolled", "in_progress", "completed", "overdue", "rate", "median_days")


def course_rows(filters, now, dialect, sort="title", descending=False, limit=25, offset=0):
    """One row per course with at least one enrolment in the filter: its counts, completion
    rate and median days to complete; plus, on every row, the totals over all those courses
    (window sums, so the totals cost no extra statement)."""
    completed = Enrolment.status == "completed"
    columns = [
        Enrolment.course_id.label("course_id"),
        func.count().label("enrolled"),
        func.count(case((Enrolment.status == "active", 1))).label("in_progress"),
        func.count(case((completed, 1))).label("completed"),
        func.count(case((is_overdue(now), 1))).label("overdue"),
        func.count(case((Enrolment.status == "withdrawn", 1))).label("withdrawn"),
    ]
    if dialect == "postgresql":
        durations = case((and_(completed, Enrolment.completed_at.is_not(None)), duration_days(dialect)))
        columns.append(func.percentile_cont(0.5).within_group(durations).label("median_days"))
    counts = filtered(
        select(*columns).select_from(Enrolment), filters, now
    ).group_by(Enrolment.course_id).subquery("counts")
    if dialect == "postgresql":
        median = counts.c.median_days
        stmt_from = Course.__table__.join(counts, counts.c.course_id == Course.id)
    else:
        medians = _sqlite_median(filters, now)
        median = medians.c.median_days
        stmt_from = Course.__table__.join(counts, counts.c.course_id == Course.id).outerjoin(
            medians, medians.c.course_id == Course.id
        )
    rate = cast(counts.c.completed, Float) / counts.c.enrolled
    sort_columns = {
        "title": Course.title, "enrolled": counts.c.enrolled, "in_progress": counts.c.in_progress,
        "completed": counts.c.completed, "overdue": counts.c.overdue, "rate": rate,
        "median_days": median,
    }
    key = sort_columns[sort]
    order = key.desc().nulls_last() if descending else key.asc().nulls_last()
    totals = [
        func.count().over().label("course_count"),
        *(func.sum(counts.c[name]).over().label(f"total_{name}")
          for name in ("enrolled", "in_progress", "completed", "overdue", "withdrawn")),
    ]
    return (
        select(
            Course.id.label("course_id"), Course.title, counts.c.enrolled, counts.c.in_progress,
            counts.c.completed, counts.c.overdue, counts.c.withdrawn, rate.label("rate"),
            median.label("median_days"), *totals,
        )
        .select_from(stmt_from)
        .order_by(order, Course.title, Course.id)
        .limit(limit)
        .offset(offset)
    )


# ------------------------------------------------------------------ the learner table

LEARNER_SORTS = {
    "name": (User.name,), "email": (User.email,), "organisation": (Organisation.name,),
    "course": (Course.title,), "status": (Enrolment.status,), "enrolled": (Enrolment.enrolled_at,),
    "last_activity": (Enrolment.last_activity_at,), "due": (Enrolment.due_at,),
    "completed": (Enrolment.completed_at,),
}


def certificate_code():
    """The code of the enrolment's newest issued certificate, if any."""
    return (
        select(Certificate.code)
        .where(Certificate.enrolment_id == Enrolment.id, Certificate.status == "issued")
        .order_by(Certificate.sequence.desc())
        .limit(1)
        .scalar_subquery()
    )


def learner_columns(now):
    """The learner table's columns, in the order of ``services.LearnerRow``'s fields."""
    return (
        Enrolment.id.label("enrolment_id"), User.id.label("user_id"), User.name, User.email,
        Organisation.name.label("organisation"), User.country, Course.id.label("course_id"),
        Course.title.label("course_title"), Enrolment.status, is_overdue(now).label("overdue"),
        Enrolment.enrolled_at, Enrolment.due_at, Enrolment.completed_at,
        Enrolment.last_activity_at, certificate_code().label("certificate_code"),
    )


def learner_base(filters, now):
    stmt = (
        select(*learner_columns(now))
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .join(Course, Course.id == Enrolment.course_id)
    )
    return filtered(stmt, filters, now, user_joined=True)


def learner_rows(filters, now, sort="name", descending=False, limit=50, offset=0):
    keys = LEARNER_SORTS[sort]
    order = [k.desc().nulls_last() if descending else k.asc().nulls_last() for k in keys]
    return learner_base(filters, now).order_by(*order, Enrolment.id).limit(limit).offset(offset)


def learner_batch(filters, now, after_id, size):
    """Keyset batch for exports: the next ``size`` enrolments after ``after_id``, in id order."""
    return (
        learner_base(filters, now)
        .where(Enrolment.id > after_id)
        .order_by(Enrolment.id)
        .limit(size)
    )


def enrolments_by_id(enrolment_ids):
    """(id, version id) of the given enrolments: a page of the learner table."""
    return select(Enrolment.id, Enrolment.version_id).where(Enrolment.id.in_(list(enrolment_ids)))


def enrolments_between(filters, now, after_id, last_id):
    """(id, version id) of the enrolments ``filters`` covers in (after_id, last_id]: an
    export batch, selected by its id range rather than by a list of a thousand ids."""
    return filtered(
        select(Enrolment.id, Enrolment.version_id).where(Enrolment.id > after_id, Enrolment.id <= last_id),
        filters, now,
    )


def progress_counts(enrolments):
    """(enrolment id, lessons completed, lessons in its version) for ``enrolments`` (a SELECT
    of enrolment id and version id, see above): one aggregate over LessonProgress, counting
    only lessons of the enrolled version, and one over the lessons of those versions."""
    chosen = enrolments.cte("chosen")
    done = (
        select(LessonProgress.enrolment_id, func.count().label("n"))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .join(chosen, and_(chosen.c.id == LessonProgress.enrolment_id, chosen.c.version_id == Module.version_id))
        # Drives the plan from the chosen ids (an index search), not from LessonProgress.
        .where(LessonProgress.enrolment_id.in_(select(chosen.c.id)))
        .group_by(LessonProgress.enrolment_id)
        .subquery("done")
    )
    sizes = (
        select(Module.version_id, func.count(Lesson.id).label("n"))
        .join(Lesson, Lesson.module_id == Module.id)
        .where(Module.version_id.in_(select(chosen.c.version_id)))
        .group_by(Module.version_id)
        .subquery("sizes")
    )
    return (
        select(chosen.c.id, func.coalesce(done.c.n, 0), func.coalesce(sizes.c.n, 0))
        .outerjoin(done, done.c.enrolment_id == chosen.c.id)
        .outerjoin(sizes, sizes.c.version_id == chosen.c.version_id)
    )


# ------------------------------------------------------------------ charts


def completions_per_week(filters, now, dialect, start, end):
    """(Monday of the week, completions) for completions in [start, end)."""
    week = week_of(Enrolment.completed_at, dialect).label("week")
    return (
        filtered(select(week, func.count().label("n")).select_from(Enrolment), filters, now)
        .where(Enrolment.status == "completed", Enrolment.completed_at >= start, Enrolment.completed_at < end)
        .group_by(week)
        .order_by(week)
    )


def module_funnel(filters, now, course_id):
    """For each module of every version of ``course_id``: its position, the version number,
    its title and how many of the filtered enrolments completed every lesson in it."""
    sizes = (
        select(Module.id.label("module_id"), func.count(Lesson.id).label("n"))
        .join(Lesson, Lesson.module_id == Module.id)
        .join(CourseVersion, CourseVersion.id == Module.version_id)
        .where(CourseVersion.course_id == course_id)
        .group_by(Module.id)
        .subquery("sizes")
    )
    matched = filtered(select(Enrolment.id).where(Enrolment.course_id == course_id), filters, now)
    done = (
        select(LessonProgress.enrolment_id, Lesson.module_id, func.count().label("k"))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.enrolment_id.in_(matched))
        .group_by(LessonProgress.enrolment_id, Lesson.module_id)
        .subquery("done")
    )
    return (
        select(
            Module.position, CourseVersion.number, Module.title,
            func.count(case((done.c.k >= sizes.c.n, 1))).label("completed"),
        )
        .select_from(Module)
        .join(CourseVersion, CourseVersion.id == Module.version_id)
        .join(sizes, sizes.c.module_id == Module.id)
        .outerjoin(done, done.c.module_id == Module.id)
        .group_by(Module.id, Module.position, CourseVersion.number, Module.title)
        .order_by(Module.position, CourseVersion.number)
    )


# ------------------------------------------------------------------ filter choices


def filter_choices(organisation_id=None):
    """Every option of the filter form in one statement: (kind, id, label, country) rows of
    kind 'course', 'organisation' or 'country'; with ``organisation_id`` (an org admin's
    report), only that organisation and its people's countries."""
    organisations = select(literal("organisation"), Organisation.id, Organisation.name, Organisation.country)
    countries = select(literal("country"), null(), null(), User.country).where(User.country.is_not(None))
    if organisation_id is not None:
        organisations = organisations.where(Organisation.id == organisation_id)
        countries = countries.where(User.organisation_id == organisation_id)
    return union_all(
        select(literal("course").label("kind"), Course.id, Course.title, null()),
        organisations,
        countries.group_by(User.country),
    )
