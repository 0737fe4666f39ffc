"""Settings for the LMS. Every setting comes from an LMS_* environment variable with an
embedded default, so a fresh checkout runs with SQLite under instance/ and a local Redis."""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LMS_INSTANCE_DIR", BASE_DIR / "instance"))


def env(name, default=None):
    return os.environ.get(f"LMS_{name}", default)


def env_int(name, default):
    return int(env(name, default))


class Config:
    TESTING = False
    SECRET_KEY = env("SECRET_KEY", "dev-only-secret-change-me")
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

    # Password hashing (argon2id). Production-strength defaults; tests lower the cost.
    ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 65536)
    PASSWORD_MIN_LENGTH = 12

    # Rate limits on the same Redis as Celery.
    RATELIMIT_ENABLED = True
    RATELIMIT_LOGIN = env("RATELIMIT_LOGIN", "10 per minute")
    RATELIMIT_SIGNUP = env("RATELIMIT_SIGNUP", "5 per minute")
    RATELIMIT_HEADERS_ENABLED = True

    BULK_CSV_MAX_BYTES = env_int("BULK_CSV_MAX_BYTES", 5 * 1024 * 1024)

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
        # An unacknowledged task (its worker died) is redelivered after this many seconds.
        "broker_transport_options": {"visibility_timeout": env_int("BROKER_VISIBILITY_TIMEOUT", 3600)},
    }


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    SERVER_NAME = None


def celery_settings(redis_url):
    """Broker and result backend both live on the app's Redis."""
    return {"broker_url": redis_url, "result_backend": redis_url}
