"""Caught mail for `make run`: admins read the .eml files the local SMTP catcher writes to
MAIL_CATCHER_DIR (lms/mailcatcher.py). Without that setting (a real SMTP server) there is
nothing to show and the pages are 404."""
import re
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template
from flask_babel import gettext as _
from flask_login import login_required

from lms.accounts.auth import require
from lms.errors import abort_with

bp = Blueprint("admin_mail", __name__, url_prefix="/admin/mail")

# The catcher's names (20261126T211001-123456789.eml); nothing with a path separator or "..".
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\.eml")
LISTED = 200

# The HTML part is shown sandboxed: no scripts, no requests to anywhere, a unique origin.
HTML_PART_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def mail_dir():
    require("admin.view")
    directory = current_app.config.get("MAIL_CATCHER_DIR")
    if not directory:
        abort_with(404, _("No local mail catcher is configured: mail goes to a real SMTP server."))
    return Path(directory)


def _message_path(directory, name):
    if not NAME_RE.fullmatch(name):
        abort(404)
    path = (directory / name).resolve()
    if path.parent != directory.resolve() or not path.is_file():
        abort(404)
    return path


def _parse(path, headersonly=False):
    with open(path, "rb") as fp:
        return BytesParser(policy=policy.default).parse(fp, headersonly=headersonly)


def _date(message, path):
    try:
        return parsedate_to_datetime(message["Date"]).astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError):
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)


def _summary(path):
    message = _parse(path, headersonly=True)
    return {"name": path.name, "subject": message["Subject"] or "", "to": message["To"] or "",
            "date": _date(message, path)}


@bp.route("")
@login_required
def inbox():
    directory = mail_dir()
    paths = [p for p in directory.glob("*.eml") if p.is_file()] if directory.is_dir() else []
    total = len(paths)
    paths.sort(key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    messages = [_summary(p) for p in paths[:LISTED]]
    return render_template("admin/mail_inbox.html", messages=messages, total=total, directory=directory)


@bp.route("/<name>")
@login_required
def message(name):
    path = _message_path(mail_dir(), name)
    parsed = _parse(path)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    return render_template(
        "admin/mail_message.html", name=path.name, message=parsed, date=_date(parsed, path),
        text=text_part.get_content() if text_part is not None else None,
        has_html=html_part is not None,
    )


@bp.route("/<name>/html")
@login_required
def message_html(name):
    path = _message_path(mail_dir(), name)
    html_part = _parse(path).get_body(preferencelist=("html",))
    if html_part is None:
        abort(404)
    return html_part.get_content(), 200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": HTML_PART_CSP,
        "X-Content-Type-Options": "nosniff",
    }
