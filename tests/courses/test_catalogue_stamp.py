"""The catalogue is kept whole per process for the catalogue stamp, which database triggers
draw anew with every committed change to what it shows: a change made by any connection or
process, even in plain SQL, shows on the next request; nothing else makes it read again."""
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect, text

from lms.courses import services
from lms.extensions import db
from tests.factories import add_version, create_course, create_org, create_user
from tests.helpers import login, text_of

WATCHED = ("course", "course_version", "module", "organisation")


@pytest.fixture
def other_connection(database_url):
    """Plain SQL on a connection of its own (not the app's engine), committed at once."""
    engine = create_engine(database_url)

    def run(sql, **params):
        with engine.begin() as connection:
            connection.execute(text(sql), params)

    yield run
    engine.dispose()


@pytest.fixture
def reads(monkeypatch):
    """How many times the catalogue's rows were read from the database."""
    count = {"n": 0}
    read = services.catalogue

    def counted(*args, **kwargs):
        count["n"] += 1
        return read(*args, **kwargs)

    monkeypatch.setattr(services, "catalogue", counted)
    return lambda: count["n"]


def stamp():
    value = services.catalogue_stamp()
    db.session.rollback()  # the next read sees what commits meanwhile
    return value


def test_a_kept_page_is_served_until_a_change_commits(client, app, reads, other_connection):
    course = create_course(title="Good distribution practice")
    assert "Good distribution practice" in text_of(client.get("/"))
    assert "Good distribution practice" in text_of(client.get("/"))
    assert "Good distribution practice" in text_of(client.get("/courses"))
    assert reads() == 1  # kept, for / and /courses alike

    other_connection("UPDATE course SET title = :title WHERE id = :id",
                     title="Good distribution practice, revised", id=course.id)
    assert "Good distribution practice, revised" in text_of(client.get("/"))
    assert reads() == 2
    text_of(client.get("/courses?page=2"))  # other parameters: another page
    assert reads() == 3


def test_a_title_changed_in_plain_sql_elsewhere_shows_to_visitors_and_learners(client, app, other_connection):
    course = create_course(title="Aseptic processing")
    learner = app.test_client()
    login(learner, create_user())
    for visitor in (client, learner):
        assert "Aseptic processing" in text_of(visitor.get("/"))

    other_connection("UPDATE course SET title = 'Aseptic processing, 2nd edition', cpd_hours = 7 "
                     "WHERE id = :id", id=course.id)
    for visitor in (client, learner):
        body = text_of(visitor.get("/"))
        assert "Aseptic processing, 2nd edition" in body and "<dd>7</dd>" in body


def test_a_change_committed_by_another_process_shows(client, app, database_url):
    course = create_course(title="Cold chain logistics")
    assert "Cold chain logistics" in text_of(client.get("/"))
    script = (
        "import sys; from sqlalchemy import create_engine, text\n"
        "with create_engine(sys.argv[1]).begin() as c:\n"
        "    c.execute(text(\"UPDATE course SET summary = 'Keeping medicines cold' WHERE id = :id\"),"
        " {'id': int(sys.argv[2])})\n"
    )
    subprocess.run([sys.executable, "-c", script, database_url, str(course.id)], check=True, timeout=60)
    assert "Keeping medicines cold" in text_of(client.get("/"))


def test_an_organisation_renamed_elsewhere_shows(client, app, other_connection):
    org = create_org(name="Nordic Pharma Guild")
    create_course(title="Batch release", org=org)
    assert "Nordic Pharma Guild" in text_of(client.get("/"))
    other_connection("UPDATE organisation SET name = 'Nordic Pharma Union' WHERE id = :id", id=org.id)
    body = text_of(client.get("/"))
    assert "Nordic Pharma Union" in body and "Nordic Pharma Guild" not in body


def test_a_new_published_version_shows_its_number_of_modules(client, app, other_connection):
    course = create_course(title="Cleanroom behaviour", modules=2)
    assert "<dt>Modules</dt><dd>2</dd>" in text_of(client.get("/"))
    old = course.versions[0]
    old.status = "archived"
    db.session.commit()
    add_version(course, modules=4)
    assert "<dt>Modules</dt><dd>4</dd>" in text_of(client.get("/"))

    # Published versions are frozen by the app, but the stamp does not rely on it.
    published = course.published_version
    other_connection("INSERT INTO module (version_id, position, title) VALUES (:v, 9, 'Added')",
                     v=published.id)
    assert "<dt>Modules</dt><dd>5</dd>" in text_of(client.get("/"))
    other_connection("DELETE FROM module WHERE version_id = :v AND position = 9", v=published.id)
    assert "<dt>Modules</dt><dd>4</dd>" in text_of(client.get("/"))


def test_unpublished_or_archived_elsewhere_disappears(client, app, other_connection):
    kept = create_course(title="Good manufacturing practice")
    archived = create_course(title="Data integrity")
    assert "2 courses" in text_of(client.get("/"))
    other_connection("UPDATE course_version SET status = 'archived' WHERE course_id = :id", id=archived.id)
    body = text_of(client.get("/"))
    assert "Data integrity" not in body and "1 course<" in body
    other_connection("UPDATE course_version SET status = 'draft' WHERE course_id = :id", id=kept.id)
    body = text_of(client.get("/"))
    assert "Good manufacturing practice" not in body and "0 courses" in body
    other_connection("UPDATE course_version SET status = 'published' WHERE course_id = :id", id=archived.id)
    assert "Data integrity" in text_of(client.get("/"))


def test_changes_the_catalogue_does_not_show_keep_the_stamp(app, other_connection):
    course = create_course(title="Sterile products")
    version = course.published_version
    before = stamp()
    assert before is not None
    other_connection("UPDATE course SET revision = revision + 1, default_due_days = 30 WHERE id = :id",
                     id=course.id)
    other_connection("UPDATE course_version SET revision = revision + 1 WHERE id = :id", id=version.id)
    other_connection("UPDATE module SET title = 'Renamed', position = 3 WHERE version_id = :id", id=version.id)
    other_connection("UPDATE organisation SET country = 'SE' WHERE id = :id", id=course.organisation_id)
    other_connection("UPDATE course SET title = title WHERE id = :id", id=course.id)  # no change
    assert stamp() == before
    other_connection("UPDATE course SET summary = 'New' WHERE id = :id", id=course.id)
    assert stamp() != before


def test_uncommitted_changes_keep_the_stamp_and_rolled_back_ones_leave_it(app, database_url):
    course = create_course(title="Validation")
    before = stamp()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("UPDATE course SET title = 'Changed' WHERE id = :id"), {"id": course.id})
            db.session.rollback()  # a fresh read
            assert stamp() == before
            connection.rollback()
        db.session.rollback()
        assert stamp() == before
    finally:
        engine.dispose()


def test_without_the_stamp_row_pages_are_not_kept_and_the_next_change_brings_it_back(
        client, app, reads, other_connection):
    course = create_course(title="Pharmacovigilance")
    other_connection("DELETE FROM catalogue_stamp")
    text_of(client.get("/"))
    text_of(client.get("/"))
    assert reads() == 2
    other_connection("UPDATE course SET title = 'Pharmacovigilance basics' WHERE id = :id", id=course.id)
    assert stamp() is not None
    assert "Pharmacovigilance basics" in text_of(client.get("/"))
    text_of(client.get("/"))
    assert reads() == 3


def test_the_triggers_are_in_place(app):
    """A later migration that rebuilds one of these tables on SQLite drops its triggers."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            found = connection.execute(text(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'catalogue_stamp%'"
            )).all()
            expected = {(t, f"catalogue_stamp_{t}_{e}") for t in WATCHED for e in ("insert_delete", "update")}
        else:
            found = connection.execute(text(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'catalogue_stamp%'"
            )).all()
            expected = {(t, f"catalogue_stamp_{t}_{e}") for t in WATCHED for e in ("insert", "delete", "update")}
    assert {tuple(row) for row in found} == expected
    assert "catalogue_stamp" in inspect(db.engine).get_table_names()
