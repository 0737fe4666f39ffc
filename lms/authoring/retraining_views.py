"""The "who will need retraining" page of a major version waiting for its effective date:
for site admins (everyone) and organisation admins (their organisation's people only)."""
from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.auth import require
from lms.authoring.web import bp, load
from lms.compliance import retraining
from lms.courses.models import CourseVersion
from lms.errors import abort_with


@bp.route("/author/retraining", endpoint="retraining_index")
@login_required
def waiting_versions():
    """Every major version waiting for its effective date, with how many of the viewer's
    people will need retraining then."""
    require("compliance.manage", current_user.organisation)
    rows = [(version, len(retraining.needing_retraining(version, viewer=current_user)))
            for version in retraining.waiting_versions()]
    return render_template("authoring/retraining_index.html", rows=rows,
                           effective_date=retraining.effective_date_label)


@bp.route("/author/versions/<int:version_id>/retraining", endpoint="retraining")
@login_required
def who_needs_retraining(version_id):
    version = load(CourseVersion, version_id)
    # Anyone who manages a training matrix: a site admin, or an organisation admin (whose list
    # is cut to their own organisation's people below: a job profile of theirs may require a
    # course of another organisation).
    require("compliance.manage", current_user.organisation)
    if not retraining.is_pending(version):
        abort_with(404, _("Version %(n)s is not a major version waiting for its effective date.", n=version.number))
    people = retraining.needing_retraining(version, viewer=current_user)
    return render_template(
        "authoring/retraining.html", version=version, course=version.course, people=people,
        effective_on=retraining.effective_date_label(version), everyone=current_user.is_admin,
    )
