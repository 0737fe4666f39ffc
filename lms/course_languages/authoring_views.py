"""Authoring pages for translations of a course version (texts side by side with the source,
the state of each translation, publishing it) and for the captions of video lessons."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.authoring import uploads
from lms.authoring.web import editable, form_or_400, refuse_expired, register_refusals
from lms.course_languages import authoring as translating
from lms.course_languages import captions as captioning
from lms.course_languages import versioning
from lms.course_languages.authoring import NotReady, language_name
from lms.course_languages.forms import (
    AddTranslationForm, CaptionForm, CourseTextsForm, LessonTextsForm, TooLong, TranslatedFileForm,
    TranslationRevisionForm, language_choices, module_titles, question_texts,
)
from lms.course_languages.models import CourseTranslation
from lms.course_languages.texts import translation_state, translations_of
from lms.courses.models import CourseVersion, Lesson
from lms.downloads import send_stored
from lms.errors import abort_with, render_error
from lms.extensions import db

bp = Blueprint("translating", __name__)


def _not_ready(error, _status):
    """Publishing a translation refused for what it lacks: its state page, listing it."""
    if isinstance(error, NotReady) and "translation_id" in request.view_args:
        translation = db.session.get(CourseTranslation, request.view_args["translation_id"])
        return render_state(translation, error=error.message, problems=error.details["problems"], status=422)
    return None


register_refusals(bp, "translation", _not_ready)


@bp.errorhandler(413)
def too_large(error):
    return render_error(413, uploads.too_large_message())


# ------------------------------------------------------------ translations

@bp.route("/author/versions/<int:version_id>/translations", methods=["GET", "POST"])
@login_required
def translations(version_id):
    version = editable(CourseVersion, version_id)
    existing = translations_of(version)
    form = AddTranslationForm()
    form.language.choices = language_choices(exclude=[version.course.language, *existing])
    if request.method == "POST":
        if not form.validate_on_submit():
            refuse_expired(form)
            abort_with(422, _("Choose the language of the translation."))
        translation = translating.add_translation(current_user, version, form.language.data)
        db.session.commit()
        flash(_("The %(language)s translation is started. Translate each text beside its source.",
                language=language_name(translation.language)), "success")
        return redirect(url_for("translating.translation", translation_id=translation.id))
    rows = versioning.readiness(version)
    return render_template("course_languages/translations.html", version=version, course=version.course,
                           rows=rows, form=form, language_name=language_name)


def lesson_status(state):
    """{lesson id: "missing" | "changed"} (a question counts for its lesson); absent: done."""
    status = {}
    for kind, row in state.changed:
        lesson = row if kind == "lesson" else (row.lesson if kind == "question" else None)
        if lesson is not None:
            status[lesson.id] = "changed"
    for kind, row in state.missing:
        lesson = row if kind == "lesson" else (row.lesson if kind == "question" else None)
        if lesson is not None:
            status[lesson.id] = "missing"
    return status


def render_state(translation, error=None, problems=None, status=200):
    state = translation_state(translation)
    return render_template(
        "course_languages/translation.html", translation=translation, version=translation.version,
        course=translation.version.course, state=state, lesson_status=lesson_status(state),
        problems=problems if problems is not None else translating.problems_of(state),
        error=error, language_name=language_name, form=TranslationRevisionForm(formdata=None),
        texts={row.lesson_id: row for row in translation.lessons},
    ), status


@bp.route("/author/translations/<int:translation_id>")
@login_required
def translation(translation_id):
    return render_state(editable(CourseTranslation, translation_id))


@bp.route("/author/translations/<int:translation_id>/publish", methods=["POST"])
@login_required
def publish(translation_id):
    translation = editable(CourseTranslation, translation_id)
    form = form_or_400(TranslationRevisionForm())
    translating.publish_translation(current_user, translation, form.revision.data)
    db.session.commit()
    flash(_("The %(language)s translation is published: learners can now choose it.",
            language=language_name(translation.language)), "success")
    return redirect(url_for("translating.translation", translation_id=translation.id))


@bp.route("/author/translations/<int:translation_id>/withdraw", methods=["POST"])
@login_required
def withdraw(translation_id):
    translation = editable(CourseTranslation, translation_id)
    form = form_or_400(TranslationRevisionForm())
    translating.withdraw_translation(current_user, translation, form.revision.data)
    db.session.commit()
    flash(_("The %(language)s translation is no longer offered.", language=language_name(translation.language)),
          "success")
    return redirect(url_for("translating.translation", translation_id=translation.id))


@bp.route("/author/translations/<int:translation_id>/texts", methods=["GET", "POST"])
@login_required
def course_texts(translation_id):
    translation = editable(CourseTranslation, translation_id)
    modules = translation.version.modules
    texts = {row.module_id: row.title for row in translation.modules}
    if request.method == "GET":
        form = CourseTextsForm(data={"revision": translation.revision, "title": translation.title,
                                     "summary": translation.summary})
        return _render_course_texts(translation, form, texts)
    form = CourseTextsForm()
    try:
        titles = module_titles(request.form, modules)
    except TooLong:
        titles = None
    if not form.validate_on_submit() or titles is None:
        refuse_expired(form)
        return _render_course_texts(translation, form, texts, status=422,
                                    error=_("Nothing was saved: a text is longer than allowed."))
    translating.save_course_texts(current_user, translation, form.revision.data, title=form.title.data.strip(),
                                  summary=form.summary.data.strip(), module_titles=titles)
    db.session.commit()
    flash(_("The translated course and module titles are saved."), "success")
    return redirect(url_for("translating.translation", translation_id=translation.id))


def _render_course_texts(translation, form, texts, status=200, error=None):
    posted = request.form if request.method == "POST" else {}
    values = {m.id: posted.get(f"module-{m.id}", texts.get(m.id, "")) for m in translation.version.modules}
    return render_template("course_languages/course_texts.html", translation=translation,
                           version=translation.version, course=translation.version.course, form=form,
                           values=values, error=error, language_name=language_name), status


def _lesson_or_404(translation, lesson_id):
    lesson = translating.lesson_of(translation, lesson_id)
    if lesson is None:
        abort_with(404, _("This lesson is not part of the translated version."))
    return lesson


@bp.route("/author/translations/<int:translation_id>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@login_required
def lesson_texts(translation_id, lesson_id):
    translation = editable(CourseTranslation, translation_id)
    lesson = _lesson_or_404(translation, lesson_id)
    text = next((row for row in translation.lessons if row.lesson_id == lesson.id), None)
    if request.method == "GET":
        form = LessonTextsForm(data={"revision": translation.revision, "title": text.title if text else "",
                                     "body_markdown": text.body_markdown if text else ""})
        return _render_lesson(translation, lesson, form, text)
    form = LessonTextsForm()
    try:
        questions = question_texts(request.form, lesson)
    except TooLong:
        questions = None
    if not form.validate_on_submit() or questions is None:
        refuse_expired(form)
        return _render_lesson(translation, lesson, form, text, status=422,
                              error=_("Nothing was saved: a text is longer than allowed."))
    translating.save_lesson_texts(current_user, translation, lesson, form.revision.data,
                                  title=form.title.data.strip(), body_markdown=form.body_markdown.data,
                                  questions=questions)
    db.session.commit()
    flash(_("The translation of “%(lesson)s” is saved.", lesson=lesson.title), "success")
    return redirect(url_for("translating.translation", translation_id=translation.id, _anchor=f"lesson-{lesson.id}"))


def _render_lesson(translation, lesson, form, text, status=200, error=None):
    posted = request.form if request.method == "POST" else None
    saved = {row.question_id: row for row in translation.questions}
    questions = []
    for question in lesson.questions:
        row = saved.get(question.id)
        prefix = f"question-{question.id}-"
        if posted is not None:
            prompt = posted.get(prefix + "prompt", "")
            choices = [posted.get(f"{prefix}choice-{n}", "") for n in range(1, len(question.choices) + 1)]
            feedback = posted.get(prefix + "feedback", "")
        else:
            prompt = row.prompt if row else ""
            choices = list(row.choices) if row and len(row.choices) == len(question.choices) else [""] * len(question.choices)
            feedback = row.feedback if row else ""
        questions.append((question, prompt, choices, feedback))
    state = translation_state(translation)
    return render_template(
        "course_languages/lesson_texts.html", translation=translation, version=translation.version,
        course=translation.version.course, lesson=lesson, form=form, text=text, questions=questions,
        changed=lesson_status(state).get(lesson.id) == "changed", error=error, language_name=language_name,
        file_form=TranslatedFileForm(formdata=None), limit=uploads.size_limit_text(),
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
    ), status


def _upload(field):
    storage = request.files.get(field)
    if storage is None:
        return None, ""
    return storage.stream, storage.filename or ""


@bp.route("/author/translations/<int:translation_id>/lessons/<int:lesson_id>/file", methods=["POST"])
@login_required
def upload_file(translation_id, lesson_id):
    translation = editable(CourseTranslation, translation_id)
    lesson = _lesson_or_404(translation, lesson_id)
    form = form_or_400(TranslatedFileForm())
    stream, name = _upload("file")
    stored = translating.attach_translated_file(current_user, translation, lesson, form.revision.data, stream, name)
    db.session.commit()
    flash(_("“%(name)s” uploaded.", name=stored.original_name), "success")
    return redirect(url_for("translating.lesson_texts", translation_id=translation.id, lesson_id=lesson.id,
                            _anchor="translated-file"))


@bp.route("/author/translations/<int:translation_id>/lessons/<int:lesson_id>/file/delete", methods=["POST"])
@login_required
def remove_file(translation_id, lesson_id):
    translation = editable(CourseTranslation, translation_id)
    lesson = _lesson_or_404(translation, lesson_id)
    form = form_or_400(TranslationRevisionForm())
    translating.remove_translated_file(current_user, translation, lesson, form.revision.data)
    db.session.commit()
    flash(_("The translated file is removed: learners get the lesson’s own file."), "success")
    return redirect(url_for("translating.lesson_texts", translation_id=translation.id, lesson_id=lesson.id,
                            _anchor="translated-file"))


@bp.route("/author/translations/<int:translation_id>/lessons/<int:lesson_id>/file")
@login_required
def translated_file(translation_id, lesson_id):
    translation = editable(CourseTranslation, translation_id)
    lesson = _lesson_or_404(translation, lesson_id)
    text = next((row for row in translation.lessons if row.lesson_id == lesson.id), None)
    if text is None or text.file is None:
        abort_with(404, _("This lesson has no file of its own in this language."))
    return send_stored(text.file, download="download" in request.args)


# ------------------------------------------------------------ captions

def _render_captions(lesson, form=None, status=200):
    version = lesson.module.version
    form = form or CaptionForm(formdata=None)
    form.language.choices = language_choices()
    return render_template(
        "course_languages/captions.html", lesson=lesson, version=version, course=version.course,
        captions=captioning.captions_of(lesson), is_video=captioning.is_video_lesson(lesson), form=form,
        language_name=language_name, limit=captioning.caption_limit_text(),
        max_bytes=captioning.MAX_CAPTION_BYTES, delete_form=FlaskForm(formdata=None),
    ), status


@bp.route("/author/lessons/<int:lesson_id>/captions", methods=["GET", "POST"])
@login_required
def captions(lesson_id):
    lesson = editable(Lesson, lesson_id)
    if request.method == "GET":
        return _render_captions(lesson)
    form = CaptionForm()
    form.language.choices = language_choices()
    if not form.validate_on_submit():
        refuse_expired(form)
        abort_with(422, _("Choose the language of the captions."))
    stream, name = _upload("file")
    caption = captioning.upload_caption(current_user, lesson, form.language.data, stream, name)
    db.session.commit()
    flash(_("Captions in %(language)s uploaded.", language=language_name(caption.language)), "success")
    return redirect(url_for("translating.captions", lesson_id=lesson.id))


@bp.route("/author/lessons/<int:lesson_id>/captions/<language>")
@login_required
def caption_file(lesson_id, language):
    lesson = editable(Lesson, lesson_id)
    caption = captioning.captions_of(lesson).get(language)
    if caption is None:
        abort_with(404, _("This lesson has no captions in that language."))
    return send_stored(caption.file, download="download" in request.args)


@bp.route("/author/lessons/<int:lesson_id>/captions/<language>/delete", methods=["POST"])
@login_required
def remove_caption(lesson_id, language):
    lesson = editable(Lesson, lesson_id)
    form_or_400(FlaskForm())
    captioning.remove_caption(current_user, lesson, language)
    db.session.commit()
    flash(_("Captions in %(language)s removed.", language=language_name(language)), "success")
    return redirect(url_for("translating.captions", lesson_id=lesson.id))
