"""Who is due which reminder: pure functions, no database, no clock of their own.

A reminder is identified by (enrolment, kind, period_key). The period key makes each kind
once-only for a sensible period:

- ``deadline_7d`` / ``deadline_1d``: keyed by the due date, so a learner gets each once per
  deadline (a moved deadline is a new period and is reminded again);
- ``overdue``: keyed by the due date, once per missed deadline;
- ``inactivity``: keyed by the date of the last activity, once per stretch of inactivity
  (working on the course starts a new stretch);
- ``enrolment_confirmation``: keyed by the enrolment date, once per enrolment.

Only active enrolments of active accounts that have not opted out get anything.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

DEADLINE_KINDS = {"deadline_7d": timedelta(days=7), "deadline_1d": timedelta(days=1)}
SWEEP_KINDS = ("deadline_7d", "deadline_1d", "overdue", "inactivity")
CONFIRMATION = "enrolment_confirmation"


@dataclass(frozen=True)
class EnrolmentFacts:
    """What the policy needs to know about one enrolment and its learner."""

    enrolment_id: int
    status: str
    enrolled_at: datetime
    due_at: datetime | None = None
    last_activity_at: datetime | None = None
    account_active: bool = True
    opted_out: bool = False
    source: str = "self"


# A recertification enrolment is due on its certificate's expiry date: the certificate expiry
# notices (lms.reminders.expiry) already say "7 days left" and "expired", so these would only
# repeat them.
COVERED_BY_EXPIRY_NOTICES = {"recertification": ("deadline_7d", "overdue")}


@dataclass(frozen=True, order=True)
class DueReminder:
    enrolment_id: int
    kind: str
    period_key: str


def may_receive(facts):
    """Reminders go only to active enrolments of active accounts that have not opted out."""
    return facts.status == "active" and facts.account_active and not facts.opted_out


def last_activity(facts):
    return facts.last_activity_at or facts.enrolled_at


def period_key(kind, facts):
    """The period a reminder of ``kind`` belongs to, or None when the kind cannot apply."""
    if kind in DEADLINE_KINDS or kind == "overdue":
        return facts.due_at.date().isoformat() if facts.due_at else None
    if kind == "inactivity":
        return last_activity(facts).date().isoformat()
    if kind == CONFIRMATION:
        return facts.enrolled_at.date().isoformat()
    raise ValueError(f"unknown reminder kind {kind!r}")


def _deadline_window(kind, due_at):
    """[start, end): from N days before the deadline until the next, closer reminder (or the
    deadline itself), so a late sweep still sends it but never one that has become untrue."""
    lead = DEADLINE_KINDS[kind]
    closer = [d for d in DEADLINE_KINDS.values() if d < lead]
    return due_at - lead, due_at - max(closer, default=timedelta(0))


def _is_due(kind, facts, now, inactivity_days):
    if kind in COVERED_BY_EXPIRY_NOTICES.get(facts.source, ()):
        return False
    if kind in DEADLINE_KINDS:
        if facts.due_at is None:
            return False
        start, end = _deadline_window(kind, facts.due_at)
        # Someone enrolled with less notice than this reminder gives has just been told the
        # deadline in the enrolment confirmation; a "one week left" mail would repeat it.
        return start <= now < end and facts.enrolled_at <= start
    if kind == "overdue":
        return facts.due_at is not None and now >= facts.due_at
    if kind == "inactivity":
        return now - last_activity(facts) >= timedelta(days=inactivity_days)
    raise ValueError(f"unknown reminder kind {kind!r}")


def due_reminders(facts, now, inactivity_days, already_recorded=frozenset()):
    """The reminders due for one enrolment at ``now``.

    :param facts: an :class:`EnrolmentFacts`
    :param now: timezone-aware UTC datetime
    :param inactivity_days: days without activity before an inactivity reminder
    :param already_recorded: (kind, period_key) pairs this enrolment already has in the log
    :return: list of :class:`DueReminder`, in a stable order
    """
    if not may_receive(facts):
        return []
    due = []
    for kind in SWEEP_KINDS:
        if not _is_due(kind, facts, now, inactivity_days):
            continue
        key = period_key(kind, facts)
        if (kind, key) not in already_recorded:
            due.append(DueReminder(facts.enrolment_id, kind, key))
    return due


def still_applies(kind, recorded_key, facts):
    """At send time: is a recorded reminder still true? False when the learner opted out or was
    deactivated since, the enrolment is no longer active, or its period has moved on (a new
    deadline, or activity since the inactivity reminder was recorded)."""
    if not may_receive(facts):
        return False
    return period_key(kind, facts) == recorded_key


def sweep_cutoffs(now, inactivity_days):
    """Bounds for the database query that narrows the sweep to candidates: enrolments due
    within the widest deadline lead (or already past due), or inactive since ``inactive_before``.

    :return: (due_before, inactive_before)
    """
    return now + max(DEADLINE_KINDS.values()), now - timedelta(days=inactivity_days)
