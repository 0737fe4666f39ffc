"""Forms of the CPD pages. They check shape (required, lengths, number format); the services
check meaning (a known country, a pattern that compiles, dates, limits)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from lms.parsing import AsciiDecimalField, SaneDateField, coerce_id


class BodyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Give the body a name.")), Length(max=200)])
    country = StringField(_l("Country (two-letter ISO code)"),
                          validators=[InputRequired(_l("Give the country.")), Length(max=2)])
    unit_name = StringField(_l("Unit"), validators=[InputRequired(_l("Give the unit's name.")), Length(max=60)])
    rounding_step = AsciiDecimalField(_l("Rounding step (credits are rounded down to a multiple)"),
                                      validators=[Optional()])
    daily_cap = AsciiDecimalField(_l("Cap per day"), validators=[Optional()])
    registration_pattern = StringField(_l("Format of registration numbers (regular expression)"),
                                       validators=[Optional(), Length(max=200)])
    registration_example = StringField(_l("Example registration number"), validators=[Optional(), Length(max=64)])


class CourseCreditForm(FlaskForm):
    course = SelectField(_l("Course"), coerce=coerce_id, validators=[InputRequired(_l("Choose a course."))])
    amount = AsciiDecimalField(_l("Credits"), validators=[InputRequired(_l("Give the number of credits."))])


class RegistrationForm(FlaskForm):
    body = SelectField(_l("Accrediting body"), coerce=coerce_id,
                       validators=[InputRequired(_l("Choose an accrediting body."))])
    number = StringField(_l("Registration number"), validators=[Optional(), Length(max=64)])


class ActivityForm(FlaskForm):
    body = SelectField(_l("Accrediting body"), coerce=coerce_id,
                       validators=[InputRequired(_l("Choose an accrediting body."))])
    title = StringField(_l("Title"), validators=[InputRequired(_l("Give the activity's title.")), Length(max=200)])
    provider = StringField(_l("Provider"), validators=[InputRequired(_l("Give who provided the activity.")),
                                                       Length(max=200)])
    activity_date = SaneDateField(_l("Date"), validators=[InputRequired(_l("Give the date of the activity."))])
    credits_claimed = AsciiDecimalField(_l("Credits claimed"),
                                        validators=[InputRequired(_l("Give the number of credits claimed."))])


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))],
                          validators=[InputRequired(_l("Choose approve or reject."))])
    reason = TextAreaField(_l("Reason (required to reject; the learner sees it)"),
                           validators=[Optional(), Length(max=1000)])
