"""Error handlers: a clear message as an HTML page or JSON, never a traceback."""
import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.extensions import db

log = logging.getLogger(__name__)


# Translated when shown (lazy), so a page translates only the one it needs.
MESSAGES = {
    400: _l("The request could not be understood. Check the form and try again."),
    401: _l("Please log in to continue."),
    403: _l("You do not have permission to see this page."),
    404: _l("We could not find that page."),
    405: _l("That action is not allowed here."),
    409: _l("That conflicts with a change made meanwhile. Reload and try again."),
    413: _l("The upload is too large."),
    422: _l("Some of the information given is not valid."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
}


def wants_json():
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(code, message=None):
    if not message:
        message = str(MESSAGES[code]) if code in MESSAGES else _("Something went wrong.")
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
