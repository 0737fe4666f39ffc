"""The compliance dashboard: per job profile and requirement, who must have it and how many are
compliant, overdue, expiring, on a superseded version or expired, now or as of a past day;
the people in each cell; one person's matrix row; CSV and XLSX exports and the XLSX matrix.

Site admins see any organisation or all; organisation admins their own only (policy
``compliance.manage``: 403 for another's). Every page reads; nothing here writes.
"""
import logging
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.auth import require
from lms.accounts.models import Organisation, User
from lms.compliance import dashboard, matrix_export
from lms.compliance.models import Requirement
from lms.downloads import content_disposition
from lms.errors import abort_with
from lms.extensions import db
from lms.parsing import ascii_int, iso_date, page_number
from lms.timeutil import utcnow

bp = Blueprint("compliance_dashboard", __name__, url_prefix="/admin/compliance/dashboard")
log = logging.getLogger(__name__)
PEOPLE_PER_PAGE = 50


class Scope:
    """What a dashboard request covers: an organisation (None: all, site admins only) and the
    moment it is evaluated at (now, or the end of the "as of" day in the organisation's time
    zone, UTC for all)."""

    def __init__(self, organisation, as_of):
        self.organisation, self.as_of = organisation, as_of
        self.organisation_id = organisation.id if organisation else None
        now = utcnow()
        if as_of is None:
            self.at = now
        else:
            zone = _zone(organisation)
            end = datetime.combine(as_of + timedelta(days=1), time.min, zone).astimezone(timezone.utc)
            if end - timedelta(days=1) > now:
                abort_with(422, _("The “as of” date must not be in the future."))
            self.at = min(end - timedelta(microseconds=1), now)

    @property
    def label(self):
        return self.as_of.isoformat() if self.as_of else self.at.strftime("%Y-%m-%d %H:%M UTC")

    def args(self, **extra):
        """Query arguments that keep this scope in a link."""
        args = {"org": self.organisation_id, "as_of": self.as_of.isoformat() if self.as_of else None}
        args.update(extra)
        return {k: v for k, v in args.items() if v not in (None, "")}


def _zone(organisation):
    try:
        return ZoneInfo(organisation.timezone) if organisation and organisation.timezone else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def _as_of():
    raw = request.args.get("as_of", "").strip()
    if not raw:
        return None
    day = iso_date(raw)
    if day is None:
        abort_with(400, _l("The “as of” date must be a date written YYYY-MM-DD."))
    return day


def _scope(organisation=None):
    """The request's scope: ``organisation`` when the page belongs to one (a requirement's, a
    person's), else the ``org`` argument; organisation admins default to their own."""
    if organisation is None:
        raw = request.args.get("org", "").strip()
        if raw:
            org_id = ascii_int(raw, 1)
            if org_id is None:
                abort_with(400, _l("The organisation must be given by its number."))
            organisation = db.session.get(Organisation, org_id)
            if organisation is None:
                abort(404)
        elif current_user.is_org_admin:
            organisation = current_user.organisation
    require("compliance.manage", organisation)
    return Scope(organisation, _as_of())


def _organisation_choices():
    if current_user.role != "admin":
        return []
    return db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()


@bp.route("/")
@login_required
def overview():
    scope = _scope()
    profiles = dashboard.summary(db.session, scope.at, scope.organisation_id)
    return render_template(
        "compliance/dashboard.html", scope=scope, profiles=profiles,
        organisations=_organisation_choices(), names=matrix_export.status_names(),
    )


@bp.route("/requirement/<int:requirement_id>")
@login_required
def requirement_people(requirement_id):
    requirement = db.session.get(Requirement, requirement_id)
    if requirement is None:
        abort(404)
    status = request.args.get("status", "").strip() or None
    if status is not None and status not in dashboard.CELL_FILTERS:
        abort_with(400, _l("Unknown status."))
    scope = _scope(requirement.profile.organisation)
    page = page_number(request.args)
    people, total = dashboard.people_in_cell(
        db.session, scope.at, requirement.id, status, limit=PEOPLE_PER_PAGE, offset=(page - 1) * PEOPLE_PER_PAGE)
    return render_template(
        "compliance/dashboard_cell.html", scope=scope, requirement=requirement, status=status,
        people=people, total=total, page=page, pages=max(1, -(-total // PEOPLE_PER_PAGE)),
        names=matrix_export.status_names(),
    )


@bp.route("/person/<int:user_id>")
@login_required
def person(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    require("compliance.manage", user)
    scope = _scope(user.organisation)
    rows = dashboard.person_row(db.session, scope.at, user.id)
    return render_template("compliance/dashboard_person.html", scope=scope, person=user, rows=rows,
                           names=matrix_export.status_names())


def _download(body, kind, what, scope):
    day = scope.as_of.isoformat() if scope.as_of else scope.at.strftime("%Y-%m-%d")
    name = f"{what}-{scope.organisation_id or 'all'}-{day}.{kind}"
    mimetype = "text/csv; charset=utf-8" if kind == "csv" else matrix_export.XLSX_MIMETYPE
    log.info("compliance export %s %s by user %s org %s as of %s", what, kind, current_user.id,
             scope.organisation_id, day)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": content_disposition(name), "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    })


@bp.route("/dashboard.csv")
@login_required
def dashboard_csv():
    scope = _scope()
    profiles = dashboard.summary(db.session, scope.at, scope.organisation_id)
    return _download(matrix_export.dashboard_csv(profiles, scope.label), "csv", "compliance-dashboard", scope)


@bp.route("/dashboard.xlsx")
@login_required
def dashboard_xlsx():
    scope = _scope()
    profiles = dashboard.summary(db.session, scope.at, scope.organisation_id)
    body = matrix_export.file_chunks(
        lambda path: matrix_export.write_dashboard_xlsx(profiles, scope.label, path), "lms-compliance-")
    return _download(stream_with_context(body), "xlsx", "compliance-dashboard", scope)


@bp.route("/matrix.xlsx")
@login_required
def matrix_xlsx():
    scope = _scope()
    body = matrix_export.file_chunks(
        lambda path: matrix_export.write_matrix_xlsx(db.session, scope.at, scope.label, path, scope.organisation_id),
        "lms-matrix-")
    return _download(stream_with_context(body), "xlsx", "training-matrix", scope)

