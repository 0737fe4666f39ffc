"""Certificate pages through the HTTP client: download, My learning, verification, admin."""
import re

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.certificates import services
from lms.certificates.codes import display_code
from lms.extensions import db
from tests.certificates.helpers import certificates_of, completed_enrolment, events, pdf_files
from tests.factories import create_user
from tests.helpers import login, post_form, text_of


@pytest.fixture
def issued(app, cert_dir):
    enrolment = completed_enrolment(name="Rūta Kazlauskienė", email="ruta@example.test")
    cert = services.issue_certificate(enrolment.id)
    return enrolment, cert


def download_url(cert):
    return f"/certificates/{cert.code}.pdf"


def state_of(response):
    match = re.search(r'data-state="(\w+)"', text_of(response))
    return match and match.group(1)


# --------------------------------------------------------------------------- download


def test_the_learner_downloads_their_pdf_from_my_learning(client, issued):
    enrolment, cert = issued
    login(client, enrolment.user)
    page = text_of(client.get("/my-learning"))
    assert download_url(cert) in page and "Download certificate (PDF)" in page
    response = client.get(download_url(cert))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"] == f"attachment; filename=certificate-{cert.code}.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_only_the_learner_and_admins_download(app, client, issued):
    _enrolment, cert = issued
    login(client, create_user())
    assert client.get(download_url(cert)).status_code == 403
    admin = app.test_client()
    login(admin, create_user(role="admin"))
    assert admin.get(download_url(cert)).status_code == 200
    assert client.get("/certificates/AAAAAAAAAAAAAAAAAAAAAAAA.pdf").status_code == 404
    assert client.get("/certificates/not-a-code.pdf").status_code == 404


def test_anonymous_downloads_go_to_log_in(client, issued):
    _enrolment, cert = issued
    response = client.get(download_url(cert))
    assert response.status_code == 302 and response.location.startswith("/login")


def test_my_learning_says_the_certificate_will_follow_while_it_is_prepared(client, app, cert_dir):
    enrolment = completed_enrolment()
    login(client, enrolment.user)
    page = client.get("/my-learning")
    assert page.status_code == 200 and "Your certificate will follow" in text_of(page)
    claimed = services._claim(enrolment.id)  # claimed by a worker, not rendered yet
    db.session.commit()
    assert "Your certificate will follow" in text_of(client.get("/my-learning"))
    response = client.get(download_url(claimed))
    assert response.status_code == 409 and "being prepared" in text_of(response)


def test_a_revoked_certificate_is_not_downloadable_by_the_learner(client, issued):
    enrolment, cert = issued
    services.revoke_certificate(cert, "Issued in error", actor=None)
    db.session.commit()
    login(client, enrolment.user)
    assert "was revoked" in text_of(client.get("/my-learning"))
    assert client.get(download_url(cert)).status_code == 410


# --------------------------------------------------------------------------- verification


def test_verify_shows_a_valid_certificate_without_login_and_never_the_email(client, issued):
    enrolment, cert = issued
    response = client.get(f"/verify/{cert.code}")
    body = text_of(response)
    assert response.status_code == 200 and state_of(response) == "valid"
    assert "This certificate is valid." in body
    for shown in ("Rūta Kazlauskienė", enrolment.course.title, display_code(cert.code)):
        assert shown in body
    assert "ruta@example.test" not in body and "@" not in body.split("<main", 1)[1]
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    # Codes as people type them from paper.
    lower = "-".join(re.findall(".{1,4}", cert.code.lower()))
    assert state_of(client.get(f"/verify/{lower}")) == "valid"
    lookup = client.get("/verify", query_string={"code": lower})
    assert lookup.status_code == 302 and lookup.location == f"/verify/{cert.code}"


def test_verify_says_revoked_and_when(client, issued):
    _enrolment, cert = issued
    services.revoke_certificate(cert, "Issued in error", actor=None)
    db.session.commit()
    response = client.get(f"/verify/{cert.code}")
    assert response.status_code == 200 and state_of(response) == "revoked"
    body = text_of(response)
    assert "This certificate has been revoked." in body and "It was revoked on" in body
    assert "Issued in error" not in body  # the reason stays in the record


def test_verify_says_expired(client, app, cert_dir):
    from datetime import datetime, timezone

    enrolment = completed_enrolment(validity_months=12, completed_at=datetime(2020, 5, 1, tzinfo=timezone.utc))
    cert = services.issue_certificate(enrolment.id)
    response = client.get(f"/verify/{cert.code}")
    assert state_of(response) == "expired" and "This certificate has expired." in text_of(response)


@pytest.mark.parametrize("code", ["AAAAAAAAAAAAAAAAAAAAAAAA", "nope", "%3Cscript%3E"])
def test_verify_says_not_found_for_unknown_codes(client, app, code):
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404 and state_of(response) == "not_found"
    assert "No certificate was found with this code." in text_of(response)


def test_a_pending_certificate_does_not_verify_yet(client, app, cert_dir):
    claimed = services._claim(completed_enrolment().id)
    db.session.commit()
    assert state_of(client.get(f"/verify/{claimed.code}")) == "not_found"


def test_verification_is_rate_limited(client, app):
    app.config["RATELIMIT_VERIFY"] = "3 per minute"
    statuses = [client.get(f"/verify/AAAAAAAAAAAAAAAAAAAAAAA{i}").status_code for i in range(2, 5)]
    assert statuses == [404, 404, 404]
    assert client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAA5").status_code == 429
    assert client.get("/verify", query_string={"code": "x"}).status_code == 429  # one budget


# --------------------------------------------------------------------------- admin


def admin_client(client):
    admin = create_user(role="admin")
    login(client, admin)
    return admin


def test_admins_list_and_filter_certificates(client, issued, app):
    enrolment, cert = issued
    other = services.issue_certificate(completed_enrolment(name="Mads Jensen").id)
    services.revoke_certificate(other, "Issued in error", actor=None)
    db.session.commit()
    admin_client(client)
    body = text_of(client.get("/admin/certificates"))
    assert cert.code in body and other.code in body
    revoked = text_of(client.get("/admin/certificates", query_string={"status": "revoked"}))
    assert other.code in revoked and cert.code not in revoked
    by_code = text_of(client.get("/admin/certificates", query_string={"q": cert.code[:6].lower()}))
    assert cert.code in by_code and other.code not in by_code
    by_name = text_of(client.get("/admin/certificates", query_string={"q": "kazlausk"}))
    assert cert.code in by_name and other.code not in by_name
    assert client.get("/admin/certificates", query_string={"status": "bogus"}).status_code == 422
    assert "Certificates" in text_of(client.get("/admin/"))


def test_learners_cannot_reach_the_admin_pages_or_revoke(client, issued):
    enrolment, cert = issued
    login(client, enrolment.user)
    assert client.get("/admin/certificates").status_code == 403
    assert client.get(f"/admin/certificates/{cert.code}").status_code == 403
    response = post_form(client, f"/admin/certificates/{cert.code}/revoke", {"reason": "mine"}, page="/my-learning")
    assert response.status_code == 403
    assert certificates_of(enrolment)[0].status == "issued"


def test_revoke_needs_a_reason_and_a_csrf_token(client, issued):
    enrolment, cert = issued
    admin_client(client)
    detail = f"/admin/certificates/{cert.code}"
    url = f"{detail}/revoke"
    assert client.post(url, data={"reason": "no token"}).status_code == 400
    missing = post_form(client, url, {"reason": "  "}, page=detail)
    assert missing.status_code == 422 and "Give a reason for revoking the certificate." in text_of(missing)
    assert certificates_of(enrolment)[0].status == "issued"
    done = post_form(client, url, {"reason": "Issued in error"}, page=detail)
    assert done.status_code == 302 and done.location == detail
    assert certificates_of(enrolment)[0].status == "revoked"
    assert events("certificate.revoked") == 1
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.revoked")).all()
    assert event.data["old"] == {"code": cert.code, "status": "issued"}
    assert event.data["new"] == {"code": cert.code, "status": "revoked"} and event.data["reason"] == "Issued in error"
    again = post_form(client, url, {"reason": "twice"}, page=detail)
    assert again.status_code == 409 and "revoked already" in text_of(again)


def test_admin_reissues_a_revoked_certificate(client, issued, cert_dir):
    enrolment, cert = issued
    admin_client(client)
    detail = f"/admin/certificates/{cert.code}"
    early = post_form(client, f"{detail}/reissue", {"reason": "Too soon"}, page=detail)
    assert early.status_code == 409 and "still valid" in text_of(early)
    post_form(client, f"{detail}/revoke", {"reason": "Wrong course version"}, page=detail)
    # Without a reason: 422 with the message, and nothing is issued.
    missing = post_form(client, f"{detail}/reissue", {"reason": " "}, page=detail)
    assert missing.status_code == 422 and "Give a reason for reissuing the certificate." in text_of(missing)
    assert len(certificates_of(enrolment)) == 1 and events("certificate.reissued") == 0
    response = post_form(client, f"{detail}/reissue", {"reason": "Checked with the author"}, page=detail)
    first, second = certificates_of(enrolment)
    assert response.status_code == 302 and response.location == f"/admin/certificates/{second.code}"
    assert (first.status, second.status, second.sequence) == ("revoked", "issued", 2)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.reissued")).all()
    assert (event.data["old"], event.data["new"], event.data["reason"]) == (
        {"code": first.code, "status": "revoked"}, {"code": second.code, "status": "issued"}, "Checked with the author")
    assert f"{second.code}.pdf" in pdf_files(cert_dir)
    assert state_of(client.get(f"/verify/{first.code}")) == "revoked"
    assert state_of(client.get(f"/verify/{second.code}")) == "valid"
    # Reissuing from the old, superseded code is refused.
    stale = post_form(client, f"{detail}/reissue", {"reason": "Again"}, page=f"/admin/certificates/{second.code}")
    assert stale.status_code == 409


def test_admin_replaces_a_certificate_to_correct_the_name(client, issued):
    enrolment, cert = issued
    admin_client(client)
    enrolment.user.name = "Rūta Kazlauskaitė"
    db.session.commit()
    detail = f"/admin/certificates/{cert.code}"
    missing = post_form(client, f"{detail}/replace", {"reason": ""}, page=detail)
    assert missing.status_code == 422 and "Give a reason for replacing the certificate." in text_of(missing)
    response = post_form(client, f"{detail}/replace", {"reason": "Name corrected"}, page=detail)
    assert response.status_code == 302
    first, second = certificates_of(enrolment)
    assert first.status == "revoked" and first.revoked_reason == "Name corrected"
    assert second.status == "issued" and second.learner_name == "Rūta Kazlauskaitė"
    page = text_of(client.get(f"/admin/certificates/{second.code}"))
    assert first.code in page and "All certificates for this enrolment" in page


def test_the_admin_detail_page_has_one_h1_and_labelled_fields(client, issued):
    _enrolment, cert = issued
    admin_client(client)
    body = text_of(client.get(f"/admin/certificates/{cert.code}"))
    assert body.count("<h1") == 1
    for field_id in ("revoke-reason", "replace-reason"):
        assert f'<label for="{field_id}">' in body and f'id="{field_id}"' in body
    headings = [int(level) for level in re.findall(r"<h([1-6])", body)]
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:]))
    verify = text_of(client.get(f"/verify/{cert.code}"))
    assert verify.count("<h1") == 1 and '<label for="code">' in verify
