"""The completion report: what an administrator sees and exports.

Every figure comes from a fixed set of statements in ``lms.reports.queries`` (at most six
for a report, whatever the number of enrolments: course rows with their totals, learner rows,
their progress, completions per week and, for one course, its module funnel; the course rows
run twice only when the page asked for is past the end); this module pages, fills the gaps
(weeks with no completion) and shapes rows for the views and exports.
"""
from dataclasses import dataclass, replace
from datetime import timedelta

from lms.accounts.models import Organisation
from lms.policy import Forbidden, can, organisation_scope
from lms.extensions import db
from lms.reports import queries
from lms.reports.queries import ReportFilters  # noqa: F401  (part of this module's interface)
from lms.timeutil import utcnow

COURSES_PER_PAGE = 25
LEARNERS_PER_PAGE = 50
EXPORT_BATCH_SIZE = 1000
DEFAULT_WEEKS = 12
MAX_WEEKS = 104


@dataclass(frozen=True)
class CourseRow:
    course_id: int
    title: str
    enrolled: int
    in_progress: int
    completed: int
    overdue: int
    withdrawn: int
    rate: float | None  # 0..1
    median_days: float | None


@dataclass(slots=True)  # not frozen: an export builds 100,000 of them, and frozen init is slow
class LearnerRow:
    """One enrolment in the learner table; the fields before ``progress`` are, in order, the
    columns of ``queries.learner_columns``."""

    enrolment_id: int
    user_id: int
    name: str
    email: str
    organisation: str | None
    country: str | None
    course_id: int
    course_title: str
    status: str  # active | completed | withdrawn
    overdue: bool
    enrolled_at: object
    due_at: object
    completed_at: object
    last_activity_at: object
    certificate_code: str | None
    progress: int = 0  # percent of the enrolled version's lessons completed

    @property
    def status_key(self):
        """active, overdue, completed or withdrawn: what the report shows."""
        return "overdue" if self.overdue else self.status


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class FunnelStep:
    position: int
    title: str
    completed: int


@dataclass(frozen=True)
class CompletionReport:
    courses: Page
    totals: CourseRow
    learners: Page
    weekly: list  # [(Monday, completions)]
    funnel: list | None  # [FunnelStep] when one course is chosen


def scoped_filters(user, filters):
    """``filters`` narrowed to what ``user`` may see: a site admin any organisation or all;
    an org admin their own organisation, whatever the filters asked for.

    :raises Forbidden: ``user`` may not see reports, or asked for another organisation's
    """
    if not can(user, "report.view"):
        raise Forbidden("report.view")
    scope = organisation_scope(user)
    if scope is None:
        return filters
    if filters.organisation_id is not None and filters.organisation_id != scope:
        raise Forbidden("report.view")
    if not can(user, "report.view", db.session.get(Organisation, scope)):
        raise Forbidden("report.view")
    return replace(filters, organisation_id=scope)


def _dialect():
    return db.session.get_bind().dialect.name


def filter_options(scope=None):
    """Options for the filter form: courses [(id, title)], organisations [(id, name,
    country)] and countries [code], each sorted for display; ``scope``: an organisation id,
    whose organisation and its people's countries are the only ones offered."""
    courses, organisations, countries = [], [], []
    for kind, id_, label, country in db.session.execute(queries.filter_choices(scope)):
        if kind == "course":
            courses.append((id_, label))
        elif kind == "organisation":
            organisations.append((id_, label, country))
        else:
            countries.append(country)
    countries.extend(country for _id, _name, country in organisations if country)
    return {
        "courses": sorted(courses, key=lambda c: (c[1].casefold(), c[0])),
        "organisations": sorted(organisations, key=lambda o: (o[1].casefold(), o[0])),
        "countries": sorted(set(countries)),
    }


def _pages(total, per_page):
    return max(1, -(-total // per_page))


def _course_page(filters, now, dialect, sort, descending, page):
    def fetch(page):
        stmt = queries.course_rows(
            filters, now, dialect, sort=sort, descending=descending,
            limit=COURSES_PER_PAGE, offset=(page - 1) * COURSES_PER_PAGE,
        )
        return db.session.execute(stmt).all()

    rows = fetch(page)
    if not rows and page > 1:  # a page past the end (the data changed): show the first
        page, rows = 1, fetch(1)
    first = rows[0] if rows else None

    def total(name):
        return int(getattr(first, f"total_{name}") or 0) if first else 0

    enrolled, completed = total("enrolled"), total("completed")
    totals = CourseRow(
        course_id=0, title="", enrolled=enrolled, in_progress=total("in_progress"),
        completed=completed, overdue=total("overdue"), withdrawn=total("withdrawn"),
        rate=(completed / enrolled) if enrolled else None, median_days=None,
    )
    items = [
        CourseRow(
            course_id=r.course_id, title=r.title, enrolled=r.enrolled, in_progress=r.in_progress,
            completed=r.completed, overdue=r.overdue, withdrawn=r.withdrawn,
            rate=float(r.rate) if r.rate is not None else None,
            median_days=float(r.median_days) if r.median_days is not None else None,
        )
        for r in rows
    ]
    course_count = int(first.course_count) if first else 0
    return Page(items, page, _pages(course_count, COURSES_PER_PAGE), course_count), totals


def _progress(enrolments):
    """{enrolment id: percent done} for a SELECT of (enrolment id, version id)."""
    return {
        eid: (done * 100 // size if size else 0)
        for eid, done, size in db.session.execute(queries.progress_counts(enrolments))
    }


def _learner_rows(rows, progress):
    return [LearnerRow(*row, progress.get(row[0], 0)) for row in rows]


def _monday(day):
    return day - timedelta(days=day.weekday())


def week_range(filters, today):
    """The first and last Monday the weekly chart shows: the completion date filter's
    range, else the last DEFAULT_WEEKS weeks; never more than MAX_WEEKS."""
    last = _monday(filters.completed_to or today)
    first = _monday(filters.completed_from) if filters.completed_from else last - timedelta(weeks=DEFAULT_WEEKS - 1)
    first = max(first, last - timedelta(weeks=MAX_WEEKS - 1))
    return first, last


def _weekly(filters, now, dialect):
    first, last = week_range(filters, now.date())
    start = queries.day_start(max(first, filters.completed_from or first))
    end = queries.day_start(last + timedelta(days=7))
    counts = {
        queries.as_date(week): n
        for week, n in db.session.execute(queries.completions_per_week(filters, now, dialect, start, end))
    }
    weeks = []
    week = first
    while week <= last:
        weeks.append((week, counts.get(week, 0)))
        week += timedelta(weeks=1)
    return weeks


def _funnel(filters, now):
    """Modules in order; a module's position is shared by every version of the course, and
    its title is the newest version's."""
    steps = {}
    for position, number, title, completed in db.session.execute(
        queries.module_funnel(filters, now, filters.course_id)
    ):
        _title, _number, total = steps.get(position, (title, number, 0))
        if number >= _number:
            _title, _number = title, number
        steps[position] = (_title, _number, total + completed)
    return [FunnelStep(position, title, total) for position, (title, _n, total) in sorted(steps.items())]


def completion_report(user, filters, *, course_sort="title", course_desc=False, course_page=1,
                      learner_sort="name", learner_desc=False, learner_page=1, now=None):
    """The completion report for ``filters``.

    :param user: who asks; only those the policy allows ``report.view``
    :param filters: a :class:`ReportFilters`
    :return: a :class:`CompletionReport`
    :raises Forbidden: when ``user`` may not see reports, or (an org admin) asked for
        another organisation's; an org admin's report covers their organisation only
    """
    filters = scoped_filters(user, filters)
    now = now or utcnow()
    dialect = _dialect()
    courses, totals = _course_page(filters, now, dialect, course_sort, course_desc, course_page)
    learner_pages = _pages(totals.enrolled, LEARNERS_PER_PAGE)
    learner_page = min(max(1, learner_page), learner_pages)
    rows = []
    if totals.enrolled:
        rows = db.session.execute(queries.learner_rows(
            filters, now, sort=learner_sort, descending=learner_desc,
            limit=LEARNERS_PER_PAGE, offset=(learner_page - 1) * LEARNERS_PER_PAGE,
        )).all()
    progress = _progress(queries.enrolments_by_id(r.enrolment_id for r in rows)) if rows else {}
    learners = _learner_rows(rows, progress)
    return CompletionReport(
        courses=courses,
        totals=totals,
        learners=Page(learners, learner_page, learner_pages, totals.enrolled),
        weekly=_weekly(filters, now, dialect),
        funnel=_funnel(filters, now) if filters.course_id is not None else None,
    )


def export_rows(user, filters, now=None, batch_size=None):
    """Every enrolment ``filters`` covers, as :class:`LearnerRow`, in enrolment order.

    Rows are read in keyset batches of ``batch_size`` (default ``EXPORT_BATCH_SIZE``; two
    statements a batch), so memory
    stays flat however many rows there are. The permission is checked now, not when the
    returned iterator is first read.

    :raises Forbidden: when ``user`` may not see reports
    """
    filters = scoped_filters(user, filters)
    now = now or utcnow()
    batch_size = batch_size or EXPORT_BATCH_SIZE

    def batches():
        after = 0
        while True:
            rows = db.session.execute(queries.learner_batch(filters, now, after, batch_size)).all()
            if not rows:
                return
            # The batch is every match in (after, last id].
            batch = queries.enrolments_between(filters, now, after, rows[-1].enrolment_id)
            yield from _learner_rows(rows, _progress(batch))
            if len(rows) < batch_size:
                return
            after = rows[-1].enrolment_id

    return batches()


__all__ = [
    "CompletionReport", "CourseRow", "FunnelStep", "LearnerRow", "Page", "ReportFilters",
    "completion_report", "export_rows", "filter_options", "scoped_filters", "week_range",
]
