from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.audit.reasons import reason_field

STATUS_CHOICES = [
    SelectChoice("", _l("All statuses")), SelectChoice("valid", _l("Valid")),
    SelectChoice("expiring", _l("Expiring soon")), SelectChoice("expired", _l("Expired")),
    SelectChoice("superseded", _l("Renewed (superseded)")), SelectChoice("revoked", _l("Revoked")),
    SelectChoice("pending", _l("Being prepared")),
    # the list's older name for "valid": links and bookmarks made before keep working
    SelectChoice("issued", _l("Valid (all not expired)"), render_kw={"hidden": True}),
]


class CertificateFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    status = SelectField(_l("Status"), choices=STATUS_CHOICES, validators=[Optional()])
    q = StringField(_l("Code or learner name"), validators=[Optional(), Length(max=200)])


class VerifyLookupForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=64)])


class RevokeForm(FlaskForm):
    reason = reason_field(_l("Reason for revoking"), "revoke-reason",
                          missing=_l("Give a reason for revoking the certificate."))


class ReissueForm(FlaskForm):
    """Reissue after a revocation: a new record, so it asks for its own reason."""

    reason = reason_field(_l("Reason for reissuing"), "reissue-reason",
                          missing=_l("Give a reason for reissuing the certificate."))


class ReplaceForm(FlaskForm):
    """Replace a valid certificate with a corrected one (e.g. the learner's name)."""

    reason = reason_field(_l("Reason for replacing"), "replace-reason",
                          missing=_l("Give a reason for replacing the certificate."))
