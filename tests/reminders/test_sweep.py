"""The sweep against the real database (SQLite and PostgreSQL runs): each reminder recorded
once, in batches, also when two sweeps run at once; enrolment confirmations after commit."""
import threading
from datetime import timedelta

from sqlalchemy import func, select

from lms.enrolments import services as enrolments
from lms.extensions import db
from lms.reminders import services
from lms.reminders.models import ReminderLog
from tests.factories import create_course, create_user
from tests.reminders.helpers import DAY, logs, now, situation


def test_each_kind_is_recorded_once_and_a_second_sweep_records_nothing(app):
    at = now()
    course = create_course()
    week = situation(at, course, due_in=5 * DAY)
    day = situation(at, course, due_in=timedelta(hours=12))
    late = situation(at, course, due_in=-3 * DAY)
    idle = situation(at, course, idle=20 * DAY)
    situation(at, course, due_in=30 * DAY)                                   # nothing due
    situation(at, course, due_in=-3 * DAY, idle=30 * DAY, status="completed")
    situation(at, course, due_in=-3 * DAY, status="withdrawn")
    situation(at, course, due_in=-3 * DAY, idle=30 * DAY, opted_out=True)
    situation(at, course, due_in=-3 * DAY, idle=30 * DAY, active=False)
    enqueued = []

    result = services.run_sweep(at, enqueue=enqueued.extend)

    recorded = {(log.enrolment_id, log.kind, log.period_key) for log in logs()}
    assert recorded == {
        (week.id, "deadline_7d", week.due_at.date().isoformat()),
        (day.id, "deadline_1d", day.due_at.date().isoformat()),
        (late.id, "overdue", late.due_at.date().isoformat()),
        (idle.id, "inactivity", idle.last_activity_at.date().isoformat()),
    }
    assert result.recorded == 4
    assert sorted(enqueued) == sorted(log.id for log in logs())
    assert {log.status for log in logs()} == {"pending"}

    again = services.run_sweep(at + timedelta(minutes=5), enqueue=enqueued.extend)
    assert again.recorded == 0 and len(enqueued) == 4 and len(logs()) == 4

    # A day later the 12-hour deadline has passed: only its overdue reminder is new.
    later = services.run_sweep(at + DAY, enqueue=enqueued.extend)
    assert later.recorded == 1
    assert (logs()[-1].enrolment_id, logs()[-1].kind) == (day.id, "overdue")


def test_the_sweep_pages_through_enrolments_in_batches(app):
    app.config["REMINDER_BATCH_SIZE"] = 2
    at = now()
    course = create_course()
    overdue = [situation(at, course, due_in=-DAY) for _ in range(5)]
    for _ in range(3):
        situation(at, course, due_in=60 * DAY)  # not candidates: never loaded
    enqueued = []
    result = services.run_sweep(at, enqueue=enqueued.extend)
    assert result.batches == 3 and result.recorded == 5
    assert sorted(log.enrolment_id for log in logs()) == [e.id for e in overdue]


def test_two_sweeps_at_once_record_each_reminder_once(app):
    app.config["REMINDER_BATCH_SIZE"] = 3
    at = now()
    course = create_course()
    enrolments_due = [situation(at, course, due_in=-DAY, idle=30 * DAY) for _ in range(12)]
    barrier = threading.Barrier(2)
    results, enqueued, errors = [], [], []
    lock = threading.Lock()

    def collect(ids):
        with lock:
            enqueued.extend(ids)

    def sweep():
        try:
            with app.app_context():
                barrier.wait(10)
                results.append(services.run_sweep(at, enqueue=collect))
                db.session.remove()
        except Exception as exc:  # surfaced by the assertions below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    # 12 overdue and 12 inactivity reminders, recorded once between the two sweeps.
    assert sum(r.recorded for r in results) == 24
    assert len(logs()) == 24
    assert sorted(enqueued) == sorted(log.id for log in logs())  # each send enqueued once
    keys = [(log.enrolment_id, log.kind) for log in logs()]
    assert len(set(keys)) == 24 and {e for e, _k in keys} == {e.id for e in enrolments_due}


def test_rows_left_pending_are_enqueued_again_by_a_later_sweep(app):
    at = now()
    enrolment = situation(at, due_in=-DAY)
    services.run_sweep(at, enqueue=lambda ids: None)  # the tasks are "lost"
    [pending] = logs()
    enqueued = []
    soon = services.run_sweep(at + timedelta(minutes=5), enqueue=enqueued.extend)
    assert soon.requeued == 0 and enqueued == []
    later = at + timedelta(seconds=app.config["REMINDER_REQUEUE_AFTER_SECONDS"] + 60)
    result = services.run_sweep(later, enqueue=enqueued.extend)
    assert result.requeued == 1 and result.recorded == 0 and enqueued == [pending.id]
    pending.status = "sent"
    db.session.commit()
    enqueued.clear()
    assert services.run_sweep(later, enqueue=enqueued.extend).requeued == 0 and enqueued == []
    assert enrolment.id == pending.enrolment_id


def test_enrolling_records_a_confirmation_enqueued_only_after_commit(app, monkeypatch):
    enqueued = []
    monkeypatch.setattr(services, "enqueue_reminders", enqueued.extend)
    learner = create_user()
    course = create_course()
    enrolment, created = enrolments.enrol(learner, course)
    assert created and enqueued == []  # not before the commit
    db.session.commit()
    [confirmation] = logs(kinds=("enrolment_confirmation",))
    assert enqueued == [confirmation.id]
    assert (confirmation.enrolment_id, confirmation.period_key) == (
        enrolment.id, enrolment.enrolled_at.date().isoformat())
    # Enrolling again records nothing more.
    assert enrolments.enrol(learner, course) == (enrolment, False)
    db.session.commit()
    assert enqueued == [confirmation.id]

    # A rolled-back enrolment sends nothing.
    other = create_user()
    enrolments.enrol(other, course)
    db.session.rollback()
    assert enqueued == [confirmation.id]
    assert db.session.scalar(select(func.count()).select_from(ReminderLog)) == 1
