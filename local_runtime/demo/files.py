"""Demo attachments made in code (no binary files in the repository): a small PNG that
previews, a PNG over 2 MB that does not (R12), and a one-page PDF. Each is the same
bytes every time, so the runtime can put them back into moto's S3 after a restart."""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable


def _png(width: int, height: int, pixel_rows: Callable[[int], bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + pixel_rows(y) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def small_png() -> bytes:
    """A 320x200 picture of a parcel-brown gradient with a band: a few KB."""
    width, height = 320, 200

    def row(y: int) -> bytes:
        band = 80 <= y < 120
        return b"".join(bytes((180 - x // 4, 120 if band else 90 + y // 4, 60)) for x in range(width))

    return _png(width, height, row)


def large_png() -> bytes:
    """1000x800 pixels of noise: incompressible, so about 2.4 MB (over R12's 2 MB)."""
    width, height = 1000, 800
    noise = random.Random(1042)
    return _png(width, height, lambda y: noise.randbytes(width * 3))


def pdf() -> bytes:
    """A one-page PDF with a line of text (a hand-written, valid cross-reference table)."""
    text = b"BT /F1 24 Tf 72 720 Td (Handover demo - invoice 1042) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# name -> (content type, maker)
FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "damaged-box.png": ("image/png", small_png),
    "warehouse-scan.png": ("image/png", large_png),
    "invoice-1042.pdf": ("application/pdf", pdf),
}
