from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

ROLE_LABELS = {"learner": _l("Learner"), "author": _l("Author"), "admin": _l("Administrator")}


def role_choices():
    return [SelectChoice(value, label) for value, label in ROLE_LABELS.items()]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices(), validators=[DataRequired()])


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[DataRequired(), AnyOf(["0", "1"])])


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    q = StringField(_l("Name or email"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[SelectChoice("", _l("All roles"))] + role_choices(),
                       validators=[Optional()])
