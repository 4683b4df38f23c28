"""What the static site's files must be, read from disk: no HTML-injection APIs, nothing a
strict CSP blocks, one vendored UI library at a pinned version, and the size budget."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

SITE = Path(__file__).resolve().parents[2] / "static_site"
VENDOR = SITE / "vendor"
BUDGET_GZIP_BYTES = 60 * 1024  # what the page loads at sign-in
ON_FIRST_USE_BUDGET_GZIP_BYTES = 30 * 1024  # modules loaded by import() when first used


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


def _first_load() -> set[Path]:
    """The modules the page loads before anything is clicked: main.js and its static imports,
    transitively. A module reached only through `import()` (the admin screens, the QR encoder)
    loads when it is first used, by those who use it."""
    static_import = re.compile(r"""(?:^|\n)\s*(?:import|export)\b[^'"()]*?from\s*['"](\.{1,2}/[^'"]+)['"]""")
    seen: set[Path] = set()
    todo = [SITE / "js" / "main.js"]
    while todo:
        module = todo.pop().resolve()
        if module in seen:
            continue
        seen.add(module)
        todo += [(module.parent / target) for target in static_import.findall(module.read_text())]
    return seen


def _gzipped(paths) -> int:
    return sum(len(gzip.compress(p.read_bytes(), 9)) for p in paths)


def test_the_ui_code_and_the_library_fit_the_size_budget():
    """What every operator downloads at sign-in fits the budget; what loads on first use
    (admins' screens, the TOTP set-up's QR encoder) fits beside it in a budget of its own."""
    first = _first_load()
    assert SITE / "js" / "store.js" in first and (SITE / "js" / "lib.js") in first  # the walk finds imports
    everything = {p.resolve() for p in SITE.rglob("*.js")}
    on_first_use = everything - first
    assert _gzipped(first) <= BUDGET_GZIP_BYTES, f"{_gzipped(first)} bytes gzipped at the first load"
    assert _gzipped(on_first_use) <= ON_FIRST_USE_BUDGET_GZIP_BYTES, f"{_gzipped(on_first_use)} bytes gzipped"


def test_three_distinct_sounds_exist():
    sounds = {name: (SITE / "sounds" / f"{name}.wav").read_bytes() for name in ("new-dialog", "new-message", "reminder")}
    assert all(data.startswith(b"RIFF") and b"WAVE" in data[:12] for data in sounds.values())
    assert len({len(d) for d in sounds.values()}) == 3 and len(set(sounds.values())) == 3
