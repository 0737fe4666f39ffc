from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.courses import services
from lms.enrolments import services as enrolments
from lms.errors import abort_with
from lms.extensions import db
from lms.memo import Memo
from lms.progress import services as progress

bp = Blueprint("courses", __name__)


@bp.route("/")
@bp.route("/courses")
def catalogue():
    language = request.args.get("language", "").strip()[:8] or None
    search = request.args.get("q", "").strip()[:100] or None
    page = request.args.get("page", 1, type=int)
    if page < 1:
        page = 1
    per_page = current_app.config["COURSES_PER_PAGE"]
    rows, total = services.catalogue(language=language, search=search, page=page, per_page=per_page)
    content = catalogue_content(
        rows, total=total, page=page, pages=max(1, -(-total // per_page)), language=language,
        search=search or "", course_languages=tuple(services.catalogue_languages(rows)),
    )
    return render_template("courses/catalogue.html", content=content)


def catalogue_content(rows, **view):
    """The HTML of the catalogue's content (filters, count, cards, pager). It follows from the
    rows, the view's other values, the language and where the app is mounted alone, so the
    last couple of hundred are kept: the busiest page of the site renders it once, not on every
    view (not while templates reload, in development). Keyed by the data, it cannot go stale."""
    if current_app.jinja_env.auto_reload:
        return _render_catalogue_content(rows, view)
    # Rows as plain tuples: they hash and compare in C.
    key = (str(get_locale()), request.script_root, tuple(map(tuple, rows)), *view.items())
    html = _catalogue_contents.get(key)
    if html is None:
        html = _catalogue_contents.put(key, _render_catalogue_content(rows, view))
    return html


_catalogue_contents = Memo(256)


def _render_catalogue_content(rows, view):
    return Markup(render_template("courses/_catalogue_content.html", rows=rows, **view))


def course_or_404(slug):
    course = services.course_by_slug(slug)
    version = services.visible_version(course, current_user)
    if version is None:
        abort_with(404, _("There is no such course."))
    return course, version


@bp.route("/courses/<slug>")
def course_page(slug):
    course, version = course_or_404(slug)
    enrolment = enrolments.enrolment_for(current_user, course)
    state = progress.summary(enrolment) if enrolment else None
    shown = enrolment.version if enrolment else version
    return render_template(
        "courses/course.html", course=course, version=shown, enrolment=enrolment,
        state=state, form=FlaskForm(),
    )


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug):
    course, _version = course_or_404(slug)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort_with(400, _("The form expired. Reload the page and try again."))
    try:
        enrolment, created = enrolments.enrol(current_user, course)
    except enrolments.NotEnrollable:
        abort_with(409, _("This course is not open for enrolment."))
    db.session.commit()
    if created:
        flash(_("You are enrolled in %(title)s.", title=course.title), "success")
    else:
        flash(_("You are already enrolled in this course."), "info")
    return redirect(url_for("courses.course_page", slug=course.slug))


@bp.route("/courses/<slug>/continue")
@login_required
def continue_course(slug):
    course, _version = course_or_404(slug)
    enrolment = enrolments.enrolment_for(current_user, course)
    if enrolment is None:
        flash(_("Enrol in the course to start it."), "info")
        return redirect(url_for("courses.course_page", slug=slug))
    lesson = progress.summary(enrolment)["next"]
    if lesson is None:
        return redirect(url_for("courses.course_page", slug=slug))
    return redirect(url_for("progress.lesson", slug=slug, lesson_id=lesson.id))
