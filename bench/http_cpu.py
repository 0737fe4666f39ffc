"""Diagnostic beside bench/http.py: the CPU each request costs the gunicorn workers.

    .venv/bin/python bench/http_cpu.py [sqlite|postgresql|URL] [--workers 2] [--seconds 5]

Serves the same application as bench/http.py (bench/http_wsgi.py, demo data and 20 more
courses, the demo learner logged in) with gunicorn and ``--workers`` sync workers, loads each
target with wrk on loopback and reads the workers' user and system CPU time from /proc
before and after, so a page's cost is seen apart from the load generator's and the kernel's
network work. Compare --workers 1 with 2 to see what two processes sharing one database cost
each other (SQLite: every commit by one makes the other's page cache stale).

Prints, per target: requests per second and the workers' user and system CPU microseconds per
request, last, as `name: value` lines (bare_*, lesson_page_*, progress_update_*).
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [str(HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

from bench._support import log, throwaway_database  # noqa: E402
from bench.http_load import Gunicorn, env_for, log_in_learner, prepare, wrk  # noqa: E402
from tests.support.servers import RedisServer  # noqa: E402


def worker_cpu(pids):
    """(user, system) seconds the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    user = system = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        user, system = user + int(fields[11]), system + int(fields[12])
    return user / ticks, system / ticks


def run(database_url, workdir, workers, seconds):
    redis = RedisServer(Path(workdir) / "redis").start()
    env = env_for(database_url, redis.url, workdir)
    server = None
    try:
        prepare(env)
        server = Gunicorn(env, workdir, workers=workers).start()
        base = server.base
        cookie, lesson, token = log_in_learner(base)
        pids = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True,
                              text=True, check=True).stdout.split()
        targets = {
            "bare": dict(url=f"{base}/_bare/"),
            "lesson_page": dict(url=f"{base}{lesson}", cookie=cookie),
            "progress_update": dict(url=f"{base}{lesson}/complete", cookie=cookie,
                                    body=urlencode({"csrf_token": token})),
        }
        figures = {}
        for name, target in targets.items():
            wrk(seconds=1, connections=4, workdir=workdir, **target)  # warm up
            user0, system0 = worker_cpu(pids)
            rps = wrk(seconds=seconds, connections=4, workdir=workdir, **target)
            user1, system1 = worker_cpu(pids)
            requests = rps * seconds
            figures[f"{name}_rps"] = f"{rps:.0f}"
            figures[f"{name}_worker_user_us"] = f"{(user1 - user0) / requests * 1e6:.0f}"
            figures[f"{name}_worker_system_us"] = f"{(system1 - system0) / requests * 1e6:.0f}"
            log(f"{name}: " + ", ".join(f"{k.split(name + '_')[1]} {v}" for k, v in figures.items()
                                         if k.startswith(name)))
        return figures
    finally:
        if server is not None:
            server.stop()
        redis.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", nargs="?", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    if not 1 <= args.workers <= 8 or not 0 < args.seconds <= 60:
        parser.error("--workers in 1..8, --seconds in (0, 60]")
    if not shutil.which("wrk") or not Path("/proc/self/stat").exists():
        raise SystemExit("needs wrk and /proc (Linux)")
    with throwaway_database(args.database, "lms-bench-http-cpu-") as (url, workdir):
        figures = run(url, workdir, args.workers, args.seconds)
    print(f"workers: {args.workers}")
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
