"""The database side of certificate expiry notices (rules: lms.reminders.expiry): which
completions may be due, in batches, recorded in the reminder log like every reminder."""
from flask import current_app
from sqlalchemy import and_, exists, literal, or_, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.compliance.models import JobAssignment, JobProfile, Requirement
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.reminders import expiry


def leads():
    return expiry.parse_days(current_app.config["EXPIRY_REMINDER_DAYS"])


def required_clause(user_id, course_id):
    """SQL: the person holds a live job assignment to a profile with a live requirement for
    the course (what makes expiry notices mandatory)."""
    return exists(
        select(literal(1))
        .select_from(JobAssignment)
        .join(JobProfile, JobProfile.id == JobAssignment.profile_id)
        .join(Requirement, Requirement.profile_id == JobProfile.id)
        .where(JobAssignment.user_id == user_id, JobAssignment.removed_at.is_(None),
               Requirement.course_id == course_id, Requirement.removed_at.is_(None))
    )


def _renewed_clause():
    later = aliased(Enrolment)
    return exists().where(later.user_id == Enrolment.user_id, later.course_id == Enrolment.course_id,
                          later.id != Enrolment.id, later.status == "completed",
                          later.completed_at > Enrolment.completed_at)


def _revoked_clause():
    issued = aliased(Certificate)
    return and_(
        exists().where(Certificate.enrolment_id == Enrolment.id, Certificate.status == "revoked"),
        ~exists().where(issued.enrolment_id == Enrolment.id, issued.status == "issued"),
    )


def _facts_query():
    required = required_clause(Enrolment.user_id, Enrolment.course_id)
    return (
        select(Enrolment.id, Enrolment.valid_until, User.is_active_account, User.reminders_opt_out,
               required.label("required"), _renewed_clause().label("renewed"),
               _revoked_clause().label("revoked"))
        .join(User, User.id == Enrolment.user_id)
    )


def _facts(row):
    return expiry.CertificateFacts(
        enrolment_id=row[0], valid_until=row[1], account_active=bool(row[2]), opted_out=bool(row[3]),
        required=bool(row[4]), renewed=bool(row[5]), revoked=bool(row[6]),
    )


def candidates(now, after_id, limit):
    """The next batch of completions that may be due a notice, by id: validity ending within
    the widest lead or lapsed within the grace, active holders, opted in or required."""
    lapsed_after, expires_before = expiry.sweep_bounds(now, leads())
    query = _facts_query().where(
        Enrolment.id > after_id,
        Enrolment.status == "completed",
        Enrolment.valid_until > lapsed_after,
        Enrolment.valid_until <= expires_before,
        User.is_active_account.is_(True),
        or_(User.reminders_opt_out.is_(False), required_clause(Enrolment.user_id, Enrolment.course_id)),
    ).order_by(Enrolment.id).limit(limit)
    return [_facts(row) for row in db.session.execute(query)]


def facts_for(enrolment_id):
    """The :class:`~lms.reminders.expiry.CertificateFacts` of one completion (at send time)."""
    row = db.session.execute(_facts_query().where(Enrolment.id == enrolment_id)).first()
    return _facts(row) if row is not None else None


def record_due(now, batch_size, recorded_between, insert_logs, enqueue_after_commit):
    """Record the expiry notices due at ``now`` batch by batch (each committed before its
    send tasks are enqueued), through the reminder services' own helpers.

    :return: (rows recorded, batches)
    """
    lead_days = leads()
    recorded = batches = after_id = 0
    while True:
        batch = candidates(now, after_id, batch_size)
        if not batch:
            return recorded, batches
        batches += 1
        first_id, after_id = batch[0].enrolment_id, batch[-1].enrolment_id
        already = recorded_between(first_id, after_id)
        due = [
            notice
            for facts in batch
            for notice in expiry.due_notices(facts, now, lead_days, already.get(facts.enrolment_id, frozenset()))
        ]
        ids = insert_logs(due, now)
        enqueue_after_commit(ids)
        db.session.commit()
        recorded += len(ids)
