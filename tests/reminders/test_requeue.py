"""The sweep enqueues again only the sends that have waited REMINDER_REQUEUE_AFTER_SECONDS
since they were last enqueued (recorded, requeued, or sent again by an admin: queued_at), and
the failed-reminders page shows when each reminder failed for good (failed_at)."""
import re
import smtplib
import threading
from datetime import timedelta, timezone

import pytest
from babel.dates import format_datetime

from lms.extensions import db
from lms.reminders import delivery, services
from lms.reminders.models import ReminderLog
from lms.timeutil import utcnow
from tests.reminders.helpers import DAY, now, situation
from tests.reminders.test_resend import PAGE, admin_login, failed_reminder, reload, resend


def requeue_after(app):
    return timedelta(seconds=app.config["REMINDER_REQUEUE_AFTER_SECONDS"])


def sweep(at=None):
    """A sweep at ``at`` (default: now): (its result, the ids it enqueued)."""
    enqueued = []
    result = services.run_sweep(at, enqueue=enqueued.extend)
    return result, enqueued


# --------------------------------------------------------------------------- sent again


def resend_from_the_page(app, row):
    assert resend(admin_login(app), row.id).status_code == 302


def resend_all_from_the_page(app, row):
    assert resend(admin_login(app)).status_code == 302


def resend_from_the_cli(app, row):
    result = app.test_cli_runner().invoke(args=["lms", "reminders-resend-failed", "--id", str(row.id)])
    assert result.exit_code == 0 and "1 failed reminder queued" in result.output, result.output


@pytest.mark.parametrize("send_again", [resend_from_the_page, resend_all_from_the_page, resend_from_the_cli])
def test_a_reminder_sent_again_is_not_requeued_until_it_has_waited(app, monkeypatch, send_again):
    row = failed_reminder()
    # Recorded (and first queued) a day ago: long past REMINDER_REQUEUE_AFTER_SECONDS.
    row.created_at = row.queued_at = now() - DAY
    db.session.commit()
    queued = []
    monkeypatch.setattr(services, "enqueue_reminders", queued.extend)

    before = utcnow()
    send_again(app, row)
    assert queued == [row.id]  # its send task, once the resend committed
    row = reload(row)
    assert row.status == "pending" and before <= row.queued_at <= utcnow()
    resent_at = row.queued_at

    # The hourly sweep right after: that task may be waiting in its retry backoff; the sweep
    # leaves the row to it.
    result, enqueued = sweep()
    assert result.requeued == 0 and enqueued == []
    result, enqueued = sweep(resent_at + requeue_after(app) - timedelta(seconds=1))
    assert result.requeued == 0 and enqueued == []
    assert reload(row).queued_at == resent_at

    # Still pending once REMINDER_REQUEUE_AFTER_SECONDS have passed since the resend: the task
    # was lost, so the sweep enqueues it again, once.
    later = resent_at + requeue_after(app) + timedelta(seconds=1)
    result, enqueued = sweep(later)
    assert result.requeued == 1 and result.recorded == 0 and enqueued == [row.id]
    assert reload(row).queued_at == later
    assert queued == [row.id]  # nothing more through the default enqueue either


# --------------------------------------------------------------------------- the sweep itself


def test_a_requeued_row_waits_again_before_the_next_requeue(app):
    at = now()
    situation(at, due_in=-DAY)
    result, enqueued = sweep(at)
    [log_id] = enqueued  # the task is "lost"
    row = db.session.get(ReminderLog, log_id)
    assert row.queued_at == row.created_at == at

    first = at + requeue_after(app) + timedelta(seconds=1)
    assert sweep(first) == (services.SweepResult(recorded=0, requeued=1, batches=1), [log_id])
    assert reload(row).queued_at == first
    # An hour-ish sweep that comes round sooner than that again finds nothing to requeue.
    assert sweep(first + timedelta(minutes=5))[0].requeued == 0
    second = first + requeue_after(app) + timedelta(seconds=1)
    assert sweep(second)[1] == [log_id]


def test_rows_recorded_before_queued_at_existed_count_from_created_at(app):
    at = now()
    situation(at, due_in=-DAY)
    [log_id] = sweep(at)[1]
    row = db.session.get(ReminderLog, log_id)
    row.queued_at = None  # as the migration leaves existing rows
    db.session.commit()
    assert sweep(at + timedelta(minutes=5))[0].requeued == 0
    later = at + requeue_after(app) + timedelta(seconds=1)
    assert sweep(later)[1] == [log_id]
    assert reload(row).queued_at == later


def swept_overdue_learners(at, count):
    """``count`` learners overdue in one course, swept at ``at``: their reminders' ids, sorted."""
    course = situation(at, due_in=-DAY).course
    for _ in range(count - 1):
        situation(at, course, due_in=-DAY)
    return sorted(sweep(at)[1])


def test_only_pending_rows_are_requeued_in_batches(app):
    app.config["REMINDER_BATCH_SIZE"] = 2
    at = now()
    ids = swept_overdue_learners(at, 5)
    assert len(ids) == 5
    for log_id, status in zip(ids[:2], ("sent", "failed")):
        db.session.get(ReminderLog, log_id).status = status
    db.session.commit()
    result, enqueued = sweep(at + requeue_after(app) + timedelta(seconds=1))
    assert result.requeued == 3 and sorted(enqueued) == ids[2:]


def test_two_sweeps_at_once_requeue_each_row_once(app):
    app.config["REMINDER_BATCH_SIZE"] = 3
    at = now()
    ids = swept_overdue_learners(at, 12)
    later = at + requeue_after(app) + timedelta(seconds=1)
    barrier = threading.Barrier(2)
    results, enqueued, errors = [], [], []
    lock = threading.Lock()

    def collect(log_ids):
        with lock:
            enqueued.extend(log_ids)

    def run():
        try:
            with app.app_context():
                barrier.wait(10)
                results.append(services.run_sweep(later, enqueue=collect))
                db.session.remove()
        except Exception as exc:  # surfaced by the assertions below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.requeued for r in results) == 12
    assert sorted(enqueued) == ids  # each send enqueued again once between the two sweeps


# --------------------------------------------------------------------------- failed at


def failing_attempt(log_id):
    error = smtplib.SMTPRecipientsRefused({"kari@example.test": (451, b"4.2.1 Mailbox busy")})
    retry_in = delivery.record_failed_attempt(log_id, error)
    db.session.commit()
    return retry_in


def in_the_page(body, row):
    """The cells of the row's line on the failed-reminders page."""
    line = re.search(rf'<tr id="reminder-{row.id}">(.*?)</tr>', body, re.S).group(1)
    return [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", line, re.S)]


def test_the_failed_page_shows_when_each_reminder_failed_for_good(app):
    at = now()
    situation(at, due_in=-DAY, name="Kari Nordmann")
    [log_id] = sweep(at)[1]
    assert failing_attempt(log_id) is not None  # attempt 1: retried later, not failed yet
    assert reload(db.session.get(ReminderLog, log_id)).failed_at is None

    row = db.session.get(ReminderLog, log_id)
    row.attempts = app.config["REMINDER_MAX_ATTEMPTS"] - 1
    db.session.commit()
    before = utcnow()
    assert failing_attempt(log_id) is None  # the last attempt: failed for good
    row = reload(row)
    assert row.status == "failed" and before <= row.failed_at <= utcnow()

    old = failed_reminder(name="Olav Old")  # failed before failed_at existed
    assert old.failed_at is None

    body = admin_login(app).get(PAGE).get_data(as_text=True)
    assert '<th scope="col">Failed at</th>' in body
    failed_at = format_datetime(row.failed_at, "medium", tzinfo=timezone.utc, locale="en")
    recorded = format_datetime(row.created_at, "medium", tzinfo=timezone.utc, locale="en")
    # Learner (a th), course, reminder, attempts, last error, recorded, failed at, action.
    cells = in_the_page(body, row)
    assert cells[4:6] == [recorded, failed_at]
    assert in_the_page(body, old)[5] == ""  # nothing shown, not an error
