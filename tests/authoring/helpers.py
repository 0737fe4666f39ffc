"""Helpers for the authoring tests: posting edits with the draft's current revision, uploads,
and counting what is stored."""
import io
import os
import struct
import zlib

from sqlalchemy import func, select

from lms.courses.models import CourseVersion, StoredFile
from lms.extensions import db
from tests.helpers import post_form


def revision_of(version_or_id):
    version_id = getattr(version_or_id, "id", version_or_id)
    db.session.expire_all()
    return db.session.get(CourseVersion, version_id).revision


def edit(client, url, version, data=None, revision=None, **kwargs):
    """POST an edit of ``version`` with its current revision (or the one given), CSRF from any
    page (the logout form of base.html carries a token)."""
    data = dict(data or {})
    data["revision"] = revision_of(version) if revision is None else revision
    return post_form(client, url, data, page="/", **kwargs)


def upload(client, url, version, content, name, field="file", revision=None, **kwargs):
    data = {field: (io.BytesIO(content), name)}
    if version is not None:
        data["revision"] = revision_of(version) if revision is None else revision
    return post_form(client, url, data, page="/", content_type="multipart/form-data", **kwargs)


def files_under(directory):
    return sum(len(names) for _root, _dirs, names in os.walk(directory))


def stored_rows():
    return db.session.scalar(select(func.count()).select_from(StoredFile))


# Small but real files of each accepted type.

def png_bytes(width=2, height=2):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def jpeg_bytes(comment):
    """A JPEG header with a comment segment, so each test can have content of its own."""
    data = comment.encode()
    return JPEG_BYTES[:-2] + b"\xff\xfe" + (len(data) + 2).to_bytes(2, "big") + data + b"\xff\xd9"
MP4_BYTES = struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2" + b"\x00" * 64
# EBML header: DocType "webm" (0x42 0x82), then an empty Segment.
WEBM_BYTES = (b"\x1a\x45\xdf\xa3" + b"\x9f" + b"\x42\x86\x81\x01" + b"\x42\xf7\x81\x01"
              + b"\x42\xf2\x81\x04" + b"\x42\xf3\x81\x08" + b"\x42\x82\x84webm"
              + b"\x42\x87\x81\x04" + b"\x42\x85\x81\x02" + b"\x18\x53\x80\x67\x80")
MKV_BYTES = WEBM_BYTES.replace(b"\x42\x82\x84webm", b"\x42\x82\x88matroska").replace(b"\x9f", b"\xa3", 1)


def pdf_bytes(text="Hello"):
    """A small valid one-page PDF (xref offsets computed)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out
