"""The fixed list of what a signature means (Part 11 §11.50(a)(3)). The code is stored; the
words are shown in the viewer's language."""
from flask_babel import lazy_gettext as _l

READ_UNDERSTOOD = "read_understood"
VERIFIED_COMPETENT = "verified_competent"

MEANINGS = {
    READ_UNDERSTOOD: _l("I have read and understood this document"),
    VERIFIED_COMPETENT: _l("Verified competent"),
}

# The meaning each signed lesson kind asks for.
MEANING_FOR_KIND = {"document": READ_UNDERSTOOD, "observed": VERIFIED_COMPETENT}


def meaning_text(code):
    """The words of a meaning code, in the current language (the code itself if unknown)."""
    return MEANINGS.get(code, code)
