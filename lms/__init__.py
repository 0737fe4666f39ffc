"""The LMS application factory."""
import logging
import os

from flask import Flask

from config import BASE_DIR, Config


def create_app(config_class=Config, **overrides):
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A local file: no connection to go stale, so no ping before every checkout.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    from lms import extensions, models, sqlite_setup  # noqa: F401  (models: every table registered; SQLite pragmas)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    extensions.csrf.init_app(app)
    extensions.babel.init_app(app, locale_selector=extensions.select_locale)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    extensions.limiter.init_app(app)
    extensions.celery_init_app(app)

    from lms.accounts.auth import init_login

    init_login(app)

    from lms import errors, templating
    from lms.blueprints import register_blueprints

    register_blueprints(app)
    errors.init_app(app)
    templating.init_app(app)

    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)
    return app
