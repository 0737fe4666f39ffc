"""`flask lms reissue-certificate` through the Flask CLI runner."""
from lms.certificates import services
from lms.extensions import db
from tests.certificates.helpers import certificates_of, completed_enrolment, events, pdf_files
from tests.factories import create_course, create_user, enrol


def reissue(app, *args):
    return app.test_cli_runner().invoke(args=["lms", "reissue-certificate", *args])


def test_reissue_a_revoked_certificate_by_its_code(app, cert_dir):
    enrolment = completed_enrolment()
    first = services.issue_certificate(enrolment.id)
    services.revoke_certificate(first, "Issued in error", actor=None)
    db.session.commit()
    refused = reissue(app, first.code.lower())
    assert refused.exit_code == 1 and "Give --reason" in refused.output
    assert len(certificates_of(enrolment)) == 1 and events("certificate.reissued", first) == 0
    result = reissue(app, first.code.lower(), "--reason", "Revoked in error")
    assert result.exit_code == 0, result.output
    old, new = certificates_of(enrolment)
    assert new.status == "issued" and new.sequence == 2 and new.code in result.output
    assert pdf_files(cert_dir) == sorted([f"{old.code}.pdf", f"{new.code}.pdf"])
    assert events("certificate.reissued", new) == 1


def test_a_valid_certificate_is_replaced_only_with_a_reason(app, cert_dir):
    enrolment = completed_enrolment()
    services.issue_certificate(enrolment.id)
    refused = reissue(app, str(enrolment.id))
    assert refused.exit_code == 1 and "still valid" in refused.output
    assert len(certificates_of(enrolment)) == 1
    result = reissue(app, str(enrolment.id), "--reason", "Name corrected")
    assert result.exit_code == 0, result.output
    old, new = certificates_of(enrolment)
    assert (old.status, old.revoked_reason, new.status) == ("revoked", "Name corrected", "issued")


def test_a_completed_enrolment_whose_task_was_lost_gets_its_certificate(app, cert_dir):
    enrolment = completed_enrolment()
    result = reissue(app, str(enrolment.id))
    assert result.exit_code == 0, result.output
    [cert] = certificates_of(enrolment)
    assert cert.status == "issued" and cert.code in result.output and "Issued certificate" in result.output


def test_a_certificate_left_half_made_by_a_dead_worker_is_finished(app, cert_dir):
    enrolment = completed_enrolment()
    claimed = services._claim(enrolment.id)
    db.session.commit()
    result = reissue(app, str(enrolment.id))
    assert result.exit_code == 0, result.output
    [cert] = certificates_of(enrolment)
    assert cert.code == claimed.code and cert.status == "issued"
    assert pdf_files(cert_dir) == [f"{cert.code}.pdf"]


def test_unknown_or_unfinished_references_are_refused(app, cert_dir):
    assert "No enrolment with id 424242" in reissue(app, "424242").output
    assert "No certificate with the code" in reissue(app, "ABCDEFGHIJKLMNOPQRSTUVWX").output
    unfinished = enrol(create_user(), create_course())
    result = reissue(app, str(unfinished.id))
    assert result.exit_code == 1 and "not completed" in result.output
