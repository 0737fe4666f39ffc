"""Captions of video lessons: a WebVTT file per language, checked like any upload (name, size,
content) and by its format; replaced and removed by the course's authors."""
import pytest
from sqlalchemy import func, select

from lms.course_languages.models import LessonCaption
from lms.extensions import db
from lms.storage import path_for, store_bytes
from tests.authoring.helpers import MP4_BYTES, files_under, stored_rows
from tests.course_languages.author_helpers import (  # noqa: F401  (fixtures)
    VTT, actions, draft_course, events, published_course, send_file,
)
from tests.factories import create_user
from tests.helpers import login, main_of, post_form, text_of


@pytest.fixture
def video(draft_course):
    """The draft's file lesson, holding an MP4 video."""
    lesson = draft_course.course.versions[0].lessons()[1]
    lesson.file = store_bytes(MP4_BYTES, "gowning.mp4", "video/mp4")
    db.session.commit()
    return lesson


def captions_url(lesson):
    return f"/author/lessons/{lesson.id}/captions"


def test_an_author_uploads_replaces_and_removes_captions_per_language(draft_course, video):
    c = draft_course.client
    assert f'href="{captions_url(video)}"' in text_of(c.get(f"/author/lessons/{video.id}"))
    assert "No captions yet." in main_of(c.get(captions_url(video)))
    response = send_file(c, captions_url(video), VTT, "gowning.vtt", language="en")
    assert response.status_code == 302
    nb_vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\nVelkommen. Æøå.\n".encode()
    assert send_file(c, captions_url(video), nb_vtt, "gowning.nb.vtt", language="nb").status_code == 302
    page = main_of(c.get(captions_url(video)))
    assert "gowning.vtt" in page and "gowning.nb.vtt" in page and "Norsk bokmål" in page
    served = c.get(f"{captions_url(video)}/nb")
    assert served.data == nb_vtt and served.mimetype == "text/vtt"
    assert served.headers["X-Content-Type-Options"] == "nosniff"

    replacement = VTT.replace(b"Welcome.", b"Hello.")
    assert send_file(c, captions_url(video), replacement, "gowning-v2.vtt", language="en").status_code == 302
    rows = db.session.scalars(select(LessonCaption).where(LessonCaption.lesson_id == video.id)
                              .order_by(LessonCaption.language)).all()
    assert [(r.language, r.file.original_name) for r in rows] == [("en", "gowning-v2.vtt"), ("nb", "gowning.nb.vtt")]
    assert path_for(rows[0].file.sha256).read_bytes() == replacement
    uploaded = events("caption.uploaded")
    assert [e.data["language"] for e in uploaded] == ["en", "nb", "en"]
    assert uploaded[0].data["cues"] == 2 and uploaded[2].data["replaced_file_id"] == uploaded[0].data["file_id"]

    assert post_form(c, f"{captions_url(video)}/nb/delete", page="/").status_code == 302
    assert [r.language for r in db.session.scalars(select(LessonCaption))] == ["en"]
    assert "caption.removed" in actions()
    assert c.get(f"{captions_url(video)}/nb").status_code == 404
    response = post_form(c, f"{captions_url(video)}/nb/delete", page="/")
    assert response.status_code == 422 and "no captions in that language" in text_of(response)


REFUSALS = [
    # (content, name, language, status, message)
    (b"1\n00:00:00.000 --> 00:00:01.000\nHi\n", "cc.vtt", "en", 422, "its first line must be WEBVTT"),
    (b"WEBVTTX\n\n00:00.000 --> 00:01.000\nHi\n", "cc.vtt", "en", 422, "its first line must be WEBVTT"),
    (b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nHi\n", "cc.vtt", "en", 422, "Line 3 of the caption file"),
    (b"WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nBackwards\n", "cc.vtt", "en", 422, "Line 3 of the caption file"),
    (b"WEBVTT\n\n00:61.000 --> 00:62.000\nBad seconds\n", "cc.vtt", "en", 422, "Line 3 of the caption file"),
    (b"WEBVTT\n\nNOTE nothing else\n", "cc.vtt", "en", 422, "has no cues"),
    (b"WEBVTT\n\n00:00.000 --> 00:01.000\n\xff\xfeLatin-1 \xe6\n", "cc.vtt", "en", 422, "must be UTF-8"),
    (b"WEBVTT\n\n00:00.000 --> 00:01.000\nNUL\x00\n", "cc.vtt", "en", 422, "must be UTF-8"),
    (b"", "cc.vtt", "en", 422, "The file is empty."),
    (VTT, "cc.srt", "en", 415, "Captions must be a WebVTT file (.vtt)."),
    (VTT, "../cc.vtt", "en", 400, "must not contain folder names"),
    (VTT, "c\u202ec.vtt", "en", 400, "control characters"),
    (VTT, "", "en", 400, "Choose a file to upload."),
    (VTT, "cc.vtt", "xx", 422, "“xx” is not one of the languages courses can be in"),
    (VTT, "cc.vtt", "", 422, "Choose the language of the captions."),
    (b"WEBVTT\n\n00:00.000 --> 00:01.000\n" + b"x" * (2 * 1024 * 1024), "big.vtt", "en", 413,
     "The caption file is too large. The largest accepted is 2 MB."),
]


@pytest.mark.parametrize("content,name,language,status,message", REFUSALS)
def test_refused_captions_say_why_and_leave_nothing_behind(draft_course, video, upload_dir, content, name,
                                                          language, status, message):
    files_before, rows_before = files_under(upload_dir), stored_rows()
    response = send_file(draft_course.client, captions_url(video), content, name, language=language)
    assert response.status_code == status and message in text_of(response)
    assert files_under(upload_dir) == files_before and stored_rows() == rows_before
    assert db.session.scalar(select(func.count()).select_from(LessonCaption)) == 0
    assert "caption.uploaded" not in actions()


def test_captions_belong_to_video_lessons(draft_course):
    c = draft_course.client
    text, pdf_lesson, _quiz = draft_course.course.versions[0].lessons()
    for lesson in (text, pdf_lesson):
        assert "upload the lesson’s MP4 or WebM video first" in main_of(c.get(captions_url(lesson)))
        response = send_file(c, captions_url(lesson), VTT, "cc.vtt", language="en")
        assert response.status_code == 422 and "Captions belong to video lessons" in text_of(response)


def test_only_the_course_authors_manage_captions(app, draft_course, video):
    send_file(draft_course.client, captions_url(video), VTT, "cc.vtt", language="en")
    learner = app.test_client()
    login(learner, create_user(org=draft_course.org))
    assert learner.get(captions_url(video)).status_code == 403
    assert learner.get(f"{captions_url(video)}/en").status_code == 403
    assert send_file(learner, captions_url(video), VTT, "cc.vtt", language="nb").status_code == 403
    assert post_form(learner, f"{captions_url(video)}/en/delete", page="/").status_code == 403
    assert [r.language for r in db.session.scalars(select(LessonCaption))] == ["en"]


def test_the_published_version_takes_captions(published_course):
    c = published_course.client
    lesson = published_course.course.versions[0].lessons()[1]
    lesson.file = store_bytes(MP4_BYTES, "gowning.mp4", "video/mp4")
    db.session.commit()
    assert send_file(c, captions_url(lesson), VTT, "cc.vtt", language="lt").status_code == 302
    assert db.session.scalar(select(LessonCaption.language)) == "lt"
