"""Security headers on every response: a Content-Security-Policy without inline script,
no framing (clickjacking), no MIME sniffing, a Referrer-Policy, and no caching of anything
served to a logged-in user."""
from flask import request
from flask_login import current_user

# Everything comes from this site: scripts only as files under static/js (no inline script or
# event-handler attributes anywhere), styles only from static/css, images also as data: URLs.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def init_app(app):
    app.after_request(add_security_headers)


def add_security_headers(response):
    """A view may set its own stricter value (e.g. the verification page's no-referrer)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # Static files are the same for everyone and stay cacheable; whatever a logged-in user
    # gets may hold their data and is never stored by a browser or a shared cache.
    if request.endpoint == "static" or "no-store" in response.headers.get("Cache-Control", ""):
        return response
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response
