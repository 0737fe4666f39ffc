"""A learner signs a controlled document "read and understood" through the lesson page: the
re-authentication, the single-use nonce, the file signed, refusals, and who may sign."""
import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.authoring import versions
from lms.extensions import db
from lms.progress.models import LessonProgress
from lms.signatures.models import Signature
from lms.storage import store_bytes
from tests.factories import PASSWORD, PDF_BYTES, create_course, create_user, enrol, lessons_of
from tests.helpers import login, main_of, post_form, text_of
from tests.signatures.helpers import lesson_url, sign, signing_form


@pytest.fixture
def sop(app):
    """A learner enrolled in a course with two controlled documents and a text lesson."""
    learner = create_user(name="Kari Nordmann")
    course = create_course(lessons=("document", "document", "text"), org=learner.organisation)
    enrolment = enrol(learner, course)
    first, second, text = lessons_of(enrolment)
    return learner, course, enrolment, first, second, text


def signatures():
    return db.session.scalars(select(Signature).order_by(Signature.id)).all()


def actions():
    return [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def learner_client(app, user):
    client = app.test_client()
    login(client, user)
    return client


def test_the_page_shows_the_document_and_signing_it_completes_the_lesson(app, sop):
    learner, course, enrolment, first, _second, _text = sop
    client = learner_client(app, learner)
    form, html = signing_form(client, course, first)
    main = html.split("<main", 1)[1]
    assert first.document_number in main and "I have read and understood this document" in main
    assert "Kari Nordmann" in main and 'name="email"' in main and 'name="password"' in main
    assert f"/courses/{course.slug}/lessons/{first.id}/file" in main
    assert "Mark complete" not in main
    assert form["file_sha256"] == first.file.sha256

    response = sign(client, course, first, email=learner.email, form=form)
    assert response.status_code == 302, text_of(response)[:2000]
    [signature] = signatures()
    assert (signature.signer_id, signature.subject_user_id, signature.meaning) == (learner.id, learner.id, "read_understood")
    assert signature.file_sha256 == first.file.sha256 and signature.document_revision == "1"
    assert signature.course_version_id == enrolment.version_id and signature.printed_name == "Kari Nordmann"
    assert db.session.scalar(select(func.count()).select_from(LessonProgress).filter_by(
        enrolment_id=enrolment.id, lesson_id=first.id)) == 1
    assert "signature.signed" in actions()
    page = main_of(client.get(lesson_url(course, first)))
    assert 'data-testid="signature-manifest"' in page and "UTC" in page and 'name="password"' not in page


def test_the_first_signing_of_a_session_asks_for_the_email_later_ones_the_password_alone(app, sop):
    learner, course, _enrolment, first, second, _text = sop
    client = learner_client(app, learner)
    missing = sign(client, course, first)  # no email at the first signing
    assert missing.status_code == 422 and "Enter your email address" in text_of(missing)
    assert signatures() == [] and db.session.get(type(learner), learner.id).signing_failures == 0
    assert sign(client, course, first, email=learner.email.upper()).status_code == 302
    # Another login session of the same person asks for both again.
    other = learner_client(app, learner)
    assert 'name="email"' in signing_form(other, course, second)[1].split("<main", 1)[1]
    form, html = signing_form(client, course, second)
    assert 'name="email"' not in html.split("<main", 1)[1]
    assert sign(client, course, second, form=form).status_code == 302
    assert len(signatures()) == 2


def test_a_wrong_password_is_refused_counted_and_audited(app, sop):
    learner, course, _enrolment, first, _second, _text = sop
    client = learner_client(app, learner)
    response = sign(client, course, first, password="not my password", email=learner.email)
    assert response.status_code == 422
    assert "The password is not correct. The document was not signed." in text_of(response)
    assert "Attempts left before signing and login are locked: 2." in text_of(response)
    assert signatures() == [] and actions().count("signature.failed") == 1
    wrong_email = sign(client, course, first, email="someone.else@example.test")
    assert wrong_email.status_code == 422 and "not the one of your account" in text_of(wrong_email)
    # The right password after failures signs and starts the count again.
    assert sign(client, course, first, email=learner.email).status_code == 302
    assert db.session.get(type(learner), learner.id).signing_failures == 0


def test_a_replayed_post_and_a_nonce_of_another_lesson_are_refused(app, sop):
    learner, course, _enrolment, first, second, _text = sop
    client = learner_client(app, learner)
    form, _html = signing_form(client, course, first)
    other_form, _html = signing_form(client, course, second)
    crossed = sign(client, course, second, email=learner.email, form=dict(other_form, nonce=form["nonce"]))
    assert crossed.status_code == 409 and "was used already or has expired" in text_of(crossed)
    assert sign(client, course, first, email=learner.email, form=form).status_code == 302
    replayed = sign(client, course, first, form=form)
    assert replayed.status_code == 409
    assert len(signatures()) == 1


def test_a_post_without_the_csrf_token_or_the_nonce_signs_nothing(app, sop):
    learner, course, _enrolment, first, _second, _text = sop
    client = learner_client(app, learner)
    form, _html = signing_form(client, course, first)
    no_csrf = sign(client, course, first, email=learner.email, form={k: v for k, v in form.items() if k != "csrf_token"})
    assert no_csrf.status_code == 400
    no_nonce = sign(client, course, first, email=learner.email, form={k: v for k, v in form.items() if k != "nonce"})
    assert no_nonce.status_code == 400
    assert signatures() == []


def test_a_document_changed_since_the_page_was_opened_is_refused_and_the_new_revision_shown(app, sop):
    learner, course, enrolment, first, _second, _text = sop
    author = create_user(role="author", org=course.organisation)
    client = learner_client(app, learner)
    form, _html = signing_form(client, course, first)
    # Meanwhile revision 2 of the SOP is published and the learner moved to it.
    draft, _created = versions.start_draft(author, course)
    new_lesson = draft.lessons()[0]
    new_lesson.file = store_bytes(PDF_BYTES + b"% revision 2\n", "sop-rev2.pdf", "application/pdf")
    new_lesson.document_revision = "2"
    db.session.flush()
    versions.publish(author, draft, draft.revision, change_kind="minor", change_reason="Revision 2 of the SOP")
    versions.move_enrolments(course, [enrolment.id])
    db.session.commit()

    response = sign(client, course, first, email=learner.email, form=form)
    assert response.status_code == 409
    page = main_of(response)
    assert f"{new_lesson.document_number} rev. 2 is now in effect" in page
    assert new_lesson.file.sha256 in page and 'name="nonce"' in page
    assert signatures() == []
    # The page of revision 2 signs revision 2's file.
    assert sign(client, course, new_lesson, email=learner.email).status_code == 302
    [signature] = signatures()
    assert signature.lesson_id == new_lesson.id and signature.file_sha256 == new_lesson.file.sha256
    assert signature.document_revision == "2"


def test_a_posted_file_hash_that_is_not_the_current_file_is_refused(app, sop):
    learner, course, _enrolment, first, _second, _text = sop
    client = learner_client(app, learner)
    response = sign(client, course, first, email=learner.email, file_sha256="0" * 64)
    assert response.status_code == 409 and "is now in effect" in text_of(response)
    assert signatures() == []


def test_a_lesson_of_another_kind_cannot_be_signed(app, sop):
    learner, course, _enrolment, first, _second, text = sop
    client = learner_client(app, learner)
    form, _html = signing_form(client, course, first)
    response = sign(client, course, text, email=learner.email, form=form)
    assert response.status_code == 409 and signatures() == []
    # Nor is a document "marked complete" without a signature.
    assert post_form(client, lesson_url(course, first) + "/complete", page=lesson_url(course, first)).status_code == 409


@pytest.mark.parametrize("role", ["anonymous", "other learner", "enrolled other learner", "author", "org_admin", "admin"])
def test_nobody_signs_a_learner_s_document_but_the_learner(app, sop, role):
    learner, course, _enrolment, first, _second, _text = sop
    owner = learner_client(app, learner)
    form, _html = signing_form(owner, course, first)
    client, email = app.test_client(), learner.email
    if role != "anonymous":
        other = create_user(role="learner" if "learner" in role else role, org=learner.organisation)
        if role == "enrolled other learner":
            enrol(other, course)
            email = other.email  # their own credentials, the learner's page
        login(client, other)
        form = dict(form, csrf_token=signing_form(client, course, first)[0]["csrf_token"]
                    if role == "enrolled other learner" else _csrf(client))
    response = sign(client, course, first, email=email, form=form)
    if role == "anonymous":
        assert response.status_code in (302, 400) and "/login" in response.headers.get("Location", "/login")
    elif role == "enrolled other learner":
        # Their own record only: the learner's nonce is not theirs.
        assert response.status_code == 409 and "was used already or has expired" in text_of(response)
    else:
        assert response.status_code == 403
    assert signatures() == []


def _csrf(client):
    from tests.helpers import csrf_token

    return csrf_token(client, "/")


def test_signing_posts_are_rate_limited(app, sop):
    learner, course, _enrolment, first, _second, _text = sop
    app.config["RATELIMIT_SIGNING"] = "2 per minute"
    client = learner_client(app, learner)
    form, _html = signing_form(client, course, first)
    assert sign(client, course, first, form=form).status_code == 422  # no email: not counted as a failure
    assert sign(client, course, first, form=form).status_code == 422
    limited = sign(client, course, first, email=learner.email, form=form)
    assert limited.status_code == 429 and "Too many attempts" in text_of(limited)
    assert signatures() == []


def test_the_author_s_preview_shows_the_document_without_a_signing_form(app, sop):
    _learner, course, _enrolment, first, _second, _text = sop
    author = create_user(role="author", org=course.organisation)
    client = learner_client(app, author)
    page = main_of(client.get(f"/author/versions/{course.published_version.id}/preview/lessons/{first.id}"))
    assert first.document_number in page and "Learners sign this document here" in page
    assert 'name="nonce"' not in page


def _publish_copy(course, change=None):
    """A new version of ``course`` whose first lesson (the SOP) is changed by ``change``."""
    author = create_user(role="author", org=course.organisation)
    draft, _created = versions.start_draft(author, course)
    lesson = draft.lessons()[0]
    if change:
        change(lesson)
    db.session.flush()
    versions.publish(author, draft, draft.revision, change_kind="minor", change_reason="Update")
    return lesson


def test_a_new_revision_is_signed_anew_after_a_move_an_unchanged_document_is_not(app, sop):
    learner, course, enrolment, first, _second, _text = sop
    client = learner_client(app, learner)
    assert sign(client, course, first, email=learner.email).status_code == 302
    unchanged = _publish_copy(course)
    versions.move_enrolments(course, [enrolment.id])
    db.session.commit()
    done = set(db.session.scalars(select(LessonProgress.lesson_id).filter_by(enrolment_id=enrolment.id)))
    assert unchanged.id in done

    def revise(lesson):
        lesson.file = store_bytes(PDF_BYTES + b"% revision 2\n", "sop-rev2.pdf", "application/pdf")
        lesson.document_revision = "2"
    revised = _publish_copy(course, revise)
    versions.move_enrolments(course, [enrolment.id])
    db.session.commit()
    done = set(db.session.scalars(select(LessonProgress.lesson_id).filter_by(enrolment_id=enrolment.id)))
    assert revised.id not in done
    page = main_of(client.get(lesson_url(course, revised)))
    assert 'name="nonce"' in page and 'class="document-revision">2<' in page
    assert sign(client, course, revised).status_code == 302
    assert [s.document_revision for s in signatures()] == ["1", "2"]


def test_in_a_translation_with_its_own_file_the_file_shown_is_the_one_signed(app):
    from lms.enrolments import services as enrolments
    from tests.course_languages.learner_factories import translate

    learner = create_user(name="Ingvild Haugen", locale="nb")
    course = create_course(lessons=("document",), org=learner.organisation)
    [document] = lessons_of(course)
    norwegian = store_bytes(PDF_BYTES + b"% norsk\n", "sop-nb.pdf", "application/pdf")
    translate(course.published_version, "nb", file_for={document: norwegian})
    enrolments.enrol(learner, course, language="nb")
    db.session.commit()
    client = learner_client(app, learner)
    form, _html = signing_form(client, course, document)
    assert form["file_sha256"] == norwegian.sha256 != document.file.sha256
    assert sign(client, course, document, email=learner.email, form=form).status_code == 302
    [signature] = signatures()
    assert signature.file_sha256 == norwegian.sha256
