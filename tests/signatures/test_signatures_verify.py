"""`flask lms signatures-verify` and /admin/signatures: every signature is re-checked against
its record hash, its signed file on disk and its audit event, and exactly the tampered ones are
named (§11.70)."""
import re

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from lms import storage
from lms.extensions import db
from lms.signatures import hashing
from lms.signatures.meanings import VERIFIED_COMPETENT
from lms.signatures.models import Signature
from tests.factories import create_user
from tests.helpers import login, main_of, post_form, text_of
from tests.signatures.signed_records import make_signed_record  # noqa: F401  (fixture)

LINE_RE = re.compile(r"^signature (\d+): learner (.+?), (.+) \(lesson (\d+)\): (.+)$")


def run_verify(app):
    return app.test_cli_runner().invoke(args=["lms", "signatures-verify"])


def named(result):
    """{signature id: set of what failed} from the command's output."""
    found = {}
    for line in result.output.splitlines():
        match = LINE_RE.match(line)
        if match:
            found[int(match.group(1))] = set(match.group(5).split(", "))
    return found


def tamper(signature_id, **values):
    db.session.execute(update(Signature).where(Signature.id == signature_id).values(**values))
    db.session.commit()


@pytest.fixture
def records(make_signed_record):
    """Four learners' records, each with its own document file: signed, and verified."""
    return [make_signed_record() for _ in range(4)]


def test_untouched_signatures_all_verify(app, records):
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "All 8 signature(s) match their records and signed files." in result.output
    assert named(result) == {}


def test_no_signatures_verify(app):
    result = run_verify(app)
    assert result.exit_code == 0 and "All 0 signature(s)" in result.output


def test_tampering_is_named_exactly(app, records):
    first, second, third, fourth = records
    other_supervisor = create_user(org=second.learner.organisation)
    path = storage.path_for(first.read.file_sha256)
    original = path.read_bytes()
    try:
        # 1. The signed file is replaced on disk.
        path.write_bytes(original + b"% an edited SOP\n")
        # 2. A signature's signer is changed: another person "verified" the practice.
        tamper(second.verified.id, signer_id=other_supervisor.id)
        # 3. A signature's meaning is changed (the constraints allow it only with another
        #    signer: "read and understood" is the learner's own, "verified competent" never is).
        tamper(third.read.id, meaning=VERIFIED_COMPETENT, signer_id=third.supervisor.id)
        # 4. A signature is moved to another lesson.
        tamper(fourth.verified.id, lesson_id=fourth.document.id)
        result = run_verify(app)
    finally:
        path.write_bytes(original)
    assert result.exit_code == 1
    assert named(result) == {
        first.read.id: {"file changed"},
        second.verified.id: {"record hash"},
        third.read.id: {"record hash"},
        fourth.verified.id: {"record hash"},
    }
    assert "4 of 8 signature(s) do NOT match their record." in result.output
    line = next(l for l in result.output.splitlines() if l.startswith(f"signature {first.read.id}:"))
    assert first.learner.email in line and f"{first.read.document_number} rev. 1" in line
    # Put back, the file verifies again: only the three rows are named.
    assert set(named(run_verify(app))) == {second.verified.id, third.read.id, fourth.verified.id}


def test_a_recomputed_hash_still_differs_from_the_audit_event(app, records):
    first = records[0]
    moved = db.session.get(Signature, first.read.id)
    moved.printed_name = "Somebody Else"
    moved.record_hash = hashing.record_hash(moved)  # the row is self-consistent again ...
    db.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert named(result) == {first.read.id: {"audit event differs"}}  # ... but not with the trail


def test_a_missing_file_is_named(app, records):
    first = records[0]
    path = storage.path_for(first.read.file_sha256)
    original = path.read_bytes()
    path.unlink()
    try:
        result = run_verify(app)
    finally:
        path.write_bytes(original)
    assert result.exit_code == 1 and named(result) == {first.read.id: {"file missing"}}


def test_the_database_refuses_a_meaning_change_alone(app, records):
    """Changing only the meaning of a row breaks the signer constraint: it cannot happen
    without changing the signer too (which the record hash then names)."""
    with pytest.raises(IntegrityError):
        tamper(records[0].read.id, meaning=VERIFIED_COMPETENT)
    db.session.rollback()
    with pytest.raises(IntegrityError):
        tamper(records[0].verified.id, meaning="read_understood")
    db.session.rollback()


def test_admin_page_names_the_same_signatures(app, client, records):
    first, second = records[0], records[1]
    tamper(second.read.id, lesson_id=second.observed.id)
    path = storage.path_for(first.read.file_sha256)
    original = path.read_bytes()
    login(client, create_user(role="admin"))
    page = client.get("/admin/signatures/")
    assert page.status_code == 200 and "8 signatures in the database." in text_of(page)
    try:
        path.write_bytes(b"replaced")
        response = post_form(client, "/admin/signatures/verify", page="/admin/signatures/")
    finally:
        path.write_bytes(original)
    assert response.status_code == 200
    body = main_of(response)
    assert "2 signatures do not match their records." in body
    problems = dict(re.findall(r'data-signature-id="(\d+)" data-failures="([^"]*)"', body))
    assert problems == {str(first.read.id): "file_changed", str(second.read.id): "record_hash"}
    assert "The signed file has changed on disk" in body and first.learner.email in body


def test_admin_page_reports_all_match_and_checks_at_most_the_limit(app, client, records):
    app.config["SIGNATURES_VERIFY_PAGE_MAX"] = 5
    login(client, create_user(role="admin"))
    body = main_of(post_form(client, "/admin/signatures/verify", page="/admin/signatures/"))
    assert 'data-checked="5"' in body and 'data-problems="0"' in body
    assert "Only the first 5 of 8 signatures were checked." in body
    app.config["SIGNATURES_VERIFY_PAGE_MAX"] = 100
    body = main_of(post_form(client, "/admin/signatures/verify", page="/admin/signatures/"))
    assert "All 8 signatures checked match their records and signed files." in body


def test_only_site_admins_verify(app, client, records):
    assert client.get("/admin/signatures/").status_code == 302  # anonymous: to the login page
    for role in ("learner", "author", "org_admin"):
        other = app.test_client()
        login(other, create_user(role=role))
        assert other.get("/admin/signatures/").status_code == 403
        assert post_form(other, "/admin/signatures/verify", page="/my-learning").status_code == 403
    admin = app.test_client()
    login(admin, create_user(role="admin"))
    assert admin.post("/admin/signatures/verify").status_code == 400  # no CSRF token
