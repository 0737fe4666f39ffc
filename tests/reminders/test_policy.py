"""The reminder policy: pure functions, every kind, its boundaries and who gets nothing."""
from datetime import datetime, timedelta, timezone

import pytest

from lms.reminders.policy import (
    DueReminder, EnrolmentFacts, due_reminders, period_key, still_applies, sweep_cutoffs,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)
INACTIVITY = 14


def facts(**kwargs):
    values = {"enrolment_id": 7, "status": "active", "enrolled_at": NOW - 30 * DAY,
              "last_activity_at": NOW - DAY}
    values.update(kwargs)
    return EnrolmentFacts(**values)


def kinds(f, now=NOW, already=frozenset()):
    return [r.kind for r in due_reminders(f, now, INACTIVITY, already)]


def test_nothing_is_due_for_a_busy_learner_far_from_the_deadline():
    assert kinds(facts(due_at=NOW + 30 * DAY)) == []
    assert kinds(facts(due_at=None)) == []


@pytest.mark.parametrize("due_in, expected", [
    (7 * DAY + timedelta(seconds=1), []),          # not yet a week
    (7 * DAY, ["deadline_7d"]),                    # exactly a week: the window opens
    (3 * DAY, ["deadline_7d"]),                    # a sweep that ran late still sends it
    (DAY + timedelta(seconds=1), ["deadline_7d"]),
    (DAY, ["deadline_1d"]),                        # a day left: the 1-day reminder instead
    (timedelta(hours=1), ["deadline_1d"]),
    (timedelta(0), ["overdue"]),                   # at the deadline it is overdue
    (-40 * DAY, ["overdue"]),
])
def test_deadline_and_overdue_windows(due_in, expected):
    assert kinds(facts(due_at=NOW + due_in)) == expected


def test_deadline_reminders_are_keyed_by_the_due_date():
    due = datetime(2026, 6, 20, 9, 30, tzinfo=timezone.utc)
    assert due_reminders(facts(due_at=due), NOW, INACTIVITY) == [DueReminder(7, "deadline_7d", "2026-06-20")]
    late = due_reminders(facts(due_at=NOW - DAY), NOW, INACTIVITY)
    assert late == [DueReminder(7, "overdue", "2026-06-14")]


def test_learners_enrolled_with_less_notice_get_no_early_reminder():
    due = NOW + 3 * DAY
    # Enrolled 5 days before the deadline: the confirmation told them; no "one week left".
    assert kinds(facts(due_at=due, enrolled_at=due - 5 * DAY)) == []
    # ...but they do get the one-day reminder when it comes.
    assert kinds(facts(due_at=due, enrolled_at=due - 5 * DAY), now=due - DAY) == ["deadline_1d"]
    # Enrolled 12 hours before the deadline: no one-day reminder either.
    assert kinds(facts(due_at=NOW + timedelta(hours=2), enrolled_at=NOW - timedelta(hours=10))) == []


@pytest.mark.parametrize("idle, due", [
    (INACTIVITY * DAY - timedelta(seconds=1), False),
    (INACTIVITY * DAY, True),
    (100 * DAY, True),
])
def test_inactivity_boundary(idle, due):
    result = kinds(facts(last_activity_at=NOW - idle, enrolled_at=NOW - 200 * DAY))
    assert result == (["inactivity"] if due else [])


def test_inactivity_counts_from_enrolment_when_never_active_and_is_keyed_by_that_date():
    enrolled = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
    due = due_reminders(facts(enrolled_at=enrolled, last_activity_at=None), NOW, INACTIVITY)
    assert due == [DueReminder(7, "inactivity", "2026-05-01")]


def test_overdue_and_inactive_get_both_kinds_once_each():
    f = facts(due_at=NOW - 2 * DAY, last_activity_at=NOW - 20 * DAY)
    due = due_reminders(f, NOW, INACTIVITY)
    assert [r.kind for r in due] == ["overdue", "inactivity"]
    already = {(r.kind, r.period_key) for r in due}
    assert due_reminders(f, NOW, INACTIVITY, already) == []
    assert due_reminders(f, NOW + 10 * DAY, INACTIVITY, already) == []  # same periods later


def test_a_new_period_is_a_new_reminder():
    f = facts(due_at=NOW + 5 * DAY)
    [first] = due_reminders(f, NOW, INACTIVITY)
    moved = facts(due_at=NOW + 6 * DAY)  # the deadline moved a day
    [again] = due_reminders(moved, NOW, INACTIVITY, {(first.kind, first.period_key)})
    assert again.kind == "deadline_7d" and again.period_key != first.period_key
    idle = facts(last_activity_at=NOW - 20 * DAY)
    [inactive] = due_reminders(idle, NOW, INACTIVITY)
    # Activity, then another 14 idle days: a new stretch of inactivity, a new reminder.
    later = NOW + 30 * DAY
    [inactive_again] = due_reminders(facts(last_activity_at=NOW), later, INACTIVITY,
                                     {(inactive.kind, inactive.period_key)})
    assert inactive_again.period_key == NOW.date().isoformat() != inactive.period_key


@pytest.mark.parametrize("change", [
    {"status": "completed"}, {"status": "withdrawn"}, {"opted_out": True}, {"account_active": False},
])
def test_completed_withdrawn_opted_out_and_deactivated_get_nothing(change):
    f = facts(due_at=NOW - DAY, last_activity_at=NOW - 60 * DAY, **change)
    assert due_reminders(f, NOW, INACTIVITY) == []


def test_still_applies_at_send_time():
    f = facts(due_at=NOW + 5 * DAY)
    key = period_key("deadline_7d", f)
    assert still_applies("deadline_7d", key, f)
    assert not still_applies("deadline_7d", key, facts(due_at=NOW + 9 * DAY))  # deadline moved
    assert not still_applies("deadline_7d", key, facts(due_at=NOW + 5 * DAY, opted_out=True))
    assert not still_applies("deadline_7d", key, facts(due_at=NOW + 5 * DAY, status="completed"))
    idle = facts(last_activity_at=NOW - 20 * DAY)
    assert still_applies("inactivity", period_key("inactivity", idle), idle)
    assert not still_applies("inactivity", period_key("inactivity", idle), facts(last_activity_at=NOW))
    confirmation_key = period_key("enrolment_confirmation", f)
    assert confirmation_key == f.enrolled_at.date().isoformat()
    assert still_applies("enrolment_confirmation", confirmation_key, f)
    with pytest.raises(ValueError):
        period_key("birthday", f)


def test_sweep_cutoffs_cover_every_kind():
    due_before, inactive_before = sweep_cutoffs(NOW, INACTIVITY)
    assert due_before == NOW + 7 * DAY and inactive_before == NOW - 14 * DAY
