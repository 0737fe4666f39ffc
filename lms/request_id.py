"""A request id for every request: in every log line written while it is handled (a logging
filter) and in the response's X-Request-ID, so one request can be followed through the logs
of several web processes and matched with the proxy's access log."""
import logging
import re
import uuid

from flask import g, has_request_context, request

HEADER = "X-Request-ID"
# What an id from the proxy may look like; anything else is replaced by a fresh one.
SANE_ID = re.compile(r"^[A-Za-z0-9._:@+=/-]{1,128}$")
LOG_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"
NO_REQUEST = "-"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the current request's id, or "-" outside one."""

    def filter(self, record):
        record.request_id = current_request_id() or NO_REQUEST
        return True


def current_request_id():
    if has_request_context():
        return g.get("request_id")
    return None


def init_app(app):
    """Give each request its id and every handler of the root logger the filter.

    The id comes from the X-Request-ID header only behind trusted proxies (LMS_TRUSTED_PROXIES
    > 0, whose proxy sets it) and only if it looks sane; otherwise it is generated here."""
    install_filter()
    trust_header = app.config.get("TRUSTED_PROXIES", 0) > 0

    @app.before_request
    def assign_request_id():
        given = request.headers.get(HEADER, "") if trust_header else ""
        g.request_id = given if SANE_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def send_request_id(response):
        response.headers[HEADER] = g.get("request_id") or uuid.uuid4().hex
        return response


def install_filter(logger=None):
    """The filter on each handler of ``logger`` (default: the root logger), once; a root
    logger without handlers first gets one writing LOG_FORMAT to stderr."""
    logger = logger or logging.getLogger()
    if not logger.handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for handler in logger.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
