"""Authors add a translation to a course version, translate its texts beside the source, see
what is missing, and publish it."""
import pytest

from lms.course_languages.models import LessonTranslation, QuestionTranslation
from lms.course_languages.texts import lesson_digest, offered_languages, question_digest, translation_state
from lms.extensions import db
from tests.authoring.helpers import pdf_bytes
from tests.course_languages.author_helpers import (  # noqa: F401  (fixtures)
    actions, add_translation, draft_course, events, lesson_form, published_course, send, send_file,
    translate_everything,
    translation_row,
)
from tests.factories import create_org, create_user
from tests.helpers import login, main_of, post_form, text_of


def test_an_author_adds_a_translation_and_translates_every_text_beside_the_source(draft_course):
    c, course = draft_course.client, draft_course.course
    version = course.versions[0]
    page = text_of(c.get(f"/author/versions/{version.id}/translations"))
    assert "No translations yet." in page and '<option value="nb">Norsk bokmål</option>' in page
    assert '<option value="en">' not in page  # the course's own language
    translation = add_translation(c, version, "nb")
    assert "translation.created" in actions()
    assert 'href="/author/versions/%d/translations">Translations (1)' % version.id in text_of(
        c.get(f"/author/courses/{course.id}"))

    state_page = main_of(c.get(f"/author/translations/{translation.id}"))
    assert "The course title is not translated." in state_page
    assert "Module “Module 1” has no translated title." in state_page
    assert state_page.count("not translated yet") == 3

    # The lesson page shows the source beside the (empty) translation fields.
    text, file_lesson, quiz = version.lessons()
    page = main_of(c.get(f"/author/translations/{translation.id}/lessons/{quiz.id}"))
    assert '<div class="source" lang="en">Single?</div>' in page
    assert f'name="question-{quiz.questions[1].id}-choice-3"' in page
    assert f'name="question-{quiz.questions[1].id}-choice-4"' not in page

    translate_everything(c, translation)
    row = translation_row(translation.id)
    state = translation_state(row)
    assert state.complete and state.current
    saved = db.session.get(LessonTranslation, next(r.id for r in row.lessons if r.lesson_id == text.id))
    assert (saved.title, saved.body_markdown, saved.source_digest) == ("NB Text 1.1", "NB tekst", lesson_digest(text))
    question = next(q for q in row.questions if q.question_id == quiz.questions[1].id)
    assert question.choices == ["NB a", "NB b", "NB c"] and question.source_digest == question_digest(quiz.questions[1])
    assert "Every text is translated and up to date." in main_of(c.get(f"/author/translations/{translation.id}"))
    assert {"translation.course_texts_saved", "translation.lesson_texts_saved"} <= set(actions())
    # The structure is the source's: the quiz's correct answers are not in the translation.
    assert not hasattr(QuestionTranslation, "correct")


@pytest.mark.parametrize("language,message", [
    ("xx", "“xx” is not one of the languages courses can be in"),
    ("", "Choose the language of the translation."),
    ("en", "The course itself is in English"),
])
def test_a_language_outside_the_list_or_the_course_own_is_refused(draft_course, language, message):
    version = draft_course.course.versions[0]
    response = post_form(draft_course.client, f"/author/versions/{version.id}/translations",
                         {"language": language}, page="/")
    assert response.status_code == 422 and message in text_of(response)
    assert "translation.created" not in actions()


def test_a_second_translation_into_the_same_language_is_refused(draft_course):
    version = draft_course.course.versions[0]
    add_translation(draft_course.client, version, "lt")
    response = post_form(draft_course.client, f"/author/versions/{version.id}/translations", {"language": "lt"},
                         page="/")
    assert response.status_code == 422 and "already has a translation into Lietuvių" in text_of(response)


def test_only_the_course_authors_translate(app, draft_course):
    version = draft_course.course.versions[0]
    translation = add_translation(draft_course.client, version, "sv")
    for role, org in (("learner", draft_course.org), ("author", create_org())):
        client = app.test_client()
        login(client, create_user(role=role, org=org))
        assert client.get(f"/author/versions/{version.id}/translations").status_code == 403
        assert client.get(f"/author/translations/{translation.id}").status_code == 403
        response = post_form(client, f"/author/versions/{version.id}/translations", {"language": "da"}, page="/")
        assert response.status_code == 403
    assert draft_course.client.get("/author/translations/999999").status_code == 404


def test_saving_checks_the_structure_the_revision_and_the_lengths(draft_course):
    c, version = draft_course.client, draft_course.course.versions[0]
    translation = add_translation(c, version, "nb")
    _text, file_lesson, quiz = version.lessons()
    url = f"/author/translations/{translation.id}/lessons/{quiz.id}"
    data = lesson_form(quiz)
    del data[f"question-{quiz.questions[1].id}-choice-3"]
    response = send(c, url, translation, data)
    assert response.status_code == 422 and "Question 2 has 3 answers: translate each of them" in text_of(response)

    stale = translation_row(translation.id).revision
    assert send(c, url, translation, lesson_form(quiz)).status_code == 302
    response = send(c, url, translation, lesson_form(quiz, "Other"), revision=stale)
    assert response.status_code == 409 and "changed meanwhile" in text_of(response)
    assert translation_row(translation.id).lessons[0].title == "NB Quiz 1.3"

    too_long = lesson_form(quiz)
    too_long[f"question-{quiz.questions[0].id}-prompt"] = "x" * 2001
    response = send(c, url, translation, too_long)
    assert response.status_code == 422 and "a text is longer than allowed" in text_of(response)
    # A lesson of another version is not part of this translation.
    assert c.get(f"/author/translations/{translation.id}/lessons/999999").status_code == 404
    response = send(c, f"/author/translations/{translation.id}/texts", translation,
                    {"title": "x" * 201, "summary": ""})
    assert response.status_code == 422


def test_a_file_lesson_may_have_its_own_file_in_the_language(draft_course, upload_dir):
    c, version = draft_course.client, draft_course.course.versions[0]
    translation = add_translation(c, version, "lt")
    file_lesson = version.lessons()[1]
    url = f"/author/translations/{translation.id}/lessons/{file_lesson.id}/file"
    response = send_file(c, url, pdf_bytes("LT"), "medziaga.pdf", translation)
    assert response.status_code == 422 and "Save the lesson’s translated title first" in text_of(response)
    send(c, f"/author/translations/{translation.id}/lessons/{file_lesson.id}", translation, lesson_form(file_lesson, "LT"))
    refused = send_file(c, url, b"<html>no</html>", "page.html", translation)
    assert refused.status_code == 415
    response = send_file(c, url, pdf_bytes("LT"), "medžiaga.pdf", translation)
    assert response.status_code == 302
    text = next(r for r in translation_row(translation.id).lessons if r.lesson_id == file_lesson.id)
    assert text.file.original_name == "medžiaga.pdf" and text.file.content_type == "application/pdf"
    served = c.get(f"/author/translations/{translation.id}/lessons/{file_lesson.id}/file")
    assert served.data == pdf_bytes("LT")
    assert send(c, url + "/delete", translation).status_code == 302
    assert next(r for r in translation_row(translation.id).lessons if r.lesson_id == file_lesson.id).file_id is None
    assert {"translation.file_attached", "translation.file_removed"} <= set(actions())


def test_a_translation_of_the_published_version_is_published_only_when_complete(published_course):
    c, version = published_course.client, published_course.course.versions[0]
    translation = add_translation(c, version, "nb")  # a published version can be translated
    url = f"/author/translations/{translation.id}/publish"
    response = send(c, url, translation)
    body = text_of(response)
    assert response.status_code == 422
    assert "The Norsk bokmål translation cannot be published yet." in body
    assert "The course title is not translated." in body and "Lesson “Text 1.1” is not fully translated" in body
    assert translation_row(translation.id).published_at is None
    assert offered_languages(version) == ["en"]

    translate_everything(c, translation)
    assert send(c, url, translation).status_code == 302
    assert translation_row(translation.id).published_at is not None
    assert offered_languages(version) == ["en", "nb"]
    assert events("translation.published")[-1].data["language"] == "nb"

    # Published: its texts may be corrected, but not emptied.
    text = version.lessons()[0]
    emptied = dict(lesson_form(text), body_markdown=" ")
    response = send(c, f"/author/translations/{translation.id}/lessons/{text.id}", translation, emptied)
    assert response.status_code == 422 and "every text it needs must stay filled in" in text_of(response)

    assert send(c, f"/author/translations/{translation.id}/withdraw", translation).status_code == 302
    assert offered_languages(version) == ["en"] and "translation.withdrawn" in actions()


def test_a_draft_translation_is_published_with_its_version_not_alone(draft_course):
    c, version = draft_course.client, draft_course.course.versions[0]
    translation = add_translation(c, version, "fi")
    translate_everything(c, translation, "FI")
    response = send(c, f"/author/translations/{translation.id}/publish", translation)
    assert response.status_code == 422 and "published with it" in text_of(response)
