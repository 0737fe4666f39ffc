"""Reading the audit trail: one filter for the page, the CSV and the PDF, so an export holds
exactly the events the page lists, in the same order (newest first).

Rows are plain column tuples (no ORM objects), read with ``yield_per`` for the exports, so
memory stays flat however long the trail is; every filter is on an indexed column.
"""
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import get_timezone
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.courses.models import Course
from lms.extensions import db

# Keys of an event's data shown in their own columns (Annex 11 §9: old value, new value, why).
OLD_KEYS, NEW_KEYS, REASON_KEYS = ("old",), ("new",), ("reason", "change_reason")
SHOWN_APART = set(OLD_KEYS + NEW_KEYS + REASON_KEYS)


@dataclass(frozen=True)
class AuditFilters:
    """What the trail is filtered by; None means "any"."""

    person: Any = None  # a User: the person the event's record belongs to
    actor: Any = None  # a User: who made the change
    course_id: int | None = None
    action: str | None = None
    subject_type: str | None = None
    date_from: date | None = None  # days in the viewer's time zone, both included
    date_to: date | None = None

    @property
    def empty(self):
        return not any((self.person, self.actor, self.course_id, self.action, self.subject_type,
                        self.date_from, self.date_to))


def filters_of(form):
    """The filters of a validated :class:`lms.audit.forms.AuditFilterForm`."""
    return AuditFilters(
        person=form.person_user, actor=form.actor_user,
        course_id=int(form.course.data) if form.course.data else None,
        action=form.action.data or None, subject_type=form.subject_type.data or None,
        date_from=form.date_from.data, date_to=form.date_to.data,
    )


def _day_start(day):
    """Midnight starting ``day`` in the viewer's time zone (Flask-Babel's: the organisation's)."""
    return get_timezone().localize(datetime.combine(day, time.min))


Actor = aliased(User, name="actor")
Person = aliased(User, name="person")

COLUMNS = (
    AuditEvent.id, AuditEvent.seq, AuditEvent.at, AuditEvent.action, AuditEvent.subject_type,
    AuditEvent.subject_id, AuditEvent.data, AuditEvent.hash,
    Actor.name.label("actor_name"), Actor.email.label("actor_email"),
    Person.name.label("person_name"), Person.email.label("person_email"),
    Course.title.label("course_title"), AuditEvent.course_id,
)


def _query(filters, columns=COLUMNS):
    query = select(*columns)
    if columns is COLUMNS:  # a count needs no names
        query = (
            query.outerjoin(Actor, Actor.id == AuditEvent.actor_id)
            .outerjoin(Person, Person.id == AuditEvent.person_id)
            .outerjoin(Course, Course.id == AuditEvent.course_id)
        )
    if filters.person is not None:
        query = query.where(AuditEvent.person_id == filters.person.id)
    if filters.actor is not None:
        query = query.where(AuditEvent.actor_id == filters.actor.id)
    if filters.course_id is not None:
        query = query.where(AuditEvent.course_id == filters.course_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.subject_type:
        query = query.where(AuditEvent.subject_type == filters.subject_type)
    if filters.date_from:
        query = query.where(AuditEvent.at >= _day_start(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.at < _day_start(filters.date_to + timedelta(days=1)))
    return query


def _newest_first(query):
    return query.order_by(AuditEvent.seq.desc().nulls_first(), AuditEvent.id.desc())


def count_events(filters):
    """How many events the filter matches."""
    return db.session.scalar(_query(filters, (func.count(AuditEvent.id),)))


def page_of_events(filters, page, per_page):
    """One page of matching events, newest first."""
    return db.session.execute(_newest_first(_query(filters)).limit(per_page).offset((page - 1) * per_page)).all()


def all_events(filters, batch=500):
    """Every matching event, newest first, read ``batch`` rows at a time."""
    result = db.session.execute(_newest_first(_query(filters)).execution_options(yield_per=batch))
    yield from result


def actions_and_subjects():
    """The distinct actions and subject types in the trail (the filter's choices)."""
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    subjects = db.session.scalars(select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type)).all()
    return actions, subjects


def _shown(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _pick(data, keys):
    for key in keys:
        if key in data:
            return _shown(data[key])
    return ""


@dataclass(frozen=True)
class EventView:
    """An event as a reader sees it: the change's old and new values and its reason apart
    from the rest of its data."""

    row: Any
    old: str
    new: str
    reason: str
    details: str

    def __getattr__(self, name):
        return getattr(self.row, name)


def view_of(row):
    data = row.data or {}
    rest = {k: v for k, v in data.items() if k not in SHOWN_APART}
    return EventView(row=row, old=_pick(data, OLD_KEYS), new=_pick(data, NEW_KEYS),
                     reason=_pick(data, REASON_KEYS), details=_shown(rest) if rest else "")
