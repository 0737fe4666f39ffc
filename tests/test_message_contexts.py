"""One English word, two meanings, two translations (pgettext contexts): "From" and "To" are a
mail's sender and recipient in the mail viewer but a date range in the audit trail; "Subject"
is a mail's subject there but the record an event is about here; "Change" is the language
switcher's button but a kind of change in a version list; "Previous"/"Next" agree in gender
with a page or a lesson."""
from tests.factories import create_user
from tests.helpers import login, main_of, text_of
from tests.reminders.test_mail_viewer import write_eml


def admin_client(app, locale):
    client = app.test_client()
    login(client, create_user(role="admin", locale=locale))
    return client


def test_mail_headers_and_the_audit_filter_say_different_things_in_finnish(app, tmp_path):
    app.config["MAIL_CATCHER_DIR"] = str(tmp_path)
    write_eml(tmp_path, "20260101T100000-1.eml", "Kurssi alkaa", "aino@example.test", "Tervetuloa")
    client = admin_client(app, "fi")
    message = main_of(client.get("/admin/mail/20260101T100000-1.eml"))
    assert "<dt>Lähettäjä</dt>" in message and "<dt>Vastaanottaja</dt>" in message
    assert "Alkaen" not in message
    inbox = main_of(client.get("/admin/mail"))
    assert '<th scope="col">Aihe</th>' in inbox and '<th scope="col">Vastaanottaja</th>' in inbox

    audit = main_of(client.get("/admin/audit/"))
    assert ">Alkaen</label>" in audit and ">Päättyen</label>" in audit and ">Kohde</label>" in audit
    assert "Lähettäjä" not in audit and "Vastaanottaja" not in audit


def test_a_lithuanian_mail_has_a_subject_and_an_audit_event_an_object(app, tmp_path):
    app.config["MAIL_CATCHER_DIR"] = str(tmp_path)
    write_eml(tmp_path, "20260101T100000-1.eml", "Kursas", "ruta@example.test", "Sveiki")
    client = admin_client(app, "lt")
    assert '<th scope="col">Tema</th>' in main_of(client.get("/admin/mail"))
    audit = main_of(client.get("/admin/audit/"))
    assert '<th scope="col">Objektas</th>' in audit and ">Tema<" not in audit


def test_the_switcher_button_is_a_verb(app, client):
    client.post("/language", data={"locale": "nb", "next": "/"})
    page = text_of(client.get("/courses"))
    footer = page.split('class="language-switcher"', 1)[1].split("</form>", 1)[0]
    assert ">Bytt</button>" in footer and "Endring" not in footer


def test_a_person_has_a_name_and_a_job_profile_a_title_in_latvian(app):
    client = admin_client(app, "lv")
    users = main_of(client.get("/admin/users/"))
    assert '<th scope="col">Vārds, uzvārds</th>' in users and ">Nosaukums<" not in users
    profiles = main_of(client.get("/admin/compliance/profiles"))
    assert ">Nosaukums</label>" in profiles and "Vārds, uzvārds" not in profiles
