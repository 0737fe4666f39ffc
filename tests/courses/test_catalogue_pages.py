"""The catalogue's paging and its kept card HTML: always what the database says, in the
visitor's language."""
from lms.extensions import db
from tests.factories import create_course
from tests.helpers import text_of


def test_pages_carry_the_total_and_a_page_past_the_end_says_so(client, app):
    for n in range(23):
        create_course(title=f"Course {n:02d}")
    db.session.commit()
    first = text_of(client.get("/courses"))
    assert "23 courses" in first and "Course 00" in first and "Course 19" in first and "Course 20" not in first
    second = text_of(client.get("/courses?page=2"))
    assert "23 courses" in second and "Course 20" in second and "Course 22" in second
    assert "Course 00" not in second
    past = text_of(client.get("/courses?page=9"))
    assert "23 courses" in past and "No courses match" in past


def test_cards_follow_a_changed_course_and_the_visitors_language(client, app):
    course = create_course(title="Good distribution practice")
    db.session.commit()
    assert "Good distribution practice" in text_of(client.get("/courses"))
    course.title = "Good distribution practice, 2nd edition"
    course.cpd_hours = 4
    db.session.commit()
    body = text_of(client.get("/courses"))
    assert "Good distribution practice, 2nd edition" in body and ">4<" in body.replace(" ", "")
    norwegian = text_of(client.get("/courses", headers={"Accept-Language": "nb"}))
    assert "CPD-timer" in norwegian and "CPD hours" not in norwegian
    assert "CPD hours" in text_of(client.get("/courses", headers={"Accept-Language": "en"}))
