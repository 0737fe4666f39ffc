"""CSRF protection: Flask-WTF's, with a token checked once per process until it expires.

Checking a signed token (Flask-WTF's ``validate_csrf``: build a serializer, verify the HMAC,
decode the timestamp and the payload, compare with the session's raw token) is a good part of
a small form post's cost, and a learner's pages post the same token again and again (it is
reused for a minute, lms.templating.csrf_token). Once a token has checked out for a session's
raw token under the app's secret, that outcome holds until the token's time limit from its
signing runs out: it is remembered, keyed by all three, with that expiry, and anything else
(an unknown, forged or expired token, another session, another secret) takes Flask-WTF's own
check, whose refusals are unchanged.
"""
import time
from urllib.parse import parse_qsl

from flask import current_app, g, request, session
from flask_wtf import csrf as wtf_csrf
from itsdangerous.encoding import base64_decode, bytes_to_int

from lms.memo import Memo

_checked = Memo(8192)


class CSRFProtect(wtf_csrf.CSRFProtect):
    def protect(self, apply_exemptions=False):
        config = current_app.config
        strict = request.is_secure and config["WTF_CSRF_SSL_STRICT"]  # referrer checks: always
        key = None if strict or request.method not in config["WTF_CSRF_METHODS"] else self._key()
        if key is not None and time.time() < _checked.get(key, 0):
            g.csrf_valid = True
            return
        super().protect(apply_exemptions)  # aborts the request unless the token checks out
        if key is not None and getattr(g, "csrf_valid", False):
            _checked.put(key, _expiry(key[1], config["WTF_CSRF_TIME_LIMIT"]))

    def _key(self):
        field = current_app.config["WTF_CSRF_FIELD_NAME"]
        token, raw = _small_form_token(field) or self._get_csrf_token(), session.get(field)
        if not token or not raw:
            return None
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        return secret, token, raw


def _small_form_token(field):
    """The token field of a small urlencoded form post, read from its body, or None (then
    Flask-WTF's lookup in ``request.form`` and the headers decides). Werkzeug's form parsing
    costs a one-field post more than the rest of the check; the body is kept, so a view that
    reads ``request.form`` later still gets all of it."""
    if request.mimetype != "application/x-www-form-urlencoded" or not 0 < (request.content_length or 0) <= 4096:
        return None
    # Latin-1 maps every byte to a character and back: any body parses, and the token (ASCII
    # when genuine) comes out as sent.
    body = request.get_data(cache=True).decode("latin-1")
    for name, value in parse_qsl(body, encoding="latin-1", errors="strict"):
        if name == field:
            return value
    return None


def _expiry(token, time_limit):
    """When ``token``, whose signature has just been verified, stops being valid."""
    if time_limit is None:
        return float("inf")
    signed_at = bytes_to_int(base64_decode(token.rsplit(".", 2)[1]))
    return signed_at + time_limit
