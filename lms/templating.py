"""Template helpers: translations, dates and numbers in the user's locale, Markdown, the
language list.

Flask-Babel's Jinja callables look up the request's translations on every ``_()`` (through
``g``, the domain and the locale: ~10 µs each, ~100 a page). Here each render looks them up
once, in a context processor, and the callables read them from the template context; a
template without it (an imported macro) falls back to Flask-Babel's lookup. Rendering inside
``force_locale`` (emails) still gets that locale: the context processor runs inside it.
"""
from functools import lru_cache

from babel.numbers import format_decimal as _babel_format_decimal
from flask_babel import format_date, format_datetime, get_locale, get_translations
from jinja2 import pass_context

from lms.markdown_render import render_markdown

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


def init_app(app):
    app.jinja_env.install_gettext_callables(
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext, newstyle=True,
    )
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
        }
