"""Signing a controlled document ("read and understood") and unlocking a person's signing.

The sign route: CSRF (CSRFProtect, before the view), the enrolled learner's own lesson of the
enrolled version, the file shown still the one in effect, re-authentication
(``check_signer``), the page's single-use nonce, then the signature and the lesson's
completion, in one transaction. Only the signer's own record can be signed: the enrolment is
always the current user's.
"""
import logging

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_limiter.util import get_remote_address
from sqlalchemy import select

from lms.accounts.auth import require
from lms.accounts.models import User
from lms.accounts.services import normalise_email
from lms.courses.models import CourseVersion, Lesson, Module
from lms.enrolments.models import Enrolment
from lms.errors import abort_with
from lms.extensions import db, limiter
from lms.outbox.models import EMAIL_SIGNING_LOCKED
from lms.outbox.services import promise
from lms.progress import services as progress
from lms.progress.services import complete_signed_lesson
from lms.signatures import services
from lms.signatures.display import utc_text
from lms.signatures.document_page import signing_state
from lms.signatures.forms import SignDocumentForm, UnlockSigningForm
from lms.signatures.meanings import READ_UNDERSTOOD

log = logging.getLogger(__name__)

bp = Blueprint("signatures", __name__)


def _signer_key():
    """Signing posts are limited per signer (a company's people share one address)."""
    if current_user.is_authenticated:
        return f"signing:{current_user.id}"
    return f"signing-address:{get_remote_address()}"


def _me():
    return db.session.get(User, current_user.id)


def _page(course, enrolment, lesson, status, form=None):
    """The lesson page again (with a new nonce, committed once rendered)."""
    from lms.progress.views import render_lesson

    page = render_lesson(course, enrolment, lesson, status=status,
                         signing=signing_state(enrolment, lesson, form=form))
    db.session.commit()
    return page


def document_text(lesson):
    return _("%(number)s rev. %(revision)s", number=lesson.document_number or "",
             revision=lesson.document_revision or "")


def successor_in(course_id, version_id, lesson_id):
    """The lesson of ``version_id`` that was copied (over one or more versions) from
    ``lesson_id``, or None."""
    rows = db.session.execute(
        select(Lesson.id, Lesson.copied_from_id, Module.version_id)
        .join(Module, Module.id == Lesson.module_id).join(CourseVersion, CourseVersion.id == Module.version_id)
        .where(CourseVersion.course_id == course_id)
    ).all()
    origin = {row.id: row.copied_from_id for row in rows}
    for row in rows:
        if row.version_id != version_id:
            continue
        seen, current = set(), row.copied_from_id
        while current is not None and current not in seen:
            if current == lesson_id:
                return row.id
            seen.add(current)
            current = origin.get(current)
    return None


def _refuse_changed(slug, lesson_id):
    """The document changed since the page was opened: nothing is signed; the page of the
    revision now in effect is shown, naming it (409)."""
    course, enrolment, lesson = progress.learner_lesson(current_user.id, slug, lesson_id)
    flash(_("The document changed while the page was open: %(document)s is now in effect. Nothing was "
            "signed. Read this revision, then sign it.", document=document_text(lesson)), "error")
    log.info("signing refused, document changed user_id=%s lesson_id=%s", current_user.id, lesson_id)
    return _page(course, enrolment, lesson, 409)


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/sign", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNING"], key_func=_signer_key)
def sign_document(slug, lesson_id):
    course, enrolment, lesson = progress.learner_lesson(current_user.id, slug, lesson_id)
    if course is None:
        abort_with(404, _("There is no such course."))
    if enrolment is None:
        abort_with(403, _("Enrol in this course to open its lessons."))
    if lesson is None:
        # A new version was published and the enrolment moved to it: the posted lesson is the
        # old revision's.
        newer = successor_in(course.id, enrolment.version_id, lesson_id)
        if newer is None:
            abort_with(404, _("This lesson is not part of your course."))
        return _refuse_changed(slug, newer)
    if lesson.kind != "document":
        abort_with(409, _("This lesson is not a controlled document to sign."))
    if lesson.file is None:
        abort_with(409, _("This document has no file to sign."))
    form = SignDocumentForm()
    if form.file_sha256.data and form.file_sha256.data != lesson.file.sha256:
        return _refuse_changed(slug, lesson.id)
    signer = _me()
    asks_email = services.needs_email(signer)
    valid = form.validate()
    if "nonce" in form.errors or "file_sha256" in form.errors:
        abort_with(400, _("The form was incomplete or has expired. Reload the page and try again."))
    if asks_email and not (form.email.data or "").strip():
        form.email.errors.append(_("Enter your email address: the first signing of a session asks for both."))
        valid = False
    if not valid:  # nothing typed: not counted as a failed signing
        return _page(course, enrolment, lesson, 422, form=form)
    try:
        services.check_signer(signer, form.password.data, email=form.email.data)
    except services.SigningLocked:
        db.session.rollback()
        abort_with(403, locked_message())
    except services.WrongCredentials as refused:
        email_wrong = asks_email and normalise_email(form.email.data or "") != signer.email
        if refused.locked:
            promise(EMAIL_SIGNING_LOCKED, signer.id)
        db.session.commit()  # the failure counts (and the lock holds) although nothing is signed
        if refused.locked:
            log.warning("signing locked user_id=%s", signer.id)
            logout_user()
            session.clear()
            abort_with(403, wrong_message(email_wrong) + " " + locked_message())
        left = current_app.config["SIGNING_LOCK_AFTER"] - signer.signing_failures
        flash(wrong_message(email_wrong) + " "
              + _("Attempts left before signing and login are locked: %(n)s.", n=left), "error")
        return _page(course, enrolment, lesson, 422, form=form)
    record = db.session.get(Enrolment, enrolment.id)
    try:
        services.use_nonce(form.nonce.data, signer, record, lesson, lesson.file.sha256)
        signature = services.sign(signer, record, lesson, READ_UNDERSTOOD, file_sha256=lesson.file.sha256)
    except services.AlreadySigned:
        db.session.rollback()
        abort_with(409, _("You have signed this document already."))
    except services.NonceRefused:
        db.session.rollback()
        flash(_("This signing page was used already or has expired. The document was not signed. "
                "Sign it again below."), "error")
        return _page(course, enrolment, lesson, 409)
    complete_signed_lesson(record, lesson, signer)
    completed = record.status == "completed"
    db.session.commit()
    log.info("document signed user_id=%s lesson_id=%s signature_id=%s", signer.id, lesson.id, signature.id)
    flash(_("Signed: %(meaning)s.", meaning=_("I have read and understood this document")), "success")
    if completed:
        flash(_("Congratulations, you have completed %(title)s.", title=course.title), "success")
    return redirect(url_for("progress.lesson", slug=slug, lesson_id=lesson.id))


def wrong_message(email_wrong):
    if email_wrong:
        return _("The email address is not the one of your account. The document was not signed.")
    return _("The password is not correct. The document was not signed.")


def locked_message():
    return _("Signing and login are locked for your account after wrong passwords in a row. Your "
             "organisation's administrators have been told; one of them must unlock it.")


# ------------------------------------------------------------- unlocking

def _locked_person(user_id):
    require("record.view")
    user = db.session.get(User, user_id)
    if user is None:
        abort_with(404, _("There is no such user."))
    require("signature.unlock", user)
    return user


@bp.route("/admin/users/<int:user_id>/unlock-signing", methods=["POST"])
@login_required
def unlock_signing(user_id):
    """Unlock signing and login for a person, with a reason (422 without one)."""
    user = _locked_person(user_id)
    form = UnlockSigningForm()
    if user.signing_locked_at is None:
        abort_with(409, _("Signing is not locked for %(name)s.", name=user.name))
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort_with(400, _("The form was incomplete or has expired. Reload the page and try again."))
        return render_template("signatures/unlock.html", user=user, form=form,
                               locked_utc=utc_text(user.signing_locked_at)), 422
    services.unlock_signing(_me(), user, form.reason.data)
    db.session.commit()
    log.info("signing unlocked user_id=%s actor_id=%s", user.id, current_user.id)
    flash(_("Signing and login are unlocked for %(name)s.", name=user.name), "success")
    return redirect(url_for("records.user_record", user_id=user.id))

