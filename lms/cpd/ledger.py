"""The CPD ledger: entries written when a certificate is issued (one per body the course
carries credits with, in the certificate's own transaction), voided when it is revoked and
credited again when it is reissued; entries of approved external activities; and reading a
person's ledger.

Exactly once rests on the unique (body, enrolment) and (body, activity) pairs: a second run
finds the entry and leaves it. The daily cap needs the day's other entries, so the learner's
row is locked first (PostgreSQL: FOR UPDATE; SQLite already holds its write lock here).
"""
import logging
from dataclasses import dataclass, field
from datetime import timezone
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.cpd import rules
from lms.cpd.models import AccreditingBody, CourseCredit, CreditEntry, LearnerRegistration
from lms.extensions import db
from lms.policy import Forbidden, can

log = logging.getLogger(__name__)


def completion_day(enrolment):
    """The day a completion counts for: its date where the learner's organisation is
    (Organisation.timezone; UTC when unset or unknown), so a course finished at 00:30 in
    Riga counts for that day, not the day before in UTC."""
    organisation = enrolment.user.organisation
    zone = timezone.utc
    if organisation is not None and organisation.timezone:
        try:
            zone = ZoneInfo(organisation.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return enrolment.completed_at.astimezone(zone).date()


def _lock_learner(user_id):
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def credited_on(user_id, body_id, day, excluding=None):
    """What ``user_id`` already has credited with the body on ``day`` (for its daily cap)."""
    query = select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
        CreditEntry.user_id == user_id, CreditEntry.body_id == body_id, CreditEntry.earned_on == day,
        CreditEntry.status == "credited")
    if excluding is not None:
        query = query.where(CreditEntry.id != excluding)
    return Decimal(db.session.scalar(query))


def _amount(body, user_id, day, claimed, excluding=None):
    return rules.credited(claimed, body.rounding_step, body.daily_cap,
                          credited_on(user_id, body.id, day, excluding))


def _add_entry(entry):
    """Insert ``entry``; False when another run wrote the same one meanwhile."""
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        return False
    return True


def credit_certificate(cert):
    """Write the ledger entries of a certificate just issued (or reissued), in the caller's
    transaction: one per body its course carries credits with, dated the day of completion (where the learner's organisation is).
    An entry voided by a revocation is credited again under the new certificate; one that
    stands already is left alone (safe to call again).

    :return: the entries written or credited again
    """
    enrolment = cert.enrolment
    credits = db.session.scalars(
        select(CourseCredit).options(joinedload(CourseCredit.body))
        .where(CourseCredit.course_id == enrolment.course_id).order_by(CourseCredit.body_id)
    ).all()
    if not credits:
        return []
    user_id = enrolment.user_id
    _lock_learner(user_id)
    day = completion_day(enrolment)
    existing = {entry.body_id: entry for entry in db.session.scalars(
        select(CreditEntry).where(CreditEntry.enrolment_id == enrolment.id))}
    written = []
    for credit in credits:
        body, entry = credit.body, existing.get(credit.body_id)
        if entry is not None and entry.status == "credited":
            continue  # exactly once
        if entry is not None:  # voided with a revoked certificate: credit it again
            entry.claimed = credit.amount
            entry.amount = _amount(body, user_id, entry.earned_on, credit.amount, excluding=entry.id)
            entry.certificate_id, entry.status, entry.title = cert.id, "credited", cert.course_title
            db.session.flush()
            record_event("cpd.entry_recredited", entry, body_id=body.id, certificate_id=cert.id,
                         amount=str(entry.amount))
            written.append(entry)
            continue
        entry = CreditEntry(
            user_id=user_id, body_id=body.id, source="certificate", enrolment_id=enrolment.id,
            certificate_id=cert.id, title=cert.course_title, earned_on=day, claimed=credit.amount,
            amount=_amount(body, user_id, day, credit.amount), status="credited",
        )
        if not _add_entry(entry):
            log.info("ledger entry written meanwhile body_id=%s enrolment_id=%s", body.id, enrolment.id)
            continue
        record_event("cpd.entry_credited", entry, body_id=body.id, certificate_id=cert.id,
                     claimed=str(entry.claimed), amount=str(entry.amount))
        written.append(entry)
    log.info("ledger credited certificate_id=%s entries=%s", cert.id, len(written))
    return written


def void_certificate(cert, actor=None):
    """The certificate was revoked: its entries no longer count (they stay, marked void)."""
    entries = db.session.scalars(
        select(CreditEntry).where(CreditEntry.certificate_id == cert.id, CreditEntry.status == "credited")
    ).all()
    for entry in entries:
        entry.status = "void"
        record_event("cpd.entry_voided", entry, actor=actor, body_id=entry.body_id, certificate_id=cert.id)
    db.session.flush()
    return entries


def credit_activity(activity, actor):
    """Write the entry of an approved external activity (caller: activities.decide)."""
    _lock_learner(activity.user_id)
    body = activity.body
    entry = CreditEntry(
        user_id=activity.user_id, body_id=body.id, source="external", activity_id=activity.id,
        title=activity.title, earned_on=activity.activity_date, claimed=activity.credits_claimed,
        amount=_amount(body, activity.user_id, activity.activity_date, activity.credits_claimed),
        status="credited",
    )
    if not _add_entry(entry):
        return None
    record_event("cpd.entry_credited", entry, actor=actor, body_id=body.id, activity_id=activity.id,
                 claimed=str(entry.claimed), amount=str(entry.amount))
    return entry


# --------------------------------------------------------------------- reading


@dataclass
class BodyLedger:
    """One body's part of a person's ledger."""

    body: AccreditingBody
    registration: LearnerRegistration | None
    entries: list = field(default_factory=list)

    @property
    def total(self):
        return sum((e.amount for e in self.entries if e.status == "credited"), Decimal(0))


def ledger_of(viewer, person):
    """``person``'s ledger per body, newest entries first: every body they hold entries or a
    registration number with.

    :raises Forbidden: ``viewer`` is neither ``person`` nor an administrator of their organisation
    """
    if not can(viewer, "cpd.view_ledger", person):
        raise Forbidden("cpd.view_ledger")
    entries = db.session.scalars(
        select(CreditEntry).options(joinedload(CreditEntry.certificate), joinedload(CreditEntry.activity))
        .where(CreditEntry.user_id == person.id)
        .order_by(CreditEntry.earned_on.desc(), CreditEntry.id.desc())
    ).all()
    registrations = {r.body_id: r for r in db.session.scalars(
        select(LearnerRegistration).where(LearnerRegistration.user_id == person.id))}
    body_ids = {e.body_id for e in entries} | set(registrations)
    if not body_ids:
        return []
    bodies = db.session.scalars(
        select(AccreditingBody).where(AccreditingBody.id.in_(body_ids)).order_by(AccreditingBody.name)).all()
    ledgers = {b.id: BodyLedger(b, registrations.get(b.id)) for b in bodies}
    for entry in entries:
        ledgers[entry.body_id].entries.append(entry)
    return list(ledgers.values())
