"""The LMS application factory."""
import os

from flask import Flask

from config import BASE_DIR, select_config


def create_app(config_class=None, **overrides):
    """The app, configured by ``config_class`` (default: the one LMS_ENV selects) and then
    ``overrides``; refuses production settings that are unsafe (config.ConfigError)."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config_class or select_config())
    app.config.update(overrides)
    from lms import production, request_id, security_headers

    production.init_app(app)  # first: a production app with a bad secret key never starts
    request_id.init_app(app)  # (the root logger's format and the request-id filter)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A local file: no connection to go stale, so no ping before every checkout.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    os.makedirs(app.instance_path, exist_ok=True)
    from lms.parsing import BoundedIntConverter, refuse_nul_characters

    # Before any route is added: <int:...> matches only ids a database column can hold.
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul_characters)

    from lms import extensions, models, sqlite_setup  # noqa: F401  (models: every table registered; SQLite pragmas)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    extensions.csrf.init_app(app)
    extensions.babel.init_app(app, locale_selector=extensions.select_locale,
                                 timezone_selector=extensions.select_timezone)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    extensions.limiter.init_app(app)
    extensions.celery_init_app(app)

    from lms.accounts.auth import init_login

    init_login(app)

    from lms import errors, templating
    from lms.blueprints import register_blueprints

    register_blueprints(app)
    errors.init_app(app)
    security_headers.init_app(app)
    templating.init_app(app)

    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)
    return app
