from functools import cached_property

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.course_languages import learning
from lms.courses import services
from lms.enrolments import services as enrolments
from lms.errors import abort_with
from lms.extensions import db
from lms.parsing import page_number
from lms.progress import services as progress

bp = Blueprint("courses", __name__)


@bp.route("/")
@bp.route("/courses")
def catalogue():
    language = request.args.get("language", "").strip()[:8] or None
    search = request.args.get("q", "").strip()[:100] or None
    page = page_number(request.args)
    listing = CatalogueListing(language, search, page, current_app.config["COURSES_PER_PAGE"])
    response = make_response(render_template("courses/catalogue.html", listing=listing))
    if not current_user.is_authenticated:
        # Anonymous pages are the same for everyone: a browser or proxy may keep one, but asks
        # again each time (no-cache) and gets 304 when the ETag (a hash of the page) matches.
        response.cache_control.no_cache = True
        response.add_etag()
        response.make_conditional(request)
    return response


class CatalogueListing:
    """A page of the catalogue, read from the database when the template first asks."""

    def __init__(self, language, search, page, per_page):
        self.language, self.search, self.page, self.per_page = language, search, page, per_page

    @cached_property
    def found(self):
        return services.catalogue(
            language=self.language, search=self.search, page=self.page, per_page=self.per_page
        )

    @property
    def rows(self):
        return self.found[0]

    @property
    def total(self):
        return self.found[1]

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))

    @property
    def course_languages(self):
        return services.catalogue_languages(self.rows)

    @staticmethod
    def offered(row):
        """The languages ``row``'s course is offered in, its own first."""
        return services.offered_languages(row)


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
    # Texts in the enrolment's language; before enrolling, in the course's own.
    reading = learning.reading_language(enrolment) if enrolment else course.language
    offered = learning.published_languages(shown)
    default = None
    if enrolment is None and current_user.is_authenticated and shown.status == "published":
        default = learning.default_language(current_user, shown)
    return render_template(
        "courses/course.html", course=course, version=shown, enrolment=enrolment,
        state=state, form=FlaskForm(), texts=learning.version_texts(shown, reading), reading=reading,
        course_languages=offered, default_language=default or course.language,
    )


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug):
    course, _version = course_or_404(slug)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort_with(400, _("The form expired. Reload the page and try again."))
    language = request.form.get("language")
    try:
        if language is not None:  # the form offers the course's languages
            language = learning.check_language(course.published_version or _version, language)
        enrolment, created = enrolments.enrol(current_user, course, language=language)
    except enrolments.NotEnrollable:
        abort_with(409, _("This course is not open for enrolment."))
    except learning.LanguageRefused as refused:
        abort_with(refused.status, str(refused.message))
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
