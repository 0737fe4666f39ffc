"""Translations and new versions: publishing a version publishes its complete and current
translations and asks before leaving others unoffered; a new draft copies translations and
captions, and what the author then changes shows as out of date."""
from sqlalchemy import select

from lms.course_languages.models import CourseTranslation, LessonCaption
from lms.course_languages.texts import offered_languages, translation_state, translations_of
from lms.courses.models import CourseVersion
from lms.extensions import db
from lms.storage import store_bytes
from tests.authoring.helpers import MP4_BYTES
from tests.course_languages.author_helpers import (  # noqa: F401  (fixtures)
    VTT, actions, add_translation, draft_course, events, lesson_form, published_course, send, translate_everything,
    translation_row,
)
from tests.helpers import main_of, post_form, text_of

MINOR = {"change_kind": "minor", "change_reason": "Wording"}


def publish(client, version, data=None):
    db.session.expire_all()
    data = dict(data or {}, revision=db.session.get(CourseVersion, version.id).revision)
    return post_form(client, f"/author/versions/{version.id}/publish", data, page="/")


def test_publishing_a_version_with_an_incomplete_translation_asks_first(draft_course):
    c, course = draft_course.client, draft_course.course
    version = course.versions[0]
    nb = add_translation(c, version, "nb")
    translate_everything(c, nb)
    lt = add_translation(c, version, "lt")  # nothing translated

    editor = main_of(c.get(f"/author/courses/{course.id}"))
    assert "complete and up to date, published with this version" in editor
    assert "incomplete, will not be offered" in editor
    assert 'name="without_language" value="lt"' in editor

    response = publish(c, version)
    body = text_of(response)
    assert response.status_code == 422
    assert "These languages will not be offered, because their translation is incomplete or out of date: Lietuvių." in body
    db.session.expire_all()
    assert version.status == "draft" and translation_row(nb.id).published_at is None
    assert "course.published" not in actions()

    # Confirming another language does not cover this one.
    response = publish(c, version, {"confirm_languages": "y", "without_language": "sv"})
    assert response.status_code == 422

    response = publish(c, version, {"confirm_languages": "y", "without_language": "lt"})
    assert response.status_code == 302
    db.session.expire_all()
    assert version.status == "published"
    assert translation_row(nb.id).published_at is not None and translation_row(lt.id).published_at is None
    assert offered_languages(version) == ["en", "nb"]
    event = events("course.published")[-1]
    assert event.data["translations_published"] == ["nb"] and event.data["translations_not_offered"] == ["lt"]


def test_publishing_with_only_ready_translations_needs_no_confirmation(draft_course):
    c, version = draft_course.client, draft_course.course.versions[0]
    sv = add_translation(c, version, "sv")
    translate_everything(c, sv, "SV")
    assert publish(c, version).status_code == 302
    assert offered_languages(db.session.get(CourseVersion, version.id)) == ["en", "sv"]


def test_a_new_draft_copies_translations_and_captions_and_shows_what_changed(published_course):
    c, course = published_course.client, published_course.course
    v1 = course.versions[0]
    text1, file1, quiz1 = v1.lessons()
    file1.file = store_bytes(MP4_BYTES, "gowning.mp4", "video/mp4")
    db.session.add(LessonCaption(lesson_id=file1.id, language="nb",
                                 file_id=store_bytes(VTT, "gowning.nb.vtt", "text/vtt").id))
    db.session.commit()
    nb = add_translation(c, v1, "nb")
    translate_everything(c, nb)
    assert send(c, f"/author/translations/{nb.id}/publish", nb).status_code == 302

    assert post_form(c, f"/author/courses/{course.id}/drafts", page="/").status_code == 302
    db.session.expire_all()
    v2 = course.versions[1]
    copy = translations_of(v2)["nb"]
    original = translation_row(nb.id)
    assert copy.copied_from_id == nb.id and copy.published_at is None and copy.revision == 0
    assert (copy.title, copy.summary) == (original.title, original.summary)
    text2, file2, quiz2 = v2.lessons()
    rows = {row.lesson_id: row for row in copy.lessons}
    assert set(rows) == {text2.id, file2.id, quiz2.id}
    assert rows[text2.id].title == "NB Text 1.1"
    assert rows[text2.id].source_digest == next(r for r in original.lessons if r.lesson_id == text1.id).source_digest
    assert {row.question_id for row in copy.questions} == {q.id for q in quiz2.questions}
    assert {row.module_id for row in copy.modules} == {v2.modules[0].id}
    assert translation_state(copy).complete and translation_state(copy).current
    caption = db.session.scalar(select(LessonCaption).where(LessonCaption.lesson_id == file2.id))
    assert caption.language == "nb" and caption.file.original_name == "gowning.nb.vtt"
    assert events("course.draft_opened")[-1].data["translations_copied"] == ["nb"]
    # The published version's translation is untouched and still offered.
    assert offered_languages(v1) == ["en", "nb"]

    # The author changes a lesson and a question of the draft: the translation is out of date.
    draft_lesson_url = f"/author/lessons/{text2.id}"
    post_form(c, draft_lesson_url, {"title": "Text 1.1", "body_markdown": "New wording.",
                                    "revision": db.session.get(CourseVersion, v2.id).revision}, page="/")
    question = quiz2.questions[0]
    post_form(c, f"/author/questions/{question.id}", {
        "prompt": "Single, reworded?", "choice_1": "right", "correct_1": "y", "choice_2": "wrong",
        "revision": db.session.get(CourseVersion, v2.id).revision}, page="/")
    db.session.expire_all()
    state = translation_state(translations_of(v2)["nb"])
    assert state.complete and not state.current
    assert [lesson.id for lesson in state.changed_lessons] == [text2.id, quiz2.id]
    page = main_of(c.get(f"/author/translations/{copy.id}"))
    assert "Lesson “Text 1.1” changed since it was translated." in page
    assert "A question of “Quiz 1.3” changed since it was translated." in page
    assert page.count("out of date: the source changed") == 2
    lesson_page = main_of(c.get(f"/author/translations/{copy.id}/lessons/{text2.id}"))
    assert "The source of this lesson changed since it was translated." in lesson_page
    assert "New wording." in lesson_page and "NB tekst" in lesson_page

    # Publishing the draft asks first; confirmed, version 2 is offered in English only.
    assert "out of date, will not be offered" in main_of(c.get(f"/author/courses/{course.id}"))
    assert publish(c, v2, MINOR).status_code == 422
    assert publish(c, v2, dict(MINOR, confirm_languages="y", without_language="nb")).status_code == 302
    db.session.expire_all()
    assert offered_languages(v2) == ["en"]

    # Saving the reviewed texts again makes the translation current; then it can be published.
    send(c, f"/author/translations/{copy.id}/lessons/{text2.id}", copy, lesson_form(text2))
    send(c, f"/author/translations/{copy.id}/lessons/{quiz2.id}", copy, lesson_form(quiz2))
    assert send(c, f"/author/translations/{copy.id}/publish", copy).status_code == 302
    assert offered_languages(v2) == ["en", "nb"]


def test_translations_of_an_archived_version_are_frozen(published_course):
    c, course = published_course.client, published_course.course
    v1 = course.versions[0]
    nb = add_translation(c, v1, "nb")
    post_form(c, f"/author/courses/{course.id}/drafts", page="/")
    db.session.expire_all()
    assert publish(c, course.versions[1], dict(MINOR, confirm_languages="y", without_language="nb")).status_code == 302
    response = send(c, f"/author/translations/{nb.id}/texts", nb, {"title": "Late", "summary": ""})
    assert response.status_code == 409 and "archived" in text_of(response)
    response = post_form(c, f"/author/versions/{v1.id}/translations", {"language": "sv"}, page="/")
    assert response.status_code == 409
    assert db.session.scalar(select(CourseTranslation).where(CourseTranslation.language == "sv")) is None


def test_deleting_from_a_translated_draft_deletes_the_translated_texts_and_captions(draft_course):
    c, version = draft_course.client, draft_course.course.versions[0]
    translation = add_translation(c, version, "nb")
    translate_everything(c, translation)
    text, file_lesson, quiz = version.lessons()
    db.session.add(LessonCaption(lesson_id=file_lesson.id, language="nb",
                                 file_id=store_bytes(VTT, "cc.vtt", "text/vtt").id))
    db.session.commit()

    def revision():
        db.session.expire_all()
        return db.session.get(CourseVersion, version.id).revision

    question_id = quiz.questions[0].id
    assert post_form(c, f"/author/questions/{question_id}/delete", {"revision": revision()}, page="/").status_code == 302
    assert post_form(c, f"/author/lessons/{file_lesson.id}/delete", {"revision": revision()}, page="/").status_code == 302
    row = translation_row(translation.id)
    assert question_id not in {q.question_id for q in row.questions}
    assert {r.lesson_id for r in row.lessons} == {text.id, quiz.id}
    assert db.session.scalar(select(LessonCaption)) is None
    assert translation_state(row).complete  # what is left is still translated
    module_id = version.modules[0].id
    assert post_form(c, f"/author/modules/{module_id}/delete", {"revision": revision()}, page="/").status_code == 302
    row = translation_row(translation.id)
    assert row.modules == [] and row.lessons == [] and row.questions == []
