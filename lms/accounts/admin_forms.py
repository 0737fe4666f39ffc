from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from lms.audit.reasons import reason_field

ROLE_LABELS = {
    "learner": _l("Learner"), "author": _l("Author"),
    "org_admin": _l("Organisation administrator"), "admin": _l("Site administrator"),
}


def role_choices():
    return [SelectChoice(value, label) for value, label in ROLE_LABELS.items()]


def grantable_roles(user):
    """{role: label} of the roles ``user`` may give (what the role form offers them)."""
    from lms.policy import can

    return {value: label for value, label in ROLE_LABELS.items() if can(user, "user.grant_role", value)}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices(), validators=[DataRequired()])
    reason = reason_field()


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[DataRequired(), AnyOf(["0", "1"])])
    reason = reason_field()


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    q = StringField(_l("Name or email"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[SelectChoice("", _l("All roles"))] + role_choices(),
                       validators=[Optional()])
