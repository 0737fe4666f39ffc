"""/admin/mail: the local catcher's .eml files, for admins, only when the catcher is set up."""
import os
import time

import pytest

from lms.mail import build_message
from tests.factories import create_user
from tests.helpers import login, text_of


def write_eml(directory, name, subject, to, text, html=None, age=0):
    path = directory / name
    path.write_bytes(bytes(build_message(to, subject, text, html)))
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def caught(app, tmp_path):
    app.config["MAIL_CATCHER_DIR"] = str(tmp_path)
    write_eml(tmp_path, "20260101T100000-1.eml", "Older message", "old@example.test", "old", age=60)
    write_eml(tmp_path, "20260101T100100-2.eml", "Newer <b>message</b>", ("Åse Ødegård", "ase@example.test"),
              "Hello <script>alert(1)</script>\nhttp://127.0.0.1:5000/courses/x/continue",
              html="<p>Hi</p><script>alert(2)</script>")
    (tmp_path / "notes.txt").write_text("not mail")
    (tmp_path.parent / "secret.eml").write_bytes(b"Subject: secret\n\nsecret")
    return tmp_path


def test_admins_see_caught_mail_newest_first(client, caught):
    login(client, create_user(role="admin"))
    page = client.get("/admin/mail")
    body = text_of(page)
    assert page.status_code == 200
    assert body.index("Newer &lt;b&gt;message&lt;/b&gt;") < body.index("Older message")
    assert "ase@example.test" in body and "old@example.test" in body and "notes.txt" not in body
    assert 'href="/admin/mail"' in text_of(client.get("/admin/"))  # linked from the dashboard


def test_a_message_shows_its_text_part_escaped_and_the_html_part_sandboxed(client, caught):
    login(client, create_user(role="admin"))
    page = client.get("/admin/mail/20260101T100100-2.eml")
    body = text_of(page)
    assert page.status_code == 200
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "http://127.0.0.1:5000/courses/x/continue" in body
    html = client.get("/admin/mail/20260101T100100-2.eml/html")
    assert html.status_code == 200 and "sandbox" in html.headers["Content-Security-Policy"]
    assert client.get("/admin/mail/20260101T100000-1.eml/html").status_code == 404  # text only


@pytest.mark.parametrize("name", [
    "..%2Fsecret.eml", "%2E%2E%2Fsecret.eml", "notes.txt", "nothere.eml", ".eml", "..",
    "20260101T100100-2.eml%00.txt", "%2Fetc%2Fpasswd",
])
def test_file_names_cannot_leave_the_mail_folder(client, caught, name):
    login(client, create_user(role="admin"))
    # A NUL character is refused before any view runs (lms.parsing.refuse_nul_characters).
    assert client.get(f"/admin/mail/{name}").status_code == (400 if "%00" in name else 404)
    assert client.get("/admin/mail/../secret.eml").status_code == 404


def test_only_admins_may_look(client, caught):
    anonymous = client.get("/admin/mail")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login")
    login(client, create_user(role="author"))
    assert client.get("/admin/mail").status_code == 403
    assert client.get("/admin/mail/20260101T100100-2.eml").status_code == 403


def test_without_a_mail_catcher_there_is_no_page(client, app):
    app.config["MAIL_CATCHER_DIR"] = None
    login(client, create_user(role="admin"))
    response = client.get("/admin/mail")
    assert response.status_code == 404 and "real SMTP server" in text_of(response)
    assert 'href="/admin/mail"' not in text_of(client.get("/admin/"))
