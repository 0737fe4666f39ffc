"""How a signature is shown (§11.50): the printed name, the date and time in the viewer's time
zone and in UTC, and the meaning, in the viewer's language. Every page, PDF and CSV that shows
a signature takes its words from here, so they say the same everywhere."""
from dataclasses import dataclass
from datetime import timezone

from flask_babel import format_datetime, get_timezone

from lms.signatures.meanings import meaning_text


@dataclass(frozen=True)
class Manifest:
    printed_name: str
    meaning: str        # in the current language
    local_time: str     # e.g. "6 Dec 2026, 10:15:00 (Europe/Oslo)"
    utc_time: str       # e.g. "2026-12-06 09:15:00 UTC"
    document: str       # "SOP-QA-012 rev. 4", or "" for observed practice


def utc_text(at):
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def manifest(signature):
    """The Manifest of a Signature, for the current request's language and time zone."""
    from flask_babel import gettext as _

    document = ""
    if signature.document_number:
        document = _("%(number)s rev. %(revision)s", number=signature.document_number,
                     revision=signature.document_revision or "")
    return Manifest(
        printed_name=signature.printed_name,
        meaning=str(meaning_text(signature.meaning)),
        local_time=f"{format_datetime(signature.signed_at, 'medium')} ({get_timezone().zone})",
        utc_time=utc_text(signature.signed_at),
        document=document,
    )


def manifest_line(signature):
    """One line for CSV cells and PDFs: "Name — meaning — local time (UTC time)"."""
    shown = manifest(signature)
    return f"{shown.printed_name} — {shown.meaning} — {shown.local_time} ({shown.utc_time})"
