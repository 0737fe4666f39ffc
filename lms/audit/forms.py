from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from lms.parsing import SaneDateField


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=True)
    actor = StringField(_l("Actor email"), validators=[Optional(), Length(max=254)])
    subject_type = SelectField(validators=[Optional()])
    date_from = SaneDateField(validators=[Optional()])
    date_to = SaneDateField(validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # With a context: "Subject", "From" and "To" name a mail's subject, sender and
        # recipient elsewhere; here they are the record an event is about and a date range.
        # Set per request (the form is made inside one), as the extractor knows pgettext.
        self.subject_type.label.text = pgettext("audit trail", "Subject")
        self.date_from.label.text = pgettext("date range", "From")
        self.date_to.label.text = pgettext("date range", "To")
