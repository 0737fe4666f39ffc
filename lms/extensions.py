"""The one home of the Flask extensions, created unbound and initialised in create_app."""
from functools import lru_cache, partial, wraps

from babel import Locale
from celery import Celery, Task
from flask import Flask, after_this_request, has_request_context, request, session
from flask.globals import request_ctx
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from lms.csrf import CSRFProtect

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


def session_in_transaction():
    """Whether this request's session has begun a transaction, without making a session just
    to ask: a request that only read (through lms.reads) has none, nor anything to commit."""
    return db.session.registry.has() and db.session().in_transaction()
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def limit_decorated_views_only(app):
    """Our rate limits are all on the views they guard (``@limiter.limit``), and a decorated
    view checks its own limits when called. Flask-Limiter also checks every request before
    its view for application-wide, default and blueprint limits, of which we have none: that
    check alone costs a small page a tenth of its time, so it is taken out unless such limits
    are configured (do not limit a whole blueprint with ``limiter.limit(bp)`` either).

    Its after_request (rate-limit headers, conditional deductions) and teardown (reset) work
    on the state it keeps on the request context from the first time a limit is checked (or
    ``limiter.current_limit`` read); without that state both have nothing to do, so they run
    only when it exists: on the decorated views, which still send their headers and 429s."""
    wide = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")
    if any(app.config.get(name) for name in wide):
        return
    if limiter._check_request_limit not in app.before_request_funcs.get(None, ()):
        return  # RATELIMIT_ENABLED is off: Flask-Limiter registered no hooks at all
    app.before_request_funcs[None].remove(limiter._check_request_limit)

    def limiter_used():
        return hasattr(request_ctx._get_current_object(), "_limiter_request_context")

    after, teardown = app.after_request_funcs[None], app.teardown_request_funcs[None]
    inject_headers = next(f for f in after if isinstance(f, partial) and f.args == (limiter,))
    release = next(f for f in teardown if getattr(f, "__self__", None) is limiter)
    _guard_hook(after, inject_headers, limiter_used)
    _guard_hook(teardown, release, limiter_used)


def remember_cookie_only_when_pending(app):
    """Flask-Login's after_request looks in the session on every response for a change of the
    "remember me" cookie that login_user/logout_user left there ("_remember"; it is taken out
    by this same hook in the same request, so it never reaches the cookie). Since Flask 3.1.3
    any use of the ``session`` proxy marks the session accessed, so that look alone gave
    every response ``Vary: Cookie``, including those that depend on no cookie. It now looks
    at the request's session object itself, as Flask's own process_response does (unmarked),
    and Flask-Login runs as before when there is work. A response that does read the session
    (the user, the CSRF token, the language) is still marked, and still varies by Cookie."""

    def pending():
        return ("_remember" in request_ctx._get_current_object()._session
                or app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"))

    _guard_hook(app.after_request_funcs[None], login_manager._update_remember_cookie, pending)


def csrf_checks_unsafe_methods_only(app):
    """CSRFProtect's before_request looks up the view's exemptions before it looks at the
    method, on every GET; its check does nothing for methods outside WTF_CSRF_METHODS, so it
    now runs only for those (POST, PUT, PATCH, DELETE by default)."""
    before = app.before_request_funcs[None]
    protect = next(f for f in before if getattr(f, "__name__", None) == "csrf_protect")

    def unsafe_method():
        return request.method in app.config["WTF_CSRF_METHODS"]

    _guard_hook(before, protect, unsafe_method)


def _guard_hook(hooks, hook, guard):
    """Put in ``hook``'s place in ``hooks`` (before_request, after_request or teardown
    functions, so the order they run in stays) one that calls it only when ``guard()``.
    Skipped, a before_request returns None (go on to the view), an after_request its response
    unchanged, a teardown its argument (Flask ignores what a teardown returns)."""

    @wraps(hook)
    def guarded(*args):
        if guard():
            return hook(*args)
        return args[0] if args else None

    hooks[hooks.index(hook)] = guarded


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

    celery_app = Celery(app.name, task_cls=FlaskTask)
    settings = dict(app.config["CELERY"])
    settings.setdefault("broker_url", app.config["REDIS_URL"])
    settings.setdefault("result_backend", app.config["REDIS_URL"])
    celery_app.config_from_object(settings)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
