"""The main pages in each of the eight languages: no English is left where the language's
catalogue has a translation (learner and administrator pages, and the signed-out ones)."""
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from config import Config
from lms.extensions import babel, db
from tests.factories import create_course, create_org, create_user, enrol
from tests.helpers import login, text_of

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = [code for code in Config.LANGUAGES if code != "en"]
LEARNER_PAGES = ["/", "/my-learning", "/my-learning/record", "/account", "/courses/{slug}", "/cpd/cycles"]
ADMIN_PAGES = ["/admin/", "/admin/users/", "/admin/reports/", "/admin/compliance/profiles",
               "/admin/compliance/dashboard/", "/admin/enrolments/bulk", "/admin/cpd/cycles"]
SIGNED_OUT_PAGES = ["/login", "/signup", "/forgot-password"]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d", "lms/translations"],
                   cwd=ROOT, check=True, capture_output=True)


@pytest.fixture(autouse=True)
def fresh_translations(app):
    babel.domain_instance.cache.clear()  # Flask-Babel keeps catalogues per process


def english_left(code):
    """English texts (whole sentences: over 15 letters, no placeholder) that ``code``
    translates differently; none may show on its pages."""
    with open(ROOT / "lms" / "translations" / code / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale=code)
    return {m.id for m in catalogue if isinstance(m.id, str) and len(m.id) > 15 and "%" not in m.id
            and "{" not in m.id and m.string and m.string != m.id}


def visible_text(response):
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", text_of(response), flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_main_pages_have_no_english_left(app, code):
    org = create_org()
    course = create_course(org=org, title="Aseptic processing")
    learner = create_user(org=org, locale=code)
    admin = create_user(role="admin", org=org, locale=code)
    enrol(learner, course)
    db.session.commit()
    english = english_left(code)
    pages = []
    signed_out = app.test_client()
    signed_out.get("/", headers={"Accept-Language": code})
    pages += [(url, signed_out.get(url, headers={"Accept-Language": code})) for url in SIGNED_OUT_PAGES]
    for user, urls in ((learner, LEARNER_PAGES), (admin, ADMIN_PAGES)):
        client = app.test_client()
        login(client, user)
        pages += [(url, client.get(url.format(slug=course.slug))) for url in urls]
    left = []
    for url, response in pages:
        assert response.status_code == 200, (code, url, response.status_code)
        assert f'<html lang="{code}">' in text_of(response), (code, url)
        text = visible_text(response)
        left += [f"{url}: {sentence!r}" for sentence in english if sentence in text]
    assert left == [], f"{code}: English left on its pages:\n" + "\n".join(left)
