"""What the static site's files must be, read from disk: no HTML-injection APIs, nothing a
strict CSP blocks, one vendored UI library at a pinned version, and the size budget."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

SITE = Path(__file__).resolve().parents[2] / "static_site"
VENDOR = SITE / "vendor"
BUDGET_GZIP_BYTES = 60 * 1024


def own_code() -> list[Path]:
    return [p for p in SITE.rglob("*") if p.suffix in (".js", ".html", ".css") and VENDOR not in p.parents]


def test_the_ui_uses_no_html_injection_or_eval():
    forbidden = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|dangerouslySetInnerHTML"
                           r"|\beval\s*\(|new\s+Function\b|set(Timeout|Interval)\(\s*['\"`]")
    found = [f"{p.relative_to(SITE)}: {m.group(0)}" for p in own_code() for m in forbidden.finditer(p.read_text())]
    assert found == []


def test_no_inline_script_or_style_that_a_strict_csp_would_block():
    index = (SITE / "index.html").read_text()
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", index, flags=re.S)
    assert scripts and all(body.strip() == "" for body in scripts)
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", index))
    assert "<style" not in index and not re.search(r"\son\w+=", index)
    for path in own_code():
        text = path.read_text()
        assert not re.search(r"\sstyle=", text), f"{path}: a style attribute"
        assert not re.search(r"\son[a-z]+=[\"']", text), f"{path}: an inline event handler attribute"


# Exactly one UI library (Preact with htm), imported by lib.js; besides it only the utilities
# named here, each imported by one module (the QR encoder for the TOTP set-up: vendor/README.md).
UI_LIBRARY = "htm-preact"
UTILITIES = {"qrcode-generator": "qr.js"}


def test_exactly_one_vendored_library_at_a_pinned_version_imported_in_one_place():
    folders = {p.name.split("@")[0]: p for p in VENDOR.iterdir() if p.is_dir()}
    assert set(folders) == {UI_LIBRARY, *UTILITIES}
    importers_of = {UI_LIBRARY: "lib.js", **UTILITIES}
    for name, folder in folders.items():
        assert re.fullmatch(r"[a-z0-9-]+@\d+\.\d+\.\d+", folder.name)
        assert folder.name in (VENDOR / "README.md").read_text()
        assert (folder / "LICENSE").exists()
        library = next(folder.glob("*.js")).read_text()
        assert "new Function" not in library and not re.search(r"\beval\(", library)
        importers = [p.name for p in own_code() if f"vendor/{folder.name}/" in p.read_text()]
        assert importers == [importers_of[name]], name
    assert not [p.name for p in own_code() if "vendor/" in p.read_text() and p.name not in importers_of.values()]


def test_the_ui_code_and_the_library_fit_the_size_budget():
    scripts = [p for p in SITE.rglob("*.js")]
    total = sum(len(gzip.compress(p.read_bytes(), 9)) for p in scripts)
    assert total <= BUDGET_GZIP_BYTES, f"{total} bytes gzipped"


def test_three_distinct_sounds_exist():
    sounds = {name: (SITE / "sounds" / f"{name}.wav").read_bytes() for name in ("new-dialog", "new-message", "reminder")}
    assert all(data.startswith(b"RIFF") and b"WAVE" in data[:12] for data in sounds.values())
    assert len({len(d) for d in sounds.values()}) == 3 and len(set(sounds.values())) == 3
