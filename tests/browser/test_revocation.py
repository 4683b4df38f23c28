"""The UI when ops revoke the signed-in operator (docs/security.md, "Revocation within a
minute"): its `reauth` frame is refused with `token_revoked`, the server closes the socket and
the page goes back to the sign-in screen. A runtime of this module's own, with the periods
scaled down (token check 2 s, reauth 1 s, schedules 1 s; production 60 s, 30 s, a minute)."""

from __future__ import annotations

import boto3
import pytest
from playwright.sync_api import expect

from local_runtime.testing import running_runtime


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    env = {"HANDOVER_SCHEDULE_SECONDS": "1", "HANDOVER_TOKEN_CHECK_SECONDS": "2", "HANDOVER_REAUTH_SECONDS": "1"}
    with running_runtime(tmp_path_factory.mktemp("revocation-browser-runtime"), demo=False, env=env) as started:
        yield started


def test_a_disabled_operator_is_sent_to_the_sign_in_screen(console, runtime):
    console.sign_in("operator")
    page = console.page
    # The socket re-confirms its token as soon as it opens, then every second here.
    for _ in range(100):
        if any(f.get("type") == "reauthed" for f in console.received):
            break
        page.wait_for_timeout(100)
    assert any(f.get("action") == "reauth" and f.get("access_token") for f in console.sent)
    assert any(f.get("type") == "reauthed" for f in console.received)

    revoked_answers: list[str] = []

    def watch(response) -> None:
        if response.status == 401 and "token_revoked" in (response.text() or ""):
            revoked_answers.append(response.url)

    page.on("response", watch)
    idp = boto3.client("cognito-idp", endpoint_url=runtime.backends["moto_endpoint"], region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    pool = idp.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    idp.admin_disable_user(UserPoolId=pool, Username="operator")

    expect(page.get_by_test_id("login-username")).to_be_visible(timeout=15_000)
    # Whichever comes first sends the page to sign-in: the socket's refused `reauth`, or a REST
    # call answered 401 token_revoked (both are the revocation; under load either may win).
    by_socket = {"type": "error", "code": "token_revoked"} in [
        {"type": f.get("type"), "code": (f.get("error") or {}).get("code")} for f in console.received]
    assert by_socket or revoked_answers, (console.received, revoked_answers)
    # Signing in again is refused by Cognito (the user is disabled).
    page.get_by_test_id("login-username").fill("operator")
    page.get_by_test_id("login-password").fill(runtime.operator("operator")["password"])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
