"""Forms of exemptions from requirements: grant (course, reason, expiry date) and revoke."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from lms.compliance.exemptions import REASON_MAX
from lms.parsing import SaneDateField, coerce_id

REASON_LABEL = _l("Reason for the exemption (kept in the audit trail)")
NO_REASON = _l("Give a reason: it is kept in the audit trail.")
TOO_LONG = _l("The reason has at most %(max)s characters.", max=REASON_MAX)


class GrantExemptionForm(FlaskForm):
    course = SelectField(_l("Required course"), coerce=coerce_id, validators=[InputRequired(_l("Choose a course."))])
    reason = StringField(REASON_LABEL, validators=[DataRequired(NO_REASON), Length(max=REASON_MAX, message=TOO_LONG)])
    expires_on = SaneDateField(_l("Expires on"), validators=[
        InputRequired(_l("Give the date the exemption expires (YYYY-MM-DD)."))])


class RevokeExemptionForm(FlaskForm):
    reason = StringField(_l("Reason for ending the exemption early"),
                         validators=[DataRequired(NO_REASON), Length(max=REASON_MAX, message=TOO_LONG)])
