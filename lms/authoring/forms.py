"""Authoring forms. Every form that changes a draft carries the draft's ``revision``."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DecimalField, FieldList, FileField, Form, FormField, IntegerField, SelectField,
    StringField, TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from lms.courses.models import LESSON_KINDS

MAX_CHOICES = 6


class RevisionForm(FlaskForm):
    """CSRF plus the revision of the draft the form was loaded from."""

    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000)])
    language = SelectField(_l("Language of the course"), validators=[DataRequired()])
    cpd_hours = DecimalField(
        _l("CPD hours"), places=1,
        validators=[InputRequired(), NumberRange(min=0, max=1000)],
    )
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    default_due_days = IntegerField(
        _l("Default deadline (days after enrolment)"), validators=[Optional(), NumberRange(min=1, max=3650)]
    )
    validity_months = IntegerField(
        _l("Certificate valid for (months)"), validators=[Optional(), NumberRange(min=1, max=240)]
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = list(current_app.config["LANGUAGES"].items())
        self.organisation_id.choices = [(org.id, org.name) for org in organisations]


class CourseSettingsForm(CourseForm):
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

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
        _l("Kind"),
        choices=[("text", _l("Text")), ("file", _l("File (PDF, video or image)")), ("quiz", _l("Quiz"))],
        validators=[AnyOf(LESSON_KINDS)],
    )


class LessonForm(RevisionForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body_markdown = TextAreaField(_l("Text (Markdown)"), validators=[Length(max=200_000)])
    pass_mark = IntegerField(_l("Pass mark (%)"), validators=[Optional(), NumberRange(min=1, max=100)])


class UploadForm(RevisionForm):
    file = FileField(_l("File"))


class ImageForm(FlaskForm):
    image = FileField(_l("Image (PNG or JPEG)"))


class ChoiceForm(Form):
    text = StringField(_l("Choice"), validators=[Length(max=500)])
    correct = BooleanField(_l("Correct"))


class QuestionForm(RevisionForm):
    prompt = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=2000)])
    multiple = BooleanField(_l("Learners may choose several answers (“choose all that apply”)"))
    choices = FieldList(FormField(ChoiceForm), min_entries=MAX_CHOICES, max_entries=MAX_CHOICES)
    feedback = TextAreaField(_l("Feedback shown after a wrong answer"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n, entry in enumerate(self.choices, start=1):
            entry.form.text.label.text = _l("Choice %(n)s", n=n)
            entry.form.correct.label.text = _l("Choice %(n)s is correct", n=n)

    def filled_choices(self):
        """(choices, correct indices) from the filled-in rows, in order."""
        choices, correct = [], []
        for entry in self.choices:
            text = (entry.form.text.data or "").strip()
            if text:
                if entry.form.correct.data:
                    correct.append(len(choices))
                choices.append(text)
        return choices, correct

    def validate_choices(self, field):
        for entry in self.choices:
            if entry.form.correct.data and not (entry.form.text.data or "").strip():
                raise ValidationError(_l("A choice marked correct has no text."))
        choices, correct = self.filled_choices()
        if len(choices) < 2:
            raise ValidationError(_l("Give at least two choices."))
        if not correct:
            raise ValidationError(_l("Mark at least one choice as correct."))
        if len(correct) > 1 and not self.multiple.data:
            raise ValidationError(_l("Only one choice can be correct unless learners may choose several answers."))

    @classmethod
    def for_question(cls, question):
        """The form filled in from ``question`` (for GET; a POST reads the request instead)."""
        data = {
            "revision": question.lesson.module.version.revision, "prompt": question.prompt,
            "multiple": question.allow_multiple or len(question.correct) > 1,
            "feedback": question.feedback,
            "choices": [
                {"text": text, "correct": i in question.correct} for i, text in enumerate(question.choices)
            ],
        }
        return cls(data=data)
