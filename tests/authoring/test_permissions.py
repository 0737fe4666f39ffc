"""Every authoring route: anonymous visitors are sent to log in, learners and authors of other
organisations get 403 (and nothing changes), authors of the course's organisation and
administrators get through. A route without a row here fails the completeness test."""
import io

import pytest
from sqlalchemy import func, select

from lms.courses.models import Course
from lms.extensions import db
from tests.authoring.helpers import edit, revision_of
from tests.factories import create_user, enrol
from tests.helpers import login, post_form

# (method, endpoint, path template); {c} course, {v} version, {m} module, {l} text lesson,
# {f} file lesson, {q} quiz lesson, {qu} question, {slug}, {img} image file id.
ROUTES = [
    ("GET", "authoring.dashboard", "/author/"),
    ("GET", "authoring.new_course", "/author/courses/new"),
    ("POST", "authoring.new_course", "/author/courses/new"),
    ("GET", "authoring.course", "/author/courses/{c}"),
    ("GET", "authoring.course_settings", "/author/courses/{c}/settings"),
    ("POST", "authoring.course_settings", "/author/courses/{c}/settings"),
    ("POST", "authoring.start_draft", "/author/courses/{c}/drafts"),
    ("POST", "authoring.publish", "/author/versions/{v}/publish"),
    ("GET", "authoring.learners", "/author/courses/{c}/learners"),
    ("GET", "authoring.retraining", "/author/versions/{v}/retraining"),
    ("GET", "authoring.retraining_index", "/author/retraining"),
    ("POST", "authoring.learners", "/author/courses/{c}/learners"),
    ("POST", "authoring.add_module", "/author/versions/{v}/modules"),
    ("POST", "authoring.rename_module", "/author/modules/{m}/rename"),
    ("POST", "authoring.move_module", "/author/modules/{m}/move"),
    ("GET", "authoring.delete_module", "/author/modules/{m}/delete"),
    ("POST", "authoring.delete_module", "/author/modules/{m}/delete"),
    ("POST", "authoring.add_lesson", "/author/modules/{m}/lessons"),
    ("GET", "authoring.lesson", "/author/lessons/{l}"),
    ("POST", "authoring.lesson", "/author/lessons/{l}"),
    ("POST", "authoring.move_lesson", "/author/lessons/{l}/move"),
    ("GET", "authoring.delete_lesson", "/author/lessons/{l}/delete"),
    ("POST", "authoring.delete_lesson", "/author/lessons/{l}/delete"),
    ("POST", "authoring.upload_lesson_file", "/author/lessons/{f}/file"),
    ("POST", "authoring.upload_image", "/author/lessons/{l}/images"),
    ("GET", "authoring.new_question", "/author/lessons/{q}/questions/new"),
    ("POST", "authoring.new_question", "/author/lessons/{q}/questions/new"),
    ("GET", "authoring.question", "/author/questions/{qu}"),
    ("POST", "authoring.question", "/author/questions/{qu}"),
    ("POST", "authoring.move_question", "/author/questions/{qu}/move"),
    ("GET", "authoring.delete_question", "/author/questions/{qu}/delete"),
    ("POST", "authoring.delete_question", "/author/questions/{qu}/delete"),
    ("GET", "authoring.preview", "/author/versions/{v}/preview"),
    ("GET", "authoring.preview_lesson", "/author/versions/{v}/preview/lessons/{l}"),
    ("POST", "authoring.preview_quiz", "/author/versions/{v}/preview/lessons/{q}/quiz"),
    ("GET", "authoring.preview_file", "/author/versions/{v}/preview/lessons/{f}/file"),
    ("GET", "authoring.media", "/courses/{slug}/media/{img}"),
]
# Routes every author (and admin) may use whatever their organisation: their own dashboard and
# creating a course for their own organisation.
ANY_AUTHOR = {"authoring.dashboard", "authoring.new_course"}
# Routes only administrators may use.
ADMIN_ONLY = {"authoring.learners", "authoring.retraining", "authoring.retraining_index"}
# Pages only a major version waiting for its effective date has (the draft is not one): 404.
WAITING_VERSION_ONLY = {"authoring.retraining"}


def course_count():
    return db.session.scalar(select(func.count()).select_from(Course))


def path(template, d):
    return template.format(
        c=d.course.id, v=d.version.id, m=d.module.id, l=d.text.id, f=d.file.id, q=d.quiz.id,
        qu=d.question.id, slug=d.course.slug, img=d.image.id,
    )


def send(client, method, url, d):
    if method == "GET":
        return client.get(url)
    data = {
        "title": "Changed", "kind": "text", "direction": "down", "prompt": "Changed?",
        "choice_1": "a", "correct_1": "y", "choice_2": "b",
        "language": "en", "cpd_hours": "1", "body_markdown": "changed",
        "file": (io.BytesIO(b"%PDF-1.4 x"), "x.pdf"), "image": (io.BytesIO(b"%PDF-1.4 x"), "x.png"),
    }
    return edit(client, url, d.version, data, content_type="multipart/form-data")


def test_every_authoring_route_is_in_the_table(app):
    rules = {(method, rule.endpoint) for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("authoring.") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert rules == {(method, endpoint) for method, endpoint, _path in ROUTES}


@pytest.mark.parametrize("method,endpoint,template", ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, draft, method, endpoint, template):
    url = path(template, draft)
    response = client.get(url) if method == "GET" else post_form(client, url, {"revision": 0}, page="/login")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("method,endpoint,template", ROUTES)
def test_learners_get_403_and_change_nothing(client, draft, method, endpoint, template):
    learner = create_user(org=draft.org)  # even of the same organisation
    login(client, learner)
    before = revision_of(draft.version), course_count()
    response = send(client, method, path(template, draft), draft)
    assert response.status_code == 403, (endpoint, response.status_code)
    assert (revision_of(draft.version), course_count()) == before


@pytest.mark.parametrize("method,endpoint,template", [r for r in ROUTES if r[1] not in ANY_AUTHOR])
def test_authors_of_other_organisations_get_403(client, draft, method, endpoint, template):
    login(client, create_user(role="author"))
    before = revision_of(draft.version)
    response = send(client, method, path(template, draft), draft)
    assert response.status_code == 403, (endpoint, response.status_code)
    assert revision_of(draft.version) == before


@pytest.mark.parametrize("method,endpoint,template", [r for r in ROUTES if r[0] == "GET"])
def test_authors_of_the_organisation_and_admins_may_open_every_page(author_client, admin_client, draft,
                                                                    method, endpoint, template):
    url = path(template, draft)
    expected = 403 if endpoint in ADMIN_ONLY else 200
    assert author_client.get(url).status_code == expected, endpoint
    assert admin_client.get(url).status_code == (404 if endpoint in WAITING_VERSION_ONLY else 200), endpoint


def test_enrolled_learners_see_the_course_images(client, app):
    from lms.courses.models import CourseAsset
    from lms.storage import store_bytes
    from tests.authoring.helpers import png_bytes
    from tests.factories import create_course

    course = create_course()
    image = store_bytes(png_bytes(3, 3), "chart.png", "image/png")
    db.session.add(CourseAsset(course_id=course.id, file_id=image.id))
    db.session.commit()
    learner = create_user()
    login(client, learner)
    url = f"/courses/{course.slug}/media/{image.id}"
    assert client.get(url).status_code == 403
    enrol(learner, course)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    other = create_course()
    assert client.get(f"/courses/{other.slug}/media/{image.id}").status_code == 403
    enrol(learner, other)
    assert client.get(f"/courses/{other.slug}/media/{image.id}").status_code == 404  # not its image


def test_learner_role_cannot_post_to_create_a_course_even_with_a_valid_form(client, app):
    learner = create_user()
    login(client, learner)
    response = post_form(client, "/author/courses/new", {"title": "X", "language": "en", "cpd_hours": "1"},
                         page="/")
    assert response.status_code == 403
