"""Where a webhook may go: https to public addresses in AWS (checked after DNS, connected
to the checked address), http to loopback only in the local runtime; answers read up to a
limit; Retry-After parsed."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from chalicelib.webhooks.transport import (
    CALL_TIMEOUT_SECONDS,
    MAX_RESPONSE_BYTES,
    SafeTransport,
    UnsafeUrl,
    address_allowed,
    checked_target,
    retry_after_seconds,
)
from tests.service.webhooks.conftest import Receiver, free_port


@pytest.mark.parametrize("address", [
    "169.254.169.254", "127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "100.64.0.1", "0.0.0.0",
    "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "224.0.0.1", "240.0.0.1",
])
def test_internal_addresses_are_refused_in_aws(address):
    assert not address_allowed(address, local=False)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5", "8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert address_allowed(address, local=False)


# IPv6 literals that carry an internal IPv4 address: a NAT64 gateway (64:ff9b::/96), a 6to4
# relay (2002::/16) or Teredo (2001::/32) would deliver them to it. Python's `is_global`
# calls the NAT64 and 6to4 ones public.
EMBEDDED_INTERNAL = [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::127.0.0.1",  # the same, written the mixed way
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (the instance metadata service)
    "64:ff9b::a00:5",  # NAT64 of 10.0.0.5
    "64:ff9b::c0a8:101",  # NAT64 of 192.168.1.1
    "64:ff9b::6440:1",  # NAT64 of 100.64.0.1 (carrier-grade NAT)
    "64:ff9b:1::7f00:1",  # local-use NAT64 of 127.0.0.1 (its /96 layout)
    "64:ff9b:1:7f00:0:100::",  # local-use NAT64 of 127.0.0.1 (its /48 layout, RFC 6052)
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "2002:ac10:304::1",  # 6to4 of 172.16.3.4
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    "2001:0:a00:5::1",  # Teredo, server 10.0.0.5
]


@pytest.mark.parametrize("address", EMBEDDED_INTERNAL)
def test_ipv6_literals_embedding_an_internal_ipv4_are_refused_like_it(address):
    assert not address_allowed(address, local=False)
    with pytest.raises(UnsafeUrl, match="non-public"):
        checked_target(f"https://[{address}]/hook", local=False, resolver=lambda host, port: [host])


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "64:ff9b::8.8.4.4", "2002:808:808::1"])
def test_ipv6_literals_embedding_a_public_ipv4_are_judged_as_it(address):
    assert address_allowed(address, local=False)


def test_the_local_runtime_judges_them_as_the_ipv4_too():
    # Loopback is allowed locally (the demo bot); everything else internal is not.
    assert address_allowed("64:ff9b::7f00:1", local=True)
    assert not address_allowed("64:ff9b::a9fe:a9fe", local=True)
    assert not address_allowed("2002:a00:5::", local=True)
    assert not address_allowed("2001:0:4136:e378:8000:63bf:80ff:fffe", local=True)


def test_teredo_is_refused_whatever_it_embeds():
    # Server 65.54.227.120 and client 8.8.8.8, both public: still refused (not globally reachable).
    assert not address_allowed("2001:0:4136:e378:8000:63bf:f7f7:f7f7", local=False)


def fixed(*addresses):
    return lambda host, port: list(addresses)


def test_the_check_runs_on_what_the_name_resolves_to():
    assert checked_target("https://bot.example/hook", local=False, resolver=fixed("93.184.215.14")) == (
        "https", "bot.example", 443, "93.184.215.14")
    with pytest.raises(UnsafeUrl, match="169.254.169.254"):
        checked_target("https://metadata.example/", local=False, resolver=fixed("169.254.169.254"))
    with pytest.raises(UnsafeUrl, match="non-public"):  # one bad answer among good ones
        checked_target("https://bot.example/", local=False, resolver=fixed("93.184.215.14", "10.1.2.3"))
    with pytest.raises(UnsafeUrl, match="https"):
        checked_target("http://bot.example/", local=False, resolver=fixed("93.184.215.14"))
    with pytest.raises(UnsafeUrl, match="https"):
        checked_target("http://bot.example/", local=True, resolver=fixed("93.184.215.14"))
    with pytest.raises(UnsafeUrl):
        checked_target("https://user:pw@bot.example/", local=False, resolver=fixed("93.184.215.14"))
    with pytest.raises(UnsafeUrl):
        checked_target("ftp://bot.example/", local=False, resolver=fixed("93.184.215.14"))
    assert checked_target("http://localhost:8080/h", local=True, resolver=fixed("127.0.0.1"))[3] == "127.0.0.1"
    with pytest.raises(UnsafeUrl):
        checked_target("http://localhost:8080/h", local=False, resolver=fixed("127.0.0.1"))


def test_aws_mode_refuses_loopback_without_calling():
    receiver = Receiver(secret="whsec_" + "A" * 32)
    receiver.start()
    try:
        answer = SafeTransport(local=False).post(receiver.url, b"{}", {})
        assert answer.status is None and answer.error.startswith("unsafe_url")
        assert receiver.calls == []
    finally:
        receiver.stop()


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept():
    receiver = Receiver(secret="whsec_" + "A" * 32)
    receiver.start()
    try:
        # A name that the real DNS does not know: only the checked answer can be used.
        transport = SafeTransport(local=True, resolver=fixed("127.0.0.1"))
        answer = transport.post(f"http://bot.invalid:{receiver.port}/hooks?x=1", b"{}", {"webhook-id": "evt_1"})
        assert answer.status == 204
        assert receiver.calls[0].headers["host"] == f"bot.invalid:{receiver.port}"
    finally:
        receiver.stop()


def test_only_a_bounded_part_of_the_answer_is_read():
    receiver = Receiver(secret="whsec_" + "A" * 32)

    receiver.start()
    try:
        import http.server

        class Big(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                return None

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", "0")))
                self.send_response(500)
                self.send_header("Retry-After", "30")
                self.end_headers()
                self.wfile.write(b"x" * (1024 * 1024))

        receiver.server.RequestHandlerClass = Big
        answer = SafeTransport(local=True).post(receiver.url, b"{}", {})
        assert answer.status == 500 and len(answer.body) == MAX_RESPONSE_BYTES
        assert answer.retry_after == 30
    finally:
        receiver.stop()


def test_refused_and_timeout():
    answer = SafeTransport(local=True).post(f"http://127.0.0.1:{free_port()}/", b"{}", {})
    assert answer.status is None and "connection failed" in answer.error
    receiver = Receiver(secret="whsec_" + "A" * 32, plan=[("sleep", 2.0)])
    receiver.start()
    try:
        started = time.monotonic()
        answer = SafeTransport(local=True, timeout=0.3).post(receiver.url, b"{}", {})
        assert answer.status is None and answer.error.startswith("timeout")
        assert time.monotonic() - started < 5.0  # (status None already shows the 2 s answer was not awaited)
    finally:
        receiver.stop()
    assert CALL_TIMEOUT_SECONDS == 10.0


def test_redirects_are_not_followed():
    receiver = Receiver(secret="whsec_" + "A" * 32, plan=[("status", 307, {"Location": "http://169.254.169.254/"})])
    receiver.start()
    try:
        answer = SafeTransport(local=True).post(receiver.url, b"{}", {})
        assert answer.status == 307 and not answer.ok
        assert len(receiver.calls) == 1
    finally:
        receiver.stop()


def test_retry_after_forms():
    now = time.time()
    assert retry_after_seconds("120", now) == 120
    assert 3590 <= retry_after_seconds(formatdate(now + 3600, usegmt=True), now) <= 3600
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None


def _certificate(tmp_path, host):
    """A self-signed certificate for `host` (and the CA bundle that trusts it)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_https_goes_to_the_checked_address_and_checks_the_certificate_for_the_host(tmp_path):
    import ssl

    cert, key = _certificate(tmp_path, "bot.invalid")
    receiver = Receiver(secret="whsec_" + "A" * 32)
    receiver.start()
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
        transport = SafeTransport(local=True, resolver=fixed("127.0.0.1"), ca_certs=cert)
        answer = transport.post(f"https://bot.invalid:{receiver.port}/hooks", b"{}", {"webhook-id": "evt_1"})
        assert answer.status == 204, answer.error
        assert receiver.calls[0].headers["host"] == f"bot.invalid:{receiver.port}"
        # The same address under a name the certificate does not cover: refused by TLS.
        wrong = transport.post(f"https://evil.invalid:{receiver.port}/hooks", b"{}", {})
        assert wrong.status is None and len(receiver.calls) == 1
        # Without the test CA, the self-signed certificate is not trusted either.
        untrusted = SafeTransport(local=True, resolver=fixed("127.0.0.1")).post(
            f"https://bot.invalid:{receiver.port}/hooks", b"{}", {})
        assert untrusted.status is None and len(receiver.calls) == 1
    finally:
        receiver.stop()
