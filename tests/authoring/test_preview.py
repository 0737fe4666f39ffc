"""Previewing a version as a learner: no enrolment needed, nothing recorded."""
from sqlalchemy import func, select

from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress.models import LessonProgress, QuizAttempt
from tests.factories import create_course
from tests.helpers import post_form, text_of


def rows(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_preview_looks_like_the_learner_pages_and_records_nothing(author_client, draft):
    c, v = author_client, draft.version
    contents = text_of(c.get(f"/author/versions/{v.id}/preview"))
    assert "Preview of version 1 (Draft): progress is not recorded" in contents
    for lesson in (draft.text, draft.file, draft.quiz):
        assert f'href="/author/versions/{v.id}/preview/lessons/{lesson.id}"' in contents
    text_page = text_of(c.get(f"/author/versions/{v.id}/preview/lessons/{draft.text.id}"))
    assert "<h1>Text 1.1</h1>" in text_page and "Some <strong>important</strong> text." in text_page
    assert f'href="/author/versions/{v.id}/preview/lessons/{draft.file.id}" rel="next"' in text_page
    assert "Mark complete" not in text_page and "Learners mark this lesson complete here." in text_page
    file_page = text_of(c.get(f"/author/versions/{v.id}/preview/lessons/{draft.file.id}"))
    assert "Open handout.pdf" in file_page
    single, multiple = draft.quiz.questions
    url = f"/author/versions/{v.id}/preview/lessons/{draft.quiz.id}"
    quiz = post_form(c, url + "/quiz", {f"q{single.id}": "1", f"q{multiple.id}": ["0", "2"]}, page=url)
    body = text_of(quiz)
    assert quiz.status_code == 200 and "Your score: 50%" in body and "Not quite right." in body
    bad = post_form(c, url + "/quiz", {f"q{single.id}": "9"}, page=url)
    assert bad.status_code == 422
    assert rows(Enrolment) == rows(LessonProgress) == rows(QuizAttempt) == 0


def test_lessons_of_other_versions_are_not_previewed_through_this_one(author_client, draft):
    other = create_course(org=draft.org)
    lesson = other.versions[0].lessons()[0]
    assert author_client.get(f"/author/versions/{draft.version.id}/preview/lessons/{lesson.id}").status_code == 404
    assert author_client.get(f"/author/versions/{draft.version.id}/preview/lessons/{draft.text.id}/file").status_code == 404
    assert author_client.get("/author/versions/99999/preview").status_code == 404


def test_authors_also_reach_the_catalogue_page_of_a_draft(author_client, draft):
    page = author_client.get(f"/courses/{draft.course.slug}")
    assert page.status_code == 200 and "Draft preview" in text_of(page)
