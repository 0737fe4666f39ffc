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
    from lms.sessions import SessionInterface

    app.session_interface = SessionInterface()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    from lms import extensions, models, sqlite_setup  # noqa: F401  (models: every table registered; SQLite pragmas)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    extensions.csrf.init_app(app)
    extensions.csrf_checks_unsafe_methods_only(app)
    extensions.babel.init_app(app, locale_selector=extensions.select_locale)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    extensions.limiter.init_app(app)
    extensions.limit_decorated_views_only(app)
    extensions.celery_init_app(app)

    from lms.accounts.auth import init_login

    init_login(app)
    extensions.remember_cookie_only_when_pending(app)

    from lms import errors, templating
    from lms.accounts.admin_views import bp as user_admin_bp
    from lms.accounts.views import bp as accounts_bp
    from lms.admin.views import bp as admin_bp
    from lms.api.views import bp as api_bp
    from lms.audit.views import bp as audit_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.courses.views import bp as courses_bp
    from lms.enrolments.views import bp as bulk_bp
    from lms.progress.views import bp as progress_bp
    from lms.reports.views import bp as reports_bp
    from lms.records.views import bp as records_bp

    for bp in (records_bp, bulk_bp, user_admin_bp, audit_bp, accounts_bp, courses_bp, progress_bp, admin_bp, api_bp, certificates_bp, reports_bp):
        app.register_blueprint(bp)
    from lms.admin.mail import bp as admin_mail_bp
    from lms.reminders.admin_views import bp as reminder_admin_bp
    from lms.reminders.views import bp as reminders_bp

    app.register_blueprint(reminders_bp)
    app.register_blueprint(reminder_admin_bp)
    app.register_blueprint(admin_mail_bp)
    from lms.authoring.views import bp as authoring_bp

    app.register_blueprint(authoring_bp)
    errors.init_app(app)
    templating.init_app(app)

    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)
    return app
