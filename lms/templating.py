"""Template helpers: dates and numbers in the user's locale, Markdown, the language list.
Translations in templates are Flask-Babel's own (``_()``), installed by Flask-Babel."""
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from lms.markdown_render import render_markdown


def format_number(value):
    """A number in the page's locale (CPD hours, scores)."""
    if value is None:
        return ""
    return format_decimal(value)


def _language_name(code):
    """A language's name in the page's locale ("litauisk" on a Norwegian page)."""
    from lms.course_languages.learning import language_name

    return language_name(code)


def init_app(app):
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["date"] = lambda value: format_date(value, "medium") if value else ""
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["language_name"] = _language_name
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, "medium") if value else ""

    @app.context_processor
    def globals_():
        return {
            "current_locale": str(get_locale() or "en"),
            "languages": app.config["LANGUAGES"],
        }
