"""Observed-practice lessons for authors: added like any lesson, instructions required before
publishing, copied into new drafts, previewed with the supervisor's sign-off explained."""
from sqlalchemy import select

from lms.courses.models import Lesson
from lms.extensions import db
from tests.authoring.helpers import edit
from tests.helpers import post_form, text_of

MINOR = {"change_kind": "minor", "change_reason": "Wording"}


def add_observed(client, draft, title="Line clearance under observation"):
    response = edit(client, f"/author/modules/{draft.module.id}/lessons", draft.version, {"title": title, "kind": "observed"})
    lesson = db.session.scalar(select(Lesson).where(Lesson.title == title))
    assert response.status_code == 302 and response.location == f"/author/lessons/{lesson.id}"
    return lesson


def test_an_author_adds_edits_and_publishes_an_observed_practice(author_client, draft):
    c, v = author_client, draft.version
    course_page = text_of(c.get(f"/author/courses/{draft.course.id}"))
    assert '<option value="observed">Observed practice (signed off by a supervisor)</option>' in course_page
    lesson = add_observed(c, draft)
    assert lesson.kind == "observed"
    page = text_of(c.get(f"/author/lessons/{lesson.id}"))
    assert "Observed practice lesson in version 1" in page and "signs it off as “verified competent”" in page

    # Without instructions it cannot be published.
    refused = edit(c, f"/author/versions/{v.id}/publish", v)
    assert refused.status_code == 422
    assert ("Observed practice “Line clearance under observation” (module “Module 1”) has no instructions."
            in text_of(refused))
    assert edit(c, f"/author/lessons/{lesson.id}", v, {"title": lesson.title,
                                                       "body_markdown": "Clear the line; the supervisor checks."}).status_code == 302
    assert edit(c, f"/author/versions/{v.id}/publish", v).status_code == 302
    db.session.expire_all()
    assert v.status == "published"
    assert "(Observed practice)" in text_of(c.get(f"/courses/{draft.course.slug}"))

    # A new draft copies it, kind and instructions, remembering where it came from.
    assert post_form(c, f"/author/courses/{draft.course.id}/drafts", page="/").status_code == 302
    db.session.expire_all()
    copy = draft.course.versions[1].lessons()[-1]
    assert (copy.kind, copy.title, copy.body_markdown, copy.copied_from_id) == (
        "observed", lesson.title, "Clear the line; the supervisor checks.", lesson.id)


def test_the_preview_explains_the_sign_off_and_offers_no_completion(author_client, draft):
    lesson = add_observed(author_client, draft)
    edit(author_client, f"/author/lessons/{lesson.id}", draft.version,
         {"title": lesson.title, "body_markdown": "Do **this** under observation."})
    page = text_of(author_client.get(f"/author/versions/{draft.version.id}/preview/lessons/{lesson.id}"))
    assert "Do <strong>this</strong> under observation." in page
    assert "A supervisor of the learner's job profile signs this practice off" in page
    assert "Learners mark this lesson complete here." not in page
    assert "(Observed practice)" in text_of(author_client.get(f"/author/versions/{draft.version.id}/preview"))
