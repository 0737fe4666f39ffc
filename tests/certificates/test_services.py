"""Certificate services called directly: issuing exactly once, the PDF, revoke and reissue."""
import threading
from datetime import datetime, timezone

import pytest

from lms.policy import Forbidden
from lms.certificates import emails, services
from lms.certificates.codes import display_code, normalise_code
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.certificates.helpers import certificates_of, completed_enrolment, events, pdf_files, pdf_text
from tests.factories import create_user, enrol, create_course

A4_LANDSCAPE = (842, 595)  # points, rounded


def test_issuing_twice_gives_one_certificate_one_pdf_and_one_event(app, cert_dir):
    enrolment = completed_enrolment(name="Rūta Kazlauskienė")
    first = services.issue_certificate(enrolment.id)
    second = services.issue_certificate(enrolment.id)
    assert first.id == second.id
    [cert] = certificates_of(enrolment)
    assert cert.status == "issued" and cert.sequence == 1 and cert.issued_at is not None
    assert pdf_files(cert_dir) == [f"{cert.code}.pdf"]
    assert not list(cert_dir.glob(".*"))  # no temp file left behind
    assert events("certificate.issued", cert) == 1
    assert len(cert.code) == 24 and normalise_code(cert.code) == cert.code
    # The snapshot keeps the record true when the name changes later.
    enrolment.user.name = "Rūta Petrauskienė"
    db.session.commit()
    assert certificates_of(enrolment)[0].learner_name == "Rūta Kazlauskienė"


@pytest.mark.parametrize("render_delay", [0, 0.3], ids=["race-to-claim", "race-to-finish"])
def test_two_runs_at_once_issue_one_certificate_and_one_pdf(app, cert_dir, render_delay):
    enrolment = completed_enrolment()
    enrolment_id = enrolment.id  # the threads must not touch this test's session
    app.config["CERTIFICATE_RENDER_DELAY"] = render_delay
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                cert = services.issue_certificate(enrolment_id)
                results.append((cert.id, cert.code, cert.status))
        except Exception as exc:  # reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    [cert] = certificates_of(enrolment)
    assert {r[:2] for r in results} == {(cert.id, cert.code)}
    assert cert.status == "issued"
    assert pdf_files(cert_dir) == [f"{cert.code}.pdf"]
    assert events("certificate.issued", cert) == 1


def test_a_claim_left_by_a_killed_run_is_finished_under_its_code(app, cert_dir):
    enrolment = completed_enrolment()
    claimed = services._claim(enrolment.id)  # what a run commits before it renders
    db.session.commit()
    assert claimed.status == "pending" and pdf_files(cert_dir) == []
    cert = services.issue_certificate(enrolment.id)
    assert cert.id == claimed.id and cert.code == claimed.code and cert.status == "issued"
    assert pdf_files(cert_dir) == [f"{cert.code}.pdf"]


def test_unfinished_or_unknown_enrolments_get_no_certificate(app, cert_dir):
    enrolment = enrol(create_user(), create_course())
    assert services.issue_certificate(enrolment.id) is None
    assert services.issue_certificate(999999) is None
    assert certificates_of(enrolment) == [] and pdf_files(cert_dir) == []


def test_the_pdf_is_a4_landscape_with_name_course_hours_code_and_verification_link(app, cert_dir):
    enrolment = completed_enrolment(name="Rūta Kazlauskienė", validity_months=24,
                                    org_name="Nordic MedTech Association")
    cert = services.issue_certificate(enrolment.id)
    data = (cert_dir / f"{cert.code}.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    reader, text = pdf_text(data)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4_LANDSCAPE
    for expected in ("Rūta Kazlauskienė", enrolment.course.title, display_code(cert.code),
                     "Nordic MedTech Association",
                     "2.5 CPD hours", "Version 1", services.verify_url(cert.code)):
        assert expected in text, expected
    assert "Valid until" in text
    assert cert.pdf_sha256 == __import__("hashlib").sha256(data).hexdigest()
    # The QR code's link: the verification page, as an absolute URL.
    annotations = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    assert [a["/A"]["/URI"] for a in annotations] == [services.verify_url(cert.code)]


def test_expiry_follows_the_course_validity_from_the_completion_date(app, cert_dir):
    completed = datetime(2024, 1, 31, 12, tzinfo=timezone.utc)
    cert = services.issue_certificate(completed_enrolment(validity_months=13, completed_at=completed).id)
    assert cert.expires_at == datetime(2025, 2, 28, 12, tzinfo=timezone.utc)
    assert services.verification_state(cert) == "expired"
    forever = services.issue_certificate(completed_enrolment().id)
    assert forever.expires_at is None and services.verification_state(forever) == "valid"


def test_revoke_needs_an_admin_and_a_reason(app, cert_dir):
    enrolment = completed_enrolment()
    cert = services.issue_certificate(enrolment.id)
    admin = create_user(role="admin")
    with pytest.raises(Forbidden):
        services.revoke_certificate(cert, "wrong person", actor=enrolment.user)
    with pytest.raises(services.MissingReason):
        services.revoke_certificate(cert, "   ", actor=admin)
    services.revoke_certificate(cert, "Issued in error", actor=admin)
    db.session.commit()
    cert = certificates_of(enrolment)[0]
    assert cert.status == "revoked" and cert.revoked_reason == "Issued in error"
    assert cert.revoked_by_id == admin.id and cert.revoked_at is not None
    assert services.verification_state(cert) == "revoked"
    assert events("certificate.revoked", cert) == 1
    with pytest.raises(services.CannotRevoke):
        services.revoke_certificate(cert, "again", actor=admin)
    # The PDF is kept for the record.
    assert pdf_files(cert_dir) == [f"{cert.code}.pdf"]


def test_reissue_after_revocation_and_as_a_correction(app, cert_dir):
    enrolment = completed_enrolment(name="Kari Nordman")
    admin = create_user(role="admin")
    first = services.issue_certificate(enrolment.id)
    with pytest.raises(services.CannotReissue):
        services.reissue_certificate(enrolment, actor=admin, reason="Too soon")  # still valid
    with pytest.raises(Forbidden):
        services.reissue_certificate(enrolment, actor=enrolment.user, reason="Mine")
    services.revoke_certificate(first, "Name misspelt", actor=admin)
    with pytest.raises(services.MissingReason):
        services.reissue_certificate(enrolment, actor=admin, reason="  ")
    assert len(certificates_of(enrolment)) == 1
    enrolment.user.name = "Kari Nordmann"
    second = services.reissue_certificate(enrolment, actor=admin, reason="Name corrected")
    db.session.commit()
    assert second.sequence == 2 and second.code != first.code and second.learner_name == "Kari Nordmann"
    assert services.issue_certificate(enrolment.id).id == second.id  # automatic issuing stays done
    with pytest.raises(services.MissingReason):
        services.reissue_certificate(enrolment, actor=admin, reason=None, correction=True)
    db.session.rollback()
    third = services.reissue_certificate(enrolment, actor=admin, correction=True, reason="Course title corrected")
    db.session.commit()
    first, second, third = certificates_of(enrolment)
    assert [c.status for c in (first, second, third)] == ["revoked", "revoked", "issued"]
    assert third.sequence == 3 and second.revoked_reason == "Course title corrected"
    assert sorted(pdf_files(cert_dir)) == sorted(f"{c.code}.pdf" for c in (first, second, third))
    assert events("certificate.reissued") == 2


def test_codes_are_normalised_as_typed(app):
    assert normalise_code(" abcd-efgh ijkl mnop qrst 2345 ") == "ABCDEFGHIJKLMNOPQRST2345"
    for bad in ("", "../etc/passwd", "ABC", "A" * 40, "ABCDEFGHIJKLMNOPQRST2341"):  # 1 is not base32
        assert normalise_code(bad) is None


def test_the_issued_email_goes_once_with_the_verification_link(app, cert_dir, mailbox):
    enrolment = completed_enrolment(name="Sven Svensson", email="sven.cert@example.test", locale="sv")
    cert = services.issue_certificate(enrolment.id)
    assert emails.send_issued_email(cert.id) is True
    db.session.commit()
    assert emails.send_issued_email(cert.id) is False  # recorded: never twice
    db.session.commit()
    [message] = mailbox.wait_for(1)
    assert message["To"] == "Sven Svensson <sven.cert@example.test>"
    assert message["Content-Language"] == "sv"
    assert enrolment.course.title in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert services.verify_url(cert.code) in text and services.verify_url(cert.code) in html
    db.session.refresh(cert)
    assert cert.emailed_at is not None


def test_no_email_for_a_revoked_certificate(app, cert_dir, mailbox):
    enrolment = completed_enrolment()
    cert = services.issue_certificate(enrolment.id)
    services.revoke_certificate(cert, "Issued in error", actor=None)
    db.session.commit()
    assert emails.send_issued_email(cert.id) is False
    db.session.commit()
    assert mailbox.messages == [] and Certificate.query.count() == 1


def test_texts_are_in_the_learners_language_where_translated(app):
    assert services.text_locale("nb") == "nb" and services.text_locale("sv") == "sv"
    assert services.text_locale("lt") == "lt"  # all eight languages have catalogues
    assert services.text_locale("xx") == "en" and services.text_locale(None) == "en"
