"""Modules, lessons and questions of a draft: add, rename, reorder, delete; bad input; frozen
versions; two authors editing the same draft."""
import pytest
from sqlalchemy import func, select

from lms.courses.models import Lesson, Module, Question
from lms.extensions import db
from tests.authoring.helpers import edit, revision_of
from tests.factories import create_user
from tests.helpers import login, text_of


def titles(module_or_version):
    db.session.expire_all()
    items = module_or_version.modules if hasattr(module_or_version, "modules") else module_or_version.lessons
    return [(item.title, item.position) for item in items]


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_modules_are_added_renamed_moved_and_deleted(author_client, draft):
    c, v = author_client, draft.version
    assert edit(c, f"/author/versions/{v.id}/modules", v, {"title": "Second"}).status_code == 302
    second = db.session.scalar(select(Module).where(Module.title == "Second"))
    assert titles(v) == [("Module 1", 0), ("Second", 1)]
    assert edit(c, f"/author/modules/{second.id}/rename", v, {"title": "  Deviations  "}).status_code == 302
    assert edit(c, f"/author/modules/{second.id}/move", v, {"direction": "up"}).status_code == 302
    assert titles(v) == [("Deviations", 0), ("Module 1", 1)]
    # The page offers no "up" for the first module and no "down" for the last.
    body = text_of(c.get(f"/author/courses/{draft.course.id}"))
    assert 'aria-label="Move “Deviations” down"' in body and 'aria-label="Move “Deviations” up"' not in body
    confirm = c.get(f"/author/modules/{draft.module.id}/delete")
    assert confirm.status_code == 200 and "Its 3 lessons are deleted with it." in text_of(confirm)
    assert edit(c, f"/author/modules/{draft.module.id}/delete", v).status_code == 302
    assert titles(v) == [("Deviations", 0)]
    assert count(Lesson) == 0 and count(Question) == 0


def test_lessons_are_added_edited_moved_and_deleted(author_client, draft):
    c, v, m = author_client, draft.version, draft.module
    response = edit(c, f"/author/modules/{m.id}/lessons", v, {"title": "Summary", "kind": "text"})
    lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Summary"))
    assert response.location == f"/author/lessons/{lesson.id}" and lesson.position == 3
    assert edit(c, f"/author/lessons/{lesson.id}", v, {"title": "Wrap-up", "body_markdown": "Done."}).status_code == 302
    db.session.expire_all()
    assert (lesson.title, lesson.body_markdown) == ("Wrap-up", "Done.")
    assert edit(c, f"/author/lessons/{lesson.id}/move", v, {"direction": "up"}).status_code == 302
    assert [t for t, _p in titles(m)] == ["Text 1.1", "File 1.2", "Wrap-up", "Quiz 1.3"]
    assert edit(c, f"/author/lessons/{draft.file.id}/delete", v).status_code == 302
    assert titles(m) == [("Text 1.1", 0), ("Wrap-up", 1), ("Quiz 1.3", 2)]


def test_markdown_preview_is_rendered_on_the_server_and_not_saved(author_client, draft):
    before = revision_of(draft.version)
    response = edit(author_client, f"/author/lessons/{draft.text.id}", draft.version,
                    {"title": "T", "body_markdown": "# Big\n\n- *one*", "action": "preview"})
    body = text_of(response)
    assert response.status_code == 200 and "Preview (not saved yet)" in body
    assert "<li><em>one</em></li>" in body
    db.session.expire_all()
    assert draft.text.body_markdown.startswith("## Read this") and revision_of(draft.version) == before


def test_quiz_pass_mark_and_questions(author_client, draft):
    c, v, quiz = author_client, draft.version, draft.quiz
    assert edit(c, f"/author/lessons/{quiz.id}", v, {"title": "Check", "pass_mark": "80"}).status_code == 302
    db.session.expire_all()
    assert quiz.pass_mark == 80
    response = edit(c, f"/author/lessons/{quiz.id}/questions/new", v, {
        "prompt": "Which apply?", "multiple": "y", "choice_1": "One", "correct_1": "y",
        "choice_3": "Three", "feedback": "Only one applies.",
    })
    assert response.status_code == 302
    new = db.session.scalar(select(Question).where(Question.prompt == "Which apply?"))
    assert (new.choices, new.correct, new.allow_multiple, new.multiple) == (["One", "Three"], [0], True, True)
    assert new.feedback == "Only one applies." and new.position == 2
    form = text_of(c.get(f"/author/questions/{new.id}"))
    assert 'value="One"' in form and 'for="correct_1">Choice 1 is correct</label>' in form
    response = edit(c, f"/author/questions/{new.id}", v, {
        "prompt": "Which one?", "choice_1": "One", "choice_2": "Two", "correct_2": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (new.prompt, new.choices, new.correct, new.multiple) == ("Which one?", ["One", "Two"], [1], False)
    assert edit(c, f"/author/questions/{new.id}/move", v, {"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [q.prompt for q in quiz.questions] == ["Single?", "Which one?", "Multiple?"]
    assert c.get(f"/author/questions/{new.id}/delete").status_code == 200
    assert edit(c, f"/author/questions/{new.id}/delete", v).status_code == 302
    db.session.expire_all()
    assert [(q.prompt, q.position) for q in quiz.questions] == [("Single?", 0), ("Multiple?", 1)]


@pytest.mark.parametrize("data,message", [
    ({"prompt": "", "choice_1": "a", "correct_1": "y", "choice_2": "b"}, "This field is required."),
    ({"prompt": "Q", "choice_1": "a", "correct_1": "y"}, "Give at least two choices."),
    ({"prompt": "Q", "choice_1": "a", "choice_2": "b"}, "Mark at least one choice as correct."),
    ({"prompt": "Q", "choice_1": "a", "correct_2": "y"}, "A choice marked correct has no text."),
    ({"prompt": "Q", "choice_1": "a", "correct_1": "y", "choice_2": "b", "correct_2": "y"},
     "Only one choice can be correct unless learners may choose several answers."),
])
def test_bad_questions_are_refused_with_the_reason(author_client, draft, data, message):
    before = revision_of(draft.version)
    response = edit(author_client, f"/author/lessons/{draft.quiz.id}/questions/new", draft.version, data)
    assert response.status_code == 422 and message in text_of(response)
    assert count(Question) == 2 and revision_of(draft.version) == before


def test_bad_structure_edits_are_refused(author_client, draft):
    c, v, m = author_client, draft.version, draft.module
    response = edit(c, f"/author/versions/{v.id}/modules", v, {"title": "   "})
    assert response.status_code == 422 and "give it a title" in text_of(response)
    response = edit(c, f"/author/modules/{m.id}/lessons", v, {"title": "Bad", "kind": "video"})
    assert response.status_code == 422
    response = edit(c, f"/author/modules/{m.id}/lessons", v, {"title": "", "kind": "text"})
    assert response.status_code == 422 and 'aria-invalid="true"' in text_of(response)
    assert edit(c, f"/author/modules/{m.id}/move", v, {"direction": "sideways"}).status_code == 400
    response = edit(c, f"/author/modules/{m.id}/move", v, {"direction": "up"})
    assert response.status_code == 422 and "cannot move further" in text_of(response)
    response = edit(c, f"/author/lessons/{draft.quiz.id}", v, {"title": "Q", "pass_mark": "101"})
    assert response.status_code == 422 and "Number must be between 1 and 100." in text_of(response)
    assert edit(c, f"/author/lessons/{draft.text.id}/questions/new", v, {"prompt": "x"}).status_code == 404
    assert edit(c, f"/author/modules/{m.id}/rename", v, {"title": "x"}, revision="abc").status_code == 400
    assert c.post(f"/author/modules/{m.id}/rename", data={"title": "x", "revision": revision_of(v)}).status_code == 400  # no CSRF
    assert c.get("/author/lessons/999999").status_code == 404
    assert titles(v) == [("Module 1", 0)] and count(Lesson) == 3


def test_two_authors_editing_the_same_draft_do_not_overwrite_each_other(app, author_client, draft):
    other = app.test_client()
    login(other, create_user(role="author", org=draft.org))
    url = f"/author/lessons/{draft.text.id}"
    # Both open the lesson editor at the same revision.
    loaded = revision_of(draft.version)
    assert f'name="revision" type="hidden" value="{loaded}"' in text_of(author_client.get(url))
    assert f'name="revision" type="hidden" value="{loaded}"' in text_of(other.get(url))
    first = edit(author_client, url, draft.version, {"title": "Mine", "body_markdown": "First text"}, revision=loaded)
    assert first.status_code == 302
    second = edit(other, url, draft.version, {"title": "Theirs", "body_markdown": "Second text"}, revision=loaded)
    body = text_of(second)
    assert second.status_code == 409
    assert "changed meanwhile" in body and "Reload" in body
    assert "Second text" in body  # what they wrote is shown, so it is not lost
    db.session.expire_all()
    assert (draft.text.title, draft.text.body_markdown) == ("Mine", "First text")
    assert revision_of(draft.version) == loaded + 1
    # Any kind of edit is checked: a module added on a stale page is refused too.
    stale = edit(other, f"/author/versions/{draft.version.id}/modules", draft.version, {"title": "X"}, revision=loaded)
    assert stale.status_code == 409 and count(Module) == 1
    as_json = edit(other, url, draft.version, {"title": "T"}, revision=loaded, headers={"Accept": "application/json"})
    assert as_json.status_code == 409 and "changed meanwhile" in as_json.get_json()["error"]["message"]


def test_published_versions_are_frozen(author_client, app):
    from tests.factories import create_course

    course = create_course(org=author_client.user.organisation)
    version = course.versions[0]
    module, lesson, question = version.modules[0], version.lessons()[0], version.lessons()[2].questions[0]
    c = author_client
    page = text_of(c.get(f"/author/courses/{course.id}"))
    assert "Version 1 is published" in page and "Add module" not in page
    assert "This version is published" in text_of(c.get(f"/author/lessons/{lesson.id}"))
    attempts = [
        (f"/author/versions/{version.id}/modules", {"title": "X"}),
        (f"/author/modules/{module.id}/rename", {"title": "X"}),
        (f"/author/modules/{module.id}/delete", {}),
        (f"/author/modules/{module.id}/lessons", {"title": "X", "kind": "text"}),
        (f"/author/lessons/{lesson.id}", {"title": "X", "body_markdown": "changed"}),
        (f"/author/lessons/{lesson.id}/move", {"direction": "down"}),
        (f"/author/lessons/{lesson.id}/delete", {}),
        (f"/author/questions/{question.id}", {"prompt": "X", "choice_1": "a", "correct_1": "y", "choice_2": "b"}),
        (f"/author/questions/{question.id}/delete", {}),
        (f"/author/versions/{version.id}/publish", {}),
    ]
    for url, data in attempts:
        response = edit(c, url, version, data)
        assert response.status_code == 409, url
        assert "can no longer be changed" in text_of(response), url
    db.session.expire_all()
    assert lesson.title == "Text 1.1" and len(version.modules) == 1 and version.revision == 0
