"""Forms of the signing pages and of unlocking signing."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.accounts.forms import printable


class SignDocumentForm(FlaskForm):
    """"Read and understood": the password (and, at the first signing of a session, the email,
    which the view requires then), the page's single-use nonce and the SHA-256 of the file shown."""

    email = StringField(_l("Email"), validators=[Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password to sign.")),
                                                         Length(max=200)])
    nonce = HiddenField(validators=[DataRequired(), Length(max=64)])
    file_sha256 = HiddenField(validators=[DataRequired(), Length(max=64)])


class UnlockSigningForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the change"),
        validators=[DataRequired(message=_l("Give the reason for unlocking.")), Length(max=500), printable],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
