"""The completion report's filter, sort and page parameters: a GET form, so no CSRF token."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.validators import Optional, ValidationError

from lms.parsing import MAX_PAGE, AsciiIntegerField, SaneDateField, choice_id
from lms.reports.queries import COURSE_SORTS, LEARNER_SORTS, ReportFilters


def _sort_choices(keys):
    return [SelectChoice("", "")] + [
        SelectChoice(f"{sign}{key}", f"{sign}{key}") for key in keys for sign in ("", "-")
    ]


def status_labels():
    return {
        "in_progress": _l("In progress (incl. overdue)"),
        "overdue": _l("Overdue"),
        "completed": _l("Completed"),
        "withdrawn": _l("Withdrawn"),
    }


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    course = SelectField(_l("Course"), validators=[Optional()])
    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    country = SelectField(_l("Country"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    enrolled_from = SaneDateField(_l("Enrolled from"), validators=[Optional()])
    enrolled_to = SaneDateField(_l("Enrolled to"), validators=[Optional()])
    completed_from = SaneDateField(_l("Completed from"), validators=[Optional()])
    completed_to = SaneDateField(_l("Completed to"), validators=[Optional()])
    # Set by the column headers' links, not shown as fields.
    sort = HiddenField(validators=[Optional()])
    lsort = HiddenField(validators=[Optional()])
    page = AsciiIntegerField(validators=[Optional()], minimum=1, maximum=MAX_PAGE)
    lpage = AsciiIntegerField(validators=[Optional()], minimum=1, maximum=MAX_PAGE)

    FILTER_FIELDS = ("course", "organisation", "country", "status", "enrolled_from",
                     "enrolled_to", "completed_from", "completed_to")

    def __init__(self, formdata, options):
        super().__init__(formdata)
        self.course.choices = [SelectChoice("", _l("All courses"))] + [
            SelectChoice(str(id_), title) for id_, title in options["courses"]
        ]
        self.organisation.choices = [SelectChoice("", _l("All organisations"))] + [
            SelectChoice(str(id_), name) for id_, name, _country in options["organisations"]
        ]
        self.country.choices = [SelectChoice("", _l("All countries"))] + [
            SelectChoice(code, code) for code in options["countries"]
        ]
        self.status.choices = [SelectChoice("", _l("Any status"))] + [
            SelectChoice(key, label) for key, label in status_labels().items()
        ]

    @staticmethod
    def _check_sort(value, keys):
        if value and value.lstrip("-") not in keys:
            raise ValidationError(_l("Unknown sort order."))

    def validate_sort(self, field):
        self._check_sort(field.data, COURSE_SORTS)

    def validate_lsort(self, field):
        self._check_sort(field.data, LEARNER_SORTS)

    def validate_enrolled_to(self, field):
        if field.data and self.enrolled_from.data and field.data < self.enrolled_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def validate_completed_to(self, field):
        if field.data and self.completed_from.data and field.data < self.completed_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def filters(self):
        """The validated filters as :class:`ReportFilters`."""
        return ReportFilters(
            course_id=choice_id(self.course.data) if self.course.data else None,
            organisation_id=choice_id(self.organisation.data) if self.organisation.data else None,
            country=self.country.data or None,
            status=self.status.data or None,
            enrolled_from=self.enrolled_from.data,
            enrolled_to=self.enrolled_to.data,
            completed_from=self.completed_from.data,
            completed_to=self.completed_to.data,
        )

    @staticmethod
    def _sort(value, default):
        value = value or default
        return value.lstrip("-"), value.startswith("-")

    def course_sort(self):
        """(key, descending) for the course table."""
        return self._sort(self.sort.data, "title")

    def learner_sort(self):
        """(key, descending) for the learner table."""
        return self._sort(self.lsort.data, "name")

    def filter_args(self, names=FILTER_FIELDS):
        """The filters as query arguments, for links that keep them (exports, pages, sorts)."""
        return {name: self[name].raw_data[0] for name in names
                if self[name].raw_data and self[name].raw_data[0]}

    def state_args(self):
        """Filters, sorts and pages: what a link must carry to show the same report."""
        return self.filter_args((*self.FILTER_FIELDS, "sort", "lsort", "page", "lpage"))
