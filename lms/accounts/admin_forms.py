from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

ROLE_LABELS = {"learner": _l("Learner"), "author": _l("Author"), "admin": _l("Administrator")}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()), validators=[DataRequired()])


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[DataRequired(), AnyOf(["0", "1"])])


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    q = StringField(_l("Name or email"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[("", _l("All roles"))] + list(ROLE_LABELS.items()), validators=[Optional()])
