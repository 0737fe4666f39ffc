"""The bulk CSV's job_profiles column: unknown names are row errors in the preview; applying
gives the profiles and the enrolments they require, in the job's one transaction."""
from sqlalchemy import select

from lms.compliance.models import JobAssignment
from lms.enrolments.models import BulkEnrolmentJob
from lms.extensions import db
from tests.compliance.helpers import enrolments_of, profile_with
from tests.enrolments.test_bulk import apply_form_of, upload
from tests.factories import create_course, create_org, create_user
from tests.helpers import login, text_of

HEADER = "email,name,organisation,country,course,job_profiles,reason\n"


def test_unknown_profile_names_are_row_errors_in_the_preview(app):
    org = create_org(name="Oslo Pharma")
    admin = create_user(role="admin", org=org)
    profile_with(admin, org, [create_course(org=org)], name="QA specialist")
    client = app.test_client()
    login(client, admin)
    preview = upload(client, HEADER + "kari@example.com,Kari,Oslo Pharma,NO,,QA specialist;Field sales,Joins QA\n")
    body = text_of(preview)
    assert preview.status_code == 200
    assert "has no job profile “Field sales”" in body and 'name="upload"' not in body
    assert db.session.scalars(select(JobAssignment)).all() == []


def test_an_org_admin_cannot_name_another_organisations_profiles(app):
    mine, theirs = create_org(name="Mine"), create_org(name="Theirs")
    site_admin = create_user(role="admin", org=theirs)
    profile_with(site_admin, theirs, [create_course(org=theirs)], name="QA specialist")
    person = create_user(org=theirs, email="theirs@example.com")
    from lms.enrolments import bulk

    me = create_user(role="org_admin", org=mine)
    result = bulk.plan((HEADER + f"{person.email},X,Theirs,NO,,QA specialist,Joins QA\n").encode(), actor=me)
    [row] = result.rows
    assert any("do not administer" in str(e) for e in row.errors)


def test_applying_gives_the_profiles_and_their_enrolments(app, tmp_path):
    org = create_org(name="Oslo Pharma")
    admin = create_user(role="admin", org=org, email="boss@example.com")
    gxp, sop = create_course(org=org, title="GxP essentials"), create_course(org=org, title="SOP reading")
    extra = create_course(org=org, title="Pharmacovigilance")
    profile_with(admin, org, [gxp, sop], name="QA specialist")
    existing = create_user(org=org, email="kari@example.com")
    path = tmp_path / "people.csv"
    path.write_text(HEADER + (
        "KARI@example.com,Kari,Oslo Pharma,NO,,qa specialist,Joins QA\n"
        "new@example.com,New Person,Oslo Pharma,NO,Pharmacovigilance,QA specialist,New hire in QA\n"
    ), encoding="utf-8")
    applied = app.test_cli_runner().invoke(args=["lms", "enrol-csv", str(path), "--admin", admin.email, "--apply"])
    assert applied.exit_code == 0, applied.output
    job = db.session.scalar(select(BulkEnrolmentJob))
    assert job.status == "done" and job.result["job_profiles"] == 2
    assert sorted((e.course_id, e.source) for e in enrolments_of(existing)) == sorted(
        [(gxp.id, "job_profile"), (sop.id, "job_profile")])
    new = db.session.scalar(select(JobAssignment).where(JobAssignment.user_id != existing.id)).user
    assert sorted((e.course_id, e.source) for e in enrolments_of(new)) == sorted(
        [(gxp.id, "job_profile"), (sop.id, "job_profile"), (extra.id, "bulk")])
    page = app.test_client()
    login(page, admin)
    assert "QA specialist" in text_of(page.get(f"/admin/enrolments/bulk/jobs/{job.id}"))


def test_the_preview_shows_the_profiles_of_a_valid_file(app):
    org = create_org(name="Oslo Pharma")
    admin = create_user(role="admin", org=org)
    profile_with(admin, org, [create_course(org=org)], name="QA specialist")
    client = app.test_client()
    login(client, admin)
    preview = upload(client, HEADER + "kari@example.com,Kari,Oslo Pharma,NO,,QA specialist,Joins QA\n")
    assert "QA specialist" in text_of(preview) and apply_form_of(preview)["upload"]
