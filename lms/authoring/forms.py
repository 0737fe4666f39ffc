"""Authoring forms. Every form that changes a draft carries the draft's ``revision``."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, FileField, RadioField, SelectChoice, SelectField, StringField, TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from lms.accounts.forms import printable
from lms.audit.reasons import reason_field
from lms.courses.models import LESSON_KINDS
from lms.parsing import AsciiDecimalField, AsciiIntegerField, SaneDateField, coerce_id

MAX_CHOICES = 6


class RevisionForm(FlaskForm):
    """CSRF plus the revision of the draft the form was loaded from."""

    revision = AsciiIntegerField(widget=HiddenInput(), validators=[InputRequired()])


class PublishForm(RevisionForm):
    """Publishing a draft. For a new version of a published course the service requires the
    kind of change and its reason (the first version needs neither)."""

    change_kind = RadioField(
        _l("What kind of change is this?"),
        choices=[SelectChoice("major", _l("Major: the content changed, everyone who must have the course retrains")),
                 SelectChoice("minor", _l("Minor: wording or typos, no retraining"))],
        validate_choice=False,  # the service says what is missing or wrong, for every caller
    )
    change_reason = TextAreaField(_l("Reason for the change"))
    effective_on = SaneDateField(_l("Effective date (major changes only; empty: today)"), validators=[Optional()])


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000)])
    language = SelectField(_l("Language of the course"), validators=[DataRequired()])
    cpd_hours = AsciiDecimalField(
        _l("CPD hours"), places=1,
        validators=[InputRequired(), NumberRange(min=0, max=1000)],
    )
    organisation_id = SelectField(_l("Organisation"), coerce=coerce_id)
    default_due_days = AsciiIntegerField(
        _l("Default deadline (days after enrolment)"), validators=[Optional(), NumberRange(min=1, max=3650)]
    )
    validity_months = AsciiIntegerField(
        _l("Certificate valid for (months)"), validators=[Optional(), NumberRange(min=1, max=240)]
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice(code, name) for code, name in current_app.config["LANGUAGES"].items()]
        self.organisation_id.choices = [SelectChoice(org.id, org.name) for org in organisations]


class CourseSettingsForm(CourseForm):
    revision = AsciiIntegerField(widget=HiddenInput(), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.organisation_id  # a course stays with its organisation


class ModuleForm(RevisionForm):
    title = StringField(_l("Module title"), validators=[DataRequired(), Length(max=200)])


class MoveForm(RevisionForm):
    direction = StringField(validators=[AnyOf(["up", "down"])])


class NewLessonForm(RevisionForm):
    title = StringField(_l("Lesson title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind of lesson"),
        choices=[SelectChoice("text", _l("Text")), SelectChoice("file", _l("File (PDF, video or image)")),
                 SelectChoice("quiz", _l("Quiz")),
                 SelectChoice("document", _l("Controlled document (SOP to read and sign)")),
                 SelectChoice("observed", _l("Observed practice (signed off by a supervisor)"))],
        validators=[AnyOf(LESSON_KINDS)],
    )


class LessonForm(RevisionForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body_markdown = TextAreaField(_l("Text (Markdown)"), validators=[Length(max=200_000)])
    pass_mark = AsciiIntegerField(_l("Pass mark (%)"), validators=[Optional(), NumberRange(min=1, max=100)])


class DocumentLessonForm(LessonForm):
    """A controlled document: besides title and text, its number and revision as the company's
    document system knows them (the PDF is uploaded with the lesson file form)."""

    document_number = StringField(
        _l("Document number"), validators=[DataRequired(), Length(max=64), printable],
        filters=[lambda value: value.strip() if isinstance(value, str) else value])
    document_revision = StringField(
        _l("Revision"), validators=[DataRequired(), Length(max=32), printable],
        filters=[lambda value: value.strip() if isinstance(value, str) else value])


class UploadForm(RevisionForm):
    file = FileField(_l("File"))


class ImageForm(FlaskForm):
    image = FileField(_l("Image (PNG or JPEG)"))


class QuestionForm(RevisionForm):
    prompt = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=2000)])
    multiple = BooleanField(_l("Learners may choose several answers (“choose all that apply”)"))
    feedback = TextAreaField(_l("Feedback shown after a wrong answer"), validators=[Length(max=2000)])
    # choice_1 ... choice_6 and correct_1 ... correct_6 are added below the class.

    def choice_rows(self):
        """[(text field, correct field)] in order, for the template."""
        return [(self[f"choice_{n}"], self[f"correct_{n}"]) for n in range(1, MAX_CHOICES + 1)]

    def filled_choices(self):
        """(choices, correct indices) from the filled-in rows, in order; empty rows left out."""
        choices, correct = [], []
        for text_field, correct_field in self.choice_rows():
            text = (text_field.data or "").strip()
            if text:
                if correct_field.data:
                    correct.append(len(choices))
                choices.append(text)
        return choices, correct

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        self.choice_errors = []
        if any(c.data and not (t.data or "").strip() for t, c in self.choice_rows()):
            self.choice_errors.append(_l("A choice marked correct has no text."))
        choices, correct = self.filled_choices()
        if len(choices) < 2:
            self.choice_errors.append(_l("Give at least two choices."))
        elif not correct:
            self.choice_errors.append(_l("Mark at least one choice as correct."))
        elif len(correct) > 1 and not self.multiple.data:
            self.choice_errors.append(
                _l("Only one choice can be correct unless learners may choose several answers."))
        return valid and not self.choice_errors

    @classmethod
    def for_question(cls, question):
        """The form filled in from ``question`` (for GET; a POST reads the request instead)."""
        data = {
            "revision": question.lesson.module.version.revision, "prompt": question.prompt,
            "multiple": question.allow_multiple or len(question.correct) > 1,
            "feedback": question.feedback,
        }
        for i, text in enumerate(question.choices[:MAX_CHOICES], start=1):
            data[f"choice_{i}"] = text
            data[f"correct_{i}"] = (i - 1) in question.correct
        return cls(data=data)


for _n in range(1, MAX_CHOICES + 1):
    setattr(QuestionForm, f"choice_{_n}", StringField(_l("Choice %(n)s", n=_n), validators=[Length(max=500)]))
    setattr(QuestionForm, f"correct_{_n}", BooleanField(_l("Choice %(n)s is correct", n=_n)))


class MoveLearnersForm(FlaskForm):
    """Moving learners to the published version changes their records: it needs a reason."""

    reason = reason_field(field_id="move-reason")
