"""Taking a course in a language: lessons, quizzes and files in the enrolment's language,
switching language mid-course without losing progress, and a video's captions."""
import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.course_languages import learning
from lms.course_languages.models import CourseTranslation
from lms.enrolments import services as enrolments
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.policy import Forbidden
from lms.progress import services as progress
from lms.progress.models import LessonProgress
from lms.storage import store_bytes
from tests.course_languages.learner_factories import MP4_BYTES, WORDS, add_caption, translate
from tests.factories import PDF_BYTES, create_course, create_user, enrol
from tests.helpers import login, main_of, post_form, text_of


@pytest.fixture
def taking(app, client):
    """A learner enrolled in a course (text, text, quiz) translated into Lithuanian."""
    def make(language="lt", lessons=("text", "text", "quiz"), **translate_args):
        course = create_course(title="Cleanroom basics", lessons=lessons)
        translate(course.published_version, "lt", **translate_args)
        translate(course.published_version, "nb", published=False)
        learner = create_user()
        login(client, learner)
        enrolment = enrol(learner, course)
        if language != enrolment.language:
            enrolment.language = language
            db.session.commit()
        return learner, course, enrolment, course.published_version.lessons()
    return make


def lesson_url(course, lesson, action=""):
    return f"/courses/{course.slug}/lessons/{lesson.id}{action}"


def switch(client, course, language, lesson=None):
    data = {"language": language}
    if lesson is not None:
        data["lesson"] = str(lesson.id)
    return post_form(client, f"/courses/{course.slug}/language", data, page=f"/courses/{course.slug}")


def done_ids(enrolment):
    return set(db.session.scalars(select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == enrolment.id)))


def test_a_lesson_reads_in_the_enrolments_language(taking, client):
    _learner, course, _enrolment, (first, second, _quiz) = taking()
    page = main_of(client.get(lesson_url(course, first)))
    assert f"Pamoka {first.id}" in page and WORDS["lt"]["body"] in page and "Modulis 1" in page
    assert "Some <strong>important</strong> text" not in page
    assert f'<h1 lang="lt">Pamoka {first.id}</h1>' in page and '<div class="prose" lang="lt">' in page
    assert f"Pamoka {second.id}" in page  # the next lesson's title too
    assert 'id="course-language"' in page and '<option value="lt" lang="lt" selected>' in page
    assert '<option value="nb"' not in page  # not published: not offered


def test_switching_language_mid_course_keeps_progress(taking, client):
    learner, course, enrolment, (first, second, quiz) = taking()
    post_form(client, lesson_url(course, first, "/complete"), page=lesson_url(course, first))
    response = switch(client, course, "en", lesson=second)
    assert response.status_code == 302 and response.location == lesson_url(course, second)
    page = text_of(client.get(response.location))
    assert "You are now taking this course in English. Your progress is kept." in page
    assert "Some <strong>important</strong> text" in page and WORDS["lt"]["body"] not in page
    assert 'aria-valuenow="33"' in page or "33%" in page
    post_form(client, lesson_url(course, second, "/complete"), page=lesson_url(course, second))
    assert done_ids(enrolment) == {first.id, second.id}
    # Back to Lithuanian for the quiz: translated answers, graded on the source's correct ones.
    assert switch(client, course, "lt").location == f"/courses/{course.slug}"
    page = main_of(client.get(lesson_url(course, quiz)))
    assert "Klausimas 1" in page and "Atsakymas 2" in page and "right" not in page
    q1, q2 = quiz.questions
    answers = {f"q{q1.id}": "0", f"q{q2.id}": ["0", "2"]}
    result = post_form(client, lesson_url(course, quiz, "/quiz"), answers, page=lesson_url(course, quiz))
    assert result.status_code == 200 and "You passed." in text_of(result)
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment.id)
    assert enrolment.status == "completed" and enrolment.language == "lt"
    assert done_ids(enrolment) == {first.id, second.id, quiz.id}
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "enrolment.language_changed")
                                 .order_by(AuditEvent.id)).all()
    assert [(e.data["old"], e.data["new"]) for e in changes] == [("lt", "en"), ("en", "lt")]


def test_a_wrong_answer_in_a_translation_shows_its_feedback(taking, client):
    _learner, course, _enrolment, (_first, _second, quiz) = taking()
    q1, q2 = quiz.questions
    result = post_form(client, lesson_url(course, quiz, "/quiz"), {f"q{q1.id}": "1", f"q{q2.id}": "1"},
                       page=lesson_url(course, quiz))
    assert "Your score: 0%" in text_of(result) and WORDS["lt"]["feedback"] in text_of(result)


def test_switching_to_a_language_not_offered_changes_nothing(taking, client, app):
    _learner, course, enrolment, _lessons = taking()
    for language, status, message in (("nb", 422, "This course is not offered in Norwegian Bokmål."),
                                      ("xx", 422, "Choose one of the supported languages."),
                                      ("", 422, "Choose one of the supported languages.")):
        response = switch(client, course, language)
        assert response.status_code == status and message in text_of(response)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).language == "lt"
    # Someone not enrolled cannot choose one.
    stranger = app.test_client()
    login(stranger, create_user())
    assert switch(stranger, course, "en").status_code == 403


def test_switch_language_service_is_the_learners_own(taking):
    learner, _course, enrolment, _lessons = taking()
    with pytest.raises(Forbidden):
        learning.switch_language(enrolment, "en", create_user())
    with pytest.raises(learning.LanguageRefused):
        learning.switch_language(enrolment, "nb", learner)
    assert learning.switch_language(enrolment, "en", learner) is True
    assert learning.switch_language(enrolment, "en", learner) is False
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "enrolment.language_changed")) == 1


def test_a_translation_no_longer_published_falls_back_to_the_courses_own_texts(taking, client):
    _learner, course, enrolment, (first, _second, _quiz) = taking()
    translation = db.session.scalar(select(CourseTranslation).where(
        CourseTranslation.version_id == enrolment.version_id, CourseTranslation.language == "lt"))
    translation.published_at = None
    db.session.commit()
    page = main_of(client.get(lesson_url(course, first)))
    assert "Some <strong>important</strong> text" in page and f"Pamoka {first.id}" not in page
    assert learning.reading_language(db.session.get(Enrolment, enrolment.id)) == "en"
    page = main_of(client.get(f"/courses/{course.slug}"))
    assert "Your version of the course is not available in Lietuvių: it is shown in English." in page


def test_learner_lesson_reads_the_translation_in_one_statement(taking):
    learner, course, _enrolment, (first, _second, quiz) = taking()
    got_course, got_enrolment, got = progress.learner_lesson(learner.id, course.slug, first.id)
    assert got_course.title == WORDS["lt"]["course"] and got_course.language == "en"
    assert got_course.languages == ["en", "lt"]
    assert (got_enrolment.language, got_enrolment.reading) == ("lt", "lt")
    assert (got.title, got.body_markdown, got.module.title, got.language) == (
        f"Pamoka {first.id}", WORDS["lt"]["body"], "Modulis 1", "lt")
    _c, _e, got_quiz = progress.learner_lesson(learner.id, course.slug, quiz.id)
    assert [q.prompt for q in got_quiz.questions] == ["Klausimas 1", "Klausimas 2"]
    assert [q.correct for q in got_quiz.questions] == [q.correct for q in quiz.questions]


def test_my_learning_shows_the_title_in_the_language_taken(taking, client):
    _learner, course, _enrolment, _lessons = taking()
    page = main_of(client.get("/my-learning"))
    assert WORDS["lt"]["course"] in page and 'class="enrolment-language">Lietuvių' in page
    assert client.get("/api/v1/me/enrolments").get_json()["enrolments"][0]["language"] == "lt"


def test_a_file_lesson_serves_the_translations_file(app, client):
    course = create_course(lessons=("file",))
    [lesson] = course.published_version.lessons()
    lithuanian = store_bytes(PDF_BYTES + b"% lt\n", "vadovas.pdf", "application/pdf")
    translate(course.published_version, "lt", file_for={lesson: lithuanian})
    learner = create_user()
    login(client, learner)
    enrolment = enrol(learner, course)
    page = main_of(client.get(lesson_url(course, lesson)))
    assert "handout.pdf" in page  # English first
    enrolment.language = "lt"
    db.session.commit()
    page = main_of(client.get(lesson_url(course, lesson)))
    assert "Open vadovas.pdf" in page
    assert client.get(lesson_url(course, lesson, "/file")).data == PDF_BYTES + b"% lt\n"


def video_course(client, languages):
    course = create_course(lessons=("file",))
    [lesson] = course.published_version.lessons()
    lesson.file = store_bytes(MP4_BYTES, "gowning.mp4", "video/mp4")
    db.session.commit()
    translate(course.published_version, "lt")
    for language in languages:
        add_caption(lesson, language, text=f"captions in {language}")
    learner = create_user()
    login(client, learner)
    enrolment = enrol(learner, course)
    enrolment.language = "lt"
    db.session.commit()
    return course, lesson


def test_a_video_carries_a_track_per_caption_language_the_learners_by_default(app, client):
    course, lesson = video_course(client, ("en", "lt"))
    page = main_of(client.get(lesson_url(course, lesson)))
    src = f"/courses/{course.slug}/lessons/{lesson.id}/captions.vtt?language="
    assert f'<track kind="captions" srclang="en" label="English" src="{src}en">' in page
    assert f'<track kind="captions" srclang="lt" label="Lietuvių" src="{src}lt" default>' in page
    assert "no-captions" not in page
    response = client.get(f"{src}lt")
    assert response.status_code == 200 and response.mimetype == "text/vtt"
    assert "captions in lt" in text_of(response)
    assert client.get(f"{src}sv").status_code == 404
    assert client.get(f"{src}../../etc").status_code == 404
    stranger = app.test_client()
    login(stranger, create_user())
    assert stranger.get(f"{src}lt").status_code == 403


def test_a_video_without_captions_in_the_learners_language_says_so(app, client):
    course, lesson = video_course(client, ("en",))
    page = main_of(client.get(lesson_url(course, lesson)))
    assert "This video has no captions in Lietuvių." in page and "<track" in page


def test_a_recertification_goes_on_in_the_language_of_the_earlier_enrolment(app):
    course = create_course(lessons=("text",))
    translate(course.published_version, "lt")
    learner = create_user(locale="nb")  # no Norwegian translation
    earlier = enrol(learner, course)
    assert earlier.language == "en"
    earlier.language, earlier.status = "lt", "completed"
    db.session.commit()
    again, created = enrolments.open_enrolment(learner, course, "recertification")
    db.session.commit()
    assert created and again.id != earlier.id and again.language == "lt"
