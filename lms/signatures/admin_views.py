"""/admin/signatures: a site admin re-checks the electronic signatures (the same check as
``flask lms signatures-verify``, for at most SIGNATURES_VERIFY_PAGE_MAX in the request)."""
import logging

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.auth import require
from lms.errors import abort_with
from lms.extensions import db
from lms.signatures.models import Signature
from lms.signatures.verify import FAILURE_TEXTS, verify_signatures

bp = Blueprint("signature_admin", __name__, url_prefix="/admin/signatures")
log = logging.getLogger(__name__)


@bp.route("/")
@login_required
def overview():
    require("admin.view")  # every organisation's signatures: site admins only
    total = db.session.scalar(select(func.count(Signature.id))) or 0
    return render_template("signatures/admin_verify.html", total=total, result=None,
                           most=current_app.config["SIGNATURES_VERIFY_PAGE_MAX"])


@bp.route("/verify", methods=["POST"])
@login_required
def verify_now():
    require("admin.view")
    if not FlaskForm().validate_on_submit():
        abort_with(400, _("The form expired. Reload the page and try again."))
    most = current_app.config["SIGNATURES_VERIFY_PAGE_MAX"]
    # A session of its own: the check empties its session as it goes.
    with Session(db.engine) as session:
        result = verify_signatures(session, limit=most)
    log.info("signatures verified by user %s: %s checked, %s not matching",
             current_user.id, result.checked, len(result.problems))
    return render_template("signatures/admin_verify.html", total=result.total, result=result, most=most,
                           failure_texts=FAILURE_TEXTS)
