"""Verification codes: 120 random bits as 24 base32 characters (A-Z, 2-7), which read out,
type and print without ambiguity; shown to people in groups of four."""
import base64
import re
import secrets

CODE_BYTES = 15
CODE_RE = re.compile(r"^[A-Z2-7]{16,32}$")


def new_code():
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")


def normalise_code(text):
    """A code as typed (any case, spaces or hyphens) in its stored form, or None when it
    cannot be one."""
    code = re.sub(r"[\s-]", "", text or "").upper()
    return code if CODE_RE.match(code) else None


def display_code(code):
    """A code as printed for people: ``ABCD-EFGH-...`` (normalise_code reads it back)."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
