from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from lms.accounts.models import User
from lms.extensions import db
from lms.parsing import SaneDateField, choice_id


def _account(email):
    """The account with ``email`` (as typed: case and spaces do not matter), or
    ValidationError: a filter on nobody is a mistake, not an empty trail."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise ValidationError(_l("No account has this email address."))
    return user


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    person = StringField(_l("Person (email)"), validators=[Optional(), Length(max=254)])
    course = SelectField(_l("Course"), validators=[Optional()], validate_choice=True)
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
        self.person_user = self.actor_user = None

    def validate_person(self, field):
        self.person_user = _account(field.data)

    def validate_actor(self, field):
        self.actor_user = _account(field.data)

    def validate_course(self, field):
        choice_id(field.data)

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def problems(self):
        """The form's errors as one sentence part: "Label: message; …"."""
        return "; ".join(f"{self[name].label.text}: {' '.join(map(str, errors))}"
                         for name, errors in self.errors.items())
