"""The reason an administrator gives for a change to a training record (EU GMP Annex 11 §9).

Every such change records ``old``, ``new`` and ``reason`` in its audit event's data; the
services call :func:`required_reason`, so a page, the JSON API and the CLI refuse the change
alike (422) when it is missing, and nothing changes.
"""
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

REASON_MAX = 500
MISSING = _l("Give a reason for the change: it is kept in the audit trail.")
TOO_LONG = _l("Keep the reason to at most %(max)s characters.", max=REASON_MAX)


class MissingReason(Exception):
    """No usable reason: the change is refused (422) and nothing changes."""

    status = 422

    def __init__(self, message=MISSING):
        super().__init__(str(message))
        self.message = message


def required_reason(reason, missing=MISSING):
    """The reason as recorded: whitespace runs made single spaces, ends stripped.

    :param missing: the message when there is none (a page may word it for its action)
    :raises MissingReason: empty, not text, or longer than ``REASON_MAX`` characters
    """
    if not isinstance(reason, str):
        raise MissingReason(missing)
    reason = " ".join(reason.split())
    if not reason:
        raise MissingReason(missing)
    if len(reason) > REASON_MAX:
        raise MissingReason(TOO_LONG)
    return reason


def reason_field(label=None, field_id="reason", missing=MISSING):
    """The required "Reason for the change" field of a form that changes a record."""
    return TextAreaField(
        label or _l("Reason for the change"), id=field_id,
        validators=[DataRequired(message=missing), Length(max=REASON_MAX, message=TOO_LONG)],
        render_kw={"required": True, "maxlength": REASON_MAX},
    )
