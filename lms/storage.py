"""Uploaded files: stored content-addressed (by SHA-256) outside the web root. Serving them is
a view's job (lms.downloads.send_stored)."""
import hashlib
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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


# Uploads are copied in chunks of this size: never the whole file in memory.
CHUNK_SIZE = 1024 * 1024
# How many leading bytes a caller gets to decide the type from (magic bytes).
HEAD_SIZE = 4096


class UploadTooLarge(Exception):
    """The stream is longer than the limit it was received with."""


class IncomingFile:
    """An upload received into a temporary file beside the store, hashed on the way in."""

    def __init__(self, path, sha256, size, head):
        self.path, self.sha256, self.size, self.head = path, sha256, size, head


@contextmanager
def receive_stream(stream, max_bytes):
    """Copy ``stream`` to a temporary file under the upload directory while hashing it.

    The temporary file is removed when the block ends, whatever happens; ``store_incoming``
    moves it into place first when the upload is kept. So a refused upload leaves nothing.

    :raises UploadTooLarge: as soon as more than ``max_bytes`` arrived
    :return: (context manager of) an IncomingFile
    """
    incoming_dir = Path(current_app.config["UPLOAD_DIR"]) / ".incoming"
    incoming_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=incoming_dir)
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK_SIZE):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(size)
                if len(head) < HEAD_SIZE:
                    head += chunk[: HEAD_SIZE - len(head)]
                digest.update(chunk)
                out.write(chunk)
        yield IncomingFile(Path(tmp), digest.hexdigest(), size, head)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def store_incoming(incoming, original_name, content_type):
    """Keep a received file: one copy per content, one StoredFile row (flushed) per content.

    :return: (StoredFile, created) -- created is False when the same content was stored before
    """
    target = path_for(incoming.sha256)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(incoming.path, target)
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == incoming.sha256))
    if existing is not None:
        return existing, False
    stored = StoredFile(
        sha256=incoming.sha256, original_name=safe_name(original_name),
        content_type=content_type, size=incoming.size,
    )
    try:
        with db.session.begin_nested():  # the same content uploaded at the same moment
            db.session.add(stored)
    except IntegrityError:
        return db.session.scalar(select(StoredFile).where(StoredFile.sha256 == incoming.sha256)), False
    return stored, True
