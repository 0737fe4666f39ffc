"""An author builds a course through HTTP: create, modules, lessons of every kind, publish."""
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.courses.models import Course, Lesson, Module, Question
from lms.extensions import db
from tests.authoring.helpers import edit, pdf_bytes, upload
from tests.factories import create_org, create_user
from tests.helpers import login, post_form, text_of


def test_author_builds_and_publishes_a_course(client, app):
    org = create_org(name="Nordic MedTech")
    author = create_user(role="author", org=org)
    login(client, author)
    response = post_form(client, "/author/courses/new", {
        "title": "Good Distribution Practice — Ærlig talt", "summary": "GDP basics", "language": "nb",
        "cpd_hours": "2.5", "default_due_days": "30",
    })
    assert response.status_code == 302, text_of(response)[:3000]
    course = db.session.scalar(select(Course))
    assert course.slug == "good-distribution-practice-aerlig-talt"
    assert course.organisation_id == org.id and course.owner_id == author.id
    version = course.versions[0]
    assert version.status == "draft" and version.number == 1
    page = client.get(response.location)
    assert page.status_code == 200, text_of(page)[:3000]

    response = edit(client, f"/author/versions/{version.id}/modules", version, {"title": "Basics"})
    assert response.status_code == 302, text_of(response)[:3000]
    module = db.session.scalar(select(Module))
    for kind, title in (("text", "Read me"), ("file", "Handout"), ("quiz", "Check")):
        response = edit(client, f"/author/modules/{module.id}/lessons", version, {"title": title, "kind": kind})
        assert response.status_code == 302, text_of(response)[:3000]
    text, file_lesson, quiz = db.session.scalars(select(Lesson).order_by(Lesson.position)).all()
    for lesson in (text, file_lesson, quiz):
        page = client.get(f"/author/lessons/{lesson.id}")
        assert page.status_code == 200, text_of(page)[:3000]
    response = edit(client, f"/author/lessons/{text.id}", version, {"title": "Read me", "body_markdown": "## Hi\n\n**bold**", "action": "preview"})
    assert response.status_code == 200 and "<strong>bold</strong>" in text_of(response)
    response = edit(client, f"/author/lessons/{text.id}", version, {"title": "Read me", "body_markdown": "## Hi\n\n**bold**"})
    assert response.status_code == 302
    response = upload(client, f"/author/lessons/{file_lesson.id}/file", version, pdf_bytes(), "handout.pdf")
    assert response.status_code == 302, text_of(response)[:3000]
    response = edit(client, f"/author/lessons/{quiz.id}", version, {"title": "Check", "pass_mark": "50"})
    assert response.status_code == 302, text_of(response)[:3000]
    page = client.get(f"/author/lessons/{quiz.id}/questions/new")
    assert page.status_code == 200, text_of(page)[:3000]
    response = edit(client, f"/author/lessons/{quiz.id}/questions/new", version, {
        "prompt": "Which?", "choice_1": "A", "correct_1": "y", "choice_2": "B",
        "feedback": "It is A.",
    })
    assert response.status_code == 302, text_of(response)[:3000]
    question = db.session.scalar(select(Question))
    assert question.choices == ["A", "B"] and question.correct == [0]
    assert client.get(f"/author/questions/{question.id}").status_code == 200
    page = client.get(f"/author/courses/{course.id}")
    assert "Before you can publish" not in text_of(page), text_of(page)
    assert client.get(f"/author/versions/{version.id}/preview").status_code == 200
    for lesson in (text, file_lesson, quiz):
        page = client.get(f"/author/versions/{version.id}/preview/lessons/{lesson.id}")
        assert page.status_code == 200, text_of(page)[:3000]
    response = edit(client, f"/author/versions/{version.id}/publish", version)
    assert response.status_code == 302, text_of(response)[:3000]
    db.session.expire_all()
    assert course.versions[0].status == "published"
    assert "course.published" in db.session.scalars(select(AuditEvent.action)).all()
    body = text_of(client.get("/author/"))
    assert "Good Distribution Practice" in body
