"""An administrator's acceptance path in a real browser, starting from the Administration
page as a newcomer would: find the overdue learners of one organisation, export them,
bulk-enrol a CSV of 500 new learners (applied by a real worker while the job page shows its
progress; their invitations recorded and handed to the worker), and hand over one learner's training record as a PDF and a CSV."""
import base64
import csv
import io
import json
import re
import time
from datetime import date, timedelta

import pytest
import redis
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from lms.accounts.models import Organisation, User
from lms.accounts.tasks import send_invitation
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.courses.models import Course
from lms.demo import DEMO_PASSWORD, SOP as SOP_SPEC, seed_demo
from lms.enrolments.models import BulkEnrolmentJob, Enrolment
from lms.extensions import db
from lms.outbox.models import SEND_INVITATION, Outbox
from tests.e2e.axe import assert_accessible
from tests.factories import create_user
from tests.helpers import wait_until
from tests.reports.conftest import make_enrolment
from tests.support.fixtures import worker_env
from tests.support.servers import CeleryWorker

pytestmark = pytest.mark.e2e

GXP = "GxP essentials for medical-device professionals"
PV = "Pharmacovigilance signal detection"
NORDIC = "Nordic MedTech Association"
SWEDISH = "Swedish Pharma Quality Network"
BULK_ORG = "Vilnius Clinical Research"
BULK_ROWS = 500
RECORD_OF = "Solveig Haugen"


def organisation(name):
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def course(title):
    return db.session.scalar(select(Course).where(Course.title == title))


def admin_link(page: Page, name):
    """A link of the Administration page, reached from the main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1, name="Administration")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("navigation", name="Administration").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name, exact=True)).to_be_visible()
    assert_accessible(page)


def certify(enrolment, code):
    """An issued certificate whose snapshot is the truth (the record page shows it)."""
    db.session.add(Certificate(
        enrolment_id=enrolment.id, code=code, status="issued", issued_at=enrolment.completed_at,
        learner_name=enrolment.user.name, course_title=enrolment.course.title, version_number=1,
        cpd_hours=enrolment.course.cpd_hours, completed_at=enrolment.completed_at,
        organisation_name=enrolment.course.organisation.name,
    ))
    db.session.commit()


def downloaded(page: Page, link):
    """Click ``link`` and return the bytes of the download it starts."""
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    return download.suggested_filename, download.path().read_bytes()


def queued_tasks(app, name):
    """The arguments of every ``name`` task waiting in the test's broker (kombu's Redis
    transport: a list of JSON messages per queue)."""
    broker = redis.Redis.from_url(app.config["CELERY"]["broker_url"])
    found = []
    for raw in broker.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == name:
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            found.append(args)
    return found



def bulk_csv(path, due):
    rows = [
        [f"bulk.learner{n:03}@example.com", f"Bulk Learner {n:03}", BULK_ORG, "LT", GXP, due.isoformat()]
        for n in range(1, BULK_ROWS + 1)
    ]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["email", "name", "organisation", "country", "course", "due_date"])
        writer.writerows(rows)
    return path


@pytest.fixture
def job_worker(app, database_url, upload_dir, certificate_dir, smtp_server, tmp_path):
    """A real worker on this test's own broker (no other worker consumes it). The test stops
    its consuming once it has taken the bulk job, so the 1,000 emails that job promises stay
    queued instead of taking a minute to deliver (the invitation email has its own test)."""
    broker = app.config["CELERY"]["broker_url"]
    env = worker_env(broker, database_url, upload_dir, certificate_dir, smtp_server.port, tmp_path / "worker")
    worker = CeleryWorker(broker, env, tmp_path / "worker.log", name="lms-e2e-bulk").start()
    try:
        yield worker
    finally:
        worker.stop()


def test_admin_finds_overdue_learners_exports_them_bulk_enrols_500_and_hands_over_a_record(
    app, live_server, page: Page, tmp_path, job_worker
):
    # The demo: an admin, two courses, three organisations; Kari (Nordic) and Sven (Swedish)
    # are enrolled in GxP and not overdue.
    seed_demo()
    db.session.commit()
    nordic, swedish = organisation(NORDIC), organisation(SWEDISH)
    gxp, pv = course(GXP), course(PV)
    gxp_id = gxp.id
    people = {name: create_user(name=name, org=org) for name, org in [
        (RECORD_OF, nordic), ("Ole Bakken", nordic), ("Marit Dahl", nordic), ("Henrik Berg", nordic),
        ("Lars Lindqvist", swedish), ("Karin Ek", swedish),
    ]}
    # Overdue (in progress, due date passed): three enrolments in Nordic, two in Swedish.
    make_enrolment(people[RECORD_OF], pv, "active", 50, due_in=-5, lessons_done=1)
    make_enrolment(people["Ole Bakken"], gxp, "active", 70, due_in=-20, lessons_done=2)
    make_enrolment(people["Marit Dahl"], pv, "active", 40, due_in=-1)
    make_enrolment(people["Lars Lindqvist"], gxp, "active", 60, due_in=-3, lessons_done=1)
    make_enrolment(people["Karin Ek"], pv, "active", 60, due_in=-10)
    # Not overdue: completed, due later, or without a due date.
    done = make_enrolment(people[RECORD_OF], gxp, "completed", 40, completed_after=6)
    certify(done, "CERT-SOLVEIG-1")
    make_enrolment(people["Henrik Berg"], gxp, "active", 5, due_in=20, lessons_done=1)
    make_enrolment(people["Marit Dahl"], gxp, "completed", 30, completed_after=2, due_in=-2)
    make_enrolment(people["Karin Ek"], gxp, "active", 10)
    # The demo's training matrix has one overdue person in Nordic too (lms.demo_compliance).
    people["Nils Hansen"] = db.session.scalar(select(User).where(User.email == "nils@demo.lms.test"))
    overdue_in_nordic = [("Marit Dahl", PV), ("Nils Hansen", SOP_SPEC["title"]), ("Ole Bakken", GXP), (RECORD_OF, PV)]  # by name

    # Log in through the login page.
    page.goto(live_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    assert_accessible(page)
    page.get_by_label("Email").fill("admin@demo.lms.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # The completion report, filtered to one organisation's overdue learners.
    admin_link(page, "Completion report")
    filters = page.get_by_role("search", name="Filter the report")
    filters.get_by_label("Organisation").select_option(label=NORDIC)
    filters.get_by_label("Status").select_option(label="Overdue")
    filters.get_by_role("button", name="Show").click()
    learners = page.get_by_role("table", name=re.compile(r"^\d+ enrolments? matching the filters"))
    expect(learners).to_have_accessible_name("4 enrolments matching the filters")
    expect(learners.get_by_role("rowheader")).to_have_text(
        [re.compile(f"^{re.escape(name)}") for name, _course in overdue_in_nordic])
    for name, title in overdue_in_nordic:
        row = learners.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(f"^{re.escape(name)}")))
        expect(row).to_contain_text(title)
        expect(row).to_contain_text("Overdue")
        expect(row).to_contain_text(NORDIC)
    for other in ("Lars Lindqvist", "Karin Ek", "Henrik Berg", "Kari Nordmann", "Sven Svensson"):
        expect(learners.get_by_text(other)).to_have_count(0)
    page.screenshot(path=tmp_path / "admin-report.png", full_page=True)
    assert_accessible(page)

    # Export exactly those rows.
    name, body = downloaded(page, page.get_by_role("link", name="Download CSV"))
    assert name.startswith("completion-report-") and name.endswith(".csv")
    header, *rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header[:6] == ["Learner", "Email", "Organisation", "Country", "Course", "Status"]
    # The export is in enrolment order (lms.reports.services.export_rows), not the page's sort.
    assert sorted((r[0], r[4]) for r in rows) == overdue_in_nordic
    assert {(r[2], r[3], r[5]) for r in rows} == {(NORDIC, "NO", "Overdue")}
    assert {r[1] for r in rows} == {people[n].email for n, _course in overdue_in_nordic}
    name, body = downloaded(page, page.get_by_role("link", name="Download Excel (XLSX)"))
    assert name.endswith(".xlsx") and body.startswith(b"PK") and len(body) > 1000

    # Bulk enrolment of 500 new learners: preview, then apply.
    due = date.today() + timedelta(days=90)
    upload = bulk_csv(tmp_path / "new-learners.csv", due)
    admin_link(page, "Bulk enrolment")
    page.get_by_label("CSV file").set_input_files(upload)
    started = time.monotonic()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1, name="Bulk enrolment preview")).to_be_visible(timeout=30_000)
    preview_seconds = time.monotonic() - started
    expect(page.get_by_role("status")).to_have_text(f"All {BULK_ROWS} rows are valid. Nothing has changed yet.")
    expect(page.get_by_role("alert")).to_have_count(0)
    assert_accessible(page)
    preview = page.get_by_role("table", name="Rows of new-learners.csv")
    expect(preview.get_by_role("cell", name="New user: invite and enrol", exact=True)).to_have_count(BULK_ROWS)
    started = time.monotonic()
    page.get_by_role("button", name=f"Apply all {BULK_ROWS} rows").click()
    # The request only records the job: its page answers at once and reloads itself while a
    # worker applies the rows, all or none.
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Bulk enrolment job \d+$"))).to_be_visible(timeout=10_000)
    running = wait_until(lambda: db.session.scalar(select(BulkEnrolmentJob).where(BulkEnrolmentJob.status != "queued")),
                         60, "the worker to take the job", logs=[job_worker])
    # The worker finishes the job it holds (it prefetches nothing more while that is unacknowledged)
    # and then takes nothing else: what the job enqueues stays in the queue for the checks below.
    assert app.extensions["celery"].control.cancel_consumer("celery", reply=True, timeout=5)
    expect(page.get_by_role("status")).to_have_text(
        f"Done: {BULK_ROWS} enrolments, {BULK_ROWS} new users invited, 0 already enrolled and left as they were.",
        timeout=180_000)
    apply_seconds = time.monotonic() - started
    # The job's after-commit hand-over of the emails is done when its task returns.
    wait_until(lambda: re.search(r"Task lms\.apply_bulk_job\[[^]]+\] succeeded", job_worker.log_text()), 60,
               "the job's task to return", logs=[job_worker])
    assert running.id and not queued_tasks(app, "lms.apply_bulk_job")
    job_table = page.get_by_role("table", name="Rows of new-learners.csv")
    expect(job_table.get_by_role("cell", name="New user: invite and enrol", exact=True)).to_have_count(BULK_ROWS)

    db.session.remove()  # see what the worker committed
    new_users = select(User.id).where(User.email.like("bulk.learner%@example.com"))
    assert db.session.scalar(select(func.count()).select_from(new_users.subquery())) == BULK_ROWS
    enrolled = db.session.execute(
        select(Enrolment.due_at, User.organisation_id).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.course_id == gxp_id, Enrolment.user_id.in_(new_users))
    ).all()
    assert len(enrolled) == BULK_ROWS
    assert {due_at.date() for due_at, _org in enrolled} == {due}
    assert {org for _due, org in enrolled} == {organisation(BULK_ORG).id}

    # Every new learner's invitation is recorded, and its send task queued once the job committed.
    invited = db.session.scalars(
        select(User.email).join(AuditEvent, AuditEvent.subject_id == User.id)
        .where(AuditEvent.action == "user.invited", AuditEvent.subject_type == "user")
    ).all()
    assert sorted(invited) == [f"bulk.learner{n:03}@example.com" for n in range(1, BULK_ROWS + 1)]
    invitation_tasks = queued_tasks(app, send_invitation.name)
    new_user_ids = set(db.session.scalars(new_users))
    assert len(invitation_tasks) == BULK_ROWS and {args[0] for args in invitation_tasks} == new_user_ids
    promised = db.session.scalars(select(Outbox.subject_id).where(Outbox.kind == SEND_INVITATION)).all()
    assert sorted(promised) == sorted(new_user_ids)  # and promised in the apply's commit

    # The bulk page lists the job.
    admin_link(page, "Bulk enrolment")
    jobs = page.get_by_role("table", name="Recent bulk enrolments")
    expect(jobs.get_by_role("row").filter(has_text="new-learners.csv")).to_contain_text("Done")

    # One learner's training record, found through the users list.
    admin_link(page, "Users")
    page.get_by_role("search", name="Find users").get_by_label("Name or email").fill("solveig")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 user", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"Training record – {RECORD_OF}").click()
    expect(page.get_by_role("heading", level=1, name=f"Training record of {RECORD_OF}")).to_be_visible()
    record = page.get_by_role("table", name="Courses, completion and certificates")
    expect(record.get_by_role("rowheader")).to_have_text(
        [re.compile(f"^{re.escape(GXP)}"), re.compile(f"^{re.escape(PV)}")])
    completed = record.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(f"^{re.escape(GXP)}")))
    expect(completed).to_contain_text("Completed")
    expect(completed.get_by_role("link", name="CERT-SOLVEIG-1")).to_be_visible()
    expect(page.get_by_text("Completed CPD hours: 6", exact=True)).to_be_visible()
    page.screenshot(path=tmp_path / "admin-record.png", full_page=True)
    assert_accessible(page)

    name, pdf = downloaded(page, page.get_by_role("link", name="Download PDF"))
    assert name == "training-record-solveig-haugen.pdf"
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    name, body = downloaded(page, page.get_by_role("link", name="Download CSV"))
    assert name == "training-record-solveig-haugen.csv"
    lines = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert {(line["learner"], line["course"], line["status"]) for line in lines} == {
        (RECORD_OF, GXP, "completed"), (RECORD_OF, PV, "active")}
    assert [line["certificate_code"] for line in lines if line["course"] == GXP] == ["CERT-SOLVEIG-1"]

    print(f"bulk enrolment of {BULK_ROWS}: preview {preview_seconds:.1f}s, apply {apply_seconds:.1f}s")
