"""Sending one recorded reminder: at most once, retried with backoff when SMTP fails.

The log row is locked for the whole delivery (SELECT ... FOR UPDATE on PostgreSQL; on SQLite,
which has no row locks, a first write takes the database write lock), so a redelivered or
duplicated task waits, then finds the row sent and does nothing.
"""
import logging
import random
import smtplib

from flask import current_app
from sqlalchemy import select, update

from lms.extensions import db
from lms.mail import send_message
from lms.reminders import expiry, policy
from lms.reminders.emails import reminder_message
from lms.reminders.expiry_emails import expiry_message
from lms.reminders.expiry_sweep import facts_for
from lms.reminders.models import ReminderLog
from lms.timeutil import utcnow

log = logging.getLogger(__name__)

# What a failed SMTP conversation raises (refused connection, timeout, 4xx/5xx reply).
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def _locked(log_id):
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(ReminderLog).where(ReminderLog.id == log_id).values(attempts=ReminderLog.attempts)
        )
    return db.session.scalars(
        select(ReminderLog).where(ReminderLog.id == log_id)
        .with_for_update().execution_options(populate_existing=True)
    ).first()


def _facts(enrolment, user):
    return policy.EnrolmentFacts(
        enrolment_id=enrolment.id, status=enrolment.status, enrolled_at=enrolment.enrolled_at,
        due_at=enrolment.due_at, last_activity_at=enrolment.last_activity_at,
        account_active=user.is_active_account, opted_out=user.reminders_opt_out, source=enrolment.source,
    )


def deliver_reminder(log_id):
    """Send the reminder recorded as ``log_id`` unless it was sent already or no longer applies
    (opted out or deactivated since, enrolment completed or withdrawn, deadline moved, activity
    since; for a certificate expiry notice: renewed, revoked, or opted out of a course their
    job does not require). The caller commits.

    :return: "sent", "skipped", "missing", or the row's status when it was not pending
    :raises smtplib.SMTPException, OSError: when sending failed (nothing is marked sent)
    """
    reminder = _locked(log_id)
    if reminder is None:
        log.warning("reminder missing log_id=%s", log_id)
        return "missing"
    if reminder.status != "pending":
        log.info("reminder not sent again log_id=%s status=%s", log_id, reminder.status)
        return reminder.status
    enrolment = reminder.enrolment
    user = enrolment.user
    if expiry.is_expiry_kind(reminder.kind):
        facts = facts_for(enrolment.id)
        applies = facts is not None and expiry.still_applies(reminder.period_key, facts)
    else:
        applies = policy.still_applies(reminder.kind, reminder.period_key, _facts(enrolment, user))
    if not applies:
        reminder.status = "skipped"
        log.info("reminder skipped log_id=%s kind=%s enrolment_id=%s", log_id, reminder.kind, enrolment.id)
        return "skipped"
    if expiry.is_expiry_kind(reminder.kind):
        message = expiry_message(reminder, enrolment, user, mandatory=facts.required)
    else:
        message = reminder_message(reminder, enrolment, user)
    send_message(message)
    reminder.status = "sent"
    reminder.sent_at = utcnow()
    reminder.attempts += 1  # last_error, if any, stays: why it took more than one attempt
    log.info("reminder sent log_id=%s kind=%s enrolment_id=%s user_id=%s attempt=%s",
             log_id, reminder.kind, enrolment.id, user.id, reminder.attempts)
    return "sent"


def retry_delay(attempts):
    """Seconds before the next attempt after ``attempts`` failures: exponential, with jitter."""
    base = current_app.config["REMINDER_RETRY_BASE_SECONDS"]
    return base * 2 ** (attempts - 1) * random.uniform(0.8, 1.2)


def record_failed_attempt(log_id, error):
    """Count a failed send. The caller commits.

    :return: seconds to wait before the next attempt, or None when there is none (the row has
        now failed for good after REMINDER_MAX_ATTEMPTS attempts, or is not pending any more)
    """
    reminder = _locked(log_id)
    if reminder is None or reminder.status != "pending":
        return None
    reminder.attempts += 1
    reminder.last_error = f"{type(error).__name__}: {error}"[:2000]
    if reminder.attempts >= current_app.config["REMINDER_MAX_ATTEMPTS"]:
        reminder.status = "failed"
        reminder.failed_at = utcnow()
        log.error("reminder failed for good log_id=%s kind=%s enrolment_id=%s attempts=%s error=%s",
                  log_id, reminder.kind, reminder.enrolment_id, reminder.attempts, reminder.last_error)
        return None
    delay = retry_delay(reminder.attempts)
    log.warning("reminder send failed log_id=%s attempt=%s retry_in=%.0fs error=%s",
                log_id, reminder.attempts, delay, reminder.last_error)
    return delay
