"""Flask's signed-cookie session, read for less.

The cookie on the wire is exactly Flask's (same serializer, salt, signature and expiry).
Two costs every request paid are paid once instead:

- the signing serializer (its keys derived from SECRET_KEY) is built once per secret, not on
  every request;
- a browser sends the same cookie with every request until its session changes, so a cookie
  whose signature checked out is remembered with its contents and signing time. A remembered
  cookie is still refused once older than the session lifetime, and every request gets its own
  deep copy of the contents (views change their session in place, e.g. ``flash``). A forged or
  tampered cookie never checks out, so it is never remembered.

Two more are made smaller: the request's cookies are parsed from the one WSGI key that holds
them, and saving, which does what Flask's does, sets ``Vary: Cookie`` (for a session that was
read) directly when the response has no Vary yet, instead of parsing and re-serialising it.
"""
import copy
import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie

from lms.memo import Memo

REMEMBERED_COOKIES = 4096


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._serializer_key = None
        self._serializer = None
        self._verified = Memo(REMEMBERED_COOKIES)  # cookie value -> (contents, signed at, unix seconds)

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if key != self._serializer_key:
            self._serializer = super().get_signing_serializer(app)
            self._serializer_key = key
            self._verified = Memo(REMEMBERED_COOKIES)  # checked with another key
        return self._serializer

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        # What request.cookies parses, found without its walk through the whole WSGI environ
        # (Werkzeug looks for the header as it would for one sent several times), and kept as
        # request.cookies (a settable cached property) for whoever reads them next.
        request.cookies = parse_cookie(request.environ.get("HTTP_COOKIE", ""), cls=request.dict_storage_class)
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        verified = self._verified.get(value)
        if verified is None:
            try:
                contents, signed_at = serializer.loads(value, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            verified = self._verified.put(value, (contents, int(signed_at.timestamp())))
        contents, signed_at = verified
        # As itsdangerous checks it: whole seconds, never in the future.
        age = int(time.time()) - signed_at
        if age < 0 or age > int(app.permanent_session_lifetime.total_seconds()):
            return self.session_class()
        return self.session_class(own_copy(contents))

    def save_session(self, app, session, response):
        if session.accessed:
            vary_cookie(response)
        # Flask's save_session writes a cookie only in these cases (deleting an emptied
        # session, or setting a changed or refreshed one); otherwise it adds only the Vary.
        if session.modified if not session else self.should_set_cookie(app, session):
            super().save_session(app, session, response)


_IMMUTABLE = frozenset({str, int, float, bool, bytes, type(None)})


def own_copy(contents):
    """A deep copy of the session's contents for one request: values of immutable types (the
    user id, the tokens, the language) are shared, anything else (flashed messages) copied."""
    return {key: value if type(value) in _IMMUTABLE else copy.deepcopy(value)
            for key, value in contents.items()}


def vary_cookie(response):
    """``response.vary.add("Cookie")``, which parses the Vary header, adds to it and writes it
    back quoted, for a few microseconds; the same header in one step when there is no Vary."""
    if "Vary" in response.headers:
        response.vary.add("Cookie")
    else:
        response.headers["Vary"] = "Cookie"
