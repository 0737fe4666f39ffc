from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

COUNTRIES = [
    SelectChoice("NO", _l("Norway")), SelectChoice("SE", _l("Sweden")),
    SelectChoice("FI", _l("Finland")), SelectChoice("DK", _l("Denmark")),
    SelectChoice("IS", _l("Iceland")), SelectChoice("EE", _l("Estonia")),
    SelectChoice("LV", _l("Latvia")), SelectChoice("LT", _l("Lithuania")),
]


def language_choices():
    return [SelectChoice(code, name) for code, name in current_app.config["LANGUAGES"].items()]


def printable(form, field):
    """No control characters (PostgreSQL refuses a NUL in a string outright)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in field.data or ""):
        raise ValidationError(_l("Use letters, digits and punctuation only."))


class SignupForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )
    organisation = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)])
    country = SelectField(_l("Country"), choices=COUNTRIES, validators=[DataRequired()])
    locale = SelectField(_l("Preferred language"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = language_choices()

    def validate_password(self, field):
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(field.data or "") < minimum:
            raise ValidationError(_l("Use at least %(n)s characters.", n=minimum))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), printable])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class SettingsForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Preferred language"), validators=[DataRequired()])
    reminders = BooleanField(_l("Email me reminders about my courses"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = language_choices()


def check_new_password(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Use at least %(n)s characters.", n=minimum))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200), check_new_password])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )


class ForgotPasswordForm(FlaskForm):
    # Any address an account may have (as at login): one that is none gets the same answer.
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), printable])


class EndSessionsForm(FlaskForm):
    """The "log out everywhere" button: only its CSRF token."""


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )

    def validate_password(self, field):
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(field.data or "") < minimum:
            raise ValidationError(_l("Use at least %(n)s characters.", n=minimum))
