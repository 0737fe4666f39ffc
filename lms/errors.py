"""Error handlers: a clear message as an HTML page or JSON, never a traceback."""
import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.extensions import db

log = logging.getLogger(__name__)


def _messages():
    return {
        400: _("The request could not be understood. Check the form and try again."),
        401: _("Please log in to continue."),
        403: _("You do not have permission to see this page."),
        404: _("We could not find that page."),
        405: _("That action is not allowed here."),
        409: _("That conflicts with a change made meanwhile. Reload and try again."),
        413: _("The upload is too large."),
        422: _("Some of the information given is not valid."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def wants_json():
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(code, message=None):
    message = message or _messages().get(code) or _("Something went wrong.")
    if wants_json():
        return jsonify(error={"status": code, "message": message}), code
    return render_template("error.html", code=code, message=message), code


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("The form expired or was sent from elsewhere. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        code = error.code or 500
        # Our own aborts may carry a specific message; Werkzeug's defaults are not translated.
        custom = error.description if getattr(error, "lms_message", False) else None
        return render_error(code, custom)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)


def abort_with(code, message):
    """Abort with a message meant for the user."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[code](description=message)
    exc.lms_message = True
    raise exc


__all__ = ["abort_with", "init_app", "render_error", "InternalServerError"]
