"""Bulk enrolment by CSV: preview, all-or-nothing apply, invitations, bad files."""
import io
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.enrolments.models import BulkEnrolmentJob, Enrolment
from lms.extensions import db
from tests.factories import create_course, create_user, enrol
from tests.helpers import csrf_token, login, post_form, text_of

HEADER = "email,name,organisation,country,course,due_date\n"
FUTURE = (date.today() + timedelta(days=60)).isoformat()
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)", re.I)


def counts():
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Enrolment)),
    )


@pytest.fixture
def admin(app):
    client = app.test_client()
    login(client, create_user(role="admin"))
    return client


def upload(client, content, filename="learners.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        "/admin/enrolments/bulk",
        data={"csrf_token": csrf_token(client, "/admin/enrolments/bulk"), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def apply_form_of(preview):
    """The hidden fields of the preview's apply form."""
    body = text_of(preview)
    return {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', body).group(1) for name in ("upload", "key", "filename")}


def apply_from(client, preview):
    return post_form(client, "/admin/enrolments/bulk/apply", apply_form_of(preview), page="/admin/enrolments/bulk")


def test_preview_lists_every_row_and_changes_nothing(app, admin):
    course = create_course(title="GxP essentials")
    existing = create_user(email="old@example.com")
    enrol(existing, course)
    before = counts()
    csv_text = HEADER + (
        f"new@example.com,Kari Nordmann,Oslo Pharma,NO,GxP essentials,{FUTURE}\n"
        f"OLD@example.com,Old Timer,Oslo Pharma,NO,{course.slug},\n"
    )
    response = upload(admin, csv_text)
    body = text_of(response)
    assert response.status_code == 200
    assert "All 2 rows are valid" in body
    assert "New user: invite and enrol" in body and "Already enrolled: left as it is" in body
    assert counts() == before


def test_apply_records_a_job_for_a_worker_and_shows_its_page(app, admin):
    """No worker runs here: the job waits, queued, and its page says so and reloads itself."""
    create_course(title="GxP essentials")
    preview = upload(admin, HEADER + f"new@example.com,Kari Nordmann,Oslo Pharma,NO,GxP essentials,{FUTURE}\n")
    before = counts()
    response = apply_from(admin, preview)
    assert response.status_code == 303
    assert re.fullmatch(r"/admin/enrolments/bulk/jobs/\d+", urlsplit(response.location).path)
    page = admin.get(response.location)
    body = text_of(page)
    assert page.status_code == 200 and 'data-status="queued"' in body and "Nothing has changed yet" in body
    assert '<meta http-equiv="refresh" content="2">' in body
    assert not INLINE_SCRIPT.search(body)
    assert counts() == before  # the request applied nothing itself
    listing = text_of(admin.get("/admin/enrolments/bulk"))
    assert "Recent bulk enrolments" in listing and "learners.csv" in listing and "Queued" in listing
    # The same preview submitted again (a double click) is the same job; the upload is gone.
    assert apply_from(admin, preview).location == response.location


def test_job_pages_are_for_admins_only(app, admin):
    create_course(title="GxP essentials")
    preview = upload(admin, HEADER + "new@example.com,Kari Nordmann,Oslo Pharma,NO,GxP essentials,\n")
    path = urlsplit(apply_from(admin, preview).location).path
    assert app.test_client().get(path).status_code == 302  # to the login page
    for role in ("learner", "author"):
        other = app.test_client()
        login(other, create_user(role=role))
        assert other.get(path).status_code == 403
    assert admin.get("/admin/enrolments/bulk/jobs/999999").status_code == 404
    assert admin.get("/admin/enrolments/bulk/jobs/99999999999999999999").status_code == 404


@pytest.mark.parametrize("row, message", [
    ("not-an-email,A,Org,NO,GxP essentials,", "is not a valid email address"),
    ("a@example.com,A,Org,NO,No such course,", "There is no published course"),
    ("a@example.com,A,Org,Norway,GxP essentials,", "two-letter code"),
    ("a@example.com,A,Org,NO,GxP essentials,31/12/2030", "must look like 2026-12-31"),
    ("a@example.com,A,Org,NO,GxP essentials,2001-01-01", "in the past"),
    ("a@example.com,=cmd|' /C calc'!A0,Org,NO,GxP essentials,", "formulas are not accepted"),
    ("a@example.com,,Org,NO,GxP essentials,", "The name is missing"),
])
def test_bad_rows_are_reported_and_nothing_is_applied(app, admin, row, message):
    create_course(title="GxP essentials")
    before = counts()
    csv_text = HEADER + f"good@example.com,Good Row,Org,NO,GxP essentials,\n{row}\n"
    response = upload(admin, csv_text)
    body = text_of(response)
    assert response.status_code == 200 and message in body
    assert "1 row has errors. Nothing was changed" in body
    assert 'name="upload"' not in body  # no way to apply
    assert counts() == before


def test_duplicate_rows_are_reported(app, admin):
    create_course(title="GxP essentials")
    csv_text = HEADER + "a@example.com,A,Org,NO,GxP essentials,\nA@example.com,A,Org,NO,GxP essentials,\n"
    assert "Duplicate of line 2" in text_of(upload(admin, csv_text))


@pytest.mark.parametrize("content, message", [
    ("mail,name\nx@example.com,X\n", "The columns must be"),
    ("email,name,organisation,country,course\n".encode("utf-16"), "UTF-16"),
    ("email,name,organisation,country,course\nø@example.com,Bjørn,Org,NO,C\n".encode("latin-1"), "not UTF-8"),
    (HEADER, "no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
])
def test_bad_files_give_a_clear_error(app, admin, content, message):
    before = counts()
    response = upload(admin, content)
    assert response.status_code == 422 and message in text_of(response)
    assert counts() == before


def test_large_files_are_refused(app, admin):
    app.config["BULK_CSV_MAX_BYTES"] = 1024
    response = upload(admin, HEADER + "a@example.com,A,Org,NO,C,\n" * 100)
    assert response.status_code == 413 and "larger than" in text_of(response)


def test_excel_style_utf8_bom_and_semicolons_are_accepted(app, admin):
    create_course(title="GxP essentials")
    content = "\ufeffemail;name;organisation;country;course\nå@example.com;Åse Ødegård;Bergen Apotek;NO;GxP essentials\n"
    body = text_of(upload(admin, content.encode("utf-8")))
    assert "All 1 rows are valid" in body and "Åse Ødegård" in body


def test_only_admins_bulk_enrol(app, client):
    assert client.get("/admin/enrolments/bulk").status_code == 302
    for role in ("learner", "author"):
        other = app.test_client()
        login(other, create_user(role=role))
        assert other.get("/admin/enrolments/bulk").status_code == 403
        token = csrf_token(other, "/my-learning")
        assert other.post("/admin/enrolments/bulk", data={"csrf_token": token}).status_code == 403
        assert other.post("/admin/enrolments/bulk/apply", data={"csrf_token": token, "upload": "0" * 64}).status_code == 403


def test_tampered_apply_is_refused(app, admin):
    key = "k" * 32
    for fields in ({"upload": "../../etc/passwd", "key": key}, {"upload": "a" * 64, "key": "<script>"}, {"upload": "a" * 64}):
        assert post_form(admin, "/admin/enrolments/bulk/apply", fields, page="/admin/enrolments/bulk").status_code == 400
    assert post_form(admin, "/admin/enrolments/bulk/apply", {"upload": "a" * 64, "key": key}, page="/admin/enrolments/bulk").status_code == 404


def test_cli_previews_and_applies(app, tmp_path):
    create_course(title="GxP essentials")
    admin = create_user(role="admin", email="boss@example.com")
    path = tmp_path / "learners.csv"
    path.write_text(HEADER + "cli@example.com,Cli Learner,Org,SE,GxP essentials,\n", encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["lms", "enrol-csv", str(path), "--admin", admin.email])
    assert dry.exit_code == 0 and "new user" in dry.output and "--apply" in dry.output
    assert counts()[1] == 0
    applied = runner.invoke(args=["lms", "enrol-csv", str(path), "--admin", admin.email, "--apply"])
    assert applied.exit_code == 0 and "Applied 1 row" in applied.output and "new user" in applied.output
    assert counts()[1] == 1
    # Applied as a bulk enrolment job, run inline: the admin page lists it.
    job = db.session.scalar(select(BulkEnrolmentJob))
    assert (job.status, job.row_count, job.progress, job.filename) == ("done", 1, 1, "learners.csv")
    assert job.result["created_users"] == 1
    path.write_text(HEADER + "bad,Bad,Org,SE,GxP essentials,\n", encoding="utf-8")
    bad = runner.invoke(args=["lms", "enrol-csv", str(path), "--admin", admin.email, "--apply"])
    assert bad.exit_code == 1 and "nothing was changed" in bad.output
    assert runner.invoke(args=["lms", "enrol-csv", str(path), "--admin", "nobody@example.com"]).exit_code == 2
