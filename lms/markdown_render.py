"""Markdown to sanitized HTML: authors write Markdown, learners never get script."""
import re

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


def render_markdown(text):
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)
