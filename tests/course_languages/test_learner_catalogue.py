"""A course in several languages seen by learners: the catalogue shows it once with the
languages it is offered in, the language filter finds it by a translation's language, the
course page and the API list its languages, and enrolling picks one."""
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.courses import services as courses
from lms.enrolments.models import Enrolment
from lms.extensions import db
from tests.course_languages.learner_factories import WORDS, translate
from tests.factories import create_course, create_user
from tests.helpers import login, main_of, post_form, text_of


def course_with(*languages, unpublished=(), title="Cleanroom basics"):
    course = create_course(title=title, lessons=("text", "quiz"))
    for language in languages:
        translate(course.published_version, language)
    for language in unpublished:
        translate(course.published_version, language, published=False)
    return course


def card_of(body, course):
    """The catalogue card of ``course``."""
    start = body.index(f'href="/courses/{course.slug}"')
    return body[start:body.index("</li>", start)]


def test_the_catalogue_shows_a_translated_course_once_with_its_languages(app, client):
    course = course_with("lt", "nb", unpublished=("sv",))
    plain = create_course(title="Deviation handling")
    body = main_of(client.get("/courses"))
    assert body.count(f'href="/courses/{course.slug}"') == 1
    card = card_of(body, course)
    assert 'data-language="en"' in card and 'data-language="lt"' in card and 'data-language="nb"' in card
    assert 'data-language="sv"' not in card  # a draft translation is not offered
    assert card.index('data-language="en"') < card.index('data-language="lt"')  # its own first
    assert ">Languages<" in card and "Lietuvių" in card
    assert 'data-language="lt"' not in card_of(body, plain)
    # The filter offers the translations' languages too, not the draft's.
    assert '<option value="lt"' in body and '<option value="nb"' in body and '<option value="sv"' not in body


def test_the_language_filter_finds_a_course_offered_in_that_language(app, client):
    course = course_with("lt", unpublished=("nb",))
    other = create_course(title="Signal detection", language="sv")
    lithuanian = main_of(client.get("/courses?language=lt"))
    assert f'href="/courses/{course.slug}"' in lithuanian and f'href="/courses/{other.slug}"' not in lithuanian
    assert "1 course" in lithuanian
    assert f'href="/courses/{course.slug}"' not in main_of(client.get("/courses?language=nb"))  # unpublished
    english = main_of(client.get("/courses?language=en"))
    assert f'href="/courses/{course.slug}"' in english and f'href="/courses/{other.slug}"' not in english
    # A search finds it by its translated title too.
    found = main_of(client.get("/courses?q=gamybos"))
    assert f'href="/courses/{course.slug}"' in found


def test_offered_languages_read_off_the_catalogue_rows(app):
    course = course_with("nb", "lt")
    rows, total = courses.catalogue(language="nb")
    assert total == 1 and [row.slug for row in rows] == [course.slug]
    assert courses.offered_languages(rows[0]) == ["en", "lt", "nb"]
    assert courses.catalogue_languages(rows) == ["en", "lt", "nb"]
    assert courses.catalogue(language="fi") == ([], 0)


def test_the_api_lists_each_courses_languages(app, client):
    course = course_with("lt")
    data = client.get("/api/v1/courses?language=lt").get_json()
    assert data["total"] == 1
    [item] = data["courses"]
    assert item["slug"] == course.slug and item["language"] == "en" and item["languages"] == ["en", "lt"]


def test_the_course_page_lists_its_languages_and_enrols_in_the_chosen_one(app, client):
    course = course_with("lt", "nb")
    learner = create_user()
    login(client, learner)
    page = main_of(client.get(f"/courses/{course.slug}"))
    assert "Available in" in page and 'data-language="lt"' in page and 'data-language="nb"' in page
    assert '<select id="enrol-language" name="language">' in page
    assert '<option value="en" lang="en" selected>' in page  # an English-speaking learner
    response = post_form(client, f"/courses/{course.slug}/enrol", {"language": "lt"}, page=f"/courses/{course.slug}")
    assert response.status_code == 302
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    assert enrolment.language == "lt"
    page = main_of(client.get(f"/courses/{course.slug}"))
    assert WORDS["lt"]["course"] in page and 'class="taken-in" data-language="lt"' in page
    assert "Modulis 1" in page  # the contents in the language taken
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrolment.created"))
    assert event.data["language"] == "lt"


def test_enrolling_defaults_to_the_interface_language_when_offered(app, client):
    course = course_with("nb")
    norwegian, finnish = create_user(locale="nb"), create_user(locale="fi")
    for learner in (norwegian, finnish):
        client = app.test_client()
        login(client, learner)
        assert post_form(client, f"/courses/{course.slug}/enrol", page=f"/courses/{course.slug}").status_code == 302
    languages = dict(db.session.execute(select(Enrolment.user_id, Enrolment.language)).all())
    assert languages == {norwegian.id: "nb", finnish.id: "en"}  # no Finnish: the course's own


def test_enrolling_in_a_language_not_offered_is_refused_clearly(app, client):
    course = course_with("lt", unpublished=("nb",))
    login(client, create_user())
    for language, message in (("xx", "Choose one of the supported languages."),
                              ("nb", "This course is not offered in Norwegian Bokmål."),
                              ("sv", "This course is not offered in Swedish.")):
        response = post_form(client, f"/courses/{course.slug}/enrol", {"language": language},
                             page=f"/courses/{course.slug}")
        assert response.status_code == 422 and message in text_of(response)
    assert db.session.scalar(select(Enrolment)) is None
