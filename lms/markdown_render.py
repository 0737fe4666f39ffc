"""Markdown to sanitized HTML: authors write Markdown, learners never get script, and images
come only from the course's own files (no tracking pixels or hot-linked pictures from
other hosts, which would also tell them who reads which lesson)."""
import re
from functools import lru_cache

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "dl", "dt", "dd", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}

# Images uploaded for a course (lms.authoring): /courses/<slug>/media/<file id> on this site,
# served only to the course's learners and authors. Any other image source is removed.
COURSE_IMAGE_PATH = re.compile(r"^/courses/(?P<slug>[a-z0-9-]+)/media/[0-9]+$")
# An <img> as nh3 writes it (every attribute value double-quoted, with " escaped inside).
SERIALIZED_IMG = re.compile(r'<img((?:\s+[a-zA-Z-]+="[^"]*")*)\s*/?>')


def is_course_image(src, course_slug):
    """Whether ``src`` is one of the files of the course ``course_slug`` (a path on this site)."""
    match = COURSE_IMAGE_PATH.match(src or "")
    return bool(course_slug) and match is not None and match["slug"] == course_slug


class _CourseImagesOnly(Treeprocessor):
    """Removes Markdown images (``![alt](src)``) whose source is not one of the course's files."""

    def __init__(self, md, course_slug):
        super().__init__(md)
        self.course_slug = course_slug

    def run(self, root):
        for parent in list(root.iter()):
            kept = None  # the last child left in place, which takes over a removed one's tail
            for child in list(parent):
                if child.tag != "img" or is_course_image(child.get("src"), self.course_slug):
                    kept = child
                    continue
                if child.tail:  # the text that followed the image stays
                    if kept is None:
                        parent.text = (parent.text or "") + child.tail
                    else:
                        kept.tail = (kept.tail or "") + child.tail
                parent.remove(child)


# The same text always gives the same HTML, and learners read the same lessons over and over:
# the last few hundred results are kept (texts up to CACHED_CHARS, so at most ~50 MB) rather
# than parsed and sanitised on every page view. The result depends only on the text and the
# course, never on who reads it.
CACHED_CHARS = 100_000


def render_markdown(text, course_slug=None):
    """Sanitized HTML of ``text``, a lesson of the course whose address name is
    ``course_slug``: only that course's images are kept (none without a course)."""
    text = text or ""
    return _cached(text, course_slug) if len(text) <= CACHED_CHARS else _render(text, course_slug)


def _render(text, course_slug):
    md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"])
    # After the inline patterns have made the <img> elements (priority below 'inline', 20).
    md.treeprocessors.register(_CourseImagesOnly(md, course_slug), "course_images_only", 15)
    html = md.convert(text)

    def filter_attribute(tag, attribute, value):
        # Raw HTML <img> in the Markdown: its src goes unless it is the course's own file
        # (the <img> left without a source is then removed below).
        if tag == "img" and attribute == "src":
            return value if is_course_image(value, course_slug) else None
        return value

    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=filter_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    clean = SERIALIZED_IMG.sub(lambda m: m.group(0) if ' src="' in m.group(1) else "", clean)
    return Markup(clean)


_cached = lru_cache(maxsize=256)(_render)
