"""Attachments in S3: presigned uploads, the server's check of what arrived, and
short-lived download links. Objects live under server-generated keys only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec
from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client
from chalicelib.config import Settings
from chalicelib.domain.files import PREVIEW_TYPES, SNIFF_BYTES

UPLOAD_URL_SECONDS = 15 * 60
# Objects arrive tagged as pending; the bucket's lifecycle rule (infra/storage.py) expires
# pending objects after a few days, so uploads that no message ever used do not pile up.
# A message that uses an upload retags its object as used before the message is stored.
USAGE_TAG = "handover-upload"
PENDING_TAGGING = f"<Tagging><TagSet><Tag><Key>{USAGE_TAG}</Key><Value>pending</Value></Tag></TagSet></Tagging>"
DOWNLOAD_URL_SECONDS = 10 * 60
# What a link that is not a preview serves its file as: bytes to save, never a page to render.
DOWNLOAD_CONTENT_TYPE = "application/octet-stream"


class StoredObject(msgspec.Struct, frozen=True):
    size: int
    head: bytes


class AttachmentStorage:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bucket = settings.attachments_bucket

    def _s3(self) -> Any:
        return client("s3", endpoint=self.settings.s3_endpoint, settings=self.settings)

    def _public_s3(self) -> Any:
        # Browsers and bots reach S3 at the public endpoint; sign for that host.
        return client("s3", endpoint=self.settings.s3_public_endpoint, settings=self.settings)

    def presign_upload(self, key: str, content_type: str, size: int) -> dict[str, Any]:
        """A presigned POST that S3 accepts only for exactly `size` bytes of `content_type`."""
        return self._public_s3().generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type, "tagging": PENDING_TAGGING},
            Conditions=[
                {"Content-Type": content_type},
                {"tagging": PENDING_TAGGING},
                ["content-length-range", size, size],
            ],
            ExpiresIn=UPLOAD_URL_SECONDS,
        )

    def mark_used(self, key: str) -> None:
        """Take the object out of the lifecycle rule for abandoned uploads."""
        self._s3().put_object_tagging(
            Bucket=self.bucket, Key=key, Tagging={"TagSet": [{"Key": USAGE_TAG, "Value": "used"}]}
        )

    def inspect(self, key: str) -> StoredObject | None:
        """Size and first bytes of an uploaded object, or None if nothing was uploaded."""
        try:
            response = self._s3().get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{SNIFF_BYTES - 1}")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "InvalidRange", "NotFound"):
                if error.response.get("Error", {}).get("Code") == "InvalidRange":
                    return StoredObject(0, b"")
                return None
            raise
        head = response["Body"].read(SNIFF_BYTES)
        content_range = response.get("ContentRange") or ""
        if "/" in content_range:
            size = int(content_range.rsplit("/", 1)[1])
        else:
            size = int(response.get("ContentLength", len(head)))
        return StoredObject(size, head)

    def download_url(self, key: str, filename: str, inline: bool, content_type: str | None = None) -> str:
        """A short-lived presigned GET. S3 would answer with the Content-Type stored with the
        object, which the uploader announced; the link pins it instead (`response-content-type`):
        a checked picture shown inline (`inline`, `content_type` one of PREVIEW_TYPES) is served
        as that type, everything else as application/octet-stream, to download. A browser then
        never renders an upload as a page, whatever it holds (S3 cannot add
        `X-Content-Type-Options: nosniff` to a presigned GET: docs/security.md)."""
        inline = inline and content_type in PREVIEW_TYPES
        disposition = "inline" if inline else "attachment"
        # RFC 6266/5987: the UTF-8 name travels percent-encoded, so any file name is safe here.
        encoded = quote(filename, safe="")
        return self._public_s3().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{encoded}",
                "ResponseContentType": content_type if inline else DOWNLOAD_CONTENT_TYPE,
            },
            ExpiresIn=DOWNLOAD_URL_SECONDS,
        )
