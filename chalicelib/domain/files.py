"""What an uploaded file is, judged from its real bytes, not from what the sender says.

R12: only a PNG, JPEG or GIF under 2 MB is shown as a preview; everything else is a link
with its file name. The server decides `preview` after it has read the object's first bytes.
"""

from __future__ import annotations

import re
import unicodedata

import msgspec

from chalicelib.domain.errors import DomainError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PREVIEW_BYTES = 2 * 1024 * 1024
SNIFF_BYTES = 16

PREVIEW_TYPES = {"image/png", "image/jpeg", "image/gif"}
CONTENT_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")


def sniff(head: bytes) -> str | None:
    """The picture type that the first bytes prove, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return None


def clean_filename(name: str) -> str:
    """A display name: no path, no control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[:255] or "file"


class UploadTooLarge(DomainError):
    """HTTP 413 (its own `status`): the announced size is over MAX_UPLOAD_BYTES."""

    code = "upload_too_large"
    status = 413


class Verdict(msgspec.Struct, frozen=True):  # a Struct, not a dataclass: cheaper at cold start
    ok: bool
    preview: bool
    reason: str = ""


def judge(declared_type: str, declared_size: int, actual_size: int, head: bytes) -> Verdict:
    """Is the stored object what was announced? And may it be previewed?"""
    if actual_size != declared_size:
        return Verdict(False, False, f"the file has {actual_size} bytes, {declared_size} were announced")
    if actual_size > MAX_UPLOAD_BYTES:
        return Verdict(False, False, "the file is over 20 MB")
    real = sniff(head)
    if declared_type in PREVIEW_TYPES and real != declared_type:
        return Verdict(False, False, f"the file is not a {declared_type.split('/')[1].upper()} picture")
    return Verdict(True, real is not None and real == declared_type and actual_size < MAX_PREVIEW_BYTES)
