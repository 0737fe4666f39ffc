"""Which files authors may upload, decided from their content (magic bytes): pure functions.

The name's extension must agree with the content, but it never decides the type on its own,
and neither does the Content-Type the browser claims.
"""
import os
import unicodedata

PDF, PNG, JPEG, MP4, WEBM = "application/pdf", "image/png", "image/jpeg", "video/mp4", "video/webm"

EXTENSIONS = {".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG, ".mp4": MP4, ".webm": WEBM}
# What each kind of upload accepts.
LESSON_FILE_TYPES = (PDF, MP4, WEBM, PNG, JPEG)
IMAGE_TYPES = (PNG, JPEG)

# Major brands of the ISO base media file format that are MP4 video (not QuickTime, HEIF,
# AVIF or 3GPP, which share the ftyp box).
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"dash", b"M4V ", b"mmp4", b"MSNV", b"f4v ",
}

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_DOCTYPE_ID = 0x4282


def extension_type(name):
    """The content type the name's extension stands for, or None."""
    return EXTENSIONS.get(os.path.splitext(name)[1].lower())


def name_problem(name):
    """Why ``name`` is not acceptable as an uploaded file's name, or None.

    :return: "missing", "path" (a directory part), "control" (a control character) or "long"
    """
    if not name or not name.strip() or name.strip(". ") == "":
        return "missing"
    if "/" in name or "\\" in name or name in (".", ".."):
        return "path"
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name):
        return "control"
    if len(name) > 255:
        return "long"
    return None


def _vint(data, pos, keep_marker):
    """An EBML variable-length integer at ``pos``: (value, next position) or None."""
    if pos >= len(data) or data[pos] == 0:
        return None
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if pos + length > len(data):
        return None
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[pos + 1:pos + length]:
        value = (value << 8) | byte
    return value, pos + length


def webm_doctype(head):
    """The DocType of an EBML header at the start of ``head`` ("webm", "matroska"), or None."""
    if not head.startswith(EBML_MAGIC):
        return None
    size = _vint(head, len(EBML_MAGIC), keep_marker=False)
    if size is None:
        return None
    header_size, pos = size
    end = min(len(head), pos + header_size)
    while pos < end:
        element = _vint(head, pos, keep_marker=True)
        if element is None:
            return None
        element_id, pos = element
        length = _vint(head, pos, keep_marker=False)
        if length is None:
            return None
        length, pos = length
        if element_id == EBML_DOCTYPE_ID:
            return head[pos:pos + length].rstrip(b"\x00").decode("ascii", "replace")
        pos += length
    return None


def sniff(head):
    """The content type of a file starting with ``head``, if it is one we accept, else None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return MP4
    if webm_doctype(head) == "webm":
        return WEBM
    return None
