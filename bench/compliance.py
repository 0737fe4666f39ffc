"""Benchmark: the training matrix at 20,000 people and 300,000 requirement cells.

    .venv/bin/python bench/compliance.py                  # a throwaway SQLite file
    .venv/bin/python bench/compliance.py postgresql       # a throwaway PostgreSQL cluster
    .venv/bin/python bench/compliance.py DATABASE_URL     # an existing, empty database

Builds, in bulk through the migrations' schema: 3 organisations, 20,000 people, 40 courses
(a quarter recurring every 12 months; some with a major version in effect, some with a major
version effective next month, some with a minor one), 60 job profiles (20 per organisation)
of 5 requirements each, and 3 profiles per person: 60,000 job assignments, 300,000 cells.
Every cell already has its enrolment, so the reconcile job has nothing to change; their states
are mixed: about 55% compliant (some expiring), 10% trained on a superseded version (with the
retraining enrolment open), 15% overdue, 15% pending, 5% expired (recertification open).

Then measures:

- reconcile_seconds      lms.compliance.services.reconcile(now) over everyone, nothing to
                         change (a fresh process); "n/a" while reconcile is not on this branch
- reconcile_peak_mb      that process's peak resident memory (VmHWM)
- dashboard_seconds      the dashboard page, all organisations, through the app's test client
                         as a site admin, median of 5 after a warm-up
- dashboard_vs_sql_ratio that over the raw SQL aggregate behind it
                         (lms.compliance.dashboard.summary_statement on a bare connection,
                         median of 5, interleaved with the page's samples)
- dashboard_queries      SQL statements the dashboard page runs
- matrix_export_seconds, matrix_export_peak_mb
                         the XLSX matrix of all 20,000 people, in a fresh process that only
                         logs in, downloads it and reads the stream to the end

Prints its figures last, one `name: value` per line.
"""
import sys
from pathlib import Path

# Not bench/ first on the path: a script there (bench/http.py) would shadow the standard library.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from decimal import Decimal  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._support import insert_rows, log, throwaway_database  # noqa: E402

PEOPLE = 20_000
ORGANISATIONS = 3
COURSES = 40
PROFILES_PER_ORG = 20
REQUIREMENTS_PER_PROFILE = 5
PROFILES_PER_PERSON = 3
ADMIN_EMAIL = "admin@bench.example"
ADMIN_PASSWORD = "bench admin password"
DASHBOARD_URL = "/admin/compliance/dashboard/"
SAMPLES = 5


def make_app(database_url):
    from config import Config
    from lms import create_app

    return create_app(
        Config, SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=False,
        ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=1024,
    )


def build_courses(now):
    """40 courses, one module of one lesson per version. Course c: c % 4 == 0 recurs every 12
    months; c % 10 == 0 has a major v2 in effect for 30 days (v1 archived); c % 10 == 1 a major
    v2 effective in 30 days; c % 10 == 2 a minor v2. Returns {course: effective version id,
    older version id or None}."""
    from lms.courses.models import Course, CourseVersion, Lesson, Module

    courses, versions, modules, lessons, versions_of = [], [], [], [], {}
    long_ago = now - timedelta(days=800)
    for c in range(1, COURSES + 1):
        courses.append({"id": c, "slug": f"course-{c}", "title": f"SOP {c:02d}: GxP procedure {c}",
                        "summary": "", "language": "en", "cpd_hours": Decimal("1.0"),
                        "organisation_id": (c % ORGANISATIONS) + 1, "created_at": long_ago,
                        "validity_months": 12 if c % 4 == 0 else None, "revision": 0})
        specs = [("published", None, long_ago, None)]
        if c % 10 == 0:
            specs = [("archived", None, long_ago, None), ("published", "major", now - timedelta(days=30), None)]
        elif c % 10 == 1:
            specs = [("archived", None, long_ago, None),
                     ("published", "major", now - timedelta(days=2), now + timedelta(days=30))]
        elif c % 10 == 2:
            specs = [("archived", None, long_ago, None), ("published", "minor", now - timedelta(days=60), None)]
        ids = []
        for number, (status, kind, published_at, effective_at) in enumerate(specs, start=1):
            vid = len(versions) + 1
            versions.append({"id": vid, "course_id": c, "number": number, "status": status,
                             "published_at": published_at, "change_kind": kind, "effective_at": effective_at,
                             "change_reason": None, "revision": 0})
            modules.append({"id": vid, "version_id": vid, "position": 0, "title": "Module 1"})
            lessons.append({"id": vid, "module_id": vid, "position": 0, "kind": "text",
                            "title": "Read the procedure", "body_markdown": "Text."})
            ids.append(vid)
        # The effective version: v2 for an in-effect major or a minor (minor never raises it,
        # but completing v2 is current too); v1 while v2 is not yet in effect.
        effective = ids[0] if c % 10 == 1 else ids[-1]
        versions_of[c] = (effective, ids[0] if c % 10 == 0 else None, ids[-1])
    insert_rows(Course.__table__, courses)
    insert_rows(CourseVersion.__table__, versions)
    insert_rows(Module.__table__, modules)
    insert_rows(Lesson.__table__, lessons)
    return versions_of


def build_data(seed=12):
    """The dataset described in the module docstring, inserted in bulk."""
    from lms.accounts.auth import hash_password
    from lms.accounts.models import Organisation, User
    from lms.compliance.models import JobAssignment, JobProfile, Requirement
    from lms.enrolments.models import Enrolment
    from lms.extensions import db
    from lms.timeutil import add_months

    rnd = random.Random(seed)
    now = datetime.now(timezone.utc)
    long_ago = now - timedelta(days=800)
    insert_rows(Organisation.__table__, [
        {"id": o, "name": f"Pharma {o}", "country": ("NO", "SE", "LT")[o - 1]} for o in range(1, ORGANISATIONS + 1)])
    learner_hash = hash_password("bench learner password")
    users = [{"id": 1, "email": ADMIN_EMAIL, "name": "Bench Admin", "role": "admin",
              "password_hash": hash_password(ADMIN_PASSWORD), "organisation_id": 1, "country": "NO",
              "locale": "en", "reminders_opt_out": False, "is_active_account": True, "created_at": long_ago}]
    first = ["Kari", "Sven", "Aino", "Mads", "Rūta", "Jānis", "Mari", "Björn", "Sigrún", "Eeva"]
    for i in range(PEOPLE):
        users.append({"id": i + 2, "email": f"person{i}@bench.example", "name": f"{first[i % 10]} Person {i:05d}",
                      "role": "learner", "password_hash": learner_hash, "organisation_id": i % ORGANISATIONS + 1,
                      "country": "NO", "locale": "en", "reminders_opt_out": False,
                      "is_active_account": True, "created_at": long_ago})
    insert_rows(User.__table__, users)
    versions_of = build_courses(now)
    profiles, requirements, courses_of_profile = [], [], {}
    for o in range(1, ORGANISATIONS + 1):
        for p in range(PROFILES_PER_ORG):
            pid = len(profiles) + 1
            profiles.append({"id": pid, "organisation_id": o, "name": f"Job {p + 1:02d} of Pharma {o}",
                             "description": "", "created_at": long_ago, "revision": 0})
            chosen = rnd.sample(range(1, COURSES + 1), REQUIREMENTS_PER_PROFILE)
            courses_of_profile[pid] = chosen
            for c in chosen:
                requirements.append({"id": len(requirements) + 1, "profile_id": pid, "course_id": c,
                                     "due_days": rnd.choice((14, 30, 60)), "recurs": c % 4 == 0,
                                     "created_at": long_ago, "removed_at": None})
    insert_rows(JobProfile.__table__, profiles)
    insert_rows(Requirement.__table__, requirements)
    due_days = {(r["profile_id"], r["course_id"]): r["due_days"] for r in requirements}
    assignments, enrolments = [], []
    cells = 0
    for i in range(PEOPLE):
        uid, org = i + 2, i % ORGANISATIONS + 1
        org_profiles = range((org - 1) * PROFILES_PER_ORG + 1, org * PROFILES_PER_ORG + 1)
        held = rnd.sample(org_profiles, PROFILES_PER_PERSON)
        first_due = {}
        for pid in held:
            assigned = now - timedelta(days=rnd.uniform(20, 500))
            assignments.append({"id": len(assignments) + 1, "user_id": uid, "profile_id": pid,
                                "assigned_at": assigned, "assigned_by_id": 1, "removed_at": None})
            for c in courses_of_profile[pid]:
                cells += 1
                due = assigned + timedelta(days=due_days[(pid, c)])
                first_due[c] = min(first_due.get(c, due), due)
        for c, due in first_due.items():
            enrolments.extend(enrolments_for(rnd, now, uid, c, due, versions_of[c], add_months))
    for n, row in enumerate(enrolments, start=1):
        row["id"] = n
    insert_rows(JobAssignment.__table__, assignments)
    insert_rows(Enrolment.__table__, enrolments)
    db.session.commit()
    return {"people": PEOPLE, "profiles": len(profiles), "requirements": len(requirements),
            "assignments": len(assignments), "cells": cells, "enrolments": len(enrolments)}


def enrolments_for(rnd, now, uid, course, due, versions, add_months):
    """One person's enrolments in one required course, in a mixed but settled state: every
    cell has its enrolment (open or a current completion), so reconcile finds nothing to do."""
    effective, superseded, latest = versions
    recurs = course % 4 == 0

    def row(version_id, status, enrolled, due_at, completed=None, source="job_profile"):
        return {"user_id": uid, "course_id": course, "version_id": version_id, "status": status,
                "enrolled_at": enrolled, "due_at": due_at, "completed_at": completed,
                "last_activity_at": completed or enrolled, "source": source,
                "valid_until": add_months(completed, 12) if completed and recurs else None}

    enrolled = min(due - timedelta(days=30), now - timedelta(days=1))
    roll = rnd.random()
    if roll < 0.10 and superseded:
        done = now - timedelta(days=rnd.uniform(40, 300))
        return [row(superseded, "completed", done - timedelta(days=5), due, done),
                row(latest, "active", now - timedelta(days=30), now + timedelta(days=rnd.uniform(-20, 30)),
                    source="retraining")]
    if roll < 0.25:
        return [row(latest, "active", enrolled, now - timedelta(days=rnd.uniform(1, 100)))]  # overdue
    if roll < 0.40:
        return [row(latest, "active", enrolled, now + timedelta(days=rnd.uniform(1, 60)))]  # pending
    if roll < 0.45 and recurs:
        done = now - timedelta(days=rnd.uniform(370, 420))  # lapsed; recertification open
        return [row(effective, "completed", done - timedelta(days=5), due, done),
                row(latest, "active", now - timedelta(days=20), now + timedelta(days=40), source="recertification")]
    done = min(now - timedelta(days=1), due - timedelta(days=rnd.uniform(0, 20))) if rnd.random() < 0.5 \
        else now - timedelta(days=rnd.uniform(1, 364))
    rows = [row(effective if rnd.random() < 0.8 else latest, "completed", done - timedelta(days=3), due, done)]
    if recurs and add_months(done, 12) <= now:  # completed long ago and lapsed: recertification open
        rows.append(row(latest, "active", now - timedelta(days=10), now + timedelta(days=50), source="recertification"))
    return rows


def prepare(database_url):
    import flask_migrate
    from sqlalchemy import text

    from lms.extensions import db

    app = make_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        counts = build_data()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))
        log(f"built {counts} in {time.perf_counter() - started:.1f}s")
        db.engine.dispose()
    return counts


def admin_client(app):
    from tests.helpers import login

    class Admin:
        email = ADMIN_EMAIL

    client = app.test_client()
    login(client, Admin, password=ADMIN_PASSWORD)
    return client


def _seconds(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure_dashboard(database_url):
    from lms.compliance import dashboard
    from lms.diagnostics import statements_run
    from lms.extensions import db
    from lms.timeutil import utcnow

    app = make_app(database_url)
    client = admin_client(app)

    def page():
        response = client.get(DASHBOARD_URL)
        assert response.status_code == 200, response.status_code

    with app.app_context():
        engine = db.engine
        dialect = engine.dialect.name
    statement = dashboard.summary_statement(utcnow(), dialect)

    def raw_sql():
        with engine.connect() as conn:
            rows = conn.execute(statement).all()
        assert len(rows) == ORGANISATIONS * PROFILES_PER_ORG * REQUIREMENTS_PER_PROFILE

    page()
    raw_sql()
    page_times, sql_times = [], []
    for _ in range(SAMPLES):
        page_times.append(_seconds(page))
        sql_times.append(_seconds(raw_sql))
    with statements_run(engine) as statements:
        page()
    engine.dispose()
    return {"page": statistics.median(page_times), "sql": statistics.median(sql_times), "queries": len(statements)}


def peak_rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def reconcile_child(database_url):
    """Runs in a fresh process: reconcile everyone once; print JSON figures."""
    try:
        from lms.compliance.services import reconcile
    except ImportError:
        print(json.dumps({"missing": True}))
        return
    from lms.extensions import db
    from lms.timeutil import utcnow

    app = make_app(database_url)
    with app.app_context():
        started = time.perf_counter()
        result = reconcile(utcnow())
        db.session.commit()
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_kib() / 1024, "result": repr(result)[:200]}))


def export_child(database_url):
    """Runs in a fresh process: log in, download the matrix, read the stream; print JSON."""
    app = make_app(database_url)
    client = admin_client(app)
    started = time.perf_counter()
    response = client.get(DASHBOARD_URL + "matrix.xlsx", buffered=False)
    assert response.status_code == 200, response.status_code
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": peak_rss_kib() / 1024,
                      "bytes": size}))


def in_child(flag, database_url):
    result = subprocess.run([sys.executable, __file__, flag, database_url], capture_output=True, text=True,
                            cwd=REPO, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{flag} failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(database_url):
    counts = prepare(database_url)
    figures = {"people": counts["people"], "job_assignments": counts["assignments"],
               "requirement_cells": counts["cells"], "enrolments": counts["enrolments"]}
    reconciled = in_child("--reconcile-child", database_url)
    log(f"reconcile: {reconciled}")
    if reconciled.get("missing"):
        figures["reconcile_seconds"] = "n/a (reconcile not on main)"
        figures["reconcile_peak_mb"] = "n/a (reconcile not on main)"
    else:
        figures["reconcile_seconds"] = f"{reconciled['seconds']:.2f}"
        figures["reconcile_peak_mb"] = f"{reconciled['peak_mb']:.0f}"
    board = measure_dashboard(database_url)
    log(f"dashboard: {board}")
    figures.update({
        "dashboard_seconds": f"{board['page']:.3f}",
        "dashboard_sql_seconds": f"{board['sql']:.3f}",
        "dashboard_vs_sql_ratio": f"{board['page'] / board['sql']:.2f}",
        "dashboard_queries": board["queries"],
    })
    exported = in_child("--export-child", database_url)
    log(f"matrix export: {exported}")
    figures.update({
        "matrix_export_seconds": f"{exported['seconds']:.2f}",
        "matrix_export_mb_written": f"{exported['bytes'] / 1e6:.1f}",
        "matrix_export_peak_mb": f"{exported['peak_mb']:.0f}",
    })
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", nargs="?", default=None,
                        help="a database URL (empty database), 'postgresql' for a throwaway "
                             "cluster, or nothing for a throwaway SQLite file")
    parser.add_argument("--reconcile-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--export-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reconcile_child:
        reconcile_child(args.database)
        return
    if args.export_child:
        export_child(args.database)
        return
    with throwaway_database(args.database, "lms-bench-compliance-") as (url, tmp):
        os.environ.setdefault("LMS_INSTANCE_DIR", str(tmp))
        figures = run(url)
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
