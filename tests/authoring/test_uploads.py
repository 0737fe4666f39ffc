"""Uploads: the type comes from the content, the name must agree, refusals leave nothing behind,
the same content is stored once, files are served with the right type and a safe name."""
import io

import pytest
from sqlalchemy import func, select

from lms.courses.models import CourseAsset
from lms.extensions import db
from lms.storage import path_for
from tests.authoring.helpers import (
    JPEG_BYTES, MKV_BYTES, MP4_BYTES, WEBM_BYTES, files_under, jpeg_bytes, pdf_bytes, png_bytes, revision_of,
    stored_rows, upload,
)
from tests.factories import PDF_BYTES
from tests.helpers import csrf_token, text_of


def file_url(draft):
    return f"/author/lessons/{draft.file.id}/file"


def image_url(draft):
    return f"/author/lessons/{draft.text.id}/images"


@pytest.mark.parametrize("content,name,content_type", [
    (pdf_bytes("Aseptic"), "Aseptic processing.pdf", "application/pdf"),
    (MP4_BYTES, "gowning.MP4", "video/mp4"),
    (WEBM_BYTES, "gowning.webm", "video/webm"),
    (png_bytes(5, 4), "flow.png", "image/png"),
    (JPEG_BYTES, "photo.jpeg", "image/jpeg"),
])
def test_accepted_types_are_stored_and_served_with_their_type(author_client, draft, content, name, content_type):
    response = upload(author_client, file_url(draft), draft.version, content, name)
    assert response.status_code == 302 and response.location.endswith("#lesson-file")
    db.session.expire_all()
    stored = draft.file.file
    assert (stored.content_type, stored.original_name, stored.size) == (content_type, name, len(content))
    assert path_for(stored.sha256).read_bytes() == content
    served = author_client.get(f"/author/versions/{draft.version.id}/preview/lessons/{draft.file.id}/file?download=1")
    assert served.data == content and served.mimetype == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename=" in disposition and "\n" not in disposition


def test_videos_play_in_the_learner_lesson_page_and_pdfs_open(author_client, draft):
    upload(author_client, file_url(draft), draft.version, MP4_BYTES, "gowning.mp4")
    body = text_of(author_client.get(f"/author/versions/{draft.version.id}/preview/lessons/{draft.file.id}"))
    src = f"/author/versions/{draft.version.id}/preview/lessons/{draft.file.id}/file"
    assert f'<video class="lesson-video" controls preload="metadata" src="{src}">' in body
    upload(author_client, file_url(draft), draft.version, PDF_BYTES, "handout.pdf")
    body = text_of(author_client.get(f"/author/versions/{draft.version.id}/preview/lessons/{draft.file.id}"))
    assert "<video" not in body and "Open handout.pdf" in body


REFUSALS = [
    # (content, name, status, message)
    (b"MZ\x90\x00 not allowed at all", "tool.exe", 415, "This type of file is not accepted here."),
    (b"<html><script>alert(1)</script></html>", "page.html", 415, "This type of file is not accepted here."),
    (b"just some text pretending", "notes.pdf", 415, "not an accepted type"),
    (png_bytes(), "spoofed.pdf", 422, "The file name says PDF but the content is PNG."),
    (pdf_bytes(), "spoofed.mp4", 422, "The file name says MP4 but the content is PDF."),
    (MKV_BYTES, "film.webm", 415, "not an accepted type"),  # Matroska, not WebM
    (b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00", "clip.mp4", 415, "not an accepted type"),  # QuickTime
    (b"", "empty.pdf", 422, "The file is empty."),
    (PDF_BYTES, "../../etc/handout.pdf", 400, "must not contain folder names"),
    (PDF_BYTES, "sub/handout.pdf", 400, "must not contain folder names"),
    (PDF_BYTES, "hand\x01out.pdf", 400, "control characters"),
    (PDF_BYTES, "hand\x7fout.pdf", 400, "control characters"),
    (PDF_BYTES, "hand\u202eout.pdf", 400, "control characters"),  # right-to-left override
    (PDF_BYTES, "", 400, "Choose a file to upload."),
    (PDF_BYTES, "x" * 300 + ".pdf", 400, "too long"),
]


@pytest.mark.parametrize("content,name,status,message", REFUSALS)
def test_refused_uploads_say_why_and_leave_nothing_behind(author_client, draft, upload_dir, content, name,
                                                          status, message):
    files, rows, revision = files_under(upload_dir), stored_rows(), revision_of(draft.version)
    file_id = draft.file.file_id
    response = upload(author_client, file_url(draft), draft.version, content, name)
    assert response.status_code == status, text_of(response)[-1500:]
    assert message in text_of(response)
    assert files_under(upload_dir) == files and stored_rows() == rows
    db.session.expire_all()
    assert draft.file.file_id == file_id and revision_of(draft.version) == revision


def test_a_backslash_path_in_the_name_is_refused(author_client, draft, upload_dir):
    """Werkzeug's test client would escape a backslash, so the multipart body is written here."""
    files = files_under(upload_dir)
    token = csrf_token(author_client, "/")
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="revision"\r\n\r\n{revision_of(draft.version)}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="C:\\\\Users\\\\x\\\\handout.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF_BYTES + f"\r\n--{boundary}--\r\n".encode()
    response = author_client.post(file_url(draft), data=body,
                                  content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400 and "must not contain folder names" in text_of(response)
    assert files_under(upload_dir) == files


def test_the_browser_s_claimed_type_is_ignored(author_client, draft):
    response = author_client.post(file_url(draft), data={
        "csrf_token": csrf_token(author_client, "/"), "revision": revision_of(draft.version),
        "file": (io.BytesIO(png_bytes()), "image.png", "application/pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    assert draft.file.file.content_type == "image/png"


def test_no_file_chosen_is_a_clear_400(author_client, draft):
    response = author_client.post(file_url(draft), data={
        "csrf_token": csrf_token(author_client, "/"), "revision": revision_of(draft.version)})
    assert response.status_code == 400 and "Choose a file to upload." in text_of(response)


def test_over_the_limit_is_a_413_with_a_clear_message(app, author_client, draft, upload_dir):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    files, rows = files_under(upload_dir), stored_rows()
    response = upload(author_client, file_url(draft), draft.version, b"%PDF-1.4\n" + b"0" * 8000, "big.pdf")
    assert response.status_code == 413
    assert "The file is too large. The largest upload accepted is 0 MB." in text_of(response)
    as_json = upload(author_client, file_url(draft), draft.version, b"%PDF-1.4\n" + b"0" * 8000, "big.pdf",
                     headers={"Accept": "application/json"})
    assert as_json.status_code == 413 and "too large" in as_json.get_json()["error"]["message"]
    assert files_under(upload_dir) == files and stored_rows() == rows


def test_the_stream_is_cut_off_at_the_limit_even_without_a_content_length(app, author_client, draft, upload_dir):
    """Streaming check in lms.storage.receive_stream, for requests Werkzeug cannot measure first."""
    from lms.authoring import uploads
    from lms.storage import UploadTooLarge, receive_stream

    app.config["MAX_CONTENT_LENGTH"] = 1000
    files = files_under(upload_dir)
    with pytest.raises(UploadTooLarge):
        with receive_stream(io.BytesIO(b"%PDF-" + b"0" * 5000), 1000):
            pass
    with pytest.raises(uploads.FileTooLarge):
        uploads.attach_lesson_file(author_client.user, draft.file, revision_of(draft.version),
                                   io.BytesIO(b"%PDF-" + b"0" * 5000), "big.pdf")
    db.session.rollback()
    assert files_under(upload_dir) == files


def test_a_duplicate_upload_stores_one_copy(author_client, draft, upload_dir):
    content = pdf_bytes("Same content twice")
    files, rows = files_under(upload_dir), stored_rows()
    assert upload(author_client, file_url(draft), draft.version, content, "first.pdf").status_code == 302
    assert upload(author_client, file_url(draft), draft.version, content, "second name.pdf").status_code == 302
    assert files_under(upload_dir) == files + 1 and stored_rows() == rows + 1


def test_images_for_the_text_come_with_a_markdown_snippet_and_are_served_to_authors(author_client, draft, upload_dir):
    files = files_under(upload_dir)
    image = jpeg_bytes(f"cleanroom {draft.course.slug}")
    response = upload(author_client, image_url(draft), None, image, "cleanroom.jpg", field="image")
    assert response.status_code == 302
    asset = db.session.scalar(select(CourseAsset).where(CourseAsset.file_id != draft.image.id))
    url = f"/courses/{draft.course.slug}/media/{asset.file_id}"
    page = text_of(author_client.get(response.location))
    assert f'value="![Describe the image]({url})"' in page and "Markdown for cleanroom.jpg" in page
    served = author_client.get(url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == image
    # Pasted into the text, the snippet survives the sanitizer.
    from tests.authoring.helpers import edit

    edit(author_client, f"/author/lessons/{draft.text.id}", draft.version,
         {"title": "T", "body_markdown": f"Look: ![Gowning order]({url})"})
    preview = text_of(author_client.get(f"/author/versions/{draft.version.id}/preview/lessons/{draft.text.id}"))
    assert f'<img alt="Gowning order" src="{url}">' in preview
    # The same image twice: one asset, one file.
    upload(author_client, image_url(draft), None, image, "again.jpg", field="image")
    assert db.session.scalar(select(func.count()).select_from(CourseAsset)) == 2
    assert files_under(upload_dir) == files + 1


@pytest.mark.parametrize("content,name,status", [
    (pdf_bytes(), "doc.pdf", 415), (MP4_BYTES, "clip.mp4", 415), (png_bytes(), "fake.jpg", 422),
])
def test_image_uploads_accept_only_png_and_jpeg(author_client, draft, upload_dir, content, name, status):
    files, rows = files_under(upload_dir), stored_rows()
    response = upload(author_client, image_url(draft), None, content, name, field="image")
    assert response.status_code == status
    assert files_under(upload_dir) == files and stored_rows() == rows


def test_script_uploads_get_json_back(author_client, draft):
    """static/js/upload.js sends Accept: application/json and follows the redirect it is given."""
    ok = upload(author_client, file_url(draft), draft.version, pdf_bytes(), "a.pdf",
                headers={"Accept": "application/json"})
    assert ok.status_code == 200 and ok.get_json() == {"redirect": f"/author/lessons/{draft.file.id}#lesson-file"}
    refused = upload(author_client, file_url(draft), draft.version, png_bytes(), "b.pdf",
                     headers={"Accept": "application/json"})
    assert refused.status_code == 422 and "the content is PNG" in refused.get_json()["error"]["message"]


def test_the_upload_form_works_without_a_script_and_shows_progress_with_one(author_client, draft):
    body = text_of(author_client.get(f"/author/lessons/{draft.file.id}"))
    assert 'enctype="multipart/form-data"' in body and 'action="/author/lessons/' in body
    assert "<progress" in body and "data-upload" in body and "/static/js/upload.js" in body
    assert author_client.get("/static/js/upload.js").status_code == 200


def test_uploading_to_a_non_file_lesson_or_with_a_stale_revision_is_refused(author_client, draft, upload_dir):
    files = files_under(upload_dir)
    response = upload(author_client, f"/author/lessons/{draft.text.id}/file", draft.version, pdf_bytes(), "x.pdf")
    assert response.status_code == 422 and "Only file lessons and controlled documents have a file." in text_of(response)
    stale = upload(author_client, file_url(draft), draft.version, pdf_bytes("stale"), "x.pdf",
                   revision=revision_of(draft.version) - 1 if revision_of(draft.version) else 99)
    assert stale.status_code == 409
    assert files_under(upload_dir) == files
