"""Certificate pages: the learner's download, the public verification page, and the admins'
list with revoke and reissue."""
import logging

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.auth import require
from lms.policy import Forbidden, can
from lms.certificates import services
from lms.certificates.codes import display_code, normalise_code
from lms.certificates.forms import CertificateFilterForm, ReissueForm, ReplaceForm, RevokeForm, VerifyLookupForm
from lms.certificates.models import Certificate
from lms.certificates.validity import validities, validity_of
from lms.errors import abort_with
from lms.extensions import db, limiter
from lms.parsing import page_number
from lms.signatures.queries import signatures_of_certificate

bp = Blueprint("certificates", __name__)
log = logging.getLogger(__name__)
PER_PAGE = 50

# One budget for every verification request from an address, so codes cannot be enumerated.
verify_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_VERIFY"], scope="certificate-verify")


@bp.app_template_filter("certificate_code")
def certificate_code_filter(code):
    return display_code(code)


def _certificate_or_404(code):
    cert = services.certificate_by_code(code)
    if cert is None:
        abort_with(404, _("There is no certificate with this code."))
    return cert


@bp.route("/certificates/<code>.pdf")
@login_required
def download(code):
    cert = _certificate_or_404(code)
    require("certificate.download", cert)
    if cert.status == "pending":
        abort_with(409, _("Your certificate is being prepared. Please try again in a moment."))
    if cert.status == "revoked" and not can(current_user, "certificate.manage"):
        abort_with(410, _("This certificate has been revoked."))
    path = services.pdf_path(cert.code)
    if not path.is_file():
        log.error("certificate PDF missing id=%s", cert.id)
        abort_with(404, _("The certificate file is missing. Please contact an administrator."))
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True,
        download_name=f"certificate-{cert.code}.pdf", conditional=True, max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _verify_response(html, status=200):
    response = make_response(html, status)
    # The code in the URL is the key to the record: keep it out of search engines and of
    # the Referer sent to other sites.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/verify", strict_slashes=False)
@verify_limit
def verify_lookup():
    form = VerifyLookupForm(request.args)
    if "code" in request.args:
        if form.validate():
            code = normalise_code(form.code.data) or form.code.data.strip()
            return redirect(url_for(".verify", code=code))
        return _verify_response(render_template("certificates/verify.html", state=None, cert=None, form=form), 422)
    return _verify_response(render_template("certificates/verify.html", state=None, cert=None, form=form))


@bp.route("/verify/<code>")
@verify_limit
def verify(code):
    cert = services.certificate_by_code(code)
    state = services.verification_state(cert)
    found = state != "not_found"
    html = render_template(
        "certificates/verify.html", state=state, cert=cert if found else None,
        # Only whether it was renewed: never which certificate renewed it (another code).
        renewed=found and validity_of(cert).renewed,
        # The signed documents and sign-offs behind it, and nothing else of the learner's.
        signatures=signatures_of_certificate(cert) if found else [],
        form=VerifyLookupForm(formdata=None),
    )
    return _verify_response(html, 404 if state == "not_found" else 200)


# --------------------------------------------------------------------------- admin


@bp.route("/admin/certificates")
@login_required
def admin_list():
    require("certificate.manage")
    form = CertificateFilterForm(request.args)
    valid = form.validate()
    query = services.search_certificates(
        status=form.status.data if valid else None, text=form.q.data if valid else None,
    )
    page = page_number(request.args)
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    states = {cert_id: v.status for cert_id, v in validities(pagination.items).items()}
    return render_template(
        "certificates/admin_list.html", form=form, pagination=pagination, args=args,
        state_of=lambda cert: states[cert.id],
    ), (200 if valid else 422)


def _render_detail(cert, status=200, **forms):
    history = db.session.scalars(
        select(Certificate).where(Certificate.enrolment_id == cert.enrolment_id).order_by(Certificate.sequence)
    ).all()
    states = {cert_id: v.status for cert_id, v in validities(history).items()}
    return render_template(
        "certificates/admin_detail.html", cert=cert, history=history, latest=history[-1],
        state=states[cert.id], state_of=lambda item: states[item.id],
        revoke_form=forms.get("revoke") or RevokeForm(formdata=None),
        reissue_form=forms.get("reissue") or ReissueForm(formdata=None),
        replace_form=forms.get("replace") or ReplaceForm(formdata=None),
    ), status


@bp.route("/admin/certificates/<code>")
@login_required
def admin_detail(code):
    require("certificate.manage")
    return _render_detail(_certificate_or_404(code))


def _refused(cert, form, name, exc):
    """A service said no: show why on the detail page, with the form as it was sent."""
    db.session.rollback()
    if isinstance(exc, Forbidden):
        abort_with(403, _("You do not have permission to manage certificates."))
    if isinstance(exc, services.MissingReason):
        form.reason.errors = [*form.reason.errors, str(exc.message)]
    else:
        flash(str(exc.message), "error")
    cert = db.session.get(Certificate, cert.id)
    return _render_detail(cert, status=getattr(exc, "status", 409), **{name: form})


@bp.route("/admin/certificates/<code>/revoke", methods=["POST"])
@login_required
def revoke(code):
    require("certificate.manage")
    cert = _certificate_or_404(code)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _render_detail(cert, status=422, revoke=form)
    try:
        services.revoke_certificate(cert, form.reason.data, actor=current_user)
        db.session.commit()
    except (Forbidden, services.CertificateError) as exc:
        return _refused(cert, form, "revoke", exc)
    flash(_("Certificate %(code)s is revoked.", code=cert.code), "success")
    return redirect(url_for(".admin_detail", code=cert.code))


def _reissue(code, form, name, correction):
    require("certificate.manage")
    cert = _certificate_or_404(code)
    if not form.validate_on_submit():
        return _render_detail(cert, status=422, **{name: form})
    if services.latest_certificate(cert.enrolment_id).id != cert.id:
        flash(_("A newer certificate exists for this enrolment: reissue from that one."), "error")
        return _render_detail(cert, status=409, **{name: form})
    try:
        new = services.reissue_certificate(
            cert.enrolment, actor=current_user, reason=form.reason.data, correction=correction,
        )
        db.session.commit()
    except (Forbidden, services.CertificateError) as exc:
        return _refused(cert, form, name, exc)
    flash(_("Certificate reissued with the code %(code)s.", code=new.code), "success")
    return redirect(url_for(".admin_detail", code=new.code))


@bp.route("/admin/certificates/<code>/reissue", methods=["POST"])
@login_required
def reissue(code):
    """A revoked (latest) certificate: issue a new one."""
    return _reissue(code, ReissueForm(), "reissue", correction=False)


@bp.route("/admin/certificates/<code>/replace", methods=["POST"])
@login_required
def replace(code):
    """A valid certificate: revoke it with the reason and issue a corrected one."""
    return _reissue(code, ReplaceForm(), "replace", correction=True)
