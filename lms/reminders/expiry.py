"""Certificate expiry notices: who is due which, as pure functions (no database, no clock).

A notice belongs to the completed enrolment whose validity (``valid_until``, the same date as
its certificate's ``expires_at``) runs out. Kinds: ``expiry_<N>d`` for each N of
EXPIRY_REMINDER_DAYS (default 60, 30 and 7 days before) and ``expiry_0d`` on the day it
lapses. The period key is the expiry date, so each is sent once per certificate (the
reminder log's unique (enrolment, kind, period_key)).

Like deadline reminders, each "N days before" notice has a window from N days before until
the next, closer one, so a late sweep still sends it but never one that has become untrue;
the lapse notice is sent within LAPSE_GRACE of the lapse (an install that starts sweeping
does not mail about certificates that lapsed years ago).

Who gets them: active accounts whose certificate was neither revoked (without a reissue) nor
renewed by a later completion. A learner who opted out of reminders still gets them for a
course their job requires (a live job assignment to a profile with a live requirement for
the course): these are mandatory compliance notices. For other courses the opt-out holds.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from lms.reminders.policy import DueReminder

PREFIX = "expiry_"
LAPSED = "expiry_0d"
LAPSE_GRACE = timedelta(days=7)


@dataclass(frozen=True)
class CertificateFacts:
    """What the rules need to know about one completion and its holder."""

    enrolment_id: int
    valid_until: datetime | None
    account_active: bool = True
    opted_out: bool = False
    required: bool = False  # the person's job requires the course (mandatory notices)
    renewed: bool = False  # a later completion of the course exists
    revoked: bool = False  # the certificate was revoked and not reissued


def parse_days(value):
    """"60,30,7" -> (60, 30, 7): positive whole days, largest first, no duplicates.

    :raises ValueError: for anything else (a misconfiguration should stop the start)
    """
    days = sorted({int(part) for part in str(value).split(",") if part.strip()}, reverse=True)
    if any(d <= 0 for d in days):
        raise ValueError(f"EXPIRY_REMINDER_DAYS must be positive days, got {value!r}")
    return tuple(days)


def kind_for(days):
    return f"{PREFIX}{days}d"


def is_expiry_kind(kind):
    return kind.startswith(PREFIX)


def days_of(kind):
    """expiry_30d -> 30 (0 for the lapse notice)."""
    return int(kind[len(PREFIX):-1])


def period_key(facts):
    return facts.valid_until.date().isoformat() if facts.valid_until else None


def may_receive(facts):
    """Active holder of a certificate that still stands; opted out only for required courses."""
    if facts.valid_until is None or not facts.account_active or facts.revoked or facts.renewed:
        return False
    return facts.required or not facts.opted_out


def _windows(valid_until, leads):
    """(kind, start, end) for each notice: [start, end)."""
    leads = sorted(leads, reverse=True)
    for i, days in enumerate(leads):
        closer = leads[i + 1] if i + 1 < len(leads) else 0
        yield kind_for(days), valid_until - timedelta(days=days), valid_until - timedelta(days=closer)
    yield LAPSED, valid_until, valid_until + LAPSE_GRACE


def due_notices(facts, now, leads, already_recorded=frozenset()):
    """The expiry notices due for one completion at ``now``.

    :param leads: days before expiry (:func:`parse_days`)
    :param already_recorded: (kind, period_key) pairs the enrolment has in the log
    :return: list of :class:`~lms.reminders.policy.DueReminder`
    """
    if not may_receive(facts):
        return []
    key = period_key(facts)
    return [
        DueReminder(facts.enrolment_id, kind, key)
        for kind, start, end in _windows(facts.valid_until, leads)
        if start <= now < end and (kind, key) not in already_recorded
    ]


def still_applies(recorded_key, facts):
    """At send time: still true? Not when renewed, revoked, opted out of a course not
    required, deactivated, or the expiry date moved."""
    return may_receive(facts) and period_key(facts) == recorded_key


def sweep_bounds(now, leads):
    """The database narrows candidates to valid_until in (lapsed_after, expires_before]."""
    return now - LAPSE_GRACE, now + timedelta(days=max(leads, default=0))
