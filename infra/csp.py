"""The operator UI's Content-Security-Policy and security headers, written once.

CloudFront serves them in AWS (`infra/site.py`, a response-headers policy) and the local
runtime can serve the very same header (`local_headers(...)`), so that the browser tests run
the UI under the policy it has in production.

What the UI loads, and so all the policy allows:
- its own files (`'self'`): ES modules, the stylesheet, the sounds, `config.json`;
- the REST API (fetch) and the websocket API (`connect-src`);
- the attachments bucket: the presigned POST of an upload (XHR, `connect-src`) and the
  previews of pictures (`img-src`);
- lead avatars: URLs on the bot platforms' own CDNs (Telegram, WhatsApp, ...), unknown in
  advance, hence `https:` in `img-src` (images only; scripts stay `'self'`);
- the favicon with the unseen-alerts badge, drawn on a canvas by the page's own script and
  set as a `blob:` URL (`img-src blob:`: only same-origin script can mint one; `data:` stays out).
No inline script or style, no eval, no frames, no plugins, no other origin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Lead avatars come from wherever the bot platform hosts them.
AVATAR_SOURCES: tuple[str, ...] = ("https:",)

HSTS_SECONDS = 2 * 365 * 24 * 3600


@dataclass(frozen=True)
class UiOrigins:
    """Where the UI's data comes from. `api` and `websocket` are origins (scheme://host[:port]);
    `attachments` are CSP sources for the bucket (see `attachments_sources`)."""

    api: str
    websocket: str
    attachments: tuple[str, ...]
    avatars: tuple[str, ...] = AVATAR_SOURCES


def attachments_sources(s3_endpoint: str, bucket: str) -> tuple[str, ...]:
    """CSP sources for a bucket reached path-style at `s3_endpoint` (what
    chalicelib/adapters/aws.py signs for): the presigned POST goes to `<endpoint>/<bucket>`
    and objects are `<endpoint>/<bucket>/<key>`. CSP matches a source ending in `/` as a
    path prefix and one without as an exact path, so both are listed."""
    base = f"{s3_endpoint.rstrip('/')}/{bucket}"
    return (base, f"{base}/")


def _join(*groups: Iterable[str]) -> str:
    seen: list[str] = []
    for group in groups:
        for source in group:
            if source not in seen:
                seen.append(source)
    return " ".join(seen)


def content_security_policy(origins: UiOrigins) -> str:
    directives = [
        ("default-src", "'none'"),
        ("script-src", "'self'"),
        ("style-src", "'self'"),
        ("img-src", _join(["'self'", "blob:"], origins.attachments, origins.avatars)),
        ("media-src", "'self'"),
        ("connect-src", _join(["'self'", origins.api, origins.websocket], origins.attachments)),
        ("base-uri", "'none'"),
        ("form-action", "'self'"),
        ("frame-ancestors", "'none'"),
        ("object-src", "'none'"),
    ]
    return "; ".join(f"{name} {value}" for name, value in directives)


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
REFERRER_POLICY = "no-referrer"


def security_headers(origins: UiOrigins, *, https: bool = True) -> dict[str, str]:
    """Every header CloudFront adds to the UI's responses. HSTS only over HTTPS (a browser
    ignores it on plain HTTP, and the local runtime serves HTTP)."""
    headers = {
        "Content-Security-Policy": content_security_policy(origins),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if https:
        headers["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}; includeSubDomains"
    return headers


def local_headers(gateway_origin: str, s3_endpoint: str, bucket: str) -> dict[str, str]:
    """The same headers for the local runtime: the API and the websocket share the gateway's
    origin (`http://127.0.0.1:8000` and `ws://127.0.0.1:8000`); S3 is moto's server."""
    ws_origin = "ws" + gateway_origin[len("http"):] if gateway_origin.startswith("http") else gateway_origin
    origins = UiOrigins(gateway_origin, ws_origin, attachments_sources(s3_endpoint, bucket))
    return security_headers(origins, https=gateway_origin.startswith("https:"))
