"""CSRF protection is Flask-WTF's: a session's token posts as often as it likes, and
everything else (another session's token, a tampered, missing or repeated field) is a 400."""
import pytest

from tests.factories import PASSWORD, create_course, create_user, enrol
from tests.helpers import CSRF_RE, login, text_of


@pytest.fixture
def lesson_post(app, client):
    course = create_course(lessons=("text", "text"))
    learner = create_user()
    enrol(learner, course)
    login(client, learner)
    first = course.versions[0].lessons()[0]
    page = f"/courses/{course.slug}/lessons/{first.id}"
    return page, page + "/complete"


def token_of(client, page):
    return CSRF_RE.search(text_of(client.get(page))).group(1)


def test_the_same_token_posts_again_and_again(client, lesson_post):
    page, action = lesson_post
    token = token_of(client, page)
    for _ in range(3):
        assert client.post(action, data={"csrf_token": token}).status_code == 302


def test_a_token_is_refused_to_another_session(app, client, lesson_post):
    page, action = lesson_post
    token = token_of(client, page)
    assert client.post(action, data={"csrf_token": token}).status_code == 302
    other = app.test_client()
    login(other, create_user())
    assert other.post(action, data={"csrf_token": token}).status_code == 400


def tampered(token):
    """One character of the signature changed in the middle: changing the last characters of
    a base64 signature can decode to the same bytes."""
    signature_start = token.rindex(".") + 1
    middle = signature_start + (len(token) - signature_start) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]


def test_a_tampered_missing_or_repeated_token_is_refused(client, lesson_post):
    page, action = lesson_post
    token = token_of(client, page)
    assert client.post(action, data={"csrf_token": token}).status_code == 302
    assert client.post(action, data={"csrf_token": tampered(token)}).status_code == 400
    assert client.post(action, data={}).status_code == 400
    form = "application/x-www-form-urlencoded"
    assert client.post(action, data="csrf_token=&csrf_token=garbage", content_type=form).status_code == 400
    assert client.post(action, data=f"csrf_token=&csrf_token={token}", content_type=form).status_code == 400


def test_the_token_is_found_beside_other_fields_and_in_the_header(client, lesson_post):
    page, action = lesson_post
    token = token_of(client, page)
    body = f"note=S%C3%B8knad+%26+%C3%86rlighet&csrf_token={token}&x="
    assert client.post(action, data=body, content_type="application/x-www-form-urlencoded").status_code == 302
    assert client.post(action, data="x=1", content_type="application/x-www-form-urlencoded",
                       headers={"X-CSRFToken": token}).status_code == 302


def test_a_form_view_reads_every_field_after_the_token_check(client):
    user = create_user()
    token = token_of(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert response.status_code == 302
