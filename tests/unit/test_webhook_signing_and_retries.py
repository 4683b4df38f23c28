"""The webhook signature and the retry policy: pure (no moto, no network)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.adapters.wakeup_queue import leads_of
from chalicelib.webhooks import retries, signing
from chalicelib.webhooks.wakeups import wake_delay


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


def test_the_first_retries_come_within_seconds_then_the_long_backoff():
    minute, hour = 60, 3600
    assert [retries.base_delay(n) for n in range(1, retries.MAX_ATTEMPTS)] == [
        1, 5, 30, 2 * minute, 6 * minute, 18 * minute, 54 * minute, 162 * minute, 486 * minute,
        24 * hour, 24 * hour, 24 * hour]
    assert retries.delay_after(1, lambda: 0.0) == 1.0
    assert retries.delay_after(1, lambda: 1.0) == 1.25
    assert retries.delay_after(3, lambda: 1.0) == 37.5
    # The fast retries add 36 s: the span is still the long backoff's 84 hours (105 with jitter).
    assert 84 * 3600 <= retries.total_span(0.0) < 84.2 * 3600
    assert retries.total_span(1.0) < 105.2 * 3600


def test_a_429_asks_for_longer_even_on_a_fast_retry():
    assert retries.delay_after(1, lambda: 0.0, retry_after=120) == 120
    assert retries.delay_after(1, lambda: 0.0, retry_after=0.5) == 1.0
    assert retries.delay_after(1, lambda: 0.0, retry_after=10**9) == retries.MAX_DELAY_SECONDS


def test_a_wakeup_is_never_early_and_only_within_sqs_reach():
    now = datetime(2026, 1, 1, 12, 0, 0, 400_000, tzinfo=UTC)
    assert wake_delay("2026-01-01T12:00:01.525Z", now) == 2  # 1.125 s, rounded up
    assert wake_delay("2026-01-01T12:00:00.000Z", now) == 0  # overdue: at once
    assert wake_delay("2026-01-01T12:15:00.400Z", now) == 900
    assert wake_delay("2026-01-01T12:15:01.400Z", now) is None  # the sweep's


def test_wakeup_bodies_name_each_lead_once_and_junk_is_skipped():
    class Record:
        def __init__(self, body):
            self.body = body

    records = [{"body": '{"lead_id": "ld_a"}'}, Record('{"lead_id": "ld_b"}'), {"body": '{"lead_id": "ld_a"}'},
               {"body": "junk"}, {"body": "[]"}, {"body": '{"lead_id": 7}'}, {}]
    assert leads_of(records) == ["ld_a", "ld_b"]
