from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from lms.audit.reasons import reason_field
from lms.parsing import SaneDateField


class BulkUploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file to upload."))])


class BulkApplyForm(FlaskForm):
    upload = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    # One per preview: submitting the same preview twice finds the job the first one made.
    key = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])
    filename = HiddenField(validators=[Length(max=255)])


class DueDateForm(FlaskForm):
    """A new due date for one open enrolment (prefixed with the enrolment, one per row)."""

    class Meta:
        csrf = False  # CSRFProtect checks the page's token before the view; a prefix would rename it


    due_on = SaneDateField(_l("New due date"), validators=[InputRequired(_l("Give the new due date."))])
    reason = reason_field()
