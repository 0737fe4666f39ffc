"""Forms for translating a course version and uploading captions. Every form that changes a
translation carries the translation's ``revision``. The per-module and per-question fields
vary with the source version, so they are read from the request by ``module_titles`` and
``question_texts`` (field names carry the source row's id)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from lms.course_languages.texts import supported_languages
from lms.parsing import AsciiIntegerField, ascii_int

MAX_TITLE, MAX_SUMMARY, MAX_BODY, MAX_PROMPT, MAX_CHOICE, MAX_FEEDBACK = 200, 2000, 200_000, 2000, 500, 2000


def language_choices(exclude=()):
    return [SelectChoice(code, name) for code, name in supported_languages().items() if code not in exclude]


class AddTranslationForm(FlaskForm):
    # The service refuses a language outside the supported list with a clear message.
    language = SelectField(_l("Language of the translation"), validate_choice=False,
                           validators=[InputRequired()])


class TranslationRevisionForm(FlaskForm):
    revision = AsciiIntegerField(widget=HiddenInput(), validators=[InputRequired()])


class CourseTextsForm(TranslationRevisionForm):
    title = StringField(_l("Course title"), validators=[Length(max=MAX_TITLE)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=MAX_SUMMARY)])


class LessonTextsForm(TranslationRevisionForm):
    title = StringField(_l("Lesson title"), validators=[Length(max=MAX_TITLE)])
    body_markdown = TextAreaField(_l("Text (Markdown)"), validators=[Length(max=MAX_BODY)])


class TranslatedFileForm(TranslationRevisionForm):
    file = FileField(_l("File in this language"))


class CaptionForm(FlaskForm):
    language = SelectField(_l("Language of the captions"), validate_choice=False, validators=[InputRequired()])
    file = FileField(_l("WebVTT file (.vtt)"))


class TooLong(ValueError):
    pass


def _text(form, name, limit):
    value = (form.get(name) or "").strip()
    if len(value) > limit:
        raise TooLong(name)
    return value


def module_titles(form, modules):
    """{module id: title} from ``module-<id>`` fields, for the version's ``modules`` only.

    :raises TooLong: a title over the limit
    """
    return {m.id: _text(form, f"module-{m.id}", MAX_TITLE) for m in modules if f"module-{m.id}" in form}


def question_texts(form, lesson):
    """{question id: (prompt, [choices], feedback)} from ``question-<id>-prompt``,
    ``question-<id>-choice-<n>`` (n from 1) and ``question-<id>-feedback`` for the questions
    of ``lesson`` that the form holds. The choices are as many as the form sends, so the
    service can refuse a count that differs from the source's.

    :raises TooLong: a text over the limit
    """
    texts = {}
    for question in lesson.questions:
        prefix = f"question-{question.id}-"
        if prefix + "prompt" not in form:
            continue
        numbers = sorted(n for n in (ascii_int(key[len(prefix) + 7:], 1, 100) for key in form
                                     if key.startswith(prefix + "choice-")) if n is not None)
        choices = [_text(form, f"{prefix}choice-{n}", MAX_CHOICE) for n in numbers]
        texts[question.id] = (_text(form, prefix + "prompt", MAX_PROMPT), choices,
                              _text(form, prefix + "feedback", MAX_FEEDBACK))
    return texts
