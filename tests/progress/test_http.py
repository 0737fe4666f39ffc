import re

import pytest
from sqlalchemy import func, select

from lms.courses.models import Lesson
from lms.extensions import db
from lms.progress.models import LessonProgress, QuizAttempt
from tests.factories import PDF_BYTES, create_course, create_user, enrol
from tests.helpers import login, post_form, text_of


@pytest.fixture
def enrolled(app, client):
    learner = create_user()
    course = create_course(lessons=("text", "file", "quiz"))
    enrolment = enrol(learner, course)
    login(client, learner)
    text_lesson, file_lesson, quiz = enrolment.version.lessons()
    return course, enrolment, text_lesson, file_lesson, quiz


def url(course, lesson, action=""):
    return f"/courses/{course.slug}/lessons/{lesson.id}{action}"


def progress_rows():
    return db.session.scalar(select(func.count()).select_from(LessonProgress))


def percent(body):
    return int(re.search(r'aria-valuenow="(\d+)"', body).group(1))


def test_continue_goes_to_the_first_unfinished_lesson(client, enrolled):
    course, _e, text_lesson, file_lesson, _q = enrolled
    assert client.get(f"/courses/{course.slug}/continue").location == url(course, text_lesson)
    post_form(client, url(course, text_lesson, "/complete"), page=url(course, text_lesson))
    assert client.get(f"/courses/{course.slug}/continue").location == url(course, file_lesson)


def test_mark_complete_ticks_the_lesson_and_moves_the_progress_bar(client, enrolled):
    course, _e, text_lesson, _f, _q = enrolled
    page = client.get(url(course, text_lesson))
    assert page.status_code == 200 and "<strong>important</strong>" in text_of(page)
    response = post_form(client, url(course, text_lesson, "/complete"), page=url(course, text_lesson))
    assert response.status_code == 302
    body = text_of(client.get(f"/courses/{course.slug}"))
    assert percent(body) == 33 and body.count("✔") == 1
    again = post_form(client, url(course, text_lesson, "/complete"), page=f"/courses/{course.slug}")
    assert again.status_code == 302 and progress_rows() == 1


def test_file_lesson_serves_the_pdf_inline_or_as_download(client, enrolled, app):
    course, _e, _t, file_lesson, _q = enrolled
    inline = client.get(url(course, file_lesson, "/file"))
    assert inline.status_code == 200 and inline.data == PDF_BYTES
    assert inline.mimetype == "application/pdf"
    assert inline.headers["X-Content-Type-Options"] == "nosniff"
    download = client.get(url(course, file_lesson, "/file?download=1"))
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "handout.pdf" in download.headers["Content-Disposition"]


def test_quiz_shows_score_and_wrong_answers_then_passes_on_retry(client, enrolled):
    course, enrolment, _t, _f, quiz = enrolled
    single, multiple = quiz.questions
    page = url(course, quiz)
    wrong = post_form(client, url(course, quiz, "/quiz"), {f"q{single.id}": "1", f"q{multiple.id}": "0"}, page=page)
    body = text_of(wrong)
    assert "Your score: 0%" in body and "Try again" in body and body.count("Not quite right.") == 2
    assert quiz.id not in {p.lesson_id for p in db.session.scalars(select(LessonProgress))}
    passed = post_form(client, url(course, quiz, "/quiz"), {f"q{single.id}": "0", f"q{multiple.id}": ["0", "2"]}, page=page)
    assert "Your score: 100%" in text_of(passed) and "You passed." in text_of(passed)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 2


@pytest.mark.parametrize("answers", [{"q{s}": "x"}, {"q{s}": "7"}, {"q{s}": ["0", "1"]}, {"q{s}": "-1"}])
def test_malformed_quiz_answers_are_refused_and_nothing_recorded(client, enrolled, answers):
    course, _e, _t, _f, quiz = enrolled
    single = quiz.questions[0]
    data = {k.format(s=single.id): v for k, v in answers.items()}
    response = post_form(client, url(course, quiz, "/quiz"), data, page=url(course, quiz))
    assert response.status_code == 422
    assert "do not match the questions" in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_empty_quiz_submission_asks_for_answers(client, enrolled):
    course, _e, _t, _f, quiz = enrolled
    response = post_form(client, url(course, quiz, "/quiz"), {}, page=url(course, quiz))
    assert response.status_code == 422 and "Answer the questions" in text_of(response)


def test_quiz_cannot_be_marked_complete_and_text_is_not_a_quiz(client, enrolled):
    course, _e, text_lesson, _f, quiz = enrolled
    assert post_form(client, url(course, quiz, "/complete"), page=url(course, quiz)).status_code == 409
    assert post_form(client, url(course, text_lesson, "/quiz"), page=url(course, text_lesson)).status_code == 409
    assert progress_rows() == 0


def test_finishing_the_last_lesson_completes_the_course(client, enrolled):
    course, enrolment, text_lesson, file_lesson, quiz = enrolled
    for lesson in (text_lesson, file_lesson):
        post_form(client, url(course, lesson, "/complete"), page=url(course, lesson))
    single, multiple = quiz.questions
    post_form(client, url(course, quiz, "/quiz"), {f"q{single.id}": "0", f"q{multiple.id}": ["0", "2"]}, page=url(course, quiz))
    db.session.refresh(enrolment)
    assert enrolment.status == "completed"
    body = text_of(client.get("/my-learning"))
    assert percent(body) == 100 and 'class="completed-date"' in body
    assert "Completed" in text_of(client.get(f"/courses/{course.slug}"))


def test_lessons_need_an_enrolment_in_that_course(client, app):
    learner = create_user()
    login(client, learner)
    course = create_course()
    other = create_course()
    enrol(learner, other)
    lesson = course.published_version.lessons()[0]
    response = client.get(url(course, lesson))
    assert response.status_code == 403 and "Enrol in this course" in text_of(response)
    assert client.get(url(course, lesson, "/file")).status_code == 403
    # a lesson id of another course, through a course the learner is enrolled in
    assert client.get(url(other, lesson)).status_code == 404
    assert client.get(f"/courses/{other.slug}/lessons/999999").status_code == 404
    assert client.get(f"/courses/nope/lessons/{lesson.id}").status_code == 404
    assert post_form(client, url(course, lesson, "/complete"), page="/").status_code == 403
    assert progress_rows() == 0


def test_anonymous_learners_are_sent_to_log_in(client, app):
    course = create_course()
    lesson = course.published_version.lessons()[0]
    response = client.get(url(course, lesson))
    assert response.status_code == 302 and response.location.startswith("/login")
    assert client.get("/my-learning").status_code == 302


def test_lesson_markdown_is_sanitized(client, enrolled):
    course, _e, text_lesson, _f, _q = enrolled
    lesson = db.session.get(Lesson, text_lesson.id)
    lesson.body_markdown = (
        "Hi <script>alert(1)</script> <img src=x onerror=alert(2)> "
        "[click](javascript:alert(3)) <a href=\"https://ok.example\" onclick=\"x()\">ok</a>"
    )
    db.session.commit()
    body = text_of(client.get(url(course, text_lesson)))
    assert "<script>alert" not in body and "onerror" not in body
    assert "javascript:" not in body and "onclick" not in body
    assert 'href="https://ok.example"' in body


def test_my_learning_shows_only_my_enrolments(client, app):
    me, other = create_user(), create_user()
    mine, theirs = create_course(title="Mine"), create_course(title="Theirs")
    enrol(me, mine)
    enrol(other, theirs)
    login(client, me)
    body = text_of(client.get("/my-learning"))
    assert "Mine" in body and "Theirs" not in body
    data = client.get("/api/v1/me/enrolments").get_json()
    assert [e["course"] for e in data["enrolments"]] == [mine.slug]
