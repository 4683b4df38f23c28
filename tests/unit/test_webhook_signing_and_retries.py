"""The webhook signature and the retry policy: pure (no moto, no network)."""

from __future__ import annotations

import pytest

from chalicelib.webhooks import retries, signing


def test_signature_matches_the_standard_webhooks_reference():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    header = signing.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    # The example of the Standard Webhooks specification.
    assert header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize("rand", [0.0, 1.0])
def test_the_retries_span_at_least_72_hours_and_only_grow(rand):
    span = retries.total_span(rand)
    assert 72 * 3600 <= span <= 120 * 3600
    delays = [retries.delay_after(n, lambda: rand) for n in range(1, retries.MAX_ATTEMPTS)]
    assert delays == sorted(delays)
