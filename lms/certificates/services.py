"""Certificates: issue on completion (exactly once), revoke, reissue, and the learner's email.

Exactly once rests on the unique (enrolment, sequence) pair: issuing first *claims* the
sequence-1 row (status pending, code fixed) in its own committed transaction, then renders the
PDF and marks the row issued. A worker killed in between leaves the claim; the redelivered
task finds it and finishes it under the same code, and the PDF is written under that code by
an atomic rename, so a second writer (a duplicate run) only replaces it with the same bytes.
"""
import hashlib
import logging
import os
import re
import tempfile
import time
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms.policy import Forbidden, can
from lms.audit import reasons
from lms.audit.reasons import required_reason
from lms.audit.services import record_event
from lms.certificates import hooks, validity
from lms.certificates.codes import CODE_RE, new_code, normalise_code
from lms.certificates.models import Certificate
from lms.courses.models import Course
from lms.cpd import ledger
from lms.enrolments.models import Enrolment
from lms.extensions import babel, db
from lms.mail import external_url
from lms.timeutil import add_months, utcnow

log = logging.getLogger(__name__)


class CertificateError(Exception):
    """A refused certificate action; ``message`` says why, for the user."""

    status = 409

    def __init__(self, message):
        super().__init__(message)
        self.message = message  # lazily translated: str() it where the locale is known


class MissingReason(CertificateError):
    status = 422


class CannotRevoke(CertificateError):
    pass


class CannotReissue(CertificateError):
    pass


# --------------------------------------------------------------------------- lookups


def certificate_by_code(code):
    code = normalise_code(code)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def latest_certificate(enrolment_id):
    return db.session.scalar(
        select(Certificate).where(Certificate.enrolment_id == enrolment_id)
        .order_by(Certificate.sequence.desc()).limit(1)
    )


def latest_for_enrolments(enrolment_ids):
    """{enrolment_id: its latest Certificate} for those that have one."""
    if not enrolment_ids:
        return {}
    newest = (
        select(Certificate.enrolment_id, func.max(Certificate.sequence).label("sequence"))
        .where(Certificate.enrolment_id.in_(list(enrolment_ids)))
        .group_by(Certificate.enrolment_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(Certificate).join(
            newest,
            (Certificate.enrolment_id == newest.c.enrolment_id) & (Certificate.sequence == newest.c.sequence),
        )
    )
    return {cert.enrolment_id: cert for cert in rows}


def search_certificates(status=None, text=None, now=None):
    """The admin list's query, newest first: by validity status (lms.certificates.validity;
    "issued", the older filter, is every issued certificate not expired) and by code prefix
    or learner name."""
    query = select(Certificate).order_by(Certificate.created_at.desc(), Certificate.id.desc())
    if status == "issued":  # the list's older filter: issued and not expired yet
        now = now or utcnow()
        query = query.where(Certificate.status == "issued",
                            (Certificate.expires_at.is_(None)) | (Certificate.expires_at > now))
    elif status in validity.STATUSES:
        query = query.where(validity.status_clause(status, now))
    text = (text or "").strip()
    if text:
        code = re.sub(r"[\s-]", "", text).upper() or text
        query = query.where(Certificate.code.startswith(code, autoescape=True)
                            | Certificate.learner_name.icontains(text, autoescape=True))
    return query


def verification_state(cert, now=None):
    """What the public page says: a status of lms.certificates.validity ("valid",
    "expiring", "expired", "superseded", "revoked"), or "not_found" (a pending certificate
    has not been handed to anyone yet)."""
    if cert is None or cert.status == "pending":
        return "not_found"
    return validity.validity_of(cert, now).status


def verify_path(code):
    return f"/verify/{code}"


def verify_url(code):
    return external_url(verify_path(code))


def download_path(code):
    return f"/certificates/{code}.pdf"


def pdf_path(code):
    """Where a certificate's PDF lives: CERTIFICATE_DIR/<code>.pdf (codes are [A-Z2-7] only)."""
    if not CODE_RE.match(code):
        raise ValueError("not a certificate code")
    return Path(current_app.config["CERTIFICATE_DIR"]) / f"{code}.pdf"


# --------------------------------------------------------------------------- helpers


def _snapshot(enrolment):
    """What the certificate states, copied so it stays true when the course or name changes."""
    from lms.course_languages.learning import course_title_in, reading_language

    course = enrolment.course
    validity = course.validity_months
    # The language it was taken in, and the course's title in it (its published translation's).
    language = reading_language(enrolment)
    return {
        "learner_name": enrolment.user.name,
        "course_title": course_title_in(enrolment, language),
        "version_number": enrolment.version.number,
        "cpd_hours": course.cpd_hours,
        "completed_at": enrolment.completed_at,
        "organisation_name": course.organisation.name,
        "course_language": language,
        # valid_until was fixed at completion (lms.progress.services.complete_if_done)
        "expires_at": enrolment.valid_until or (add_months(enrolment.completed_at, validity) if validity else None),
    }


def _require_manage(actor):
    """Admins only; ``actor`` None is the system operator (the `flask lms` CLI)."""
    if actor is not None and not can(actor, "certificate.manage"):
        raise Forbidden("certificate.manage")


def lock_certificate(cert_id, write=False, with_learner=False):
    """The certificate, re-read under a row lock (PostgreSQL: FOR UPDATE) held to commit.
    SQLite has no row locks: with ``write`` a no-op UPDATE takes its database write lock.
    ``with_learner`` loads its enrolment and learner in the same query (unlocked)."""
    if write and db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(Certificate).where(Certificate.id == cert_id).values(status=Certificate.status)
            .execution_options(synchronize_session=False)
        )
    query = select(Certificate).where(Certificate.id == cert_id)
    if with_learner:
        query = query.options(
            joinedload(Certificate.enrolment, innerjoin=True).joinedload(Enrolment.user, innerjoin=True)
        )
    return db.session.execute(
        query.with_for_update(of=Certificate).execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()


def write_pdf(code, data):
    """Store ``data`` as the certificate's PDF: a temp file in the same directory, fsynced,
    then renamed over the final name, so a reader (or a killed worker) never leaves or sees a
    half file under that name. Idempotent: writing the same bytes again changes nothing.

    :return: the SHA-256 of ``data``
    """
    target = pdf_path(code)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{code}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return hashlib.sha256(data).hexdigest()


def text_locale(locale):
    """The learner's language where our texts are translated into it, else English, so a
    certificate or email never mixes English sentences with, say, Lithuanian dates."""
    translated = {str(item) for item in babel.list_translations()}
    return locale if locale in translated else "en"


def _render_and_store(cert):
    from lms.certificates.pdf import render_certificate  # ReportLab loads only where needed

    data = render_certificate(cert, verify_url(cert.code), locale=text_locale(cert.enrolment.user.locale))
    return write_pdf(cert.code, data)


# --------------------------------------------------------------------------- issuing


def _claim(enrolment_id):
    """The enrolment's certificate: the existing one, or a new pending sequence-1 row."""
    enrolment = db.session.get(Enrolment, enrolment_id, options=[
        joinedload(Enrolment.user), joinedload(Enrolment.version),
        joinedload(Enrolment.course).joinedload(Course.organisation),
    ])
    if enrolment is None or enrolment.status != "completed" or enrolment.completed_at is None:
        log.warning("certificate not issued enrolment_id=%s: not a completed enrolment", enrolment_id)
        return None
    existing = latest_certificate(enrolment_id)
    if existing is not None:
        return existing
    cert = Certificate(enrolment_id=enrolment_id, sequence=1, code=new_code(), status="pending",
                       **_snapshot(enrolment))
    try:
        with db.session.begin_nested():
            db.session.add(cert)
    except IntegrityError:
        # A concurrent run claimed it first: the unique (enrolment, sequence) keeps theirs.
        existing = latest_certificate(enrolment_id)
        if existing is None:
            raise
        log.info("certificate claimed meanwhile by another run enrolment_id=%s", enrolment_id)
        return existing
    log.info("certificate claimed id=%s enrolment_id=%s", cert.id, enrolment_id)
    return cert


def _finish(cert_id):
    """Render and store a claimed (pending) certificate and mark it issued; a no-op unless
    it is still pending."""
    cert = lock_certificate(cert_id, with_learner=True)  # PostgreSQL: a concurrent run waits here, then sees it issued
    if cert is None or cert.status != "pending":
        db.session.rollback()
        return cert
    log.info("certificate generating id=%s enrolment_id=%s", cert.id, cert.enrolment_id)
    delay = current_app.config.get("CERTIFICATE_RENDER_DELAY") or 0
    if delay:
        time.sleep(delay)  # fault injection for the kill test (config.py)
    digest = _render_and_store(cert)
    # SQLite took no lock above: only the run that moves it from pending wins.
    won = db.session.execute(
        update(Certificate).where(Certificate.id == cert.id, Certificate.status == "pending")
        .values(status="issued", issued_at=utcnow(), pdf_sha256=digest)
        .execution_options(synchronize_session="evaluate")
    ).rowcount == 1
    if not won:
        db.session.rollback()
        return db.session.get(Certificate, cert_id, populate_existing=True)
    record_event("certificate.issued", cert, enrolment_id=cert.enrolment_id,
                 sequence=cert.sequence, pdf_sha256=digest)
    ledger.credit_certificate(cert)  # the CPD ledger, in the same commit as the issue
    hooks.certificate_email_requested(cert.id)  # promised in the same commit as the issue
    enrolment_id = cert.enrolment_id  # read now: the commit expires the loaded attributes
    db.session.commit()
    log.info("certificate issued id=%s enrolment_id=%s", cert_id, enrolment_id)
    return cert


def issue_certificate(enrolment_id):
    """Issue the certificate of a completed enrolment, exactly once; safe to call again, from
    a redelivered task or from two workers at once.

    Unlike other services this one commits: the claim must be durable before the slow render,
    so a run that dies mid-way is finished by the next under the same code.

    :return: the enrolment's latest Certificate (issued, or revoked/reissued earlier), or None
        when the enrolment does not exist or is not completed
    """
    cert = _claim(enrolment_id)
    cert_id, status = (cert.id, cert.status) if cert is not None else (None, None)
    db.session.commit()
    if cert is None:
        return None
    if status == "pending":
        return _finish(cert_id)
    return cert  # issued already: its email was promised in the same commit


# --------------------------------------------------------------------------- admin actions


def _reason(reason, missing):
    try:
        return required_reason(reason, missing)
    except reasons.MissingReason as exc:
        raise MissingReason(exc.message) from None


def revoke_certificate(cert, reason, actor):
    """Revoke an issued certificate; its code then verifies as "revoked". The PDF is kept.

    :param reason: required, recorded on the certificate and in the audit trail
    :param actor: an admin (None: the system operator)
    :raises Forbidden: not an admin
    :raises MissingReason: no reason given
    :raises CannotRevoke: it is pending or revoked already
    """
    _require_manage(actor)
    reason = _reason(reason, _l("Give a reason for revoking the certificate."))
    cert = lock_certificate(cert.id, write=True)
    if cert.status == "revoked":
        raise CannotRevoke(_l("This certificate is revoked already."))
    if cert.status != "issued":
        raise CannotRevoke(_l("This certificate is still being prepared."))
    cert.status = "revoked"
    cert.revoked_at = utcnow()
    cert.revoked_reason = reason
    cert.revoked_by_id = actor.id if actor is not None else None
    db.session.flush()
    record_event("certificate.revoked", cert, actor=actor, enrolment_id=cert.enrolment_id,
                 sequence=cert.sequence, old={"code": cert.code, "status": "issued"},
                 new={"code": cert.code, "status": "revoked"}, reason=reason)
    ledger.void_certificate(cert, actor)  # its CPD credits no longer count
    log.info("certificate revoked id=%s", cert.id)
    return cert


def reissue_certificate(enrolment, actor, reason, correction=False):
    """Issue a new certificate (next sequence, new code, new PDF, details as they are now)
    when the latest is revoked; with ``correction``, revoke a valid latest one first (e.g. to
    correct the learner's name). The ``reason`` is required either way and recorded with the
    replaced and the new certificate in the audit trail.

    :raises Forbidden: not an admin
    :raises MissingReason: no reason given (nothing changes)
    :raises CannotReissue: nothing to reissue, still valid without ``correction``, being
        prepared, or reissued meanwhile by someone else
    """
    _require_manage(actor)
    reason = _reason(reason, _l("Give a reason for reissuing the certificate."))
    if enrolment.status != "completed" or enrolment.completed_at is None:
        raise CannotReissue(_l("This enrolment is not completed."))
    latest = latest_certificate(enrolment.id)
    if latest is None:
        raise CannotReissue(_l("No certificate has been issued for this enrolment yet."))
    latest = lock_certificate(latest.id, write=True)
    if latest.status == "pending":
        raise CannotReissue(_l("This certificate is still being prepared."))
    if latest.status == "issued":
        if not correction:
            raise CannotReissue(_l("The certificate is still valid: revoke it first, or replace it with a corrected one."))
        revoke_certificate(latest, reason, actor)
    cert = Certificate(enrolment_id=enrolment.id, sequence=latest.sequence + 1, code=new_code(),
                       status="pending", **_snapshot(enrolment))
    try:
        with db.session.begin_nested():
            db.session.add(cert)
    except IntegrityError:
        raise CannotReissue(_l("The certificate was reissued meanwhile. Reload and try again.")) from None
    cert.pdf_sha256 = _render_and_store(cert)
    cert.status = "issued"
    cert.issued_at = utcnow()
    db.session.flush()
    record_event("certificate.reissued", cert, actor=actor, enrolment_id=enrolment.id,
                 sequence=cert.sequence, replaces_id=latest.id, correction=bool(correction),
                 old={"code": latest.code, "status": "revoked"},
                 new={"code": cert.code, "status": "issued"}, reason=reason)
    ledger.credit_certificate(cert)  # credits voided with the revoked one count again
    hooks.certificate_email_requested(cert.id)
    log.info("certificate reissued id=%s enrolment_id=%s sequence=%s", cert.id, enrolment.id, cert.sequence)
    return cert

