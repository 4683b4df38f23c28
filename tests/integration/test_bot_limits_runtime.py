"""The per-bot limit on the local runtime (local_runtime/throttle.py): enforced in the gateway
process, in front of every worker, as API Gateway's usage plan is in front of every Lambda
container (docs/security.md, "Per-bot limits"). Each bot has its own budget; the noisy one gets
the same 429 as AWS's THROTTLED gateway response."""

from __future__ import annotations

import requests

from infra.bot_limits import throttled_body
from local_runtime.testing import running_runtime
from local_runtime.throttle import THROTTLED_ERROR_TYPE
from tests.integration.helpers import sign_in

TIMEOUT = 30
BURST = 4


def test_each_bot_has_its_own_budget_in_front_of_every_worker(tmp_path):
    # No refill during the test (one token per 1,000 s): the counts are exact. No demo data: the
    # demo bot's seeding goes through the gateway too, and would spend more than this budget.
    with running_runtime(tmp_path / "data", demo=False, env={"HANDOVER_RATE_LIMIT_BOT": f"0.001/{BURST}"}) as rt:
        admin = sign_in(rt, "admin")

        def new_bot(name: str) -> dict[str, str]:
            created = requests.post(f"{rt.url}/api/admin/bots", json={"name": name}, headers=admin, timeout=TIMEOUT)
            assert created.status_code == 201, created.text
            return {"Authorization": f"Bearer {created.json()['api_key']}"}

        noisy, quiet = new_bot("Noisy bot"), new_bot("Quiet bot")
        lead = f"{rt.url}/bot/v1/leads/tg:limits"
        answers = [requests.get(lead, headers=noisy, timeout=TIMEOUT) for _ in range(BURST + 3)]
        assert [a.status_code for a in answers] == [404] * BURST + [429] * 3
        refused = answers[-1]
        assert refused.json() == throttled_body(int(refused.headers["Retry-After"]))
        assert int(refused.headers["Retry-After"]) >= 1
        # Answered by the gateway: no worker ("container") saw, let alone counted, the refused
        # calls, so the limit is the gateway's whatever the number of workers.
        assert refused.headers["x-amzn-ErrorType"] == THROTTLED_ERROR_TYPE
        # Every bot route draws on the one budget of the bot.
        posted = requests.post(f"{lead}/messages", headers=noisy, json={"id": "m-1", "from": "lead", "text": "hi"},
                               timeout=TIMEOUT)
        assert posted.status_code == 429

        # The quiet bot keeps its whole budget.
        assert [requests.get(lead, headers=quiet, timeout=TIMEOUT).status_code for _ in range(BURST)] == [404] * BURST
        # Operators are not counted against bots, and the public document needs no budget.
        assert requests.get(f"{rt.url}/api/me", headers=admin, timeout=TIMEOUT).status_code == 200
        assert requests.get(f"{rt.url}/bot/v1/openapi.json", headers=noisy, timeout=TIMEOUT).status_code == 200

