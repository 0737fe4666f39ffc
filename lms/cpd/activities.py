"""External activities (a congress, a workshop) a learner claims credits for, with an evidence
file; their organisation's admin approves (the ledger entry is written) or rejects them with a
reason. Services flush, never commit; every change leaves an audit event."""
import logging
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.authoring import filetypes
from lms.authoring.uploads import checked_upload
from lms.cpd import ledger, rules
from lms.cpd.errors import AlreadyDecided, Invalid
from lms.cpd.models import ExternalActivity
from lms.extensions import db
from lms.policy import Forbidden, can
from lms.storage import store_incoming
from lms.timeutil import utcnow

log = logging.getLogger(__name__)

EVIDENCE_TYPES = (filetypes.PDF, filetypes.PNG, filetypes.JPEG)
REASON_MAX_LENGTH = 1000


def latest_today():
    """Today where it is already latest (UTC+14): an activity dated today anywhere is not in
    the future, whatever the learner's time zone."""
    return (utcnow() + timedelta(hours=14)).date()


def _checked(title, provider, activity_date, credits_claimed, today):
    title, provider = (title or "").strip(), (provider or "").strip()
    if not title or len(title) > 200:
        raise Invalid(_l("Give the activity's title (at most 200 characters)."), "title")
    if not provider or len(provider) > 200:
        raise Invalid(_l("Give who provided the activity (at most 200 characters)."), "provider")
    if activity_date is None:
        raise Invalid(_l("Give the date of the activity."), "activity_date")
    if activity_date > (today or latest_today()):
        raise Invalid(_l("The activity's date is in the future. Claim credits once it has taken place."),
                      "activity_date")
    try:
        claimed = Decimal(credits_claimed) if credits_claimed is not None else None
    except (InvalidOperation, TypeError, ValueError):
        claimed = None
    if claimed is None or not claimed.is_finite() or claimed <= 0 or claimed > rules.MAX_ACTIVITY_CREDITS:
        raise Invalid(_l("Claim more than 0 and at most %(max)s credits.", max=rules.MAX_ACTIVITY_CREDITS),
                      "credits_claimed")
    if claimed != claimed.quantize(Decimal("0.01")):
        raise Invalid(_l("Give the number with at most two decimals."), "credits_claimed")
    return title, provider, claimed.quantize(Decimal("0.01"))


def submit_activity(actor, body, title, provider, activity_date, credits_claimed, stream, filename, today=None):
    """Claim credits with ``body`` for an external activity, with its evidence (PDF, PNG or
    JPEG, sniffed from its content like course material). Everything is checked before the
    file is kept: a refusal stores nothing.

    :raises Invalid: a field is missing or wrong (``field`` names it)
    :raises lms.authoring.uploads.UploadRefused: the evidence file is refused
    :return: the pending ExternalActivity
    """
    if not can(actor, "cpd.claim", actor):
        raise Forbidden("cpd.claim")
    title, provider, claimed = _checked(title, provider, activity_date, credits_claimed, today)
    with checked_upload(stream, filename, EVIDENCE_TYPES) as (incoming, content_type):
        stored, _created = store_incoming(incoming, filename, content_type)
    activity = ExternalActivity(
        user_id=actor.id, body_id=body.id, title=title, provider=provider, activity_date=activity_date,
        credits_claimed=claimed, evidence_file_id=stored.id, status="pending",
    )
    db.session.add(activity)
    db.session.flush()
    record_event("cpd.activity_submitted", activity, actor=actor, body_id=body.id,
                 credits_claimed=str(claimed), file_id=stored.id, sha256=stored.sha256)
    log.info("cpd activity submitted id=%s user_id=%s body_id=%s", activity.id, actor.id, body.id)
    return activity


def decide(actor, activity, approve, reason=None):
    """Approve (the ledger entry is written, rounded and capped like any other) or reject
    (``reason`` required) a pending activity.

    :raises Forbidden: ``actor`` does not administer the learner's organisation, or it is theirs
    :raises Invalid: a rejection without a reason
    :raises AlreadyDecided: it was decided already (perhaps by someone else meanwhile)
    """
    if not can(actor, "cpd.review", activity.user):
        raise Forbidden("cpd.review")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise Invalid(_l("Give a reason for rejecting the activity: the learner sees it."), "reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise Invalid(_l("The reason may be at most %(max)s characters long.", max=REASON_MAX_LENGTH), "reason")
    status = "approved" if approve else "rejected"
    # Only the decision that moves it from pending wins (two admins at once, a double post).
    won = db.session.execute(
        update(ExternalActivity).where(ExternalActivity.id == activity.id, ExternalActivity.status == "pending")
        .values(status=status, decided_at=utcnow(), decided_by_id=actor.id, decision_reason=reason or None)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        raise AlreadyDecided(_l("This activity was decided already."))
    db.session.refresh(activity)
    entry = ledger.credit_activity(activity, actor) if approve else None
    record_event(f"cpd.activity_{status}", activity, actor=actor, user_id=activity.user_id,
                 reason=reason or None, entry_id=entry.id if entry is not None else None)
    log.info("cpd activity %s id=%s actor_id=%s", status, activity.id, actor.id)
    return activity


def activities_of(user):
    return db.session.scalars(
        select(ExternalActivity).options(joinedload(ExternalActivity.body))
        .where(ExternalActivity.user_id == user.id)
        .order_by(ExternalActivity.activity_date.desc(), ExternalActivity.id.desc())
    ).all()


def pending_activities(organisation_id):
    """Activities waiting for a decision, oldest first; ``organisation_id`` None: everyone's
    (a site admin), else that organisation's people only."""
    query = (
        select(ExternalActivity).join(User, User.id == ExternalActivity.user_id)
        .options(joinedload(ExternalActivity.body), joinedload(ExternalActivity.user))
        .where(ExternalActivity.status == "pending")
        .order_by(ExternalActivity.submitted_at, ExternalActivity.id)
    )
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return db.session.scalars(query).all()
