"""Forms of the training-matrix pages: job profiles, requirements, assignments."""
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.audit.reasons import reason_field
from lms.parsing import AsciiIntegerField, coerce_id

REASON = _l("Reason (kept in the audit trail)")


class ProfileForm(FlaskForm):
    name = StringField(validators=[DataRequired(_l("Give the job profile a name.")), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A profile's name, not a person's (several languages use different words); set per
        # request, as the extractor knows pgettext but not lazy_pgettext.
        self.name.label.text = pgettext("job profile", "Name")


class RequirementForm(FlaskForm):
    course = SelectField(_l("Course"), coerce=coerce_id, validators=[InputRequired(_l("Choose a course."))])
    due_days = AsciiIntegerField(_l("Days until due"), minimum=1, maximum=3650, default=30,
                                 validators=[InputRequired(_l("Give the number of days until due (1 to 3650)."))])
    recurs = BooleanField(_l("Recurs (renew when the certificate's validity ends)"))


class RemovalForm(FlaskForm):
    reason = StringField(REASON, validators=[DataRequired(_l("Give a reason: it is kept in the audit trail.")),
                                             Length(max=500)])


class AssignPersonForm(FlaskForm):
    # Looked up, not validated as an address: an unknown one is "nobody has this email".
    email = StringField(_l("Email of the person"), validators=[DataRequired(), Length(max=254)])
    reason = reason_field(field_id="assign-reason", missing=_l("Give a reason: it is kept in the audit trail."))


class AssignProfileForm(FlaskForm):
    profile = SelectField(_l("Job profile"), coerce=coerce_id, validators=[InputRequired(_l("Choose a job profile."))])
    reason = reason_field(field_id="assign-reason", missing=_l("Give a reason: it is kept in the audit trail."))


class OrganisationChoiceForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    organisation = SelectField(_l("Organisation"), coerce=coerce_id, validators=[InputRequired()])
