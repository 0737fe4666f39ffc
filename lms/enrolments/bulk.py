"""Bulk enrolment from a CSV file: a dry run that reports every row, then an all-or-nothing
apply. Columns: email, name, organisation, country, course, due_date (optional) and
job_profiles (optional: names of job profiles of the person's organisation, separated by ";",
given to the person with the enrolments they bring; with it, a row may leave course empty) and
reason (why the row gives job profiles: required on such a row, kept in the audit trail)."""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from lms.accounts.invitations import unusable_password_hash
from lms.accounts.models import Organisation, User
from lms.accounts.services import find_or_create_organisation, normalise_email
from lms.audit.reasons import MissingReason, required_reason
from lms.audit.services import record_event
from lms.compliance import services as compliance
from lms.compliance.models import JobProfile
from lms.courses.models import Course, CourseVersion
from lms.enrolments import services as enrolments
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.outbox.models import SEND_INVITATION
from lms.outbox.services import promise
from lms.parsing import MAX_DATE, iso_date
from lms.policy import can, organisation_scope
from lms.reports.export import FORMULA_STARTS

REQUIRED = ("email", "name", "organisation", "country", "course")
OPTIONAL = ("due_date", "job_profiles", "reason")
MAX_ROWS = 5000
COUNTRY = re.compile(r"^[A-Z]{2}$")


class BulkFileError(Exception):
    """The file as a whole cannot be used (encoding, columns, size); nothing is changed."""


@dataclass
class Row:
    line: int
    email: str
    name: str
    organisation: str
    country: str
    course_ref: str
    due_date: date | None = None
    errors: list = field(default_factory=list)
    course: Course | None = None
    user: User | None = None
    outcome: str = ""  # "new user", "enrol", "already enrolled", "profiles only"
    profile_names: list = field(default_factory=list)
    profiles: list = field(default_factory=list)  # JobProfile, resolved by plan()
    reason: str = ""  # why the row gives job profiles (required then)

    @property
    def job_profiles(self):
        return self.profile_names

    @property
    def course_label(self):
        return self.course.title if self.course else self.course_ref

    def as_dict(self):
        """What a job keeps of the row to show it later (JSON: strings, not objects)."""
        return {
            "line": self.line, "email": self.email, "name": self.name, "course": self.course_label,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "outcome": "" if self.errors else self.outcome, "errors": [str(e) for e in self.errors],
            "job_profiles": list(self.profile_names),
        }


@dataclass
class Plan:
    rows: list

    @property
    def errors(self):
        return [row for row in self.rows if row.errors]

    @property
    def ok(self):
        return bool(self.rows) and not self.errors

    def count(self, outcome):
        return sum(1 for row in self.rows if not row.errors and row.outcome == outcome)

    def summary(self):
        """The counts an administrator is told after applying."""
        return {
            "enrolled": sum(1 for row in self.rows if not row.errors and row.course is not None
                            and row.outcome in ("enrol", "new user")),
            "created_users": len({row.email for row in self.rows if not row.errors and row.outcome == "new user"}),
            "already_enrolled": self.count("already enrolled"),
            "job_profiles": sum(len(row.profiles) for row in self.rows if not row.errors),
            "errors": len(self.errors),
        }


def _decode(data):
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        raise BulkFileError(_l("The file is UTF-16. Save it as CSV UTF-8 and upload it again."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkFileError(
            _l("The file is not UTF-8 text (byte %(pos)s). Save it as “CSV UTF-8” and upload it again.", pos=exc.start)
        ) from exc


def read_rows(data):
    """Parse the uploaded bytes into Rows (values checked one by one, nothing looked up)."""
    text = _decode(data)
    if "\x00" in text:
        raise BulkFileError(_l("The file contains binary data; upload a CSV file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    # With a job_profiles column, the course column may be left out (profiles bring courses).
    missing = [c for c in REQUIRED if c not in header and not (c == "course" and "job_profiles" in header)]
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    if missing or unknown:
        raise BulkFileError(_l(
            "The columns must be: %(cols)s. Missing: %(missing)s. Not recognised: %(unknown)s.",
            cols=", ".join(REQUIRED + OPTIONAL), missing=", ".join(missing) or "-", unknown=", ".join(unknown) or "-",
        ))
    reader.fieldnames = header
    rows = []
    try:
        for record in reader:
            if reader.line_num - 1 > MAX_ROWS:
                raise BulkFileError(_l("At most %(n)s rows per file.", n=MAX_ROWS))
            if None in record:
                values = {k: (v or "").strip() for k, v in record.items() if k is not None}
                row = _row(reader.line_num, values)
                row.errors.append(_l("The row has more values than there are columns."))
            else:
                values = {k: (v or "").strip() for k, v in record.items()}
                if not any(values.values()):
                    continue
                row = _row(reader.line_num, values)
            rows.append(row)
    except csv.Error as exc:
        raise BulkFileError(_l("The CSV could not be read near line %(line)s: %(error)s", line=reader.line_num, error=str(exc))) from exc
    if not rows:
        raise BulkFileError(_l("The file has no rows under its header."))
    return rows


def _row(line, values):
    row = Row(
        line=line, email=normalise_email(values.get("email")), name=" ".join(values.get("name", "").split()),
        organisation=" ".join(values.get("organisation", "").split()), country=values.get("country", "").upper(),
        course_ref=values.get("course", ""),
    )
    for column in REQUIRED + OPTIONAL:
        if values.get(column, "").startswith(FORMULA_STARTS):
            row.errors.append(_l("The %(column)s starts with a formula character (= + - @); formulas are not accepted.", column=column))
    names = [" ".join(n.split()) for n in values.get("job_profiles", "").split(";")]
    row.profile_names = list(dict.fromkeys(n for n in names if n))
    if row.profile_names:
        try:
            row.reason = required_reason(values.get("reason", ""), _l(
                "Give a reason for the job profiles in the reason column: it is kept in the audit trail."))
        except MissingReason as exc:
            row.errors.append(exc.message)
    for column in REQUIRED:
        if not values.get(column) and not (column == "course" and row.profile_names):
            row.errors.append(_l("The %(column)s is missing.", column=column))
    if row.email:
        try:
            validate_email(row.email, check_deliverability=False)
        except EmailNotValidError:
            row.errors.append(_l("“%(email)s” is not a valid email address.", email=row.email))
    if row.country and not COUNTRY.match(row.country):
        row.errors.append(_l("The country must be a two-letter code such as NO, SE or LT."))
    if len(row.name) > 200 or len(row.organisation) > 200 or len(row.email) > 254:
        row.errors.append(_l("A value is too long."))
    due = values.get("due_date", "")
    if due:
        row.due_date = iso_date(due)
        if row.due_date is None:
            row.errors.append(_l("The due date must look like 2026-12-31, before %(end)s.",
                                 end=MAX_DATE.isoformat()))
    return row


def _outside_scope(row, organisation):
    """A row an org admin may not apply: another organisation named, or a person of another
    organisation (the error), else None."""
    if row.organisation and row.organisation.casefold() != organisation.name.casefold():
        return _l("You may enrol only people of %(organisation)s; this row names “%(other)s”.",
                  organisation=organisation.name, other=row.organisation)
    if row.user is not None and row.user.organisation_id != organisation.id:
        return _l("%(email)s belongs to another organisation.", email=row.email)
    return None


def plan(data, today=None, actor=None):
    """The dry run: every row with its outcome or its errors. Reads, never writes.

    :param actor: who uploads; an org admin's rows must all be of their own organisation
        (a row naming another one, or a person of another one, is a row error), and a job
        profile of an organisation they do not administer is a row error
    """
    scope = organisation_scope(actor) if actor is not None else None
    organisation = db.session.get(Organisation, scope) if scope is not None else None
    rows = read_rows(data)
    today = today or date.today()
    refs = {row.course_ref for row in rows if row.course_ref}
    courses = db.session.scalars(
        select(Course).join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.status == "published", or_(Course.slug.in_(refs), Course.title.in_(refs)))
    ).all()
    by_ref = {}
    for course in courses:
        by_ref[course.slug] = course
        by_ref.setdefault(course.title, course)
    emails = {row.email for row in rows if row.email}
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))} if emails else {}
    enrolled = set()
    if users and courses:
        enrolled = set(db.session.execute(
            select(Enrolment.user_id, Enrolment.course_id).where(
                Enrolment.user_id.in_([u.id for u in users.values()]),
                Enrolment.course_id.in_([c.id for c in courses]),
            )
        ).all())
    profiles = _profiles_by_name(rows, users)
    seen = {}
    for row in rows:
        row.course = by_ref.get(row.course_ref)
        if row.course_ref and row.course is None:
            row.errors.append(_l("There is no published course “%(ref)s” (use its title or its address name).", ref=row.course_ref))
        if row.due_date and row.due_date < today:
            row.errors.append(_l("The due date is in the past."))
        key = (row.email, row.course.id if row.course else row.course_ref or tuple(row.profile_names))
        if key in seen:
            row.errors.append(_l("Duplicate of line %(line)s.", line=seen[key]))
        else:
            seen[key] = row.line
        row.user = users.get(row.email)
        if row.user is not None and not row.user.is_active:
            row.errors.append(_l("The account of %(email)s is deactivated.", email=row.email))
        outside = _outside_scope(row, organisation) if organisation is not None else None
        if outside is not None:
            row.errors.append(outside)
        _resolve_profiles(row, profiles, actor)
        if row.errors:
            continue
        if row.user is None:
            row.outcome = "new user"
        elif row.course is None:
            row.outcome = "profiles only"
        elif (row.user.id, row.course.id) in enrolled:
            row.outcome = "already enrolled"
        else:
            row.outcome = "enrol"
    return Plan(rows)


def _row_organisation_id(row, orgs):
    """The organisation whose profiles a row may name: the person's, or for a new person the
    one named in the row (None when it does not exist yet: it has no profiles)."""
    if row.user is not None:
        return row.user.organisation_id
    return orgs.get(row.organisation.lower())


def _profiles_by_name(rows, users):
    """{(organisation id, lower-case name): JobProfile} for the organisations the rows involve,
    and the organisations named by new people's rows, in two queries."""
    if not any(row.profile_names for row in rows):
        return {"orgs": {}}
    names = {row.organisation.lower() for row in rows if row.organisation}
    orgs = dict(db.session.execute(
        select(func.lower(Organisation.name), Organisation.id).where(func.lower(Organisation.name).in_(names))
    ).all()) if names else {}
    org_ids = set(orgs.values()) | {u.organisation_id for u in users.values()}
    found = {"orgs": orgs}
    for profile in db.session.scalars(select(JobProfile).where(JobProfile.organisation_id.in_(org_ids))):
        found[(profile.organisation_id, profile.name.lower())] = profile
    return found


def _resolve_profiles(row, profiles, actor):
    if not row.profile_names:
        return
    org_id = _row_organisation_id(row, profiles["orgs"])
    for name in row.profile_names:
        profile = profiles.get((org_id, name.lower()))
        if profile is None:
            row.errors.append(_l("The organisation of %(email)s has no job profile “%(name)s”.",
                                 email=row.email, name=name))
        elif actor is not None and not can(actor, "compliance.manage", profile):
            row.errors.append(_l("You do not administer the organisation of job profile “%(name)s”.", name=name))
        else:
            row.profiles.append(profile)


def apply(data, actor, today=None, on_progress=None):
    """Apply the file in the caller's transaction: all rows or none.

    :param on_progress: called with the number of rows applied so far, after each row and
        before the closing audit event (a job shows it; it must not use this transaction)
    :return: the Plan; when ``plan.ok`` is False nothing was written
    """
    result = plan(data, today=today, actor=actor)
    if not result.ok:
        return result
    created = {}
    for done, row in enumerate(result.rows, start=1):
        user = row.user or created.get(row.email)
        if user is None:
            user = User(
                email=row.email, name=row.name, password_hash=unusable_password_hash(), role="learner",
                organisation=find_or_create_organisation(row.organisation, row.country),
                country=row.country, locale="en",
            )
            db.session.add(user)
            db.session.flush()
            record_event("user.invited", user, actor=actor)
            promise(SEND_INVITATION, user.id)  # sent by the worker once this commits
            created[row.email] = user
        if row.course is not None and row.outcome != "already enrolled":
            due_at = datetime.combine(row.due_date, time(23, 59), tzinfo=timezone.utc) if row.due_date else None
            enrolments.enrol(user, row.course, actor=actor, due_at=due_at, source="bulk")
        for profile in row.profiles:
            # The profile's requirements become enrolments in this same transaction.
            compliance.assign(actor, user, profile, row.reason)
        if on_progress is not None:
            on_progress(done)
    record_event("enrolment.bulk_applied", actor, actor=actor, rows=len(result.rows),
                 new_users=len(created), already_enrolled=result.count("already enrolled"))
    return result
