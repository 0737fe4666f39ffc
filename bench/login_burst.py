"""Benchmark: 200 people behind one address (a company's NAT) log in within a minute.

    .venv/bin/python bench/login_burst.py                 # a throwaway SQLite file
    .venv/bin/python bench/login_burst.py postgresql      # a throwaway PostgreSQL cluster
    options: --accounts 200  --seconds 60 (the window the logins arrive in)  --workers 2

Production password hashing: the accounts' hashes and every check use config.Config's argon2
settings (LMS_ARGON2_*, not TestConfig's), and so do the rate limits (LMS_RATELIMIT_LOGIN*,
per client address, on a real Redis; the per-account lockout in the database). Starts its own
redis-server and gunicorn (--workers sync workers, as bench/http.py does), creates the
accounts (one hash shared by all, so setting up takes one hash, not 200), then starts the
logins at an even pace over --seconds from 127.0.0.1: each GETs /login for its CSRF token and
POSTs the form. Prints, last:

- login_burst_refused   logins answered 429 (must be 0)
- login_burst_failed    logins answered anything else but a 302 to the learner's page
- login_p95_ms          95th percentile of the POSTs' response times (also _p50_, _max_)
- login_burst_seconds   from the first login's start to the last one's end
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

_HERE = os.path.dirname(os.path.abspath(__file__))
# This folder off the path (bench/http.py must not stand in for the standard library's http),
# the repository on it.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import http.client  # noqa: E402  (the standard library's, now that this folder is off the path)

from bench._support import log, throwaway_database  # noqa: E402
from bench.http_load import Gunicorn, _cookie, _csrf, env_for, request  # noqa: E402
from tests.support.servers import RedisServer, log_tail  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "burst password 2026"
POST_TIMEOUT = 300


def prepare(env, accounts):
    """Schema and ``accounts`` verified learners sharing one production-strength hash."""
    script = f"""
import flask_migrate
from lms import create_app
from lms.accounts.auth import hash_password
from lms.accounts.models import Organisation, User
from lms.extensions import db

app = create_app()
with app.app_context():
    flask_migrate.upgrade()
    print(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"], app.config["RATELIMIT_LOGIN"],
          flush=True)
    org = Organisation(name="Oslo Pharma", country="NO")
    password_hash = hash_password({PASSWORD!r})
    db.session.add_all([
        User(email=f"person{{n}}@company.example", name=f"Person {{n}}", password_hash=password_hash,
             role="learner", organisation=org, country="NO", locale="en")
        for n in range({accounts})
    ])
    db.session.commit()
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, check=True,
                          capture_output=True, text=True)
    time_cost, memory_cost, limit = done.stdout.split(maxsplit=2)
    log(f"argon2 time_cost={time_cost} memory_cost={memory_cost}; login limit per address: {limit.strip()}")


def post(base, path, cookie, body, timeout):
    """The login POST, waiting up to ``timeout`` seconds: logins queue while the workers hash."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        })
        response = conn.getresponse()
        response.read()
        return response.status, response.headers.get("Location", "")
    finally:
        conn.close()


def log_in(base, n, outcomes):
    started = time.perf_counter()
    try:
        status, headers, text = request(base, "GET", "/login")
        cookie = _cookie(headers)
        body = urlencode({"csrf_token": _csrf(text), "email": f"person{n}@company.example", "password": PASSWORD})
        started = time.perf_counter()
        status, location = post(base, "/login", cookie, body, timeout=POST_TIMEOUT)
    except OSError as exc:  # timed out or refused: counted as failed
        status, location = f"{type(exc).__name__}", ""
    outcomes[n] = (status, time.perf_counter() - started, location)


def burst(base, accounts, seconds):
    outcomes = {}
    threads = []
    start = time.perf_counter()
    for n in range(accounts):
        delay = start + n * seconds / accounts - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=log_in, args=(base, n, outcomes), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=POST_TIMEOUT + 60)
    return outcomes, time.perf_counter() - start


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", nargs="?", default=None)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not 0 < args.accounts <= 5000 or not 0 < args.seconds <= 600 or not 0 < args.workers <= 32:
        parser.error("--accounts in 1..5000, --seconds in (0, 600], --workers in 1..32")
    with throwaway_database(args.database, "lms-bench-login-") as (url, workdir):
        redis = RedisServer(Path(workdir) / "redis").start()
        server = None
        try:
            # Production hashing and limits: whatever LMS_* says, as config.Config reads it.
            env = env_for(url, redis.url, workdir)
            prepare(env, args.accounts)
            server = Gunicorn(env, workdir, workers=args.workers).start()
            request(server.base, "GET", "/login")  # warm up
            log(f"{args.accounts} logins over {args.seconds:.0f} s from one address")
            outcomes, elapsed = burst(server.base, args.accounts, args.seconds)
        except BaseException:
            if server is not None:
                log(log_tail(server.log_path))
            raise
        finally:
            if server is not None:
                server.stop()
            redis.stop()
    times = [seconds * 1000 for _status, seconds, _location in outcomes.values()]
    refused = sum(status == 429 for status, _s, _l in outcomes.values())
    failed = args.accounts - refused - sum(
        status == 302 and location.endswith("/my-learning") for status, _s, location in outcomes.values()
    )
    print(f"login_burst_accounts: {args.accounts}")
    print(f"login_burst_seconds: {elapsed:.1f}")
    print(f"login_burst_failed: {failed}")
    others = sorted({str(status) for status, _s, _l in outcomes.values() if status not in (302, 429)})
    if others:
        log(f"other answers: {', '.join(others)}")
    print(f"login_p50_ms: {statistics.median(times):.0f}" if times else "login_p50_ms: -")
    print(f"login_max_ms: {max(times):.0f}" if times else "login_max_ms: -")
    print(f"login_p95_ms: {percentile(times, 0.95):.0f}" if times else "login_p95_ms: -")
    print(f"login_burst_refused: {refused}")
    if refused or failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
