"""Authoring a controlled document: the lesson kind, its number, revision and PDF (bad input
422/415 and nothing stored), the publish check, and the copy into a new draft."""
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.courses.models import Lesson
from lms.extensions import db
from tests.authoring.conftest import author_client, draft  # noqa: F401  (fixtures)
from tests.authoring.helpers import edit, files_under, png_bytes, stored_rows, upload
from tests.factories import PDF_BYTES
from tests.helpers import main_of, text_of


def add_document(client, draft, title="Line clearance SOP"):
    response = edit(client, f"/author/modules/{draft.module.id}/lessons", draft.version,
                    {"title": title, "kind": "document"})
    assert response.status_code == 302, text_of(response)[:1500]
    return db.session.scalar(select(Lesson).filter_by(title=title))


def test_the_new_lesson_form_offers_controlled_documents(author_client, draft):
    page = text_of(author_client.get(f"/author/courses/{draft.course.id}"))
    assert 'value="document"' in page and "Controlled document (SOP to read and sign)" in page
    lesson = add_document(author_client, draft)
    assert lesson.kind == "document"
    editor = main_of(author_client.get(f"/author/lessons/{lesson.id}"))
    assert 'name="document_number"' in editor and 'name="document_revision"' in editor
    assert 'accept=".pdf,application/pdf"' in editor


def test_number_and_revision_are_required_short_and_printable(author_client, draft):
    lesson = add_document(author_client, draft)
    url = f"/author/lessons/{lesson.id}"
    for number, revision in (("", "1"), ("SOP-1", ""), ("S" * 65, "1"), ("SOP-1", "1" * 33),
                             ("SOP\x07-1", "1"), ("   ", "2")):
        response = edit(author_client, url, draft.version,
                        {"title": "SOP", "document_number": number, "document_revision": revision})
        assert response.status_code == 422, (number, revision)
        db.session.expire_all()
        saved = db.session.get(Lesson, lesson.id)
        assert saved.document_number is None and saved.document_revision is None and saved.title != "SOP"
    response = edit(author_client, url, draft.version,
                    {"title": "SOP", "document_number": " SOP-QA-012 ", "document_revision": "4"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Lesson, lesson.id)
    assert (saved.document_number, saved.document_revision) == ("SOP-QA-012", "4")


def test_only_a_pdf_is_accepted_as_the_document(author_client, draft, upload_dir):
    lesson = add_document(author_client, draft)
    url = f"/author/lessons/{lesson.id}/file"
    files, rows = files_under(upload_dir), stored_rows()
    for content, name in ((png_bytes(), "scan.png"), (png_bytes(), "scan.pdf"), (b"", "empty.pdf")):
        response = upload(author_client, url, draft.version, content, name)
        assert response.status_code in (415, 422), (name, response.status_code)
    assert files_under(upload_dir) == files and stored_rows() == rows
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).file_id is None
    assert upload(author_client, url, draft.version, PDF_BYTES + b"% SOP\n", "sop.pdf").status_code == 302
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).file.content_type == "application/pdf"


def test_publishing_needs_the_document_s_file_number_and_revision(author_client, draft):
    lesson = add_document(author_client, draft)
    response = edit(author_client, f"/author/versions/{draft.version.id}/publish", draft.version)
    assert response.status_code == 422
    body = text_of(response)
    assert "Controlled document “Line clearance SOP” (module “Module 1”) has no PDF." in body
    assert "Controlled document “Line clearance SOP” (module “Module 1”) has no document number or revision." in body
    edit(author_client, f"/author/lessons/{lesson.id}", draft.version,
         {"title": lesson.title, "document_number": "SOP-QA-012", "document_revision": "4"})
    upload(author_client, f"/author/lessons/{lesson.id}/file", draft.version, PDF_BYTES + b"% SOP\n", "sop.pdf")
    assert edit(author_client, f"/author/versions/{draft.version.id}/publish", draft.version).status_code == 302


def test_a_new_draft_copies_the_document_s_number_revision_and_file(author_client, draft):
    lesson = add_document(author_client, draft)
    edit(author_client, f"/author/lessons/{lesson.id}", draft.version,
         {"title": lesson.title, "document_number": "SOP-QA-012", "document_revision": "4"})
    upload(author_client, f"/author/lessons/{lesson.id}/file", draft.version, PDF_BYTES + b"% SOP\n", "sop.pdf")
    assert edit(author_client, f"/author/versions/{draft.version.id}/publish", draft.version).status_code == 302
    assert edit(author_client, f"/author/courses/{draft.course.id}/drafts", draft.version).status_code == 302
    db.session.expire_all()
    copy = db.session.scalar(select(Lesson).filter_by(copied_from_id=lesson.id))
    assert (copy.document_number, copy.document_revision, copy.file_id) == ("SOP-QA-012", "4", lesson.file_id)
    preview = main_of(author_client.get(f"/author/versions/{copy.module.version_id}/preview/lessons/{copy.id}"))
    assert "SOP-QA-012" in preview and "sop.pdf" in preview
    assert "lesson.file_attached" in db.session.scalars(select(AuditEvent.action)).all()
