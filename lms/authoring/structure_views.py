"""Authoring pages for the parts of a draft: modules, lessons (text, file, quiz), questions,
and uploads."""
from flask import current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required


from lms.authoring import structure, uploads
from lms.authoring.forms import (
    DocumentLessonForm, ImageForm, LessonForm, ModuleForm, MoveForm, NewLessonForm, QuestionForm, RevisionForm, UploadForm,
)
from lms.authoring.web import (
    bp, done, editable, form_or_400, refuse_expired, render_editor,
)
from lms.courses.models import CourseVersion, Lesson, Module, Question
from lms.errors import abort_with
from lms.extensions import db
from lms.markdown_render import render_markdown


def editor_url(version):
    return url_for("authoring.course", course_id=version.course_id)


def lesson_url(lesson, anchor=None):
    return url_for("authoring.lesson", lesson_id=lesson.id, _anchor=anchor)


# ------------------------------------------------------------------ modules

@bp.route("/author/versions/<int:version_id>/modules", methods=["POST"])
@login_required
def add_module(version_id):
    version = editable(CourseVersion, version_id)
    form = ModuleForm()
    if not form.validate_on_submit():
        refuse_expired(form)
        return render_editor(version.course, module_form=form, status=422,
                             error=_("The module was not added: give it a title."))
    module = structure.add_module(current_user, version, form.revision.data, form.title.data.strip())
    db.session.commit()
    flash(_("Module “%(title)s” added.", title=module.title), "success")
    return done(editor_url(version) + f"#module-{module.id}")


@bp.route("/author/modules/<int:module_id>/rename", methods=["POST"])
@login_required
def rename_module(module_id):
    module = editable(Module, module_id)
    form = ModuleForm()
    if not form.validate_on_submit():
        refuse_expired(form)
        return render_editor(module.version.course, status=422,
                             error=_("The module was not renamed: give it a title."))
    structure.rename_module(current_user, module, form.revision.data, form.title.data.strip())
    db.session.commit()
    flash(_("Module renamed to “%(title)s”.", title=module.title), "success")
    return done(editor_url(module.version) + f"#module-{module.id}")


@bp.route("/author/modules/<int:module_id>/move", methods=["POST"])
@login_required
def move_module(module_id):
    module = editable(Module, module_id)
    form = form_or_400(MoveForm())
    structure.move_module(current_user, module, form.revision.data, form.direction.data)
    db.session.commit()
    return done(editor_url(module.version) + f"#module-{module.id}")


@bp.route("/author/modules/<int:module_id>/delete", methods=["GET", "POST"])
@login_required
def delete_module(module_id):
    module = editable(Module, module_id)
    version = module.version
    if request.method == "GET":
        return render_template("authoring/confirm_delete.html", version=version, thing=module.title,
                               what=_("module"), back=editor_url(version),
                               note=_("Its %(n)s lessons are deleted with it.", n=len(module.lessons)))
    form = form_or_400(RevisionForm())
    title = module.title
    structure.delete_module(current_user, module, form.revision.data)
    db.session.commit()
    flash(_("Module “%(title)s” deleted.", title=title), "success")
    return done(editor_url(version))


# ------------------------------------------------------------------ lessons

@bp.route("/author/modules/<int:module_id>/lessons", methods=["POST"])
@login_required
def add_lesson(module_id):
    module = editable(Module, module_id)
    form = NewLessonForm()
    if not form.validate_on_submit():
        refuse_expired(form)
        return render_editor(module.version.course, lesson_forms={module.id: form}, status=422,
                             error=_("The lesson was not added: give it a title and a kind."))
    lesson = structure.add_lesson(current_user, module, form.revision.data, form.kind.data,
                                  form.title.data.strip())
    db.session.commit()
    flash(_("Lesson “%(title)s” added.", title=lesson.title), "success")
    return done(lesson_url(lesson))


def lesson_form_class(lesson):
    return DocumentLessonForm if lesson.kind == "document" else LessonForm


def render_lesson_editor(lesson, form=None, preview=None, status=200):
    version = lesson.module.version
    form = form or lesson_form_class(lesson)(data={
        "revision": version.revision, "title": lesson.title, "body_markdown": lesson.body_markdown,
        "pass_mark": lesson.pass_mark, "document_number": lesson.document_number,
        "document_revision": lesson.document_revision,
    })
    return render_template(
        "authoring/lesson.html", lesson=lesson, version=version, course=version.course, form=form,
        preview=preview, file_form=UploadForm(formdata=None), image_form=ImageForm(formdata=None),
        images=uploads.course_images(version.course), limit=uploads.size_limit_text(),
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
    ), status


@bp.route("/author/lessons/<int:lesson_id>", methods=["GET", "POST"])
@login_required
def lesson(lesson_id):
    lesson = editable(Lesson, lesson_id)
    if request.method == "GET":
        return render_lesson_editor(lesson)
    form = lesson_form_class(lesson)()
    if not form.validate_on_submit():
        refuse_expired(form)
        return render_lesson_editor(lesson, form=form, status=422)
    if request.form.get("action") == "preview":
        # Rendered exactly as learners will see it; nothing is saved.
        return render_lesson_editor(lesson, form=form, preview=render_markdown(form.body_markdown.data, lesson.module.version.course.slug))
    structure.update_lesson(current_user, lesson, form.revision.data, title=form.title.data.strip(),
                            body_markdown=form.body_markdown.data, pass_mark=form.pass_mark.data,
                            document_number=getattr(form, "document_number", None) and form.document_number.data,
                            document_revision=getattr(form, "document_revision", None) and form.document_revision.data)
    db.session.commit()
    flash(_("Lesson “%(title)s” saved.", title=lesson.title), "success")
    return done(lesson_url(lesson))


@bp.route("/author/lessons/<int:lesson_id>/move", methods=["POST"])
@login_required
def move_lesson(lesson_id):
    lesson = editable(Lesson, lesson_id)
    form = form_or_400(MoveForm())
    structure.move_lesson(current_user, lesson, form.revision.data, form.direction.data)
    db.session.commit()
    return done(editor_url(lesson.module.version) + f"#lesson-{lesson.id}")


@bp.route("/author/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
@login_required
def delete_lesson(lesson_id):
    lesson = editable(Lesson, lesson_id)
    version = lesson.module.version
    if request.method == "GET":
        return render_template("authoring/confirm_delete.html", version=version, thing=lesson.title,
                               what=_("lesson"), back=editor_url(version), note=None)
    form = form_or_400(RevisionForm())
    title = lesson.title
    structure.delete_lesson(current_user, lesson, form.revision.data)
    db.session.commit()
    flash(_("Lesson “%(title)s” deleted.", title=title), "success")
    return done(editor_url(version))


# ------------------------------------------------------------------ uploads

def _upload(field):
    """(stream, name) of the uploaded file; an empty name when none was chosen."""
    storage = request.files.get(field)
    if storage is None:
        return None, ""
    return storage.stream, storage.filename or ""


@bp.route("/author/lessons/<int:lesson_id>/file", methods=["POST"])
@login_required
def upload_lesson_file(lesson_id):
    lesson = editable(Lesson, lesson_id)
    form = form_or_400(UploadForm())
    stream, name = _upload("file")
    stored = uploads.attach_lesson_file(current_user, lesson, form.revision.data, stream, name)
    db.session.commit()
    flash(_("“%(name)s” uploaded.", name=stored.original_name), "success")
    return done(lesson_url(lesson, "lesson-file"))


@bp.route("/author/lessons/<int:lesson_id>/images", methods=["POST"])
@login_required
def upload_image(lesson_id):
    lesson = editable(Lesson, lesson_id)
    form = form_or_400(ImageForm())
    stream, name = _upload("image")
    asset = uploads.add_course_image(current_user, lesson.module.version.course, stream, name)
    db.session.commit()
    flash(_("Image “%(name)s” uploaded. Copy its Markdown snippet into the text.",
            name=asset.file.original_name), "success")
    return done(lesson_url(lesson, f"image-{asset.file_id}"))


# ---------------------------------------------------------------- questions

def render_question(lesson, form, question=None, status=200):
    version = lesson.module.version
    return render_template("authoring/question.html", lesson=lesson, version=version,
                           course=version.course, form=form, question=question), status


def _question_fields(form):
    choices, correct = form.filled_choices()
    return dict(prompt=form.prompt.data.strip(), choices=choices, correct=correct,
                feedback=(form.feedback.data or "").strip(), multiple=form.multiple.data)


@bp.route("/author/lessons/<int:lesson_id>/questions/new", methods=["GET", "POST"])
@login_required
def new_question(lesson_id):
    lesson = editable(Lesson, lesson_id)
    if lesson.kind != "quiz":
        abort_with(404, _("Only quiz lessons have questions."))
    form = QuestionForm() if request.method == "POST" else QuestionForm(
        data={"revision": lesson.module.version.revision})
    if not form.validate_on_submit():
        refuse_expired(form)
        return render_question(lesson, form, status=422 if request.method == "POST" else 200)
    structure.add_question(current_user, lesson, form.revision.data, **_question_fields(form))
    db.session.commit()
    flash(_("Question added."), "success")
    return done(lesson_url(lesson, "questions"))


@bp.route("/author/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def question(question_id):
    question = editable(Question, question_id)
    form = QuestionForm() if request.method == "POST" else QuestionForm.for_question(question)
    if not form.validate_on_submit():
        refuse_expired(form)
        return render_question(question.lesson, form, question, status=422 if request.method == "POST" else 200)
    structure.update_question(current_user, question, form.revision.data, **_question_fields(form))
    db.session.commit()
    flash(_("Question saved."), "success")
    return done(lesson_url(question.lesson, f"question-{question.id}"))


@bp.route("/author/questions/<int:question_id>/move", methods=["POST"])
@login_required
def move_question(question_id):
    question = editable(Question, question_id)
    form = form_or_400(MoveForm())
    structure.move_question(current_user, question, form.revision.data, form.direction.data)
    db.session.commit()
    return done(lesson_url(question.lesson, f"question-{question.id}"))


@bp.route("/author/questions/<int:question_id>/delete", methods=["GET", "POST"])
@login_required
def delete_question(question_id):
    question = editable(Question, question_id)
    lesson = question.lesson
    if request.method == "GET":
        return render_template("authoring/confirm_delete.html", version=lesson.module.version,
                               thing=question.prompt, what=_("question"), back=lesson_url(lesson, "questions"),
                               note=None)
    form = form_or_400(RevisionForm())
    structure.delete_question(current_user, question, form.revision.data)
    db.session.commit()
    flash(_("Question deleted."), "success")
    return done(lesson_url(lesson, "questions"))
