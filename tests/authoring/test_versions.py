"""Publishing, new drafts of published courses, and which version each learner is on."""
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.courses.models import CourseVersion, Lesson, Module
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress import services as progress
from lms.progress.models import LessonProgress
from tests.authoring.helpers import edit
from tests.factories import create_course, create_org, create_user, enrol
from tests.helpers import login, post_form, text_of


# A new version of a published course says what changed; these tests are about wording.
MINOR = {"change_kind": "minor", "change_reason": "Wording"}


def actions():
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_publishing_explains_what_is_missing(author_client, draft):
    c, v = author_client, draft.version
    # Empty the draft's lessons of what they need.
    edit(c, f"/author/lessons/{draft.text.id}", v, {"title": "Intro", "body_markdown": "  "})
    edit(c, f"/author/lessons/{draft.quiz.id}", v, {"title": "Check", "pass_mark": ""})
    for question in list(draft.quiz.questions):
        edit(c, f"/author/questions/{question.id}/delete", v)
    db.session.get(Lesson, draft.file.id).file_id = None
    db.session.commit()
    edit(c, f"/author/versions/{v.id}/modules", v, {"title": "Empty one"})
    response = edit(c, f"/author/versions/{v.id}/publish", v)
    body = text_of(response)
    assert response.status_code == 422
    for problem in ("Text lesson “Intro” (module “Module 1”) has no text.",
                    "File lesson “File 1.2” (module “Module 1”) has no file.",
                    "Quiz “Check” (module “Module 1”) has no questions.",
                    "Quiz “Check” (module “Module 1”) has no pass mark.",
                    "Module “Empty one” has no lessons."):
        assert problem in body
    assert 'role="alert"' in body
    db.session.expire_all()
    assert v.status == "draft" and "course.published" not in actions()


def test_a_course_without_modules_cannot_be_published(author_client, draft):
    edit(author_client, f"/author/modules/{draft.module.id}/delete", draft.version)
    response = edit(author_client, f"/author/versions/{draft.version.id}/publish", draft.version)
    assert response.status_code == 422 and "Add at least one module." in text_of(response)


def test_publish_then_edit_in_a_new_draft_then_republish(app, author_client, draft):
    c, course = author_client, draft.course
    v1 = draft.version
    assert edit(c, f"/author/versions/{v1.id}/publish", v1).status_code == 302
    db.session.expire_all()
    assert v1.status == "published" and v1.published_at is not None

    # A learner enrols in version 1 and completes the text lesson.
    learner_client = app.test_client()
    learner = create_user()
    login(learner_client, learner)
    post_form(learner_client, f"/courses/{course.slug}/enrol", page=f"/courses/{course.slug}")
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    assert enrolment.version_id == v1.id
    progress.complete_lesson(enrolment, draft.text, actor=learner)
    db.session.commit()

    # Opening a draft copies everything, remembering where each lesson came from.
    response = post_form(c, f"/author/courses/{course.id}/drafts", page="/")
    assert response.status_code == 302
    again = post_form(c, f"/author/courses/{course.id}/drafts", page="/")  # idempotent
    assert again.status_code == 302
    db.session.expire_all()
    assert [(v.number, v.status) for v in course.versions] == [(1, "published"), (2, "draft")]
    v2 = course.versions[1]
    old, new = v1.lessons(), v2.lessons()
    assert [lesson.copied_from_id for lesson in new] == [lesson.id for lesson in old]
    assert [(n.title, n.kind, n.body_markdown, n.file_id, n.pass_mark) for n in new] == \
        [(o.title, o.kind, o.body_markdown, o.file_id, o.pass_mark) for o in old]
    assert [(q.prompt, q.choices, q.correct) for q in new[2].questions] == \
        [(q.prompt, q.choices, q.correct) for q in old[2].questions]
    assert {n.id for n in new}.isdisjoint({o.id for o in old})
    assert "course.draft_opened" in actions()

    # Edit the draft: version 1 is untouched, learners still see version 1.
    edit(c, f"/author/lessons/{new[0].id}", v2, {"title": "Text, revised", "body_markdown": "New wording."})
    edit(c, f"/author/modules/{v2.modules[0].id}/lessons", v2, {"title": "New summary", "kind": "text"})
    summary = db.session.scalar(select(Lesson).where(Lesson.title == "New summary"))
    edit(c, f"/author/lessons/{summary.id}", v2, {"title": "New summary", "body_markdown": "All done."})
    db.session.expire_all()
    assert old[0].title == "Text 1.1" and len(v1.lessons()) == 3
    assert "<dt>Version</dt><dd>1</dd>" in text_of(learner_client.get(f"/courses/{course.slug}"))
    lesson_page = text_of(learner_client.get(f"/courses/{course.slug}/lessons/{old[0].id}"))
    assert "Some <strong>important</strong> text." in lesson_page

    # Publish version 2: version 1 archived, the learner stays on it, new learners get 2.
    assert edit(c, f"/author/versions/{v2.id}/publish", v2, MINOR).status_code == 302
    db.session.expire_all()
    assert (v1.status, v2.status) == ("archived", "published")
    assert enrolment.version_id == v1.id
    assert learner_client.get(f"/courses/{course.slug}/lessons/{old[0].id}").status_code == 200
    assert learner_client.get(f"/courses/{course.slug}/lessons/{new[0].id}").status_code == 404
    newcomer = create_user()
    assert enrol(newcomer, course).version_id == v2.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "course.published")).all()[-1]
    assert event.data["version"] == 2 and event.data["archived_version"] == 1
    assert "Published</span> version 2" in text_of(c.get("/author/"))


def test_admins_move_learners_to_the_new_version_with_their_progress(app, admin_client):
    org = create_org()
    course = create_course(org=org, lessons=("text", "file", "quiz"))
    v1 = course.versions[0]
    text1, file1, quiz1 = v1.lessons()
    on_track, finished, untouched = create_user(name="On Track"), create_user(name="Finished"), create_user(name="Untouched")
    e_track, e_finished, e_untouched = enrol(on_track, course), enrol(finished, course), enrol(untouched, course)
    progress.complete_lesson(e_track, text1, actor=on_track)
    progress.complete_lesson(e_track, file1, actor=on_track)
    progress.complete_lesson(e_finished, text1, actor=finished)
    progress.complete_lesson(e_finished, file1, actor=finished)
    single, multiple = quiz1.questions
    progress.submit_quiz(e_finished, quiz1, {single.id: {0}, multiple.id: {0, 2}}, actor=finished)
    db.session.commit()
    assert e_finished.status == "completed"

    # Version 2: the text lesson edited, the file lesson deleted, the quiz kept.
    c = admin_client
    post_form(c, f"/author/courses/{course.id}/drafts", page="/")
    db.session.expire_all()
    v2 = course.versions[1]
    text2, file2, quiz2 = v2.lessons()
    edit(c, f"/author/lessons/{text2.id}", v2, {"title": "Text, revised", "body_markdown": "Reworded."})
    edit(c, f"/author/lessons/{file2.id}/delete", v2)
    assert edit(c, f"/author/versions/{v2.id}/publish", v2, MINOR).status_code == 302

    page = text_of(c.get(f"/author/courses/{course.id}/learners"))
    assert "On Track" in page and "Untouched" in page and "Finished" not in page
    # Without a reason: 422, the page again with the message and the choice kept; nobody moved.
    unexplained = post_form(c, f"/author/courses/{course.id}/learners",
                            {"enrolment": [str(e_track.id), str(e_finished.id)], "reason": " "}, page="/")
    assert unexplained.status_code == 422
    assert "Give a reason for the change: it is kept in the audit trail." in text_of(unexplained)
    assert f'id="enrolment-{e_track.id}" checked' in text_of(unexplained)
    assert f'id="enrolment-{e_untouched.id}" checked' not in text_of(unexplained)
    db.session.expire_all()
    assert e_track.version_id == v1.id and "enrolment.version_moved" not in actions()
    response = post_form(c, f"/author/courses/{course.id}/learners",
                         {"enrolment": [str(e_track.id), str(e_finished.id)], "reason": "SOP revision C"}, page="/")
    assert response.status_code == 302
    assert "1 learner moved to version 2." in text_of(c.get(response.location))
    db.session.expire_all()
    # The learner on track keeps the edited text lesson's completion; the quiz is still to do.
    assert e_track.version_id == v2.id and e_track.status == "active"
    assert progress.completed_lesson_ids(e_track.id) >= {text1.id, file1.id, text2.id}
    assert quiz2.id not in progress.completed_lesson_ids(e_track.id)
    assert progress.summary(e_track)["percent"] == 50
    # Completed learners stay on the version they completed; untouched ones were not chosen.
    assert e_finished.version_id == v1.id and e_untouched.version_id == v1.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrolment.version_moved"))
    assert event.subject_id == e_track.id
    assert event.data == {"course_id": course.id, "from_version": 1, "to_version": 2, "carried_lessons": [text2.id],
                          "old": {"version": 1}, "new": {"version": 2}, "reason": "SOP revision C"}
    assert event.actor_id is not None


def test_a_move_that_leaves_nothing_to_do_completes_the_enrolment(app, admin_client):
    course = create_course(lessons=("text", "quiz"))
    v1 = course.versions[0]
    text1, quiz1 = v1.lessons()
    learner = create_user()
    enrolment = enrol(learner, course)
    progress.complete_lesson(enrolment, text1, actor=learner)
    db.session.commit()
    c = admin_client
    post_form(c, f"/author/courses/{course.id}/drafts", page="/")
    db.session.expire_all()
    v2 = course.versions[1]
    edit(c, f"/author/lessons/{v2.lessons()[1].id}/delete", v2)  # the quiz goes
    edit(c, f"/author/versions/{v2.id}/publish", v2, MINOR)
    post_form(c, f"/author/courses/{course.id}/learners", {"enrolment": str(enrolment.id), "reason": "New version"}, page="/")
    db.session.expire_all()
    assert enrolment.version_id == v2.id and enrolment.status == "completed"
    assert enrolment.completed_at is not None
    assert actions()[-2:] == ["enrolment.version_moved", "enrolment.completed"]
    assert db.session.scalar(select(LessonProgress).where(
        LessonProgress.lesson_id == v2.lessons()[0].id)).completed_at is not None


def test_progress_follows_lessons_across_several_versions(app, admin_client):
    course = create_course(lessons=("text", "text"))
    learner = create_user()
    enrolment = enrol(learner, course)
    first = course.versions[0].lessons()[0]
    progress.complete_lesson(enrolment, first, actor=learner)
    db.session.commit()
    c = admin_client
    for _ in range(2):  # versions 2 and 3, each a plain copy
        post_form(c, f"/author/courses/{course.id}/drafts", page="/")
        db.session.expire_all()
        draft = course.versions[-1]
        edit(c, f"/author/versions/{draft.id}/publish", draft, MINOR)
    db.session.expire_all()
    v3 = course.versions[-1]
    assert [v.status for v in course.versions] == ["archived", "archived", "published"]
    post_form(c, f"/author/courses/{course.id}/learners", {"enrolment": str(enrolment.id), "reason": "New version"}, page="/")
    db.session.expire_all()
    assert enrolment.version_id == v3.id
    assert v3.lessons()[0].id in progress.completed_lesson_ids(enrolment.id)
    assert progress.summary(enrolment)["percent"] == 50


def test_only_admins_move_learners_and_only_active_ones_of_that_course(app, admin_client, author_client, draft):
    edit(author_client, f"/author/versions/{draft.version.id}/publish", draft.version)
    other_course = create_course()
    stranger = enrol(create_user(), other_course)
    response = post_form(admin_client, f"/author/courses/{draft.course.id}/learners", {"enrolment": str(stranger.id), "reason": "New version"}, page="/")
    assert response.status_code == 302
    db.session.expire_all()
    assert stranger.version_id == other_course.versions[0].id
    assert post_form(author_client, f"/author/courses/{draft.course.id}/learners", {}, page="/").status_code == 403
    nothing = post_form(admin_client, f"/author/courses/{draft.course.id}/learners", {}, page="/", follow_redirects=True)
    assert "Choose the learners to move." in text_of(nothing)


def test_the_course_page_and_my_learning_say_which_version_a_learner_is_on(app, author_client, draft):
    edit(author_client, f"/author/versions/{draft.version.id}/publish", draft.version)
    learner_client = app.test_client()
    learner = create_user()
    login(learner_client, learner)
    enrol(learner, draft.course)
    post_form(author_client, f"/author/courses/{draft.course.id}/drafts", page="/")
    db.session.expire_all()
    v2 = draft.course.versions[1]
    edit(author_client, f"/author/versions/{v2.id}/publish", v2, MINOR)
    body = text_of(learner_client.get("/my-learning"))
    assert "<dt>Version</dt><dd>1</dd>" in body
    assert db.session.scalar(select(CourseVersion.status).where(CourseVersion.id == draft.version.id)) == "archived"
    assert db.session.scalar(select(Module.id).where(Module.version_id == draft.version.id)) is not None
