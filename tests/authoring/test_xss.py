"""Stored XSS: whatever an author writes, learners (and other authors) never get script."""
import re
from html.parser import HTMLParser

import pytest

from lms.extensions import db
from tests.authoring.helpers import edit
from tests.factories import create_user, enrol
from tests.helpers import login, text_of

PAYLOADS = [
    "<script>alert('s')</script>",
    "<img src=x onerror=alert('e')>",
    "<a href=\"javascript:alert('j')\">click</a>",
    "[click](javascript:alert('m'))",
    "[click](JaVaScRiPt:alert('m2'))",
    "<a href=\"jav&#x09;ascript:alert('t')\">tab</a>",
    "<svg onload=alert('svg')></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<p style=\"background:url(javascript:alert('css'))\" onmouseover=\"alert('o')\">hover</p>",
    "![x](javascript:alert('img'))",
    "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    "![tracker](//evil.example/pixel.png)",
    "<form action=\"https://evil.example\"><input name=p></form>",
]
DANGEROUS_TAGS = {"script", "iframe", "svg", "form", "input", "style", "object", "embed"}


class Elements(HTMLParser):
    """Every element and attribute of an HTML fragment (text, escaped or not, is ignored)."""

    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def prose_of(body):
    """The rendered lesson text of a page (its .prose blocks)."""
    parts = re.findall(r'<div class="prose"[^>]*>(.*?)</div>', body, flags=re.S)
    assert parts, "no lesson text on the page"
    return "".join(parts)


def assert_clean(html):
    for tag, attrs in Elements(html).found:
        assert tag not in DANGEROUS_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on") and name != "style", (tag, name)
            if name in ("href", "src"):
                assert re.match(r"^(https?://|mailto:|/courses/[a-z0-9-]+/media/\d+$)", value or ""), (tag, value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_is_sanitized_in_the_preview_the_author_preview_and_the_learner_page(app, author_client, draft, payload):
    body_md = f"Before {payload} after"
    url = f"/author/lessons/{draft.text.id}"
    preview = edit(author_client, url, draft.version, {"title": "T", "body_markdown": body_md, "action": "preview"})
    assert preview.status_code == 200
    assert_clean(prose_of(text_of(preview)))
    assert edit(author_client, url, draft.version, {"title": "T", "body_markdown": body_md}).status_code == 302
    assert_clean(prose_of(text_of(author_client.get(f"/author/versions/{draft.version.id}/preview/lessons/{draft.text.id}"))))
    # Published, a learner's lesson page is clean too.
    edit(author_client, f"/author/versions/{draft.version.id}/publish", draft.version)
    learner_client = app.test_client()
    learner = create_user()
    enrol(learner, draft.course)
    login(learner_client, learner)
    page = text_of(learner_client.get(f"/courses/{draft.course.slug}/lessons/{draft.text.id}"))
    assert "Before" in page and "after" in page
    assert_clean(prose_of(page))


def test_safe_markdown_and_course_images_are_kept(author_client, draft):
    image = f"/courses/{draft.course.slug}/media/{draft.image.id}"
    body_md = f"## Heading\n\n[GMP guide](https://health.ec.europa.eu/) ![Flow]({image})"
    response = edit(author_client, f"/author/lessons/{draft.text.id}", draft.version,
                    {"title": "T", "body_markdown": body_md, "action": "preview"})
    body = text_of(response)
    assert '<a href="https://health.ec.europa.eu/" rel="noopener noreferrer">GMP guide</a>' in body
    assert f'<img alt="Flow" src="{image}">' in body and "<h2>Heading</h2>" in body


def test_titles_prompts_and_feedback_are_escaped_everywhere(app, author_client, draft):
    evil = "<script>alert(1)</script>"
    v = draft.version
    edit(author_client, f"/author/modules/{draft.module.id}/rename", v, {"title": evil})
    edit(author_client, f"/author/lessons/{draft.quiz.id}", v, {"title": evil, "pass_mark": "50"})
    edit(author_client, f"/author/questions/{draft.question.id}", v, {
        "prompt": evil, "choice_1": evil, "correct_1": "y", "choice_2": "b", "feedback": evil})
    pages = [
        f"/author/courses/{draft.course.id}", f"/author/lessons/{draft.quiz.id}",
        f"/author/questions/{draft.question.id}", f"/author/versions/{v.id}/preview",
        f"/author/versions/{v.id}/preview/lessons/{draft.quiz.id}", "/author/",
    ]
    for url in pages:
        body = text_of(author_client.get(url))
        assert "<script>alert(1)" not in body, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text_of(author_client.get(f"/author/lessons/{draft.quiz.id}"))
    db.session.expire_all()
    assert draft.question.prompt == evil  # stored as written, escaped when shown
