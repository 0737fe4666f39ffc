"""Certificate validity (lms.certificates.validity): the rule at its boundaries, and the same
status on the verification page, My learning, the training record and the admin list."""
import csv
import io
import re
from datetime import timedelta

import pytest
from babel.dates import format_date

from lms.certificates import services
from lms.certificates.validity import (
    EXPIRED, EXPIRING, PENDING, REVOKED, SUPERSEDED, VALID, status_of, validities, validity_of,
)
from lms.extensions import db
from tests.certificates.helpers import pdf_text
from tests.certificates.recert_helpers import DAY, certified, completion, now, validity_course
from tests.factories import create_user
from tests.helpers import login, text_of

SIXTY = timedelta(days=60)
SECOND = timedelta(seconds=1)


def YEAR_MINUS(days):
    """A completion so long before its expiry that it was done ``days`` after now."""
    return timedelta(days=365 - days)


@pytest.mark.parametrize("expires_in, renewed, status", [
    (None, False, VALID),                 # never expires
    (SIXTY + SECOND, False, VALID),       # just outside the expiring window
    (SIXTY, False, EXPIRING),             # exactly 60 days left: expiring
    (SECOND, False, EXPIRING),
    (timedelta(0), False, EXPIRED),       # the instant it lapses: expired on the day
    (-DAY, False, EXPIRED),
    (SIXTY * 3, True, SUPERSEDED),        # renewed: superseded while not past
    (SECOND, True, SUPERSEDED),
    (timedelta(0), True, EXPIRED),        # renewed and past: expired
])
def test_the_status_rule_at_its_boundaries(expires_in, renewed, status):
    at = now()
    expires_at = None if expires_in is None else at + expires_in
    assert status_of("issued", expires_at, renewed, at, SIXTY) == status


def test_revoked_and_pending_win_over_dates():
    at = now()
    assert status_of("revoked", at - DAY, True, at, SIXTY) == REVOKED
    assert status_of("pending", at + DAY, False, at, SIXTY) == PENDING


def test_the_expiring_window_is_configurable(app, cert_dir):
    _enrolment, cert = certified(40 * DAY)
    assert validity_of(cert).status == EXPIRING
    app.config["CERT_EXPIRING_DAYS"] = 30
    assert validity_of(cert).status == VALID


def test_a_later_certificate_of_the_same_person_and_course_supersedes_the_earlier(app, cert_dir):
    at = now()
    course = validity_course()
    old, old_cert = certified(20 * DAY, at, course)
    # Someone else's later certificate in the same course changes nothing for this one.
    _other, other_cert = certified(400 * DAY, at, course)
    assert validity_of(old_cert).status == EXPIRING
    new = completion(old.user, course, at + 385 * DAY, completed_before=YEAR_MINUS(20))
    new_cert = services.latest_certificate(new.id)
    states = validities([old_cert, new_cert, other_cert])
    assert states[old_cert.id].status == SUPERSEDED and states[old_cert.id].renewed
    assert states[new_cert.id].status == VALID and not states[new_cert.id].renewed
    assert states[other_cert.id].status == VALID
    # After its own expiry date, the renewed one reads expired (and still renewed).
    later = validity_of(old_cert, now=at + 21 * DAY)
    assert (later.status, later.renewed) == (EXPIRED, True)


def test_a_revoked_later_certificate_does_not_supersede(app, cert_dir):
    at = now()
    course = validity_course()
    old, old_cert = certified(20 * DAY, at, course)
    new = completion(old.user, course, at + 385 * DAY, completed_before=YEAR_MINUS(20))
    services.revoke_certificate(services.latest_certificate(new.id), "issued in error", actor=None)
    db.session.commit()
    assert validity_of(old_cert).status == EXPIRING


def verify_page(client, code, **headers):
    response = client.get(f"/verify/{code}", headers=headers)
    assert response.status_code == 200
    return text_of(response)


def test_the_verification_page_says_expired_on_the_date_and_renewed_without_naming_the_new(app, client, cert_dir):
    at = now()
    course = validity_course(title="Sterile manufacturing")
    expired, expired_cert = certified(-3 * DAY, at, course, name="Eva Expired")
    page = verify_page(client, expired_cert.code)
    assert 'data-state="expired"' in page and "This certificate has expired." in page
    assert "It expired on" in page and expired_cert.expires_at.strftime("%b") in page
    assert "newer certificate" not in page

    old, old_cert = certified(30 * DAY, at, course, name="Rolf Renewed")
    new = completion(old.user, course, at + 395 * DAY, completed_before=YEAR_MINUS(30))
    new_cert = services.latest_certificate(new.id)
    page = verify_page(client, old_cert.code)
    assert 'data-state="superseded"' in page and "This certificate has been renewed." in page
    assert "Rolf Renewed" in page and new_cert.code not in page
    assert old.user.email not in page and "Eva Expired" not in page
    assert 'data-state="valid"' in verify_page(client, new_cert.code)

    # The expired one, once renewed, still says expired, and that a newer one exists.
    completion(expired.user, course, at + 360 * DAY, completed_before=YEAR_MINUS(5))
    page = verify_page(client, expired_cert.code)
    assert 'data-state="expired"' in page
    assert "The holder has since been issued a newer certificate for this course." in page


def test_the_verification_page_warns_of_an_expiring_certificate_in_the_viewers_locale(app, client, cert_dir):
    _enrolment, cert = certified(10 * DAY)
    page = verify_page(client, cert.code)
    assert 'data-state="expiring"' in page and "This certificate is valid." in page and "It expires on" in page
    # Dates follow the viewer's language: Swedish month abbreviations and order.
    swedish = verify_page(client, cert.code, **{"Accept-Language": "sv"})
    assert format_date(cert.expires_at.date(), "medium", locale="sv") in swedish


def test_my_learning_and_the_training_record_show_the_validity(app, client, cert_dir):
    at = now()
    course = validity_course(title="Cleanroom behaviour")
    old, old_cert = certified(10 * DAY, at, course)
    learner = old.user
    login(client, learner)
    page = text_of(client.get("/my-learning"))
    assert 'class="certificate-validity" data-state="expiring"' in page

    new = completion(learner, course, at + 375 * DAY, completed_before=YEAR_MINUS(10))
    new_cert = services.latest_certificate(new.id)
    page = text_of(client.get("/my-learning"))
    assert 'data-state="superseded"' in page and 'data-state="valid"' in page
    assert "you have a newer certificate for this course" in page

    record = text_of(client.get("/my-learning/record"))
    assert 'class="certificate-state" data-state="superseded"' in record
    assert 'class="certificate-state" data-state="valid"' in record
    rows = list(csv.DictReader(io.StringIO(text_of(client.get("/my-learning/record.csv")).lstrip("\ufeff"))))
    by_code = {row["certificate_code"]: row for row in rows}
    assert by_code[old_cert.code]["certificate_validity"] == "superseded"
    assert by_code[old_cert.code]["valid_until"] == old_cert.expires_at.date().isoformat()
    assert by_code[new_cert.code]["certificate_validity"] == "valid"
    pdf = client.get("/my-learning/record.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    _reader, text = pdf_text(pdf.data)
    assert "Renewed (superseded)" in text and "Valid" in text


def test_the_admin_list_filters_by_validity(app, client, cert_dir):
    at = now()
    course = validity_course()
    _e1, valid = certified(200 * DAY, at, course)
    _e2, expiring = certified(10 * DAY, at, course)
    _e3, expired = certified(-DAY, at, course)
    old, superseded = certified(100 * DAY, at, course)
    renewal = services.latest_certificate(completion(old.user, course, at + 465 * DAY, completed_before=YEAR_MINUS(100)).id)
    admin = create_user(role="admin")
    login(client, admin)
    expected = {
        "valid": {valid.code, renewal.code}, "expiring": {expiring.code}, "expired": {expired.code},
        "superseded": {superseded.code}, "revoked": set(),
    }
    for status, codes in expected.items():
        page = text_of(client.get(f"/admin/certificates?status={status}"))
        shown = set(re.findall(r"<code>([A-Z2-7]{24})</code>", page))
        assert shown == codes, status
        assert all(f'data-state="{status}"' in page for _ in codes)
    # "issued", the list's older filter, still answers: every certificate not expired or revoked.
    page = text_of(client.get("/admin/certificates?status=issued"))
    assert set(re.findall(r"<code>([A-Z2-7]{24})</code>", page)) == {
        valid.code, renewal.code, expiring.code, superseded.code}
    assert client.get("/admin/certificates?status=bogus").status_code == 422


def test_the_admin_record_page_shows_who_opted_out_of_reminders(app, client):
    admin = create_user(role="admin")
    quiet, chatty = create_user(), create_user()
    quiet.reminders_opt_out = True
    db.session.commit()
    login(client, admin)
    page = text_of(client.get(f"/admin/users/{quiet.id}/record"))
    assert "Opted out of reminders; mandatory compliance notices" in page
    assert "Opted out of reminders" not in text_of(client.get(f"/admin/users/{chatty.id}/record"))
    # The learner's own record page does not carry the admin's note.
    own = app.test_client()
    login(own, quiet)
    assert "Opted out of reminders" not in text_of(own.get("/my-learning/record"))
