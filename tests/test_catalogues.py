"""The interface speaks every language of config LANGUAGES completely: each has a catalogue in
which every message is translated, none is fuzzy, and every placeholder of the English text is
kept; the committed template (messages.pot) and every catalogue hold every string the code and
the templates mark for translation; and no template shows text outside the translation calls."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from config import Config

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "lms" / "translations"
LANGUAGES = [code for code in Config.LANGUAGES if code != Config.BABEL_DEFAULT_LOCALE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|\{[^{}\s]*\}")
HOW = "update with `make update-translations`, then translate (README: Adding a language)"


def read_catalogue(path, locale=None):
    with open(path, "rb") as handle:
        return read_po(handle, locale=locale)


def catalogue(code):
    path = TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{code} is in LANGUAGES but has no catalogue at {path}: {HOW}"
    return read_catalogue(path, locale=code)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What `make update-translations` would extract today."""
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    return keys(read_catalogue(out))


def keys(messages):
    """A catalogue's messages as (context, msgid): one English word with two contexts
    (``pgettext("email", "From")``, ``pgettext("date range", "From")``) is two messages, and
    a missing context is a message the reader would see in English."""
    return {(message.context or "", message.id) for message in messages if message.id}


def shown(missing):
    return sorted(f"{context}|{msgid}" if context else str(msgid) for context, msgid in missing)[:20]


def texts(value):
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_is_translated_not_fuzzy_and_keeps_its_placeholders(code):
    problems = []
    for message in catalogue(code):
        if not message.id:
            continue
        ids, strings = texts(message.id), texts(message.string)
        english = ids[0][:70]
        if message.fuzzy:
            problems.append(f"fuzzy: {english!r}")
        if not all(strings):
            problems.append(f"untranslated: {english!r}")
            continue
        expected = set().union(*(PLACEHOLDER.findall(text) for text in ids))
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            if found - expected:
                problems.append(f"placeholder {sorted(found - expected)} not in the English {english!r}")
            # A plural form may leave out the count ("one file"); a single message may not.
            if len(ids) == 1 and expected - found:
                problems.append(f"placeholder {sorted(expected - found)} missing in {string[:70]!r}")
    assert problems == [], f"{code}: {len(problems)} problems ({HOW}):\n" + "\n".join(problems[:40])


def test_the_template_and_every_catalogue_hold_every_marked_string(extracted):
    committed = keys(read_catalogue(TRANSLATIONS / "messages.pot"))
    assert shown(extracted - committed) == [], f"strings missing from messages.pot: {HOW}"
    for code in LANGUAGES:
        held = keys(catalogue(code))
        assert shown(extracted - held) == [], f"strings missing from the {code} catalogue: {HOW}"


# Text in a template outside {{ _() }} / {% trans %} reaches every language untranslated.
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&[#\w]+;")
# File-format samples (<pre>, <code>) show data, not interface text.
SAMPLE = re.compile(r"<(pre|code)\b.*?</\1>", re.S)
WORD = re.compile(r"[^\W\d_]{2,}")
SAME_IN_EVERY_LANGUAGE = {"KB"}  # the unit symbol


def test_no_template_shows_text_that_escaped_extraction():
    escaped = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        source = JINJA.sub(" ", path.read_text(encoding="utf-8"))
        if path.suffix == ".html":
            source = ENTITY.sub(" ", TAG.sub(" ", SAMPLE.sub(" ", source)))
        words = set(WORD.findall(source)) - SAME_IN_EVERY_LANGUAGE
        if words:
            escaped.append(f"{path.relative_to(ROOT)}: {sorted(words)[:10]}")
    assert escaped == [], "text outside _() or {% trans %}:\n" + "\n".join(escaped)
