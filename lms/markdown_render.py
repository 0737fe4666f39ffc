"""Markdown to sanitized HTML: authors write Markdown, learners never get script."""
import re
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "dl", "dt", "dd", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}

# Images uploaded for a course (lms.authoring): a path on this site, served only to the
# course's learners and authors. Other relative image paths are dropped.
COURSE_IMAGE_PATH = re.compile(r"^/courses/[a-z0-9-]+/media/[0-9]+$")


def _filter_attribute(tag, attribute, value):
    if tag == "img" and attribute == "src":
        if COURSE_IMAGE_PATH.match(value) or value.startswith(("https://", "http://")):
            return value
        return None
    return value


# The same text always gives the same HTML, and learners read the same lessons over and over:
# the last few hundred results are kept (texts up to CACHED_CHARS, so at most ~50 MB) rather
# than parsed and sanitised on every page view.
CACHED_CHARS = 100_000


def render_markdown(text):
    text = text or ""
    return _cached(text) if len(text) <= CACHED_CHARS else _render(text)


def _render(text):
    html = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)


_cached = lru_cache(maxsize=256)(_render)
