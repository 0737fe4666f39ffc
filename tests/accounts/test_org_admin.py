"""The organisation admin: an administrator of one organisation who sees and manages only its
people, records, reports, exports and bulk enrolments; the site admin keeps seeing all."""
import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.compliance.models import JobAssignment, JobProfile, Requirement
from lms.demo import DEMO_PASSWORD
from lms.enrolments.models import BulkEnrolmentJob
from lms.extensions import db
from lms.policy import Forbidden, can
from lms.reminders.models import ReminderLog
from lms.reports import services as reports
from lms.reports.services import ReportFilters
from lms.timeutil import utcnow
from tests.enrolments.test_bulk import FUTURE, HEADER, apply_from, upload
from tests.factories import create_course, create_org, create_user, enrol, lessons_of
from tests.helpers import login, post_form, text_of

# Strings only B's things carry: a page an org admin of A is shown must hold none of them.
B_MARKERS = ("Beta Devices", "bjorn.beta@example.com", "Bjorn Beta", "bea.boss@example.com", "Bea Boss",
             "QA specialist, Malmö")

ROLE_SELECT = re.compile(r'<select id="role-\d+" name="role">(.*?)</select>', re.S)


def _completed(enrolment, days_ago=1):
    enrolment.status, enrolment.completed_at = "completed", utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return enrolment


def _job(submitter, organisation_id, key):
    job = BulkEnrolmentJob(
        submitted_by_id=submitter.id, organisation_id=organisation_id, submission_key=key,
        filename=f"{key}.csv", csv_text=HEADER, row_count=0, status="done", progress=0, attempts=1,
        result={"enrolled": 0, "created_users": 0, "already_enrolled": 0, "errors": 0, "rows": []},
    )
    db.session.add(job)
    db.session.commit()
    return job


@pytest.fixture
def world(app):
    """Organisations A and B, each with an org admin and a learner who completed a course
    (with a certificate), B's author with a course, B's job profile, bulk job and failed
    reminder, and a site admin of a third organisation."""
    org_a = create_org("Alpha Pharma", country="NO")
    org_b = create_org("Beta Devices", country="SE")
    site = create_org("Site Operations", country="NO")
    site_admin = create_user("admin", org=site, name="Sam Site", email="sam.site@example.com")
    a_admin = create_user("org_admin", org=org_a, name="Alma Admin", email="alma.admin@example.com")
    a_learner = create_user("learner", org=org_a, name="Anna Alpha", email="anna.alpha@example.com")
    b_admin = create_user("org_admin", org=org_b, name="Bea Boss", email="bea.boss@example.com")
    b_learner = create_user("learner", org=org_b, name="Bjorn Beta", email="bjorn.beta@example.com")
    b_author = create_user("author", org=org_b, name="Bo Author", email="bo.author@example.com")
    course = create_course(title="GxP essentials", org=site)
    b_course = create_course(title="Device vigilance", org=org_b, owner=b_author)
    a_done = _completed(enrol(a_learner, course))
    b_done = _completed(enrol(b_learner, course))
    b_open = enrol(b_learner, b_course)
    certs = {}
    for key, enrolment, learner, org in (("a", a_done, a_learner, org_a), ("b", b_done, b_learner, org_b)):
        certs[key] = Certificate(
            enrolment_id=enrolment.id, code=("ABCDEFGHJKLMNPQRSTUVWXY" + key.upper()), status="issued",
            issued_at=utcnow(), learner_name=learner.name, course_title=course.title, version_number=1,
            cpd_hours=1, completed_at=enrolment.completed_at, organisation_name=org.name,
        )
    log = ReminderLog(enrolment_id=b_open.id, kind="overdue", period_key="p", status="failed")
    profile = JobProfile(organisation_id=org_b.id, name="QA specialist, Malmö")
    db.session.add_all([*certs.values(), log, profile])
    db.session.flush()
    requirement = Requirement(profile_id=profile.id, course_id=course.id, due_days=30)
    assignment = JobAssignment(user_id=b_learner.id, profile_id=profile.id, assigned_by_id=b_admin.id)
    db.session.add_all([requirement, assignment])
    db.session.commit()
    b_job = _job(b_admin, org_b.id, "b-job")
    site_job = _job(site_admin, None, "site-job")
    a_job = _job(a_admin, org_a.id, "a-job")
    lessons = lessons_of(b_course)
    quiz = next(lesson for lesson in lessons if lesson.kind == "quiz")
    return {
        "org_a": org_a, "org_b": org_b, "site_admin": site_admin, "a_admin": a_admin,
        "a_learner": a_learner, "b_admin": b_admin, "b_learner": b_learner, "b_author": b_author,
        "course": course, "b_course": b_course, "certs": certs, "log": log, "profile": profile,
        "requirement": requirement, "assignment": assignment, "b_job": b_job, "site_job": site_job,
        "a_job": a_job, "quiz": quiz, "lessons": lessons,
    }


def client_of(app, user):
    client = app.test_client()
    login(client, user)
    return client


def assert_no_b(body):
    leaked = [marker for marker in B_MARKERS if marker in body]
    assert not leaked, leaked


# ------------------------------------------------------------------ the policy


def test_the_policy_scopes_an_org_admin_to_their_organisation(world):
    a_admin, b_learner, a_learner = world["a_admin"], world["b_learner"], world["a_learner"]
    assert can(a_admin, "user.manage") and can(a_admin, "user.manage", a_learner)
    assert not can(a_admin, "user.manage", b_learner)
    assert not can(a_admin, "user.manage", a_admin)  # never themselves
    assert not can(a_admin, "user.grant_role", "admin")
    assert all(can(a_admin, "user.grant_role", role) for role in ("learner", "author", "org_admin"))
    assert can(a_admin, "record.view", a_learner) and not can(a_admin, "record.view", b_learner)
    assert can(a_admin, "report.view", world["org_a"]) and not can(a_admin, "report.view", world["org_b"])
    assert can(a_admin, "enrolment.bulk", world["a_job"])
    assert not can(a_admin, "enrolment.bulk", world["b_job"])
    assert not can(a_admin, "enrolment.bulk", world["site_job"])
    for action in ("admin.view", "certificate.manage", "reminder.manage"):
        assert not can(a_admin, action)
    assert not can(a_admin, "enrolment.move_version", world["course"])
    # The site admin keeps seeing everything.
    site_admin = world["site_admin"]
    assert can(site_admin, "user.manage", b_learner) and can(site_admin, "record.view", b_learner)
    assert can(site_admin, "report.view", world["org_b"]) and can(site_admin, "enrolment.bulk", world["b_job"])


def test_an_org_admin_without_an_organisation_administers_nothing(app, world):
    homeless = create_user("org_admin", org=world["org_a"])
    homeless.organisation_id = None
    db.session.commit()
    client = client_of(app, homeless)
    for url in ("/admin/", "/admin/users/", "/admin/reports/", "/admin/reports/completion.csv",
                "/admin/enrolments/bulk", f"/admin/users/{world['a_learner'].id}/record"):
        assert client.get(url).status_code == 403, url


# ------------------------------------------------------------------ people


def test_the_users_list_shows_only_their_organisations_people(app, world):
    client = client_of(app, world["a_admin"])
    body = text_of(client.get("/admin/users/"))
    assert "Anna Alpha" in body and "Alma Admin" in body
    assert_no_b(body)
    assert "Sam Site" not in body
    assert "No users match." in text_of(client.get("/admin/users/?q=bjorn"))
    # The role form offers no site admin role to an org admin ...
    offered = set(re.findall(r'option value="(\w+)"', " ".join(ROLE_SELECT.findall(body))))
    assert offered == {"learner", "author", "org_admin"}
    assert "Organisation administrator" in body
    # ... while the site admin sees everyone and may give every role.
    everyone = text_of(client_of(app, world["site_admin"]).get("/admin/users/"))
    assert "Anna Alpha" in everyone and "Bjorn Beta" in everyone
    assert "admin" in re.findall(r'option value="(\w+)"', " ".join(ROLE_SELECT.findall(everyone)))


def test_an_org_admin_manages_roles_in_their_organisation_only(app, world):
    client = client_of(app, world["a_admin"])
    a_learner, b_learner = world["a_learner"], world["b_learner"]
    page = "/admin/users/"
    assert post_form(client, f"/admin/users/{a_learner.id}/role", {"role": "author", "reason": "Duties changed"}, page=page).status_code == 302
    assert post_form(client, f"/admin/users/{a_learner.id}/role", {"role": "org_admin", "reason": "Duties changed"}, page=page).status_code == 302
    db.session.refresh(a_learner)
    assert a_learner.role == "org_admin"
    # Never a site admin, never another organisation's person, never themselves.
    assert post_form(client, f"/admin/users/{a_learner.id}/role", {"role": "admin", "reason": "Duties changed"}, page=page).status_code == 403
    assert post_form(client, f"/admin/users/{b_learner.id}/role", {"role": "author", "reason": "Duties changed"}, page=page).status_code == 403
    assert post_form(client, f"/admin/users/{b_learner.id}/active", {"active": "0", "reason": "Left the company"}, page=page).status_code == 403
    assert post_form(client, f"/admin/users/{world['a_admin'].id}/role", {"role": "learner", "reason": "Duties changed"}, page=page).status_code == 409
    db.session.refresh(a_learner)
    db.session.refresh(b_learner)
    assert a_learner.role == "org_admin" and b_learner.role == "learner" and b_learner.is_active_account
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.role_changed")).all()
    assert [(e.actor_id, e.data["new"]) for e in events] == [(world["a_admin"].id, "author"), (world["a_admin"].id, "org_admin")]


def test_an_org_admin_cannot_change_a_site_admin_of_their_organisation(app, world):
    boss = create_user("admin", org=world["org_a"], name="Astrid Admin")
    client = client_of(app, world["a_admin"])
    body = text_of(client.get("/admin/users/"))
    assert "Astrid Admin" in body and f'action="/admin/users/{boss.id}/role"' not in body
    assert post_form(client, f"/admin/users/{boss.id}/role", {"role": "learner", "reason": "Duties changed"}, page="/admin/users/").status_code == 403
    assert post_form(client, f"/admin/users/{boss.id}/active", {"active": "0", "reason": "Left the company"}, page="/admin/users/").status_code == 403
    db.session.refresh(boss)
    assert boss.role == "admin" and boss.is_active_account


def test_an_org_admin_deactivates_their_organisations_people(app, world):
    client = client_of(app, world["a_admin"])
    a_learner = world["a_learner"]
    response = post_form(client, f"/admin/users/{a_learner.id}/active", {"active": "0", "reason": "Left the company"}, page="/admin/users/")
    assert response.status_code == 302
    db.session.refresh(a_learner)
    assert not a_learner.is_active_account


def test_a_site_admin_makes_someone_an_org_admin(app, world):
    client = client_of(app, world["site_admin"])
    b_learner = world["b_learner"]
    response = post_form(client, f"/admin/users/{b_learner.id}/role", {"role": "org_admin", "reason": "Duties changed"}, page="/admin/users/")
    assert response.status_code == 302
    db.session.refresh(b_learner)
    assert b_learner.role == "org_admin" and b_learner.is_org_admin
    assert "is now: Organisation administrator" in text_of(client.get("/admin/users/"))


# ------------------------------------------------------------------ records


@pytest.mark.parametrize("suffix", ["", ".csv", ".pdf"])
def test_training_records_of_their_people_only(app, world, suffix):
    client = client_of(app, world["a_admin"])
    assert client.get(f"/admin/users/{world['a_learner'].id}/record{suffix}").status_code == 200
    assert client.get(f"/admin/users/{world['b_learner'].id}/record{suffix}").status_code == 403
    assert client.get(f"/admin/users/999999/record{suffix}").status_code == 404
    assert client_of(app, world["site_admin"]).get(f"/admin/users/{world['b_learner'].id}/record{suffix}").status_code == 200


# ------------------------------------------------------------------ reports and exports


def test_the_completion_report_covers_their_organisation_only(app, world):
    client = client_of(app, world["a_admin"])
    body = text_of(client.get("/admin/reports/"))
    assert "Anna Alpha" in body
    assert_no_b(body)
    assert "Alpha Pharma" in body  # the only organisation offered
    assert client.get(f"/admin/reports/?organisation={world['org_b'].id}").status_code == 403
    assert client.get(f"/admin/reports/?organisation={world['org_a'].id}").status_code == 200
    site = text_of(client_of(app, world["site_admin"]).get("/admin/reports/"))
    assert "Anna Alpha" in site and "Bjorn Beta" in site


def test_exports_cover_their_organisation_only(app, world):
    client = client_of(app, world["a_admin"])
    csv_text = text_of(client.get("/admin/reports/completion.csv"))
    assert "anna.alpha@example.com" in csv_text
    assert_no_b(csv_text)
    xlsx = client.get("/admin/reports/completion.xlsx")
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.data)) as book:
        sheets = " ".join(book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml"))
    assert "anna.alpha@example.com" in sheets
    assert_no_b(sheets)
    for kind in ("csv", "xlsx"):
        response = client.get(f"/admin/reports/completion.{kind}?organisation={world['org_b'].id}")
        assert response.status_code == 403
        assert b"bjorn" not in response.data


def test_the_report_services_refuse_another_organisation(world):
    a_admin = world["a_admin"]
    report = reports.completion_report(a_admin, ReportFilters())
    assert {row.user_id for row in report.learners.items} == {world["a_learner"].id}
    assert [row.user_id for row in reports.export_rows(a_admin, ReportFilters())] == [world["a_learner"].id]
    with pytest.raises(Forbidden):
        reports.completion_report(a_admin, ReportFilters(organisation_id=world["org_b"].id))
    with pytest.raises(Forbidden):
        reports.export_rows(a_admin, ReportFilters(organisation_id=world["org_b"].id))


# ------------------------------------------------------------------ the admin start page and header


def test_the_admin_start_page_shows_their_organisations_figures(app, world):
    client = client_of(app, world["a_admin"])
    response = client.get("/admin/")
    assert response.status_code == 200
    body = text_of(response)
    assert "Your organisation: Alpha Pharma" in body and "Anna Alpha" in body
    assert_no_b(body)
    assert "Device vigilance" not in body  # no learner of A is on B's course
    for site_only in ("/admin/audit/", "/admin/certificates", "/admin/reminders/failed"):
        assert f'href="{site_only}"' not in body
    for link in ("/admin/users/", "/admin/reports/", "/admin/enrolments/bulk"):
        assert f'href="{link}"' in body
    site = text_of(client_of(app, world["site_admin"]).get("/admin/"))
    assert "Bjorn Beta" in site and 'href="/admin/audit/"' in site


def test_the_header_links_org_admins_to_administration(app, world):
    assert 'href="/admin/"' in text_of(client_of(app, world["a_admin"]).get("/my-learning"))
    assert 'href="/admin/"' not in text_of(client_of(app, world["a_learner"]).get("/my-learning"))


# ------------------------------------------------------------------ bulk enrolment


def test_bulk_rows_of_another_organisation_are_row_errors(app, world):
    client = client_of(app, world["a_admin"])
    preview = upload(client, HEADER + (
        f"new.alpha@example.com,New Alpha,Alpha Pharma,NO,GxP essentials,{FUTURE}\n"
        "new.beta@example.com,New Beta,Beta Devices,SE,GxP essentials,\n"
        "bjorn.beta@example.com,Bjorn Beta,Alpha Pharma,NO,GxP essentials,\n"
        "someone@example.com,Some One,Brand New Org,NO,GxP essentials,\n"
    ))
    body = text_of(preview)
    assert preview.status_code == 200
    assert "You may enrol only people of Alpha Pharma; this row names “Beta Devices”." in body
    assert "bjorn.beta@example.com belongs to another organisation." in body
    assert "this row names “Brand New Org”" in body
    assert 'name="key"' not in body  # nothing to apply while rows have errors
    ok = upload(client, HEADER + f"new.alpha@example.com,New Alpha,alpha pharma,NO,GxP essentials,{FUTURE}\n")
    assert 'name="key"' in text_of(ok), text_of(ok)[text_of(ok).find("<main"):][:1500]
    # The site admin may name any organisation.
    site = upload(client_of(app, world["site_admin"]), HEADER + "new.beta@example.com,New Beta,Beta Devices,SE,GxP essentials,\n")
    assert 'name="key"' in text_of(site)


def test_bulk_jobs_of_other_organisations_are_hidden_and_refused(app, world):
    client = client_of(app, world["a_admin"])
    listing = text_of(client.get("/admin/enrolments/bulk"))
    assert f'/admin/enrolments/bulk/jobs/{world["a_job"].id}"' in listing
    assert f'/admin/enrolments/bulk/jobs/{world["b_job"].id}"' not in listing
    assert f'/admin/enrolments/bulk/jobs/{world["site_job"].id}"' not in listing
    assert client.get(f"/admin/enrolments/bulk/jobs/{world['a_job'].id}").status_code == 200
    assert client.get(f"/admin/enrolments/bulk/jobs/{world['b_job'].id}").status_code == 403
    assert client.get(f"/admin/enrolments/bulk/jobs/{world['site_job'].id}").status_code == 403
    site = client_of(app, world["site_admin"])
    assert site.get(f"/admin/enrolments/bulk/jobs/{world['b_job'].id}").status_code == 200


def test_an_org_admins_job_is_recorded_with_their_organisation(app, world):
    client = client_of(app, world["a_admin"])
    preview = upload(client, HEADER + f"new.alpha@example.com,New Alpha,Alpha Pharma,NO,GxP essentials,{FUTURE}\n")
    response = apply_from(client, preview)
    assert response.status_code == 303
    job = db.session.get(BulkEnrolmentJob, int(response.location.rsplit("/", 1)[1]))
    assert job.organisation_id == world["org_a"].id and job.submitted_by_id == world["a_admin"].id
    assert db.session.scalar(select(User).where(User.email == "new.alpha@example.com")) is None  # the worker applies it


def test_the_bulk_command_holds_an_org_admin_to_their_organisation(app, world, tmp_path):
    path = tmp_path / "learners.csv"
    path.write_text(HEADER + "new.beta@example.com,New Beta,Beta Devices,SE,GxP essentials,\n", encoding="utf-8")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["lms", "enrol-csv", str(path), "--admin", world["a_admin"].email, "--apply"])
    assert refused.exit_code == 1 and "You may enrol only people of Alpha Pharma" in refused.output
    path.write_text(HEADER + "new.alpha@example.com,New Alpha,Alpha Pharma,NO,GxP essentials,\n", encoding="utf-8")
    applied = runner.invoke(args=["lms", "enrol-csv", str(path), "--admin", world["a_admin"].email, "--apply"])
    assert applied.exit_code == 0, applied.output
    new = db.session.scalar(select(User).where(User.email == "new.alpha@example.com"))
    assert new.organisation_id == world["org_a"].id
    job = db.session.scalar(select(BulkEnrolmentJob).where(BulkEnrolmentJob.filename == "learners.csv"))
    assert job.organisation_id == world["org_a"].id and job.status == "done"
    learner = runner.invoke(args=["lms", "enrol-csv", str(path), "--admin", world["a_learner"].email])
    assert learner.exit_code == 2


def test_the_demo_org_admin_sees_their_organisation_only(app):
    assert app.test_cli_runner().invoke(args=["lms", "seed-demo"]).exit_code == 0
    client = app.test_client()
    response = post_form(client, "/login", {"email": "orgadmin.se@demo.lms.test", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    people = text_of(client.get("/admin/users/"))
    assert "sven@demo.lms.test" in people and "kari@demo.lms.test" not in people
    report = text_of(client.get("/admin/reports/completion.csv"))
    assert "kari@demo.lms.test" not in report and "admin@demo.lms.test" not in report
