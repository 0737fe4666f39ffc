"""Content-Disposition for downloads (RFC 6266): the name as given in ``filename*`` (UTF-8,
percent-encoded) with an ASCII ``filename`` for old clients, so "Rūta Kazlauskienė" neither
breaks the response nor loses her name. The same rule as Flask's send_file(download_name=...),
for responses that are not files on disk (generated CSV, PDF, streamed exports)."""
import unicodedata
from urllib.parse import quote

from flask import send_file

from lms.storage import path_for, safe_name

# RFC 5987 attr-chars left as they are in filename*; everything else is percent-encoded.
ATTR_CHARS = "!#$&+-.^_`|~"


def content_disposition(filename, as_attachment=True):
    """The header value for a download named ``filename`` (control characters removed)."""
    name = "".join(c for c in filename if unicodedata.category(c) != "Cc") or "download"
    kind = "attachment" if as_attachment else "inline"
    if name.isascii():
        return f"{kind}; filename={_quoted(name)}"
    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return f"{kind}; filename={_quoted(simple or 'download')}; filename*=UTF-8''{quote(name, safe=ATTR_CHARS)}"


def _quoted(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def as_download(response, filename, as_attachment=True):
    """Mark ``response`` as a download named ``filename``; returns it."""
    response.headers["Content-Disposition"] = content_disposition(filename, as_attachment)
    return response


def send_stored(stored, download=False):
    """The response serving an uploaded file (lms.storage keeps it): conditional (ETag,
    ranges for video), shown in the page or, with ``download``, as an attachment."""
    response = send_file(
        path_for(stored.sha256), mimetype=stored.content_type,
        as_attachment=download, download_name=safe_name(stored.original_name), conditional=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
