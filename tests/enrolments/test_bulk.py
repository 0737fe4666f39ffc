"""Bulk enrolment by CSV: preview, all-or-nothing apply, invitations, bad files."""
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.enrolments.models import Enrolment
from lms.extensions import db
from tests.factories import create_course, create_user, enrol
from tests.helpers import csrf_token, login, post_form, text_of

HEADER = "email,name,organisation,country,course,due_date\n"
FUTURE = (date.today() + timedelta(days=60)).isoformat()


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


def apply_from(client, preview):
    token = re.search(r'name="upload"[^>]*value="([0-9a-f]{64})"', text_of(preview)).group(1)
    return post_form(client, "/admin/enrolments/bulk/apply", {"upload": token}, page="/admin/enrolments/bulk")


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


def test_apply_creates_users_enrols_and_reports_existing(app, admin):
    course = create_course(title="GxP essentials")
    other = create_course(title="Pharmacovigilance")
    existing = create_user(email="old@example.com")
    enrol(existing, course)
    csv_text = HEADER + (
        f"new@example.com,Kari Nordmann,Oslo Pharma,NO,GxP essentials,{FUTURE}\n"
        f"new@example.com,Kari Nordmann,Oslo Pharma,NO,Pharmacovigilance,\n"
        "old@example.com,Old Timer,Oslo Pharma,NO,GxP essentials,\n"
        "old@example.com,Old Timer,Oslo Pharma,NO,Pharmacovigilance,\n"
    )
    preview = upload(admin, csv_text)
    response = apply_from(admin, preview)
    assert response.status_code == 302
    flash = text_of(admin.get(response.location))
    assert "3 enrolments, 1 new users invited, 1 already enrolled" in flash
    new = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert new.name == "Kari Nordmann" and new.organisation.name == "Oslo Pharma" and new.country == "NO"
    assert {e.course_id for e in db.session.scalars(select(Enrolment).where(Enrolment.user_id == new.id))} == {course.id, other.id}
    gxp = db.session.scalar(select(Enrolment).where(Enrolment.user_id == new.id, Enrolment.course_id == course.id))
    assert gxp.due_at.date().isoformat() == FUTURE
    # the new user cannot log in until they set a password
    assert post_form(app.test_client(), "/login", {"email": "new@example.com", "password": "anything at all"}).status_code == 401
    # applying the same file again is refused: the upload was used
    assert apply_from(admin, preview).status_code == 404


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
    assert post_form(admin, "/admin/enrolments/bulk/apply", {"upload": "../../etc/passwd"}, page="/admin/enrolments/bulk").status_code == 400
    assert post_form(admin, "/admin/enrolments/bulk/apply", {"upload": "a" * 64}, page="/admin/enrolments/bulk").status_code == 404


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
    assert applied.exit_code == 0 and "Applied 1 row" in applied.output
    assert counts()[1] == 1
    path.write_text(HEADER + "bad,Bad,Org,SE,GxP essentials,\n", encoding="utf-8")
    bad = runner.invoke(args=["lms", "enrol-csv", str(path), "--admin", admin.email, "--apply"])
    assert bad.exit_code == 1 and "nothing was changed" in bad.output
    assert runner.invoke(args=["lms", "enrol-csv", str(path), "--admin", "nobody@example.com"]).exit_code == 2
