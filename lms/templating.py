"""Template helpers: translations, dates and numbers in the user's locale, Markdown, the
language list.

Flask-Babel's Jinja callables look up the request's translations on every ``_()`` (through
``g``, the domain and the locale: ~10 µs each, ~100 a page). Here each render looks them up
once, in a context processor, and the callables read them from the template context; a
template without it (an imported macro) falls back to Flask-Babel's lookup. Rendering inside
``force_locale`` (emails) still gets that locale: the context processor runs inside it.
"""
import time
from functools import lru_cache

from babel.numbers import format_decimal as _babel_format_decimal
from flask import current_app, g, render_template, request, session
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup, escape

from lms.markdown_render import render_markdown
from lms.memo import Memo

_TRANSLATIONS = "_lms_translations"


def _translations(context):
    translations = context.get(_TRANSLATIONS)
    return translations if translations is not None else get_translations()


@pass_context
def _gettext(context, string):
    return _translations(context).ugettext(string)


@pass_context
def _ngettext(context, singular, plural, n):
    return _translations(context).ungettext(singular, plural, n)


@pass_context
def _pgettext(context, message_context, string):
    return _translations(context).upgettext(message_context, string)


@pass_context
def _npgettext(context, message_context, singular, plural, n):
    return _translations(context).unpgettext(message_context, singular, plural, n)


@lru_cache(maxsize=4096)
def _decimal(value, locale):
    return _babel_format_decimal(value, locale=locale)


@pass_context
def format_number(context, value):
    """A number in the page's locale (cached: pages show the same few CPD hours often)."""
    if value is None:
        return ""
    locale = context.get("current_locale") or str(get_locale() or "en")
    return _decimal(value, locale)


# The site header (templates/_site_header.html) differs only by these; the page's endpoint
# matters only when it is one the header links to.
HEADER_ENDPOINTS = frozenset({
    "courses.catalogue", "progress.my_learning", "authoring.dashboard", "admin.admin_dashboard",
    "accounts.settings", "accounts.login",
})
_CSRF_SLOT = "\x00csrf\x00"
_headers = Memo(1024)


def _header_key(user):
    """What the site header follows from, besides the language."""
    authenticated = bool(user.is_authenticated)
    endpoint = request.endpoint if request.endpoint in HEADER_ENDPOINTS else None
    return (request.script_root, endpoint, authenticated,
            authenticated and bool(user.is_author), authenticated and bool(user.is_admin))


@pass_context
def site_header(context):
    """The site header, rendered once per process for each language, role and section and
    kept: it costs more than many a page's content, and every page shows it. The logout
    form's CSRF token is the request's own (the context's ``csrf_token``), put in afterwards."""
    header = _header_key(context["current_user"])
    key = (context.get("current_locale"), *header)
    parts = _headers.get(key)
    if parts is None:
        html = render_template(
            "_site_header.html", endpoint=header[1], authenticated=header[2], is_author=header[3],
            is_admin=header[4], csrf_token=_csrf_slot,
        )
        parts = tuple(html.split(_CSRF_SLOT))
        if not current_app.jinja_env.auto_reload:  # templates may change in development
            _headers.put(key, parts)
    slot = context.get("csrf_token") is _csrf_slot  # rendering for render_page
    return _fill(parts, _csrf_slot if slot else csrf_token)


def _csrf_slot():
    return _CSRF_SLOT


def _fill(parts, token):
    """``parts`` joined by the CSRF token ``token()`` gives (called only when needed)."""
    if len(parts) == 1:
        return Markup(parts[0])
    return Markup(str(escape(token())).join(parts))


# Kept pages, a bounded memo per template: catalogue searches, as many as visitors type,
# never push out lesson pages.
PAGES_PER_TEMPLATE = 2048
_pages = {}


def render_page(key, template_name, **context):
    """``render_template(template_name, **context)``, kept for ``key`` when it is not None.

    For the busiest pages (a lesson, the catalogue): their whole HTML follows from a few
    values the view reads anyway, so each process renders it once for each ``key`` (which
    the caller makes of every value the page shows) and language, where the app is mounted
    and the header's role and section; the CSRF tokens of its forms are the request's own,
    put in on each request. A page with flashed messages is rendered afresh (they show once).
    Templates rendered this way read nothing from the request or the user but through
    ``context`` and the site header.
    """
    if key is None or current_app.jinja_env.auto_reload or session.get("_flashes"):
        return render_template(template_name, **context)
    full_key = (key, str(get_locale()), *_header_key(current_user))
    pages = _pages.get(template_name)
    if pages is None:
        pages = _pages.setdefault(template_name, Memo(PAGES_PER_TEMPLATE))
    parts = pages.get(full_key)
    if parts is None:
        html = render_template(template_name, **context, csrf_token=_csrf_slot)
        parts = pages.put(full_key, tuple(html.split(_CSRF_SLOT)))
    return str(_fill(parts, csrf_token))


# A signed CSRF token is reused for up to this many seconds by the same session's pages
# (tokens are valid for WTF_CSRF_TIME_LIMIT, an hour by default, from when they were signed).
CSRF_TOKEN_REUSE_SECONDS = 60
_signed_tokens = Memo(4096)


def csrf_token():
    """Flask-WTF's ``csrf_token()`` for templates, signed at most once a minute per session
    instead of on every page (signing is a good part of a small page's cost)."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:  # this request signed one already (a form of the view)
        return g.get(field)
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    now = time.monotonic()
    signed = _signed_tokens.get((secret, session.get(field)))
    if signed is None or now - signed[1] > CSRF_TOKEN_REUSE_SECONDS:
        signed = generate_csrf(), now  # creates the session's raw token if it has none
        _signed_tokens.put((secret, session[field]), signed)
    setattr(g, field, signed[0])  # forms of this request sign nothing more
    return signed[0]


def init_app(app):
    app.jinja_env.install_gettext_callables(
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext, newstyle=True,
    )
    app.jinja_env.globals["site_header"] = site_header
    app.jinja_env.globals["csrf_token"] = csrf_token  # after CSRFProtect's, which it replaces
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["date"] = lambda value: format_date(value, "medium") if value else ""
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, "medium") if value else ""

    @app.context_processor
    def globals_():
        return {
            "current_locale": str(get_locale() or "en"),
            "languages": app.config["LANGUAGES"],
            _TRANSLATIONS: get_translations(),
            # Over Flask-WTF's context processor (registered before this one), which signs anew.
            "csrf_token": csrf_token,
        }
