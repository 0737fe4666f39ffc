"""Supervisors' pages: who waits for their sign-off (/supervise), and the sign-off of one
learner's observed practice with re-authentication (lms.signatures.supervision)."""
from flask import Blueprint, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from lms.courses.services import lesson_in_version
from lms.enrolments.models import Enrolment
from lms.errors import abort_with, render_error
from lms.extensions import db
from lms.outbox.models import EMAIL_SIGNING_LOCKED
from lms.outbox.services import promise
from lms.policy import Forbidden
from lms.signatures import services, supervision
from lms.signatures.display import manifest
from lms.signatures.meanings import VERIFIED_COMPETENT, meaning_text
from lms.signatures.web import SigningForm, refusal, signing_limit

bp = Blueprint("supervise", __name__)

NOT_SIGNED = _l("The sign-off was not recorded.")


@bp.app_template_global("supervises_anyone")
def supervises_anyone_global():
    """For the navigation: does the current user supervise any job profile? (once a request)"""
    if "supervises_anyone" not in g:
        try:
            g.supervises_anyone = supervision.supervises_anyone(current_user)
        except SQLAlchemyError:
            # An error page rendered while the database is away keeps its header.
            db.session.rollback()
            g.supervises_anyone = False
    return g.supervises_anyone


@bp.app_template_global("observed_practice")
def observed_practice(enrolment_id, lesson_id):
    """For a learner's observed-practice lesson page: its sign-off (the manifest) or, while
    none, the people who may give it."""
    signature = supervision.signature_of(enrolment_id, lesson_id) if enrolment_id else None
    if signature is not None:
        return {"shown": manifest(signature), "supervisors": []}
    return {"shown": None, "supervisors": supervision.supervisors_of_learner(current_user)}


@bp.get("/supervise")
@login_required
def waiting():
    return render_template("signatures/supervise.html", rows=supervision.waiting_for(current_user),
                           supervises=supervision.supervises_anyone(current_user))


def _target(enrolment_id, lesson_id):
    """The enrolment and lesson a supervisor signs, or a clear 404/403/409."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        abort_with(404, _("There is no such enrolment."))
    if enrolment.user_id == current_user.id:
        abort_with(403, _("Nobody signs off their own practice: a supervisor must sign it off."))
    if not supervision.may_sign_off(current_user, enrolment.user):
        abort_with(403, _("You do not supervise a job profile of this person, so you cannot sign off their practice."))
    lesson = lesson_in_version(lesson_id, enrolment.version_id)
    if lesson is None:
        abort_with(404, _("This lesson is not part of this person's course."))
    if lesson.kind != supervision.OBSERVED:
        abort_with(409, _("Only observed practice is signed off by a supervisor."))
    return enrolment, lesson


def _page(enrolment, lesson, form=None, message=None, status=200):
    """The sign-off page: the manifest once signed, else the signing form with a fresh nonce."""
    signature = supervision.signature_of(enrolment.id, lesson.id)
    nonce = None
    if signature is None and enrolment.status == "active":
        nonce = services.issue_nonce(current_user, enrolment, lesson)
        db.session.commit()
    form = form or SigningForm(formdata=None)
    form.nonce.data = nonce
    form.password.data = ""
    return render_template(
        "signatures/sign_off.html", enrolment=enrolment, lesson=lesson, learner=enrolment.user,
        course=enrolment.course, form=form, message=message, needs_email=services.needs_email(current_user),
        meaning=meaning_text(VERIFIED_COMPETENT), shown=manifest(signature) if signature else None,
    ), status


@bp.get("/supervise/<int:enrolment_id>/lessons/<int:lesson_id>")
@login_required
def sign_off_page(enrolment_id, lesson_id):
    enrolment, lesson = _target(enrolment_id, lesson_id)
    if enrolment.status != "active" and supervision.signature_of(enrolment.id, lesson.id) is None:
        abort_with(409, _("This enrolment is no longer open, so nothing can be signed off on it."))
    return _page(enrolment, lesson)


@bp.post("/supervise/<int:enrolment_id>/lessons/<int:lesson_id>")
@login_required
@signing_limit
def sign_off(enrolment_id, lesson_id):
    # The CSRF token was checked before the view (CSRFProtect), as for every form.
    enrolment, lesson = _target(enrolment_id, lesson_id)
    learner_name, lesson_title = enrolment.user.name, lesson.title
    asked_email = services.needs_email(current_user)
    form = SigningForm()
    valid = form.validate_on_submit()
    if asked_email and not (form.email.data or "").strip():  # nothing typed: not a failed signing
        form.email.errors = list(form.email.errors) + [
            _("Give your email too: the first signing of a session asks for both.")]
        valid = False
    if not valid:
        return _page(enrolment, lesson, form=form, status=422,
                     message=" ".join([str(NOT_SIGNED)] + [str(e) for errors in form.errors.values() for e in errors]))
    try:
        supervision.sign_off(current_user, enrolment, lesson, form.password.data,
                             form.email.data if asked_email else None, form.nonce.data)
    except services.WrongCredentials as error:
        if error.locked:  # the organisation's admins are emailed (lms.signatures.tasks)
            promise(EMAIL_SIGNING_LOCKED, current_user.id)
        db.session.commit()  # the failure counted, audited, and at the last try the lock
        message, status = refusal(error, current_user, NOT_SIGNED, asked_email=asked_email)
        if error.locked:  # every session of the account ended with the lock: this one too
            logout_user()
            session.clear()
            return render_error(status, message)
        return _page(enrolment, lesson, message=message, status=status)
    except (services.SigningRefused, Forbidden, IntegrityError) as error:
        db.session.rollback()
        if isinstance(error, Forbidden):
            abort_with(403, _("You do not supervise a job profile of this person, so you cannot sign off their practice."))
        if isinstance(error, IntegrityError):  # signed at the same moment by another supervisor
            error = services.AlreadySigned(None)
        if isinstance(error, services.AlreadySigned):
            return _page(enrolment, lesson, status=409,
                         message=_("This practice has been signed off already. Nothing else was signed."))
        message, status = refusal(error, current_user, NOT_SIGNED, asked_email=asked_email)
        if isinstance(error, services.SigningLocked) or isinstance(error, supervision.NotSignable):
            return render_error(status, message)
        return _page(enrolment, lesson, message=message, status=status)
    db.session.commit()
    flash(_("You signed off “%(lesson)s” for %(name)s: verified competent.", lesson=lesson_title, name=learner_name),
          "success")
    return redirect(url_for(".waiting"))
