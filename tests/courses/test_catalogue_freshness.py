"""The catalogue keeps its pages whole (lms.courses.views.catalogue, by the catalogue stamp)
and reads its total and languages in the same statement as its rows: what it shows is still,
at once, what the database says."""
import re

from lms.courses import services
from lms.extensions import db
from tests.factories import add_version, create_course, create_org
from tests.helpers import text_of


def language_options(body):
    """The catalogue filter's languages (not the site's language switcher in the footer)."""
    return re.findall(r'<option value="(\w+)"', body.split('class="language-switcher"')[0])


def test_the_kept_content_is_used(app):
    # Else the tests below would not exercise it.
    assert not app.jinja_env.auto_reload


def test_a_course_shows_at_once_when_published_changed_or_unpublished(client, app):
    org = create_org(name="Baltic Pharma Guild")
    aseptic = create_course(title="Aseptic processing", org=org, modules=2)
    draft = create_course(title="Batch release", published=False)
    db.session.commit()
    body = text_of(client.get("/"))
    assert "Aseptic processing" in body and "Batch release" not in body and "1 course<" in body
    assert "<dt>Modules</dt><dd>2</dd>" in body

    draft.versions[0].status = "published"
    db.session.commit()
    body = text_of(client.get("/"))
    assert "Batch release" in body and "2 courses" in body

    org.name = "Baltic Pharma Guild (renamed)"
    draft.summary = "Certifying batches, step by step"
    db.session.commit()
    body = text_of(client.get("/"))
    assert "Baltic Pharma Guild (renamed)" in body and "Certifying batches, step by step" in body

    aseptic.versions[0].status = "archived"
    add_version(aseptic, modules=5)  # a new published version
    db.session.commit()
    body = text_of(client.get("/"))
    assert "<dt>Modules</dt><dd>5</dd>" in body and "<dt>Modules</dt><dd>2</dd>" not in body

    draft.versions[0].status = "archived"
    db.session.commit()
    body = text_of(client.get("/"))
    assert "Batch release" not in body and "1 course<" in body


def test_languages_follow_published_courses_on_every_page(client, app):
    create_course(title="Good manufacturing practice", language="en")
    draft = create_course(title="Hyvä tuotantotapa", language="fi", published=False)
    db.session.commit()
    assert language_options(text_of(client.get("/"))) == ["en"]
    draft.versions[0].status = "published"
    db.session.commit()
    assert language_options(text_of(client.get("/"))) == ["en", "fi"]
    # A page past the end has no rows to carry them: still listed.
    past = text_of(client.get("/courses?page=5"))
    assert language_options(past) == ["en", "fi"] and "2 courses" in past


def test_filters_page_and_count_together(client, app):
    for n in range(22):
        create_course(title=f"Validering {n:02d}", language="nb", lessons=("text",))
    create_course(title="Validation basics", language="en")
    create_course(title="Validering 100%_sure", language="en")
    db.session.commit()
    first = text_of(client.get("/courses?language=nb&q=validering"))
    assert "22 courses" in first and "Validering 19" in first and "Validering 20" not in first
    assert 'value="nb" selected' in first and "page=2" in first and "language=nb" in first
    second = text_of(client.get("/courses?language=nb&q=validering&page=2"))
    assert "22 courses" in second and "Validering 21" in second and "Validering 00" not in second
    past = text_of(client.get("/courses?language=nb&q=validering&page=3"))
    assert "22 courses" in past and "No courses match" in past
    # Every word must match, and LIKE wildcards are literal.
    assert "1 course<" in text_of(client.get("/courses?q=validering+100%25_"))
    assert "No courses match" in text_of(client.get("/courses?q=validering+1_0"))
    assert "24 courses" in text_of(client.get("/courses?q=VALID"))


def test_catalogue_service_rows_total_and_languages(app):
    assert services.catalogue() == ([], 0)
    assert services.catalogue_languages() == []
    create_course(title="B course", language="sv", modules=2)
    create_course(title="A course", language="en", modules=3)
    create_course(title="Draft", language="lt", published=False)
    db.session.flush()
    rows, total = services.catalogue(per_page=1)
    assert total == 2 and [(r.title, r.modules, r.version) for r in rows] == [("A course", 3, 1)]
    assert services.catalogue_languages(rows) == services.catalogue_languages() == ["en", "sv"]
    assert services.catalogue(language="sv", page=2, per_page=1) == ([], 1)
