"""Uploaded files: stored content-addressed (by SHA-256) outside the web root."""
import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import current_app, send_file
from sqlalchemy import select

from lms.courses.models import StoredFile
from lms.extensions import db


def path_for(sha256):
    return Path(current_app.config["UPLOAD_DIR"]) / sha256[:2] / sha256[2:4] / sha256


def safe_name(name):
    """A name fit for Content-Disposition: no path parts, no control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip(". ")
    return base[:150] or "file"


def store_bytes(data, original_name, content_type):
    """Store ``data`` once per content; return its StoredFile (flushed)."""
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == digest))
    if existing is not None:
        return existing
    target = path_for(digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    stored = StoredFile(
        sha256=digest, original_name=safe_name(original_name), content_type=content_type, size=len(data)
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def send_stored(stored, download=False):
    response = send_file(
        path_for(stored.sha256), mimetype=stored.content_type,
        as_attachment=download, download_name=safe_name(stored.original_name), conditional=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
