"""The benchmark behind bench/http.py, which documents it and is what you run; kept apart
so that bench/http.py can stand in for the standard library's http package (see there)."""
import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench._support import log, throwaway_database
from tests.support.servers import LOOPBACK, RedisServer, free_port, log_tail, stop_process, wait_for_port

REPO = Path(__file__).resolve().parents[1]

USER_AGENT = "lms-bench/1"
# Eglė is half-way through the GxP course in Lithuanian: her next lesson is a text lesson read in a
# translation (Kari has finished every demo course since the compliance demo).
LEARNER_EMAIL = "egle@demo.lms.test"
EXTRA_COURSES = 20
MAX_REQUESTS = 200_000  # per measurement, for the Python load generator


def env_for(database_url, redis_url, instance_dir):
    return {
        **os.environ,
        "LMS_DATABASE_URL": database_url,
        "LMS_REDIS_URL": redis_url,
        "LMS_INSTANCE_DIR": str(instance_dir),
        "LMS_SECRET_KEY": "bench-secret",
    }


def prepare(env):
    """Schema, demo data and more courses, in a separate process configured like gunicorn's."""
    script = f"""
import flask_migrate
from lms import create_app
from lms.courses.models import Course, CourseVersion, Lesson, Module
from lms.demo import seed_demo
from lms.extensions import db
from lms.timeutil import utcnow

app = create_app()
with app.app_context():
    flask_migrate.upgrade()
    seed_demo()
    org_id = db.session.scalar(db.select(Course.organisation_id))
    for n in range({EXTRA_COURSES}):
        course = Course(slug=f"extra-{{n}}", title=f"Regulatory update {{n + 1}}", summary="A short course " * 8,
                        language="en", cpd_hours=2, organisation_id=org_id)
        version = CourseVersion(course=course, number=1, status="published", published_at=utcnow())
        for m in range(3):
            module = Module(version=version, position=m, title=f"Module {{m + 1}}")
            for p in range(3):
                db.session.add(Lesson(module=module, position=p, kind="text", title=f"Lesson {{p + 1}}",
                                      body_markdown="Some text."))
        db.session.add_all([course, version])
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Gunicorn:
    def __init__(self, env, workdir, workers=2):
        self.env, self.workers = env, workers
        self.port = free_port()
        self.log_path = Path(workdir) / "gunicorn.log"
        self.process = None

    @property
    def base(self):
        return f"http://{LOOPBACK}:{self.port}"

    def start(self):
        cmd = [
            sys.executable, "-m", "gunicorn", "--chdir", str(REPO), "--workers", str(self.workers),
            "--worker-class", "sync", "--bind", f"{LOOPBACK}:{self.port}", "--log-level", "warning",
            "bench.http_wsgi:application",
        ]
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(cmd, cwd=REPO, env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.port, self.process, timeout=60, log_path=self.log_path)
        return self

    def stop(self):
        stop_process(self.process)


def request(base, method, path, cookie=None, body=None):
    """One request (no redirects followed): (status, headers, text)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _cookie(headers, current=None):
    jar = dict(part.split("=", 1) for part in (current or "").split("; ") if "=" in part)
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        jar[name] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _csrf(text):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
    if not match:
        raise SystemExit("no CSRF token on the page")
    return match.group(1)


def log_in_learner(base):
    """The learner's session cookie, a text lesson's path and a CSRF token for its form."""
    from lms.demo import DEMO_PASSWORD

    status, headers, text = request(base, "GET", "/login")
    cookie = _cookie(headers)
    body = urlencode({"csrf_token": _csrf(text), "email": LEARNER_EMAIL, "password": DEMO_PASSWORD})
    status, headers, text = request(base, "POST", "/login", cookie, body)
    if status != 302:
        raise SystemExit(f"login failed: {status}")
    cookie = _cookie(headers, cookie)
    status, headers, text = request(base, "GET", "/my-learning", cookie)
    cookie = _cookie(headers, cookie)
    lesson = re.search(r'href="(/courses/[^"/]+/lessons/\d+)"', text)
    if status != 200 or not lesson:
        status, headers, text = request(base, "GET", "/courses/gxp-essentials-medical-devices/continue", cookie)
        cookie = _cookie(headers, cookie)
        path = urlsplit(headers.get("Location", "")).path
    else:
        path = lesson.group(1)
    status, headers, text = request(base, "GET", path, cookie)
    if status != 200 or "/complete" not in text:
        raise SystemExit(f"no text lesson to complete at {path}: {status}")
    # The page's CSRF token may be new, and with it the session cookie.
    return _cookie(headers, cookie), path, _csrf(text)


# ------------------------------------------------------------------ load generators


def wrk(url, seconds, connections, cookie=None, body=None, expect=200, workdir=None):
    cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
           "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    if body is not None:
        script = Path(workdir) / "post.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f'wrk.body = "{body}"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        )
        cmd += ["-s", str(script)]
    output = subprocess.run(cmd + [url], capture_output=True, text=True, check=True,
                            timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if bad:
        raise SystemExit(f"{url}: {bad.group(1)} responses were not 2xx/3xx\n{output}")
    if errors and re.search(r"(read|write|timeout) [1-9]", errors.group(1)):
        log(f"{url}: socket errors: {errors.group(1)}")
    return rps


def python_load(url, seconds, connections, cookie=None, body=None, expect=200, workdir=None):
    """A bounded load generator: ``connections`` threads, each sending one request after
    another on loopback until ``seconds`` pass or MAX_REQUESTS are sent in all."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    path = parts.path or "/"
    deadline = time.monotonic() + seconds
    counts, failures = [0] * connections, []
    lock = threading.Lock()
    sent = [0]

    def worker(i):
        headers = {"User-Agent": USER_AGENT}
        if cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= MAX_REQUESTS:
                    return
                sent[0] += 1
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            try:
                conn.request("POST" if body is not None else "GET", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != expect:
                    failures.append(response.status)
                counts[i] += 1
            finally:
                conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{url}: {len(failures)} unexpected responses, e.g. {failures[:5]}")
    return sum(counts) / (time.monotonic() - started)


def run(database_url, workdir, seconds, connections, rounds):
    redis = RedisServer(Path(workdir) / "redis").start()
    env = env_for(database_url, redis.url, workdir)
    server = None
    try:
        prepare(env)
        server = Gunicorn(env, workdir).start()
        base = server.base
        cookie, lesson_path, token = log_in_learner(base)
        load = wrk if shutil.which("wrk") else python_load
        log(f"load generator: {'wrk' if load is wrk else 'python threads'}; lesson {lesson_path}")
        pages = {
            "catalogue": dict(url=f"{base}/"),
            "lesson_page": dict(url=f"{base}{lesson_path}", cookie=cookie),
            "progress_update": dict(url=f"{base}{lesson_path}/complete", cookie=cookie,
                                    body=urlencode({"csrf_token": token}), expect=302),
        }
        bare_url = f"{base}/_bare/"
        # Check each target once, then warm every worker up.
        for name, target in pages.items():
            status, _h, _t = request(base, "POST" if target.get("body") else "GET",
                                     urlsplit(target["url"]).path, target.get("cookie"), target.get("body"))
            if status != target.get("expect", 200):
                raise SystemExit(f"{name}: {status} from {target['url']}")
        for target in [dict(url=bare_url), *pages.values()]:
            load(seconds=1, connections=connections, workdir=workdir, **target)
        results = {name: [] for name in pages}
        for r in range(rounds):
            for name, target in pages.items():
                bare_rps = load(bare_url, seconds, connections, workdir=workdir)
                page_rps = load(seconds=seconds, connections=connections, workdir=workdir, **target)
                results[name].append((page_rps / bare_rps, page_rps, bare_rps))
                log(f"round {r + 1} {name}: {page_rps:.0f} rps vs bare {bare_rps:.0f} rps "
                    f"= {page_rps / bare_rps:.2f}")
        return results
    except BaseException:
        if server is not None:
            log(log_tail(server.log_path))
        raise
    finally:
        if server is not None:
            server.stop()
        redis.stop()


def main(description=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("database", nargs="?", default=None)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not 0 < args.seconds <= 60 or not 0 < args.connections <= 64 or not 0 < args.rounds <= 10:
        parser.error("--seconds in (0, 60], --connections in 1..64, --rounds in 1..10")
    with throwaway_database(args.database, "lms-bench-http-") as (url, workdir):
        results = run(url, workdir, args.seconds, args.connections, args.rounds)
    figures = {}
    for name, samples in results.items():
        best = max(samples)
        figures[f"{name}_rps"] = f"{best[1]:.0f}"
        figures[f"{name}_bare_rps"] = f"{best[2]:.0f}"
        figures[f"{name}_vs_bare_median"] = f"{statistics.median(s[0] for s in samples):.2f}"
    for name, samples in results.items():
        figures[f"{name}_vs_bare"] = f"{max(samples)[0]:.2f}"
    for name, value in figures.items():
        print(f"{name}: {value}")
