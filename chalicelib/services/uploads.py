"""Attachment uploads: announce, upload straight to S3, then reference from a message.

The server never trusts what the sender announced: before a message may reference an
upload it reads the object's real size and first bytes (`domain.files.judge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.adapters.attachments import UPLOAD_URL_SECONDS, AttachmentStorage
from chalicelib.clock import Clock, iso
from chalicelib.domain.errors import DomainError
from chalicelib.domain.files import CONTENT_TYPE_RE, MAX_UPLOAD_BYTES, clean_filename, judge
from chalicelib.domain.ids import new_upload_id
from chalicelib.domain.validation import Problems, ValidationFailed, require_object
from chalicelib.storage.dialog_write import DialogWrite
from chalicelib.storage.models import Attachment, UploadModel

# An upload that no message used within a day is forgotten (TTL) and its object expires.
UPLOAD_TTL = timedelta(days=1)


class UploadTooLarge(DomainError):
    code = "upload_too_large"
    status = 413


class UploadRejected(ValidationFailed):
    """The object is missing, or is not what was announced."""

    code = "upload_rejected"


@dataclass(frozen=True)
class UploadRequest:
    filename: str
    content_type: str
    size: int


def check_upload_request(body: Any) -> UploadRequest:
    body = require_object(body)
    problems = Problems()
    for key in body:
        if key not in ("filename", "content_type", "size"):
            problems.add(key, "unknown field")
    filename = body.get("filename")
    if not isinstance(filename, str) or not filename.strip() or len(filename) > 1024:
        problems.add("filename", "a file name of 1-255 characters")
    content_type = body.get("content_type")
    if not isinstance(content_type, str) or not CONTENT_TYPE_RE.match(content_type.lower()):
        problems.add("content_type", "a MIME type such as image/png")
    size = body.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        problems.add("size", "the file's size in bytes (a positive integer)")
    problems.raise_if_any()
    if size > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            f"files are at most {MAX_UPLOAD_BYTES} bytes (20 MB)", fields={"size": "at most 20 MB"}
        )
    return UploadRequest(clean_filename(filename), content_type.lower(), size)


class UploadService:
    def __init__(self, storage: AttachmentStorage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock

    def create(self, owner: str, request: UploadRequest) -> dict[str, Any]:
        """Record the upload (1 PutItem) and presign a POST for exactly its size and type."""
        now = self.clock.now()
        upload_id = new_upload_id()
        kind = owner.split(":", 1)[0]
        upload = UploadModel(
            upload_id,
            owner=owner,
            key=f"uploads/{kind}/{upload_id}",
            filename=request.filename,
            content_type=request.content_type,
            size=request.size,
            status="pending",
            created_at=iso(now),
            expires_at=now + UPLOAD_TTL,
        )
        upload.save(condition=UploadModel.id.does_not_exist())
        post = self.storage.presign_upload(upload.key, upload.content_type, upload.size)
        return {
            "upload_id": upload_id,
            "url": post["url"],
            "fields": post["fields"],
            "expires_at": iso(now + timedelta(seconds=UPLOAD_URL_SECONDS)),
        }

    def claim(self, write: DialogWrite, owner: str, wanted: tuple[str, ...], found: dict[str, UploadModel]) -> list[Attachment]:
        """Check each upload and mark it used in `write` (so a message uses it exactly once)."""
        problems = Problems()
        attachments: list[Attachment] = []
        for i, upload_id in enumerate(wanted):
            where = f"attachments[{i}].upload_id"
            upload = found.get(upload_id)
            if upload is None or upload.owner != owner:
                problems.add(where, "no such upload")
                continue
            if upload.status != "pending":
                problems.add(where, "this upload is already used by a message")
                continue
            stored = self.storage.inspect(upload.key)
            if stored is None:
                problems.add(where, "nothing was uploaded yet")
                continue
            verdict = judge(upload.content_type, int(upload.size), stored.size, stored.head)
            if not verdict.ok:
                problems.add(where, verdict.reason)
                continue
            # Retag before the message is stored: if the write then fails, the object merely
            # stays (an orphan); the other order could expire an object a message uses.
            self.storage.mark_used(upload.key)
            attachments.append(
                Attachment(
                    upload_id=upload.id,
                    key=upload.key,
                    name=upload.filename,
                    content_type=upload.content_type,
                    size=stored.size,
                    preview=verdict.preview,
                )
            )
            write.use_upload(upload)
        if problems.found:
            raise UploadRejected("an attachment cannot be used: " + "; ".join(problems.found.values()),
                                 fields=dict(problems.found))
        return attachments
