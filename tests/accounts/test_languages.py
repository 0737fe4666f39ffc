"""The interface language: the user's chosen locale, else the browser's, else English."""
import subprocess
import sys
from pathlib import Path

import pytest

from lms.extensions import babel
from tests.factories import create_course, create_user
from tests.helpers import login, text_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The .mo files are build output (not in git): compile them as the build does."""
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", "lms/translations"],
        cwd=ROOT, check=True, capture_output=True,
    )


@pytest.fixture(autouse=True)
def fresh_translations(compiled_catalogues, app):
    # Flask-Babel caches catalogues per process; an earlier test may have cached an empty one.
    babel.domain_instance.cache.clear()


def heading_page(client, **headers):
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    return text_of(response)


@pytest.mark.parametrize(
    "locale, words",
    [
        ("nb", ["Min læring", "Logg ut", "2 kurs<", "CPD-timer"]),
        ("sv", ["Mitt lärande", "Logga ut", "2 kurser<", "CPD-timmar"]),
    ],
)
def test_a_logged_in_user_sees_the_catalogue_in_their_language(client, locale, words):
    create_course(), create_course()
    login(client, create_user(locale=locale))
    # Their own choice wins over whatever the browser asks for.
    body = heading_page(client, **{"Accept-Language": "en-GB,en;q=0.9"})
    assert f'<html lang="{locale}">' in body
    assert "<h1>Kurskatalog</h1>" in body
    for word in words:
        assert word in body
    assert "Course catalogue" not in body and "My learning" not in body


def test_an_anonymous_visitor_gets_the_browser_language(client):
    body = heading_page(client, **{"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"})
    assert '<html lang="sv">' in body
    assert "<h1>Kurskatalog</h1>" in body
    assert "Logga in" in body and "Registrera dig" in body and "0 kurser" in body
    login_page = text_of(client.get("/login", headers={"Accept-Language": "sv"}))
    assert "Lösenord" in login_page  # lazy form labels are translated too


def test_an_unknown_locale_falls_back_to_english(client):
    body = heading_page(client, **{"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="en">' in body and "<h1>Course catalogue</h1>" in body

    login(client, create_user(locale="xx"))
    body = heading_page(client, **{"Accept-Language": "xx"})
    assert '<html lang="en">' in body
    assert "<h1>Course catalogue</h1>" in body and "My learning" in body and "Log out" in body
    assert "Kurskatalog" not in body
