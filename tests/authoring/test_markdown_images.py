"""Markdown images only from the course's own files: external images (tracking pixels,
hot-linked pictures) and another course's files are removed, in the author's preview and on
the learner's lesson page."""
from html.parser import HTMLParser

from lms.markdown_render import render_markdown
from tests.authoring.helpers import edit
from tests.authoring.test_xss import prose_of
from tests.factories import create_course, create_user, enrol
from tests.helpers import login, text_of


class Images(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.sources = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs).get("src"))


def body_with_images(own, other):
    return "\n\n".join([
        "Intro text.",
        f"![Own diagram]({own}) stays, and the words after it too.",
        "![Pixel](https://tracker.example/p.gif) ![Hot](http://pictures.example/a.png) after external",
        "![Relative](//cdn.example/b.png) ![Data](data:image/png;base64,iVBORw0KGgo=)",
        f"![Other course]({other}) ![Query]({own}?x=1) ![Traversal]({own}/../../7)",
        '<img src="https://tracker.example/raw.gif" alt="raw"> <img src="' + other + '" alt="raw other">',
        f'<img src="{own}" alt="raw own">',
        "Outro text.",
    ])


def test_only_the_courses_own_images_are_kept(app, author_client, draft):
    own = f"/courses/{draft.course.slug}/media/{draft.image.id}"
    other_course = create_course()
    other = f"/courses/{other_course.slug}/media/{draft.image.id}"
    body = body_with_images(own, other)
    url = f"/author/lessons/{draft.text.id}"

    preview = edit(author_client, url, draft.version, {"title": "T", "body_markdown": body, "action": "preview"})
    assert preview.status_code == 200
    html = prose_of(text_of(preview))
    assert Images(html).sources == [own, own]
    assert "stays, and the words after it too." in html and "after external" in html and "Outro text." in html
    for gone in ("tracker.example", "pictures.example", "cdn.example", "data:image", other_course.slug):
        assert gone not in html

    # Saved, published and read by a learner: the same.
    assert edit(author_client, url, draft.version, {"title": "T", "body_markdown": body}).status_code == 302
    edit(author_client, f"/author/versions/{draft.version.id}/publish", draft.version)
    learner_client = app.test_client()
    learner = create_user()
    enrol(learner, draft.course)
    login(learner_client, learner)
    page = learner_client.get(f"/courses/{draft.course.slug}/lessons/{draft.text.id}")
    assert page.status_code == 200
    assert Images(prose_of(text_of(page))).sources == [own, own]
    assert learner_client.get(own).status_code == 200  # and the kept image is served to the learner


def test_without_a_course_no_image_is_kept():
    html = render_markdown("![a](/courses/x/media/1) ![b](https://example.com/b.png) text")
    assert Images(html).sources == [] and "text" in html
    assert Images(render_markdown("![a](/courses/x/media/1)", "x")).sources == ["/courses/x/media/1"]
    assert Images(render_markdown("![a](/courses/x/media/1)", "y")).sources == []
