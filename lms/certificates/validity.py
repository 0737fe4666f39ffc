"""Whether a certificate still counts: the one definition used by My learning, the training
record (page, PDF, CSV), the admin pages and the public verification page.

Nothing is stored: the status is derived from the certificate's own status and expiry date
and from whether the same person has since been issued a later certificate for the same
course (they recertified or retrained):

- ``revoked`` / ``pending``: the stored status says so;
- ``expired``: ``expires_at`` has passed (at the very instant, so it is expired on the day);
- ``superseded``: renewed by a later issued certificate, and not yet past its own expiry;
- ``expiring``: expires within CERT_EXPIRING_DAYS (default 60) days;
- ``valid``: otherwise (also a certificate that never expires).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import aliased

from lms.certificates.models import Certificate
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow

VALID = "valid"
EXPIRING = "expiring"
EXPIRED = "expired"
SUPERSEDED = "superseded"
REVOKED = "revoked"
PENDING = "pending"
STATUSES = (VALID, EXPIRING, EXPIRED, SUPERSEDED, REVOKED, PENDING)


@dataclass(frozen=True)
class Validity:
    status: str
    expires_at: datetime | None
    renewed: bool  # a later certificate of the same person and course was issued


def expiring_days():
    return current_app.config["CERT_EXPIRING_DAYS"]


def status_of(stored_status, expires_at, renewed, now, expiring_within):
    """The rule itself, without a database: see the module docstring.

    :param expiring_within: a timedelta (CERT_EXPIRING_DAYS)
    """
    if stored_status in (REVOKED, PENDING):
        return stored_status
    if expires_at is not None and expires_at <= now:
        return EXPIRED
    if renewed:
        return SUPERSEDED
    if expires_at is not None and expires_at <= now + expiring_within:
        return EXPIRING
    return VALID


def _newest_issued(pairs):
    """{(user_id, course_id): completed_at of the newest issued certificate} for ``pairs``."""
    if not pairs:
        return {}
    user_ids = {u for u, _c in pairs}
    course_ids = {c for _u, c in pairs}
    rows = db.session.execute(
        select(Enrolment.user_id, Enrolment.course_id, func.max(Certificate.completed_at))
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Certificate.status == "issued", Enrolment.user_id.in_(user_ids),
               Enrolment.course_id.in_(course_ids))
        .group_by(Enrolment.user_id, Enrolment.course_id)
    )
    return {(u, c): newest for u, c, newest in rows if (u, c) in pairs}


def validities(certs, now=None):
    """{certificate id: Validity} for many certificates in two queries whatever their number.

    :param certs: Certificate rows (their enrolments are loaded if not already)
    """
    certs = [c for c in certs if c is not None]
    if not certs:
        return {}
    now = now or utcnow()
    within = timedelta(days=expiring_days())
    enrolment_ids = {c.enrolment_id for c in certs}
    owner = {
        eid: (uid, cid) for eid, uid, cid in db.session.execute(
            select(Enrolment.id, Enrolment.user_id, Enrolment.course_id).where(Enrolment.id.in_(enrolment_ids))
        )
    }
    newest = _newest_issued(set(owner.values()))
    result = {}
    for cert in certs:
        latest = newest.get(owner.get(cert.enrolment_id))
        renewed = latest is not None and latest > cert.completed_at
        result[cert.id] = Validity(
            status_of(cert.status, cert.expires_at, renewed, now, within), cert.expires_at, renewed,
        )
    return result


def validity_of(cert, now=None):
    """The :class:`Validity` of one certificate (None for None)."""
    if cert is None:
        return None
    return validities([cert], now)[cert.id]


def renewed_clause():
    """SQL: a later issued certificate of the same person and course exists (for filters)."""
    later = aliased(Certificate)
    later_enrolment = aliased(Enrolment)
    own = aliased(Enrolment)
    return exists(
        select(later.id)
        .join(later_enrolment, later_enrolment.id == later.enrolment_id)
        .join(own, own.id == Certificate.enrolment_id)
        .where(later.status == "issued", later_enrolment.user_id == own.user_id,
               later_enrolment.course_id == own.course_id, later.completed_at > Certificate.completed_at)
    )


def status_clause(status, now=None):
    """SQL criteria on ``Certificate`` matching certificates of ``status`` (the admin list's
    filter), the same rule as :func:`status_of`."""
    now = now or utcnow()
    issued = Certificate.status == "issued"
    not_past = or_(Certificate.expires_at.is_(None), Certificate.expires_at > now)
    if status in (REVOKED, PENDING):
        return Certificate.status == status
    if status == EXPIRED:
        return and_(issued, Certificate.expires_at <= now)
    if status == SUPERSEDED:
        return and_(issued, not_past, renewed_clause())
    soon = now + timedelta(days=expiring_days())
    if status == EXPIRING:
        return and_(issued, Certificate.expires_at > now, Certificate.expires_at <= soon, not_(renewed_clause()))
    if status == VALID:
        return and_(issued, or_(Certificate.expires_at.is_(None), Certificate.expires_at > soon),
                    not_(renewed_clause()))
    raise ValueError(f"unknown validity status {status!r}")
