"""Signing: re-authentication (§11.200), single-use nonces, the failed-signing lock, and the
one place a Signature is written.

A view signs in three steps, all in one request: ``check_signer`` (the password, and the email
at the first signing of a session), ``use_nonce`` (the page's single-use nonce, which names the
lesson and file shown), then ``sign``. A wrong password is counted and audited by
``check_signer`` before it raises: the view must commit that and then refuse (422).
"""
import secrets
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import update

from lms.accounts.services import normalise_email
from lms.audit.services import record_event
from lms.extensions import db
from lms.signatures import hashing
from lms.signatures.meanings import MEANINGS
from lms.signatures.models import Signature, SigningNonce
from lms.timeutil import utcnow

# The session key saying this login session has signed once: later signings ask only for
# the password. Keyed by the account's session identifier, so it ends with the session.
SIGNED_IN_SESSION = "lms_signed_in_session"


class SigningRefused(Exception):
    """Base of every refusal; ``status`` is the HTTP status a view answers with."""

    status = 422


class WrongCredentials(SigningRefused):
    """Wrong password (or email); ``locked`` is True when this failure locked the account."""

    def __init__(self, locked=False):
        super().__init__("wrong credentials")
        self.locked = locked


class SigningLocked(SigningRefused):
    status = 403


class NonceRefused(SigningRefused):
    """Unknown, used, expired, or for another signer, record, lesson or file."""

    status = 409


class AlreadySigned(SigningRefused):
    status = 409


def needs_email(user):
    """True when this signing is the first of the login session: both parts of the login
    (email and password) are asked again; afterwards the password alone (§11.200(a)(1))."""
    return session.get(SIGNED_IN_SESSION) != user.get_id()


def check_signer(user, password, email=None):
    """Re-authenticate ``user`` for a signature.

    A wrong password (or, when ``needs_email``, an email that is not theirs) adds one to the
    account's failures in a row and records ``signature.failed``; at ``SIGNING_LOCK_AFTER`` the
    account is locked (``lock_signing``). A right one resets the count. Flushes, never commits:
    on WrongCredentials the caller commits the count and refuses.

    :raises SigningLocked: the account is locked already
    :raises WrongCredentials: the credentials are wrong (``.locked``: this attempt locked it)
    """
    from lms.accounts.auth import check_password

    if user.signing_locked_at is not None:
        raise SigningLocked("locked")
    right = check_password(user.password_hash, password or "")
    if needs_email(user) and normalise_email(email or "") != user.email:
        right = False
    if right:
        user.signing_failures = 0
        return
    user.signing_failures = (user.signing_failures or 0) + 1
    record_event("signature.failed", user, actor=user, failures=user.signing_failures)
    locked = user.signing_failures >= current_app.config["SIGNING_LOCK_AFTER"]
    if locked:
        lock_signing(user)
    db.session.flush()
    raise WrongCredentials(locked=locked)


def lock_signing(user):
    """Lock signing and login for ``user`` (every session ends) and record it."""
    user.signing_locked_at = utcnow()
    user.end_all_sessions()
    record_event("signature.locked", user, actor=user, failures=user.signing_failures)


def unlock_signing(actor, user, reason):
    """An administrator unlocks ``user`` (the caller checks the policy and that ``reason`` is
    given): signing and login work again, the failure count starts over."""
    old = user.signing_locked_at
    user.signing_locked_at = None
    user.signing_failures = 0
    record_event("user.signing_unlocked", user, actor=actor,
                 old="locked", new="unlocked", reason=reason, locked_at=old.isoformat() if old else None)


def issue_nonce(signer, enrolment, lesson, file_sha256=None):
    """A new single-use nonce for a signing page (flushed)."""
    nonce = SigningNonce(
        nonce=secrets.token_urlsafe(32), signer_id=signer.id, enrolment_id=enrolment.id,
        lesson_id=lesson.id, file_sha256=file_sha256,
    )
    db.session.add(nonce)
    db.session.flush()
    return nonce.nonce


def use_nonce(value, signer, enrolment, lesson, file_sha256=None):
    """Spend the nonce ``value``: one conditional UPDATE, so of two posts of one page only one
    gets it.

    :raises NonceRefused: unknown, used, older than SIGNING_NONCE_MINUTES, or issued for another
        signer, enrolment, lesson or file
    """
    now = utcnow()
    oldest = now - timedelta(minutes=current_app.config["SIGNING_NONCE_MINUTES"])
    table = SigningNonce.__table__
    spent = db.session.execute(
        update(table)
        .where(table.c.nonce == (value or ""), table.c.used_at.is_(None), table.c.created_at >= oldest,
               table.c.signer_id == signer.id, table.c.enrolment_id == enrolment.id,
               table.c.lesson_id == lesson.id,
               table.c.file_sha256.is_(None) if file_sha256 is None else table.c.file_sha256 == file_sha256)
        .values(used_at=now)
    ).rowcount
    if spent != 1:
        raise NonceRefused("nonce")


def sign(signer, enrolment, lesson, meaning, file_sha256=None, course_version_id=None):
    """Write the signature of ``signer`` with ``meaning`` on ``lesson`` of ``enrolment``'s
    record, bind it (``record_hash``), record ``signature.signed`` in the audit chain with that
    hash, and mark this session as having signed. The caller has re-authenticated the signer,
    spent the nonce and checked who may sign; completing the lesson is the caller's next step.

    :param enrolment: the ORM Enrolment whose record is signed (the learner's)
    :param file_sha256: the SHA-256 of the exact file shown (controlled documents)
    :raises AlreadySigned: this record already has this signature
    """
    if meaning not in MEANINGS:
        raise ValueError(meaning)
    existing = db.session.query(Signature.id).filter_by(
        enrolment_id=enrolment.id, lesson_id=lesson.id, meaning=meaning).first()
    if existing is not None:
        raise AlreadySigned(existing.id)
    signature = Signature(
        signer_id=signer.id, subject_user_id=enrolment.user_id, printed_name=signer.name,
        meaning=meaning, signed_at=utcnow().replace(microsecond=0), enrolment_id=enrolment.id,
        lesson_id=lesson.id, course_version_id=course_version_id or enrolment.version_id,
        document_number=getattr(lesson, "document_number", None),
        document_revision=getattr(lesson, "document_revision", None),
        file_sha256=file_sha256, record_hash="",
    )
    db.session.add(signature)
    db.session.flush()  # the id is part of what is hashed
    signature.record_hash = hashing.record_hash(signature)
    record_event(
        "signature.signed", signature, actor=signer, user_id=enrolment.user_id,
        enrolment_id=enrolment.id, lesson_id=lesson.id, meaning=meaning,
        printed_name=signature.printed_name, file_sha256=file_sha256, record_hash=signature.record_hash,
    )
    session[SIGNED_IN_SESSION] = signer.get_id()
    return signature
