"""Attachment uploads: announce, upload straight to S3, then reference from a message.

The server never trusts what the sender announced: before a message may reference an
upload it reads the object's real size and first bytes (`domain.files.judge`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.adapters.attachments import UPLOAD_URL_SECONDS, AttachmentStorage
from chalicelib.clock import Clock, iso
from chalicelib.domain.commands import UploadRequest
from chalicelib.domain.errors import Problems, ValidationFailed
from chalicelib.domain.files import judge
from chalicelib.domain.ids import new_upload_id
from chalicelib.storage.dialog_write import DialogWrite
from chalicelib.storage.dialogs import DialogStore
from chalicelib.storage.models import Attachment, UploadModel

# An upload that no message used within a day is forgotten (TTL) and its object expires.
UPLOAD_TTL = timedelta(days=1)


class UploadRejected(ValidationFailed):
    """The object is missing, or is not what was announced."""

    code = "upload_rejected"


class UploadService:
    def __init__(self, storage: AttachmentStorage, clock: Clock, store: DialogStore) -> None:
        self.storage = storage
        self.clock = clock
        self.store = store

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
        self.store.add_upload(upload)
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
