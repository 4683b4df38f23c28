"""The UI's Content-Security-Policy (infra/csp.py) allows what the UI loads and nothing more.

A small CSP source matcher (scheme, 'self', host and path sources, as CSP Level 3 matches
them) checks real URLs: the presigned upload and download URLs that the app itself makes
for the deployed configuration, the websocket, and what the UI's files reference."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from infra import csp

from .conftest import REPO, render

UI = "https://d1234abcd.cloudfront.net"
REGION = "eu-west-1"
BUCKET = "handover-dev-attachments-123456789012-eu-west-1"
ENDPOINT = f"https://s3.{REGION}.amazonaws.com"
WEBSOCKET = f"wss://abc123.execute-api.{REGION}.amazonaws.com"
ORIGINS = csp.UiOrigins(api="'self'", websocket=WEBSOCKET, attachments=csp.attachments_sources(ENDPOINT, BUCKET))


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def _source_allows(source: str, url: str, page_origin: str) -> bool:
    target = urlsplit(url)
    page = urlsplit(page_origin)
    if source == "'self'":
        same_host = target.hostname == page.hostname and target.port == page.port
        secure_upgrade = {page.scheme, target.scheme} <= {"https", "wss"} or {page.scheme, target.scheme} <= {"http", "ws"}
        return same_host and (target.scheme == page.scheme or secure_upgrade)
    if source.startswith("'"):
        return False
    if re.fullmatch(r"[a-z][a-z0-9+.-]*:", source):
        return target.scheme == source[:-1]
    allowed = urlsplit(source if "://" in source else f"{target.scheme}://{source}")
    if allowed.scheme != target.scheme or allowed.hostname != target.hostname or allowed.port != target.port:
        return False
    if not allowed.path:
        return True
    if allowed.path.endswith("/"):
        return target.path.startswith(allowed.path)
    return target.path == allowed.path


def allows(policy: str, directive: str, url: str, page_origin: str = UI) -> bool:
    parsed = directives(policy)
    sources = parsed.get(directive, parsed.get("default-src", []))
    return any(_source_allows(s, url, page_origin) for s in sources)


POLICY = csp.content_security_policy(ORIGINS)


@pytest.fixture
def storage(monkeypatch):
    """The app's own presigning, configured as infra configures the functions."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    from chalicelib.adapters.attachments import AttachmentStorage
    from chalicelib.adapters.aws import reset_clients
    from chalicelib.config import Settings

    reset_clients()
    yield AttachmentStorage(Settings(region=REGION, attachments_bucket=BUCKET, s3_public_endpoint=ENDPOINT))
    reset_clients()


def test_the_policy_has_no_unsafe_sources_and_forbids_framing_plugins_and_base_changes():
    parsed = directives(POLICY)
    assert parsed["default-src"] == ["'none'"]
    assert parsed["script-src"] == ["'self'"]
    assert parsed["style-src"] == ["'self'"]
    assert parsed["media-src"] == ["'self'"]
    assert parsed["frame-ancestors"] == ["'none'"]
    assert parsed["object-src"] == ["'none'"]
    assert parsed["base-uri"] == ["'none'"]
    for sources in parsed.values():
        assert not any("unsafe" in s or s == "*" or s.startswith("*") or s == "data:" for s in sources)


def test_the_ui_may_upload_and_show_attachments_of_its_own_bucket_only(storage):
    upload = storage.presign_upload("uploads/operator/up_1", "image/png", 100)["url"]
    download = storage.download_url("uploads/operator/up_1", "cat.png", inline=True)
    assert allows(POLICY, "connect-src", upload)
    assert allows(POLICY, "img-src", download)
    other_bucket = f"{ENDPOINT}/someone-elses-bucket"
    assert not allows(POLICY, "connect-src", other_bucket)
    assert not allows(POLICY, "connect-src", f"{ENDPOINT}/{BUCKET}-evil/x")
    assert not allows(POLICY, "connect-src", f"https://{BUCKET}.s3.{REGION}.amazonaws.com/x")


def test_the_ui_reaches_its_api_and_its_websocket_and_nothing_else():
    assert allows(POLICY, "connect-src", f"{UI}/api/tabs/waiting")
    assert allows(POLICY, "connect-src", f"{UI}/config.json")
    assert allows(POLICY, "connect-src", f"{WEBSOCKET}/api?ticket=t")
    assert not allows(POLICY, "connect-src", "wss://other.execute-api.eu-west-1.amazonaws.com/api")
    assert not allows(POLICY, "connect-src", "https://attacker.example/collect")


def test_scripts_styles_and_sounds_come_from_the_ui_itself():
    assert allows(POLICY, "script-src", f"{UI}/js/main.js")
    assert allows(POLICY, "style-src", f"{UI}/css/app.css")
    assert allows(POLICY, "media-src", f"{UI}/sounds/reminder.wav")
    assert not allows(POLICY, "script-src", "https://cdn.example/preact.js")
    assert not allows(POLICY, "media-src", "https://cdn.example/ding.wav")
    assert not allows(POLICY, "frame-src", f"{UI}/index.html")


def test_avatars_are_images_from_any_https_host_but_never_plain_http():
    assert allows(POLICY, "img-src", "https://t.me/i/userpic/320/anna.jpg")
    assert not allows(POLICY, "img-src", "http://t.me/i/userpic/320/anna.jpg")
    assert not allows(POLICY, "connect-src", "https://t.me/i/userpic/320/anna.jpg")


def test_the_stack_serves_exactly_this_policy(synth):
    """Written once: CloudFront's header is infra/csp.py's policy for the deployed origins."""
    _, policy = synth.one("AWS::CloudFront::ResponseHeadersPolicy")
    served = render(policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
                    ["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    expected = csp.content_security_policy(csp.UiOrigins(
        api="'self'",
        websocket="wss://{WebsocketAPI}.execute-api.{AWS::Region}.{AWS::URLSuffix}",
        attachments=csp.attachments_sources("https://s3.{AWS::Region}.{AWS::URLSuffix}",
                                            "handover-dev-attachments-{AWS::AccountId}-{AWS::Region}"),
    ))
    assert served == expected


def test_the_local_runtime_gets_the_same_policy_for_its_origins():
    headers = csp.local_headers("http://127.0.0.1:8000", "http://127.0.0.1:5001", "handover-attachments")
    policy = headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP locally
    assert headers["X-Content-Type-Options"] == "nosniff"
    page = "http://127.0.0.1:8000"
    assert allows(policy, "connect-src", "ws://127.0.0.1:8000/ws?ticket=t", page)
    assert allows(policy, "connect-src", "http://127.0.0.1:8000/api/me", page)
    assert allows(policy, "connect-src", "http://127.0.0.1:5001/handover-attachments", page)
    assert allows(policy, "img-src", "http://127.0.0.1:5001/handover-attachments/uploads/x", page)
    assert not allows(policy, "script-src", "http://127.0.0.1:5001/x.js", page)
    assert directives(policy).keys() == directives(POLICY).keys()
    assert csp.security_headers(ORIGINS)["Strict-Transport-Security"].startswith("max-age=63072000")


# -- the UI's files do nothing this policy would block ----------------------------------

SITE = REPO / "static_site"


def _site_files(*suffixes: str) -> list[Path]:
    return [p for p in SITE.rglob("*") if p.suffix in suffixes and "vendor" not in p.parts]


def test_the_pages_load_scripts_and_styles_only_from_their_own_origin_and_inline_nothing():
    pages = _site_files(".html")
    assert pages, "static_site/ has pages"
    for page in pages:
        html = page.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I):
            src = re.search(r'\bsrc="([^"]+)"', tag)
            assert src, f"{page.name}: inline <script> (blocked by script-src 'self')"
            assert "://" not in src.group(1) and not src.group(1).startswith("//"), f"{page.name}: {tag}"
        for href in re.findall(r"<link\b[^>]*\bhref=\"([^\"]+)\"", html, flags=re.I):
            assert "://" not in href and not href.startswith("//"), f"{page.name}: {href}"
        assert not re.search(r"<style\b", html, flags=re.I), f"{page.name}: inline <style>"
        assert not re.search(r"\sstyle=\"", html, flags=re.I), f"{page.name}: inline style attribute"
        assert not re.search(r"\son[a-z]+=\"", html, flags=re.I), f"{page.name}: inline event handler"


def test_the_scripts_use_no_eval_and_import_only_local_modules():
    scripts = _site_files(".js")
    assert scripts
    for script in scripts:
        code = script.read_text()
        assert not re.search(r"\beval\s*\(|\bnew\s+Function\s*\(", code), f"{script.name}: eval (blocked)"
        for module in re.findall(r"\bfrom\s+['\"]([^'\"]+)['\"]|\bimport\s*\(\s*['\"]([^'\"]+)['\"]", code):
            target = module[0] or module[1]
            assert target.startswith("."), f"{script.name}: imports {target} (only local modules are allowed)"


def test_the_stylesheets_load_nothing_from_elsewhere():
    for sheet in _site_files(".css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", sheet.read_text()):
            assert "://" not in url and not url.startswith("//"), f"{sheet.name}: {url}"
        assert "@import" not in sheet.read_text()


def test_the_local_runtime_can_import_the_policy_without_the_cdk():
    code = "import sys, infra.csp; print(any(m.startswith(('aws_cdk', 'jsii')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
