from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

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
    reason = TextAreaField(
        _l("Reason for revoking"), id="revoke-reason",
        validators=[DataRequired(message=_l("Give a reason for revoking the certificate.")), Length(max=1000)],
    )


class ReissueForm(FlaskForm):
    """Reissue after a revocation (the reason is optional: the revocation has one)."""

    reason = TextAreaField(_l("Note (optional)"), id="reissue-reason", validators=[Optional(), Length(max=1000)])


class ReplaceForm(FlaskForm):
    """Replace a valid certificate with a corrected one (e.g. the learner's name)."""

    reason = TextAreaField(
        _l("Reason for replacing"), id="replace-reason",
        validators=[DataRequired(message=_l("Give a reason for replacing the certificate.")), Length(max=1000)],
    )
