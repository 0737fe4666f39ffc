"""The signing services every signing view builds on (lms.signatures.services): the record
hash, the database's constraints, nonces, re-authentication and the failed-signing lock."""
import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.progress.models import LessonProgress
from lms.progress.services import complete_signed_lesson
from lms.signatures import hashing, services
from lms.signatures.meanings import READ_UNDERSTOOD, VERIFIED_COMPETENT
from lms.signatures.models import Signature
from tests.factories import PASSWORD, create_course, create_user, enrol, lessons_of


@pytest.fixture
def record(app):
    learner = create_user(name="Kari Nordmann")
    course = create_course(lessons=("document", "observed"), org=learner.organisation)
    enrolment = enrol(learner, course)
    document, observed = lessons_of(enrolment)
    return learner, enrolment, document, observed


def test_signature_is_bound_to_its_record_by_its_hash(app, record):
    learner, enrolment, document, _observed = record
    with app.test_request_context():
        signature = services.sign(learner, enrolment, document, READ_UNDERSTOOD, file_sha256=document.file.sha256)
        complete_signed_lesson(enrolment, document, learner)
        db.session.commit()
    assert signature.printed_name == "Kari Nordmann"
    assert signature.document_number == document.document_number
    assert signature.record_hash == hashing.record_hash(db.session.get(Signature, signature.id))
    assert hashing.stored_file_sha256(document.file.sha256) == document.file.sha256
    assert db.session.query(LessonProgress).filter_by(enrolment_id=enrolment.id, lesson_id=document.id).count() == 1
    event = db.session.query(AuditEvent).filter_by(action="signature.signed").one()
    assert event.data["record_hash"] == signature.record_hash and event.person_id == learner.id
    # Moved to another record (or its meaning changed), the stored hash no longer matches.
    db.session.execute(update(Signature).where(Signature.id == signature.id).values(lesson_id=_observed.id))
    assert hashing.record_hash(db.session.get(Signature, signature.id, populate_existing=True)) != signature.record_hash


def test_database_refuses_a_learner_signing_off_their_own_practice(app, record):
    learner, enrolment, _document, observed = record
    with app.test_request_context(), pytest.raises(IntegrityError):
        services.sign(learner, enrolment, observed, VERIFIED_COMPETENT)
    db.session.rollback()


def test_a_record_is_signed_once(app, record):
    learner, enrolment, document, _observed = record
    with app.test_request_context():
        services.sign(learner, enrolment, document, READ_UNDERSTOOD, file_sha256=document.file.sha256)
        with pytest.raises(services.AlreadySigned):
            services.sign(learner, enrolment, document, READ_UNDERSTOOD, file_sha256=document.file.sha256)


def test_nonce_is_single_use_and_tied_to_lesson_and_file(app, record):
    learner, enrolment, document, observed = record
    with app.test_request_context():
        nonce = services.issue_nonce(learner, enrolment, document, document.file.sha256)
        with pytest.raises(services.NonceRefused):  # another file
            services.use_nonce(nonce, learner, enrolment, document, "0" * 64)
        with pytest.raises(services.NonceRefused):  # another lesson
            services.use_nonce(nonce, learner, enrolment, observed, document.file.sha256)
        services.use_nonce(nonce, learner, enrolment, document, document.file.sha256)
        with pytest.raises(services.NonceRefused):  # replayed
            services.use_nonce(nonce, learner, enrolment, document, document.file.sha256)


def test_first_signing_asks_for_the_email_too_then_the_password_alone(app, record):
    learner, enrolment, document, _observed = record
    with app.test_request_context():
        assert services.needs_email(learner)
        with pytest.raises(services.WrongCredentials):
            services.check_signer(learner, PASSWORD, email="someone.else@example.test")
        services.check_signer(learner, PASSWORD, email=learner.email.upper())
        services.sign(learner, enrolment, document, READ_UNDERSTOOD, file_sha256=document.file.sha256)
        assert not services.needs_email(learner)
        services.check_signer(learner, PASSWORD)
        assert learner.signing_failures == 0


def test_three_wrong_passwords_in_a_row_lock_signing_until_unlocked(app, record):
    learner, _enrolment, _document, _observed = record
    admin = create_user(role="admin")
    generation = learner.session_generation
    with app.test_request_context():
        for attempt in (1, 2, 3):
            with pytest.raises(services.WrongCredentials) as refused:
                services.check_signer(learner, "wrong", email=learner.email)
            assert refused.value.locked == (attempt == 3)
        db.session.commit()
        assert learner.signing_locked_at is not None and learner.session_generation > generation
        with pytest.raises(services.SigningLocked):  # the right password no longer helps
            services.check_signer(learner, PASSWORD, email=learner.email)
        services.unlock_signing(admin, learner, reason="Identity confirmed by phone")
        db.session.commit()
        services.check_signer(learner, PASSWORD, email=learner.email)
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions.count("signature.failed") == 3 and "signature.locked" in actions
    unlocked = db.session.query(AuditEvent).filter_by(action="user.signing_unlocked").one()
    assert unlocked.data["reason"] == "Identity confirmed by phone"
