"""Forms of the credit-cycle admin pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from lms.parsing import AsciiDecimalField, AsciiIntegerField, SaneDateField, coerce_id


class CycleForm(FlaskForm):
    """Start, length and credits required of a cycle (its body is chosen when it is made)."""

    starts_on = SaneDateField(_l("Starts on"), validators=[InputRequired(_l("Give the day the cycle starts."))])
    years = AsciiIntegerField(_l("Length in years"), minimum=1, maximum=10, default=5,
                              validators=[InputRequired(_l("Give the cycle's length in years (1 to 10)."))])
    required = AsciiDecimalField(_l("Credits required"),
                                 validators=[InputRequired(_l("Give the credits required in the cycle."))])


class NewCycleForm(CycleForm):
    body = SelectField(_l("Accrediting body"), coerce=coerce_id,
                       validators=[InputRequired(_l("Choose an accrediting body."))])


class DeleteCycleForm(FlaskForm):
    """The CSRF token of the delete button."""
