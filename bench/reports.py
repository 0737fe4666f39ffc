"""Benchmark: the completion report and its CSV export at 100,000 enrolments.

    .venv/bin/python bench/reports.py                  # a throwaway SQLite file
    .venv/bin/python bench/reports.py postgresql       # a throwaway PostgreSQL cluster
    .venv/bin/python bench/reports.py DATABASE_URL     # an existing, empty database

Builds 2,000 learners x 50 courses = 100,000 enrolments (three modules of three lessons per
course; about 55% completed, 35% in progress, some of them overdue, 10% withdrawn; lesson
progress to match, about 650,000 rows) through the migrations' schema, then measures, through
the application (its test client, logged in as an administrator):

- report_seconds       the report page, unfiltered, median of 5 (after one warm-up)
- report_vs_sql_ratio  that over the raw SQL aggregate behind it: the per-course statement
                       (counts, rate, median) run alone on a bare connection, median of 5,
                       each sample taken right after one of the page's
- report_queries       SQL statements the report page runs (constant, whatever the rows)
- export_seconds       the full CSV export, consumed as a browser would
- export_peak_mb       peak resident memory (VmHWM) of a fresh process that only logs in,
                       runs that export and reads the stream to the end

The XLSX export is measured the same way (xlsx_export_seconds, xlsx_export_peak_mb).
Prints its figures last, one `name: value` per line.
"""
import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._support import insert_rows, log, throwaway_database  # noqa: E402

LEARNERS = 2000
COURSES = 50
MODULES = 3
LESSONS_PER_MODULE = 3
COUNTRIES = ("NO", "SE", "FI", "DK", "EE", "LV", "LT", "IS")
ADMIN_EMAIL = "admin@bench.example"
ADMIN_PASSWORD = "bench admin password"
REPORT_URL = "/admin/reports/"
SAMPLES = 5


def make_app(database_url):
    from config import Config
    from lms import create_app

    return create_app(
        Config, SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=False,
        ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=1024,
    )


def build_data(seed=5):
    """The dataset described in the module docstring, inserted in bulk."""
    from lms.accounts.auth import hash_password
    from lms.accounts.models import Organisation, User
    from lms.courses.models import Course, CourseVersion, Lesson, Module
    from lms.enrolments.models import Enrolment
    from lms.extensions import db
    from lms.progress.models import LessonProgress

    rnd = random.Random(seed)
    now = datetime.now(timezone.utc)
    orgs = [{"id": i + 1, "name": f"Organisation {i + 1}", "country": COUNTRIES[i % len(COUNTRIES)]}
            for i in range(40)]
    insert_rows(Organisation.__table__, orgs)
    learner_hash = hash_password("bench learner password")
    first = ["Kari", "Sven", "Aino", "Mads", "Rūta", "Jānis", "Mari", "Björn", "Sigrún", "Eeva"]
    last = ["Nordmann", "Svensson", "Virtanen", "Jensen", "Kazlauskienė", "Bērziņš", "Tamm", "Ólafsdóttir"]
    users = [{"id": 1, "email": ADMIN_EMAIL, "name": "Bench Admin", "role": "admin",
              "password_hash": hash_password(ADMIN_PASSWORD), "organisation_id": 1, "country": "NO",
              "locale": "en", "reminders_opt_out": False, "is_active_account": True, "created_at": now}]
    for i in range(LEARNERS):
        org = orgs[i % len(orgs)]
        users.append({
            "id": i + 2, "email": f"learner{i}@bench.example",
            "name": f"{first[i % len(first)]} {last[(i // len(first)) % len(last)]} {i}",
            "role": "learner", "password_hash": learner_hash, "organisation_id": org["id"],
            "country": org["country"], "locale": "en", "reminders_opt_out": False,
            "is_active_account": True, "created_at": now,
        })
    insert_rows(User.__table__, users)
    courses, versions, modules, lessons = [], [], [], []
    version_lessons = {}
    for c in range(1, COURSES + 1):
        courses.append({"id": c, "slug": f"course-{c}", "title": f"Course {c:02d}: GxP topic {c}",
                        "summary": "", "language": "en", "cpd_hours": Decimal("2.5"),
                        "organisation_id": (c % len(orgs)) + 1, "created_at": now})
        versions.append({"id": c, "course_id": c, "number": 1, "status": "published", "published_at": now})
        version_lessons[c] = []
        for m in range(MODULES):
            module_id = len(modules) + 1
            modules.append({"id": module_id, "version_id": c, "position": m, "title": f"Module {m + 1}"})
            for p in range(LESSONS_PER_MODULE):
                lesson_id = len(lessons) + 1
                lessons.append({"id": lesson_id, "module_id": module_id, "position": p, "kind": "text",
                                "title": f"Lesson {m + 1}.{p + 1}", "body_markdown": "Text."})
                version_lessons[c].append(lesson_id)
    insert_rows(Course.__table__, courses)
    insert_rows(CourseVersion.__table__, versions)
    insert_rows(Module.__table__, modules)
    insert_rows(Lesson.__table__, lessons)
    enrolments, progress = [], []
    for u in range(LEARNERS):
        for c in range(1, COURSES + 1):
            eid = len(enrolments) + 1
            enrolled = now - timedelta(days=rnd.uniform(1, 365))
            roll = rnd.random()
            row = {"id": eid, "user_id": u + 2, "course_id": c, "version_id": c, "enrolled_at": enrolled,
                   "due_at": enrolled + timedelta(days=rnd.choice((30, 60, 90))), "completed_at": None,
                   "last_activity_at": enrolled}
            completed = enrolled + timedelta(days=rnd.uniform(0.5, 60))
            if roll < 0.55 and completed < now:
                row.update(status="completed", completed_at=completed, last_activity_at=completed)
                done = len(version_lessons[c])
            elif roll < 0.90:
                done = rnd.randrange(len(version_lessons[c]))
                row.update(status="active", last_activity_at=enrolled + timedelta(days=rnd.uniform(0, 20)))
            else:
                done = rnd.randrange(4)
                row.update(status="withdrawn")
            enrolments.append(row)
            for lesson_id in version_lessons[c][:done]:
                progress.append({"enrolment_id": eid, "lesson_id": lesson_id,
                                 "completed_at": row["last_activity_at"], "score": None})
    insert_rows(Enrolment.__table__, enrolments)
    insert_rows(LessonProgress.__table__, progress)
    db.session.commit()
    return len(enrolments), len(progress)


def prepare(database_url):
    """Schema from the migrations, the data, and fresh planner statistics."""
    import flask_migrate
    from sqlalchemy import text

    from lms.extensions import db

    app = make_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        enrolments, progress = build_data()
        db.session.commit()
        # Planner statistics (and on PostgreSQL the visibility map, for index-only scans), as
        # autovacuum would have them after a bulk load.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))
        log(f"built {enrolments} enrolments and {progress} lesson progress rows "
            f"in {time.perf_counter() - started:.1f}s")
        db.engine.dispose()


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


def measure_report(database_url):
    from lms.extensions import db
    from lms.reports import queries
    from lms.reports.services import COURSES_PER_PAGE
    from lms.timeutil import utcnow

    app = make_app(database_url)
    # Requests run outside any app context, as in a server: each gets its own context and
    # database session.
    client = admin_client(app)

    def page():
        response = client.get(REPORT_URL)
        assert response.status_code == 200, response.status_code

    with app.app_context():
        engine = db.engine
        dialect = engine.dialect.name
    statement = queries.course_rows(queries.ReportFilters(), utcnow(), dialect, limit=COURSES_PER_PAGE)

    def raw_sql():
        with engine.connect() as conn:
            rows = conn.execute(statement).all()
        assert rows

    # Interleaved, so a change in the machine's load touches both alike.
    report_times, sql_times = [], []
    page()  # warm-up: caches, the database's pages
    raw_sql()
    for _ in range(SAMPLES):
        report_times.append(_seconds(page))
        sql_times.append(_seconds(raw_sql))
    from lms.diagnostics import statements_run

    with statements_run(engine) as statements:
        page()
    report_seconds, sql_seconds = statistics.median(report_times), statistics.median(sql_times)
    engine.dispose()
    return {"report_seconds": report_seconds, "sql_seconds": sql_seconds,
            "report_queries": len(statements)}


def peak_rss_kib():
    """This process's peak resident memory. VmHWM belongs to the process image, so it starts
    afresh at exec; ru_maxrss (the fallback off Linux) can carry over the parent's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def export_child(database_url, kind):
    """Runs in a fresh process: log in, export, read the stream; print JSON figures."""
    app = make_app(database_url)
    client = admin_client(app)
    rss_before = peak_rss_kib()
    started = time.perf_counter()
    response = client.get(f"/admin/reports/completion.{kind}", buffered=False)
    assert response.status_code == 200, response.status_code
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        if kind == "csv":
            lines += chunk.count("\n" if isinstance(chunk, str) else b"\n")
    response.close()
    seconds = time.perf_counter() - started
    peak = peak_rss_kib()
    print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "before_mb": rss_before / 1024,
                      "bytes": size, "rows": lines - 1 if kind == "csv" else None}))


def measure_export(database_url, kind):
    result = subprocess.run(
        [sys.executable, __file__, "--export-child", kind, database_url],
        capture_output=True, text=True, cwd=REPO, check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"export child failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(database_url):
    prepare(database_url)
    report = measure_report(database_url)
    log(f"report: {report}")
    csv_figures = measure_export(database_url, "csv")
    log(f"csv export: {csv_figures}")
    xlsx_figures = measure_export(database_url, "xlsx")
    log(f"xlsx export: {xlsx_figures}")
    return {
        "report_seconds": f"{report['report_seconds']:.3f}",
        "report_sql_seconds": f"{report['sql_seconds']:.3f}",
        "report_vs_sql_ratio": f"{report['report_seconds'] / report['sql_seconds']:.2f}",
        "report_queries": report["report_queries"],
        "export_rows": csv_figures["rows"],
        "export_mb_written": f"{csv_figures['bytes'] / 1e6:.1f}",
        "xlsx_export_seconds": f"{xlsx_figures['seconds']:.2f}",
        "xlsx_export_peak_mb": f"{xlsx_figures['peak_mb']:.0f}",
        "export_baseline_mb": f"{csv_figures['before_mb']:.0f}",
        "export_seconds": f"{csv_figures['seconds']:.2f}",
        "export_peak_mb": f"{csv_figures['peak_mb']:.0f}",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", nargs="?", default=None,
                        help="a database URL (empty database), 'postgresql' for a throwaway "
                             "cluster, or nothing for a throwaway SQLite file")
    parser.add_argument("--export-child", choices=("csv", "xlsx"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args.database, args.export_child)
        return
    with throwaway_database(args.database, "lms-bench-reports-") as (url, tmp):
        os.environ.setdefault("LMS_INSTANCE_DIR", str(tmp))
        figures = run(url)
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
