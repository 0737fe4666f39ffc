"""Benchmark: the training-matrix reconcile job with nothing to change.

    .venv/bin/python bench/reconcile.py                  # a throwaway SQLite file
    .venv/bin/python bench/reconcile.py postgresql       # a throwaway PostgreSQL cluster

Builds 20,000 people in 3 organisations, 60 job profiles (20 per organisation, 8 courses
each), 40 courses (a few with a second, major version), every person holding 2 profiles of
their organisation (about 300,000 requirement assignments), and for each required course an
enrolment in a state that needs nothing: completed on the effective version (some recurring,
still valid), or open (in progress, retraining, recertification). Then runs
``lms.compliance.services.reconcile`` in a fresh process and prints:

- reconcile_pairs       live (assignment, requirement) pairs
- reconcile_seconds     the reconcile, wall time
- reconcile_peak_mb     peak resident memory (VmHWM) of that process
- reconcile_created     enrolments it created (must be 0)
"""
import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._support import insert_rows, log, throwaway_database  # noqa: E402

PEOPLE = 20_000
ORGS = 3
PROFILES_PER_ORG = 20
COURSES = 40
REQUIREMENTS_PER_PROFILE = 8
PROFILES_PER_PERSON = 2


def make_app(database_url):
    from config import Config
    from lms import create_app

    return create_app(Config, SQLALCHEMY_DATABASE_URI=database_url)


def build_data(seed=12):
    from lms.accounts.models import Organisation, User
    from lms.compliance.models import JobAssignment, JobProfile, Requirement
    from lms.courses.models import Course, CourseVersion
    from lms.enrolments.models import Enrolment
    from lms.extensions import db

    rnd = random.Random(seed)
    now = datetime.now(timezone.utc)
    long_ago = now - timedelta(days=800)
    insert_rows(Organisation.__table__, [{"id": o, "name": f"Org {o}", "country": "NO"} for o in range(1, ORGS + 1)])
    insert_rows(User.__table__, [{
        "id": u, "email": f"p{u}@bench.example", "name": f"Person {u}", "role": "learner",
        "password_hash": "!", "organisation_id": (u % ORGS) + 1, "country": "NO", "locale": "en",
        "reminders_opt_out": False, "is_active_account": True, "created_at": long_ago,
    } for u in range(1, PEOPLE + 1)])
    courses, versions, current = [], [], {}
    for c in range(1, COURSES + 1):
        courses.append({"id": c, "slug": f"c{c}", "title": f"Course {c}", "summary": "", "language": "en",
                        "cpd_hours": Decimal("1"), "organisation_id": 1, "created_at": long_ago,
                        "validity_months": 24 if c % 4 == 0 else None})
        versions.append({"id": len(versions) + 1, "course_id": c, "number": 1, "status": "published",
                         "published_at": long_ago, "change_kind": None})
        current[c] = versions[-1]["id"]
        if c % 5 == 0:  # a second version: major and in effect for some, minor for others
            versions[-1]["status"] = "archived"
            versions.append({"id": len(versions) + 1, "course_id": c, "number": 2, "status": "published",
                             "published_at": now - timedelta(days=100),
                             "change_kind": "major" if c % 10 == 0 else "minor"})
            current[c] = versions[-1]["id"] if c % 10 == 0 else current[c]
    insert_rows(Course.__table__, courses)
    insert_rows(CourseVersion.__table__, versions)
    latest = {v["course_id"]: v["id"] for v in versions if v["status"] == "published"}
    profiles, requirements, by_org = [], [], {}
    for o in range(1, ORGS + 1):
        for p in range(PROFILES_PER_ORG):
            pid = len(profiles) + 1
            profiles.append({"id": pid, "organisation_id": o, "name": f"Profile {o}-{p}", "description": "",
                             "created_at": long_ago, "revision": 0})
            by_org.setdefault(o, []).append(pid)
            for c in rnd.sample(range(1, COURSES + 1), REQUIREMENTS_PER_PROFILE):
                requirements.append({"id": len(requirements) + 1, "profile_id": pid, "course_id": c,
                                     "due_days": 30, "recurs": c % 4 == 0, "created_at": long_ago})
    insert_rows(JobProfile.__table__, profiles)
    insert_rows(Requirement.__table__, requirements)
    courses_of = {}
    for r in requirements:
        courses_of.setdefault(r["profile_id"], []).append(r["course_id"])
    assignments, enrolments, pairs = [], [], 0
    for u in range(1, PEOPLE + 1):
        held = rnd.sample(by_org[(u % ORGS) + 1], PROFILES_PER_PERSON)
        needed = set()
        for pid in held:
            assignments.append({"user_id": u, "profile_id": pid, "assigned_at": long_ago})
            needed.update(courses_of[pid])
            pairs += len(courses_of[pid])
        for c in sorted(needed):
            roll = rnd.random()
            row = {"user_id": u, "course_id": c, "enrolled_at": long_ago, "last_activity_at": long_ago,
                   "source": "job_profile", "due_at": long_ago + timedelta(days=30),
                   "completed_at": None, "valid_until": None}
            if roll < 0.6:
                done = now - timedelta(days=rnd.uniform(1, 90))
                enrolments.append({**row, "version_id": current[c], "status": "completed", "completed_at": done,
                                   "valid_until": done + timedelta(days=700) if c % 4 == 0 else None})
            else:
                if roll < 0.75:  # an old completion, then an open one (retraining/recertification)
                    enrolments.append({**row, "version_id": current[c], "status": "completed",
                                       "completed_at": long_ago + timedelta(days=1),
                                       "valid_until": long_ago + timedelta(days=20)})
                    row["source"] = "recertification"
                enrolments.append({**row, "version_id": latest[c], "status": "active"})
    insert_rows(JobAssignment.__table__, assignments)
    insert_rows(Enrolment.__table__, enrolments)
    db.session.commit()
    return pairs, len(enrolments)


def prepare(database_url):
    import flask_migrate
    from sqlalchemy import text

    from lms.extensions import db

    app = make_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        pairs, enrolments = build_data()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))
        log(f"built {pairs} pairs and {enrolments} enrolments in {time.perf_counter() - started:.1f}s")
        db.engine.dispose()
    return pairs


def measure(database_url):
    """In this (fresh) process: one reconcile; prints JSON."""
    from lms.compliance.services import reconcile
    from lms.extensions import db

    app = make_app(database_url)
    with app.app_context():
        started = time.perf_counter()
        result = reconcile()
        db.session.commit()
        seconds = time.perf_counter() - started
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "created": result["created"]}))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        measure(sys.argv[2])
        return
    choice = sys.argv[1] if len(sys.argv) > 1 else None
    with throwaway_database(choice, "lms-bench-reconcile-") as (url, _workdir):
        pairs = prepare(url)
        out = subprocess.run([sys.executable, __file__, "--measure", url], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"reconcile_pairs: {pairs}")
    print(f"reconcile_seconds: {figures['seconds']:.2f}")
    print(f"reconcile_peak_mb: {figures['peak_mb']:.0f}")
    print(f"reconcile_created: {figures['created']}")


if __name__ == "__main__":
    main()
