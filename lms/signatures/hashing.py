"""The hash that binds a signature to its record, and the signed file's hash on disk."""
import hashlib
import json

from lms import storage

# The signed fields, in the canonical form hashed (§11.70: a change to any of them, or the
# row's id, breaks the hash).
SIGNED_FIELDS = (
    "id", "signer_id", "subject_user_id", "printed_name", "meaning", "signed_at", "enrolment_id",
    "lesson_id", "course_version_id", "document_number", "document_revision", "file_sha256",
)


def canonical(signature):
    """The signature's signed fields as canonical JSON (sorted keys, UTC ISO time)."""
    values = {name: getattr(signature, name) for name in SIGNED_FIELDS}
    values["signed_at"] = signature.signed_at.isoformat()
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(signature):
    """SHA-256 (hex) over ``canonical(signature)``; the row must have its id (flushed)."""
    return hashlib.sha256(canonical(signature).encode("utf-8")).hexdigest()


def stored_file_sha256(sha256):
    """The SHA-256 of the bytes now on disk for the stored file named by ``sha256`` (files are
    stored by content hash, lms.storage), or None when the file is missing."""
    digest = hashlib.sha256()
    try:
        with open(storage.path_for(sha256), "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()
