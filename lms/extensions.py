"""The one home of the Flask extensions, created unbound and initialised in create_app."""
import importlib
from functools import lru_cache

import pytz
from babel import Locale
from celery import Celery, Task
from flask import Flask, after_this_request, has_request_context, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


# Stable constraint names, so Alembic migrations can name and drop them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def select_locale():
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and tasks: English unless they force a locale
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user.is_authenticated and current_user.locale in languages:
        return _locale(current_user.locale)
    if session.get("locale") in languages:
        return _locale(session["locale"])
    # Chosen from the request's Accept-Language: a cache must keep one copy per value.
    after_this_request(_vary_accept_language)
    return _locale(request.accept_languages.best_match(list(languages)) or "en")


def select_timezone():
    """Dates on pages are shown in the signed-in person's organisation's time zone
    (``Organisation.timezone``); UTC otherwise, and outside requests (stored values are UTC)."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    organisation = current_user.organisation
    zone = organisation.timezone if organisation is not None else None
    return zone if zone in pytz.all_timezones_set else None


def _vary_accept_language(response):
    response.vary.add("Accept-Language")
    return response


@lru_cache(maxsize=64)
def _locale(code):
    """Parsed once: Flask-Babel takes a Locale as it is, and parsing costs more than a page's
    translations."""
    return Locale.parse(code)


babel = Babel()


def celery_init_app(app: Flask) -> Celery:
    """Flask's documented pattern: every task runs inside an app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    from lms.tasks import TASK_MODULES

    celery_app = Celery(app.name, task_cls=FlaskTask, include=list(TASK_MODULES))
    settings = dict(app.config["CELERY"])
    settings.setdefault("broker_url", app.config["REDIS_URL"])
    settings.setdefault("result_backend", app.config["REDIS_URL"])
    celery_app.config_from_object(settings)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    # The web app hands work over through the task objects, so they must exist here too
    # (the worker imports the same modules through ``include``).
    for module in TASK_MODULES:
        importlib.import_module(module)
    return celery_app
