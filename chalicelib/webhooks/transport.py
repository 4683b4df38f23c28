"""One webhook call over HTTP(S), safe to point at a URL that a bot's admin typed.

- In AWS the URL must be https, and every address its host resolves to must be public:
  no private, loopback, link-local (169.254.169.254, the instance metadata service),
  carrier-grade NAT, multicast or reserved address; an IPv6 address that embeds an IPv4
  one (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged as that IPv4 address, and
  local-use NAT64 (64:ff9b:1::/48) and Teredo (2001::/32) are refused. The check runs at delivery time,
  after DNS resolution, and the connection goes to the address that was checked (with
  the host name kept for TLS and the Host header), so a DNS answer that changes between
  check and connect (DNS rebinding) cannot reach an internal address.
- The local runtime (HANDOVER_ENVIRONMENT=local) also allows loopback, over http too.
- 10 seconds per call in all, no redirects followed, at most `MAX_RESPONSE_BYTES` of the
  answer read.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import urllib3

CALL_TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 4096

Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Answer:
    """What one call came to. `status` is None when no HTTP answer arrived."""

    status: int | None
    body: str = ""
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Transport(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer: ...


class UnsafeUrl(Exception):
    """The URL may not be called (scheme, or it resolves to a forbidden address)."""


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# IPv6 prefixes that carry an IPv4 address a packet ends up at (RFC 6052, 8215, 3056, 4380).
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
TEREDO = ipaddress.IPv6Network("2001::/32")


def _address(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address a connection to `raw` really reaches, as far as the check is concerned:
    an IPv6 literal that embeds an IPv4 address is judged as that IPv4 address, because a
    NAT64 gateway or a 6to4 relay delivers it there (64:ff9b::7f00:1 is 127.0.0.1, and
    Python's `is_global` calls it public)."""
    address = ipaddress.ip_address(raw.split("%", 1)[0])
    if not isinstance(address, ipaddress.IPv6Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if address in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)  # 64:ff9b::a00:5 is 10.0.0.5
    if address.sixtofour is not None:
        return address.sixtofour  # 2002:a9fe:a9fe:: is 169.254.169.254
    return address


def address_allowed(raw: str, *, local: bool) -> bool:
    address = _address(raw)
    if isinstance(address, ipaddress.IPv6Address) and (address in NAT64_LOCAL_USE or address in TEREDO):
        # A local-use NAT64 prefix embeds IPv4 in a layout its operator chose, and it is never
        # routed globally (RFC 8215); Teredo embeds an obfuscated client address and is not
        # globally reachable (IANA). Neither is a web server's address: refused whatever
        # they carry, internal IPv4 included.
        return False
    if local and address.is_loopback:
        return True
    # is_global is False for private, loopback, link-local, shared (100.64/10), reserved
    # and unspecified addresses; multicast can be "global" but is never a web server.
    return address.is_global and not address.is_multicast


def checked_target(url: str, *, local: bool, resolver: Resolver = resolve) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to), or UnsafeUrl."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in ("https", "http") or not host:
        raise UnsafeUrl("the webhook URL must be https")
    if parts.username or parts.password:
        raise UnsafeUrl("the webhook URL may not carry credentials")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeUrl(f"bad port: {error}") from None
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as error:
        raise UnsafeUrl(f"cannot resolve {host}: {error}") from None
    if not addresses:
        raise UnsafeUrl(f"{host} resolves to no address")
    # Every answer must pass: a host with one public and one internal address is refused.
    refused = [a for a in addresses if not address_allowed(a, local=local)]
    if refused:
        raise UnsafeUrl(f"{host} resolves to a non-public address ({refused[0]})")
    if scheme == "http" and not (local and all(_address(a).is_loopback for a in addresses)):
        raise UnsafeUrl("the webhook URL must be https (http only to loopback in the local runtime)")
    return scheme, host, port, addresses[0]


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """`Retry-After` as delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - now)


def _ca_certs() -> str | None:
    try:
        import certifi

        return certifi.where()
    except ImportError:  # botocore ships its own bundle when certifi is absent
        try:
            from botocore.httpsession import get_cert_path

            return get_cert_path(True)
        except Exception:
            return None


class SafeTransport:
    def __init__(self, *, local: bool, resolver: Resolver = resolve, timeout: float = CALL_TIMEOUT_SECONDS,
                 ca_certs: str | None = None) -> None:
        self.local = local
        self.resolver = resolver
        self.timeout = timeout
        self.ca_certs = ca_certs  # a CA bundle other than the public ones (tests)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        try:
            scheme, host, port, address = checked_target(url, local=self.local, resolver=self.resolver)
        except UnsafeUrl as error:
            return Answer(None, error=f"unsafe_url: {error}")
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default_port = 443 if scheme == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        if ":" in host and not host.startswith("["):
            host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
        timeout = urllib3.Timeout(total=self.timeout)
        pool: Any
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address, port, timeout=timeout, retries=False, maxsize=1,
                server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED",
                ca_certs=self.ca_certs or _ca_certs(),
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
        try:
            response = pool.urlopen(
                "POST", path, body=body, headers={**headers, "Host": host_header},
                redirect=False, retries=False, preload_content=False, assert_same_host=False,
            )
            try:
                text = response.read(MAX_RESPONSE_BYTES, decode_content=False) or b""
            finally:
                response.close()
            retry_after = retry_after_seconds(response.headers.get("Retry-After"), time.time())
            return Answer(response.status, text[:MAX_RESPONSE_BYTES].decode("utf-8", "replace"),
                          retry_after=retry_after)
        except urllib3.exceptions.NewConnectionError as error:
            # (urllib3 files a refused connection under its timeout errors: say what it was.)
            return Answer(None, error=f"connection failed: {error}"[:500])
        except urllib3.exceptions.TimeoutError:
            return Answer(None, error=f"timeout after {self.timeout:g} s")
        except (urllib3.exceptions.HTTPError, OSError) as error:
            return Answer(None, error=f"{type(error).__name__}: {error}"[:500])
        finally:
            pool.close()
