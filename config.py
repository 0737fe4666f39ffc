"""Settings for the LMS. Every setting comes from an LMS_* environment variable with an
embedded default, so a fresh checkout runs with SQLite under instance/ and a local Redis."""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LMS_INSTANCE_DIR", BASE_DIR / "instance"))


# The key a fresh checkout runs with; ProductionConfig refuses it (see check_secret_key).
DEVELOPMENT_SECRET_KEY = "dev-only-secret-change-me"


def env(name, default=None):
    return os.environ.get(f"LMS_{name}", default)


def env_int(name, default):
    return int(env(name, default))


class Config:
    TESTING = False
    PRODUCTION = False  # ProductionConfig: the secret key is checked at start (check_secret_key)
    SECRET_KEY = env("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'lms.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
    UPLOAD_DIR = env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = env_int("MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
    BASE_URL = env("BASE_URL", "http://127.0.0.1:5000")

    # Sessions: HttpOnly and SameSite=Lax everywhere, Secure in production.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host/-Port;
    # 0 (the default) trusts none of those headers (lms.production applies ProxyFix).
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)

    # Password hashing (argon2id). Production-strength defaults; tests lower the cost.
    ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 65536)
    PASSWORD_MIN_LENGTH = 12

    # Rate limits on the same Redis as Celery.
    RATELIMIT_ENABLED = True
    # Login: loose per client address (a company of hundreds behind one NAT address logs in
    # at 9:00), stricter for failures per address, and per account by LOGIN_LOCKOUT_*.
    RATELIMIT_LOGIN = env("RATELIMIT_LOGIN", "300 per minute")
    RATELIMIT_LOGIN_FAILURES = env("RATELIMIT_LOGIN_FAILURES", "60 per minute")
    # The LOGIN_LOCKOUT_AFTER-th failure in a row for one email and each one after it lock the
    # email for BASE x 1, 2, 4 ... seconds, at most MAX; a successful login starts the count again.
    LOGIN_LOCKOUT_AFTER = env_int("LOGIN_LOCKOUT_AFTER", 5)
    LOGIN_LOCKOUT_BASE_SECONDS = env_int("LOGIN_LOCKOUT_BASE_SECONDS", 60)
    LOGIN_LOCKOUT_MAX_SECONDS = env_int("LOGIN_LOCKOUT_MAX_SECONDS", 900)
    # Electronic signatures: this many wrong passwords in a row lock signing and login until
    # an administrator unlocks the account; a signing page's nonce is good this long.
    SIGNING_LOCK_AFTER = env_int("SIGNING_LOCK_AFTER", 3)
    SIGNING_NONCE_MINUTES = env_int("SIGNING_NONCE_MINUTES", 60)
    # Signing posts per signer (a wrong password counts towards the lock as well).
    RATELIMIT_SIGNING = env("RATELIMIT_SIGNING", "10 per minute")
    # /admin/signatures checks at most this many signatures in its request; the command
    # `flask lms signatures-verify` checks them all.
    SIGNATURES_VERIFY_PAGE_MAX = env_int("SIGNATURES_VERIFY_PAGE_MAX", 2000)
    # How long a password-reset link works (it works once).
    PASSWORD_RESET_MAX_AGE_SECONDS = env_int("PASSWORD_RESET_MAX_AGE_SECONDS", 3600)
    # Password-reset requests per client address and per target email.
    RATELIMIT_PASSWORD_RESET = env("RATELIMIT_PASSWORD_RESET", "10 per minute")
    RATELIMIT_PASSWORD_RESET_EMAIL = env("RATELIMIT_PASSWORD_RESET_EMAIL", "3 per hour")
    RATELIMIT_SIGNUP = env("RATELIMIT_SIGNUP", "5 per minute")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: count in this process's memory (logged by Flask-Limiter) instead of a 500,
    # and notice a dead Redis within a second rather than hang on it.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}

    BULK_CSV_MAX_BYTES = env_int("BULK_CSV_MAX_BYTES", 5 * 1024 * 1024)
    # A bulk enrolment job still queued this long after it was handed to the broker (its task
    # was lost: Redis down at submit) is enqueued again by the beat's hand-over, which runs
    # this often; a running job with no sign of life for BULK_STALE_SECONDS (its worker was
    # killed) is put back in the queue and applied again (all or nothing, so that is safe).
    BULK_REQUEUE_SECONDS = env_int("BULK_REQUEUE_SECONDS", 120)
    BULK_STALE_SECONDS = env_int("BULK_STALE_SECONDS", 900)

    # Mail: SMTP. `make run` starts a local catcher that writes .eml files to MAIL_CATCHER_DIR.
    SMTP_HOST = env("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = env_int("SMTP_PORT", 8025)
    SMTP_USERNAME = env("SMTP_USERNAME")
    SMTP_PASSWORD = env("SMTP_PASSWORD")
    SMTP_STARTTLS = env("SMTP_STARTTLS", "0") == "1"
    SMTP_TIMEOUT = env_int("SMTP_TIMEOUT", 15)
    MAIL_FROM = env("MAIL_FROM", "Nordic Life Science Academy <no-reply@academy.example>")
    MAIL_CATCHER_DIR = env("MAIL_CATCHER_DIR")

    # Certificates: PDFs outside the web root.
    CERTIFICATE_DIR = env("CERTIFICATE_DIR", str(INSTANCE_DIR / "certificates"))
    RATELIMIT_VERIFY = env("RATELIMIT_VERIFY", "30 per minute")
    # Fault injection for tests only: seconds a worker waits before rendering a claimed
    # certificate, so a test can kill it mid-generation. Leave 0 in production.
    CERTIFICATE_RENDER_DELAY = float(env("CERTIFICATE_RENDER_DELAY", "0"))

    # Reminders: the beat sweep and its policy.
    REMINDER_SWEEP_SECONDS = env_int("REMINDER_SWEEP_SECONDS", 3600)
    REMINDER_INACTIVITY_DAYS = env_int("REMINDER_INACTIVITY_DAYS", 14)
    REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 2000)
    # A failed send is retried after RETRY_BASE, 2x, 4x ... seconds (with jitter) until
    # MAX_ATTEMPTS sends have failed; then the row is marked failed (and logged).
    REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5)
    REMINDER_RETRY_BASE_SECONDS = env_int("REMINDER_RETRY_BASE_SECONDS", 20)
    # A row still pending this long after it was recorded (its task lost between commit and
    # broker) is enqueued again by the next sweep; longer than the whole retry schedule.
    REMINDER_REQUEUE_AFTER_SECONDS = env_int("REMINDER_REQUEUE_AFTER_SECONDS", 900)

    # Recertification (lms.certificates.validity, .recert; lms.reminders.expiry): a certificate
    # is "expiring" this many days before it expires; a recertification enrolment is opened
    # RECERT_DAYS_BEFORE days before; expiry notices go out these many days before (and on the
    # day it lapses).
    CERT_EXPIRING_DAYS = env_int("CERT_EXPIRING_DAYS", 60)
    RECERT_DAYS_BEFORE = env_int("RECERT_DAYS_BEFORE", 60)
    RECERT_SWEEP_SECONDS = env_int("RECERT_SWEEP_SECONDS", 3600)
    EXPIRY_REMINDER_DAYS = env("EXPIRY_REMINDER_DAYS", "60,30,7")

    # Outbox (lms.outbox): beat hands over again, every OUTBOX_SWEEP_SECONDS, the promised work
    # not done whose last hand-over is older than OUTBOX_HANDOVER_SECONDS (a lost message, a
    # worker killed mid-task): longer than a task takes, short enough that a certificate is
    # issued within minutes.
    OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 60)
    OUTBOX_HANDOVER_SECONDS = env_int("OUTBOX_HANDOVER_SECONDS", 300)

    # Retraining (lms.compliance.retraining): beat applies, every RETRAINING_SWEEP_SECONDS, the
    # major course versions whose effective date has come (learners moved, retraining opened).
    RETRAINING_SWEEP_SECONDS = env_int("RETRAINING_SWEEP_SECONDS", 300)

    # Training matrix (lms.compliance): beat reconciles everyone against the job profiles
    # this often (missing enrolments created, those nothing requires released).
    COMPLIANCE_RECONCILE_SECONDS = env_int("COMPLIANCE_RECONCILE_SECONDS", 600)

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = {
        "en": "English",
        "nb": "Norsk bokmål",
        "sv": "Svenska",
        "da": "Dansk",
        "fi": "Suomi",
        "et": "Eesti",
        "lv": "Latviešu",
        "lt": "Lietuvių",
    }
    COURSES_PER_PAGE = 20

    CELERY = {
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        "timezone": "UTC",
        # Redis down: a hand-over gives up within a second (the outbox keeps the work), instead
        # of the default publish retries; the worker keeps reconnecting (its own setting).
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                                      "interval_max": 0.2},
        "broker_connection_timeout": 2,
        "broker_transport_options": {
            # An unacknowledged task (its worker died) is redelivered after this many seconds;
            # the outbox sweep hands it over again long before.
            "visibility_timeout": env_int("BROKER_VISIBILITY_TIMEOUT", 3600),
            "socket_connect_timeout": 2,
        },
        "redis_socket_connect_timeout": 2,
    }


class ProductionConfig(Config):
    """LMS_ENV=production. create_app refuses to start with it unless LMS_SECRET_KEY is set to
    at least MIN_SECRET_KEY_BYTES bytes other than the development key (check_secret_key)."""

    PRODUCTION = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


# ---------------------------------------------------------------- choosing the configuration
# One place decides which class the web app, the CLI and the worker run with: LMS_ENV.
ENVIRONMENTS = {"": Config, "development": Config, "production": ProductionConfig}
MIN_SECRET_KEY_BYTES = 32


class ConfigError(RuntimeError):
    """A setting that must not be used (e.g. the development key in production)."""


def select_config(environ=None):
    """The config class LMS_ENV names: ``production`` gives ProductionConfig; unset or
    ``development`` gives Config; anything else is refused rather than silently ignored."""
    environ = os.environ if environ is None else environ
    name = environ.get("LMS_ENV", "").strip().lower()
    if name not in ENVIRONMENTS:
        raise ConfigError(f"LMS_ENV={name!r} is not known: use 'production' or leave it unset")
    return ENVIRONMENTS[name]


def check_secret_key(secret_key):
    """Raise ConfigError unless ``secret_key`` is fit for production: set, at least
    MIN_SECRET_KEY_BYTES bytes (UTF-8), and not the development key."""
    key = secret_key.encode() if isinstance(secret_key, str) else (secret_key or b"")
    if not key or key == DEVELOPMENT_SECRET_KEY.encode():
        raise ConfigError("LMS_ENV=production needs LMS_SECRET_KEY: the development key is refused "
                          "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    if len(key) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(f"LMS_SECRET_KEY is {len(key)} bytes; production needs at least "
                          f"{MIN_SECRET_KEY_BYTES} (python -c 'import secrets; print(secrets.token_urlsafe(48))')")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    SERVER_NAME = None


def celery_settings(redis_url):
    """Broker and result backend both live on the app's Redis."""
    return {"broker_url": redis_url, "result_backend": redis_url}
