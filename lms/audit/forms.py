from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from lms.parsing import SaneDateField


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=True)
    actor = StringField(_l("Actor email"), validators=[Optional(), Length(max=254)])
    subject_type = SelectField(_l("Subject"), validators=[Optional()])
    date_from = SaneDateField(_l("From"), validators=[Optional()])
    date_to = SaneDateField(_l("To"), validators=[Optional()])
