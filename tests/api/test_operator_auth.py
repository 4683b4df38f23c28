"""Sign-in and token verification with real moto Cognito tokens; websocket tickets."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from chalicelib.auth.operators import Operator
from chalicelib.auth.tickets import TICKET_SECONDS, issue_ticket, redeem_ticket
from chalicelib.clock import FakeClock
from tests.api.conftest import ADMIN, OPERATOR, PASSWORD


def test_login_answers_tokens_that_work(api):
    response = api.post("/api/auth/login", {"username": OPERATOR, "password": PASSWORD}, as_=None)
    assert response.status == 200
    body = response.body
    assert body["operator"] == {"username": OPERATOR, "admin": False}
    assert body["refresh_token"] and body["id_token"] and body["expires_in"] > 0
    me = api.get("/api/me", token=body["access_token"])
    assert me.status == 200
    # + what the waiting clocks need: the mark's threshold and the server's time
    assert me.body == {"username": OPERATOR, "admin": False, "waiting_too_long_seconds": 300.0, "now": me.body["now"]}
    assert me.body["now"].endswith("Z") and len(me.body["now"]) == len("2026-11-25T08:00:00.000Z")

    refreshed = api.post("/api/auth/refresh", {"refresh_token": body["refresh_token"]}, as_=None)
    assert refreshed.status == 200
    assert api.get("/api/me", token=refreshed.body["access_token"]).body["username"] == OPERATOR


def test_admins_are_the_admins_group(api):
    response = api.post("/api/auth/login", {"username": ADMIN, "password": PASSWORD}, as_=None)
    assert response.body["operator"] == {"username": ADMIN, "admin": True}


@pytest.mark.parametrize("username,password", [(OPERATOR, "wrong-password"), ("nobody", PASSWORD)])
def test_wrong_credentials_are_401(api, username, password):
    response = api.post("/api/auth/login", {"username": username, "password": password}, as_=None)
    assert response.status == 401
    assert response.body["error"]["code"] == "invalid_credentials"


def test_a_bad_refresh_token_is_401(api):
    response = api.post("/api/auth/refresh", {"refresh_token": "not-a-token"}, as_=None)
    assert response.status == 401


def test_login_validates_its_body(api):
    assert api.post("/api/auth/login", {"username": OPERATOR}, as_=None).status == 422
    assert api.post("/api/auth/login", None, as_=None).status == 400


def _flip_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return ".".join([head, payload, flipped])


def _swap_payload(token: str, other: str) -> str:
    head, _, signature = token.split(".")
    return ".".join([head, other.split(".")[1], signature])


def test_tokens_that_must_not_work(api, cognito):
    real = cognito.token(OPERATOR)
    admin_like = cognito.forge(username=ADMIN, **{"cognito:groups": ["admins"]})
    unsigned = jwt.encode({"username": ADMIN, "client_id": cognito.client_id, "token_use": "access",
                           "iss": cognito.issuer, "exp": int(time.time()) + 60}, key="", algorithm="none")
    bad = {
        "expired": cognito.forge(exp=int(time.time()) - 60, iat=int(time.time()) - 3700),
        "tampered signature": _flip_signature(real),
        "tampered claims": _swap_payload(real, admin_like),
        "wrong client (audience)": cognito.forge(client_id=cognito.other_client_id),
        "foreign pool": cognito.forge(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"),
        "id token": cognito.forge(token_use="id"),
        "no exp": cognito.forge(exp=None),
        "unknown kid": _with_kid(cognito, "some-other-key"),
        "alg none": unsigned,
        "garbage": "not.a.jwt",
    }
    for why, token in bad.items():
        response = api.get("/api/me", token=token)
        assert response.status == 401, why
        assert response.body["error"]["code"] == "unauthorized", why
    assert api.get("/api/me", token=real).status == 200
    assert api.get("/api/me", as_=None).status == 401


def test_a_token_of_another_app_client_from_moto_is_refused(api, cognito):
    import boto3

    idp = boto3.client("cognito-idp", region_name="us-east-1")
    result = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=cognito.other_client_id,
                               AuthParameters={"USERNAME": OPERATOR, "PASSWORD": PASSWORD})
    assert api.get("/api/me", token=result["AuthenticationResult"]["AccessToken"]).status == 401


def _with_kid(cognito, kid: str) -> str:
    from moto.utilities.utils import load_resource

    private = load_resource("cognitoidp/resources/jwks-private.json")
    key = jwt.PyJWK(private, algorithm="RS256")
    claims = jwt.decode(cognito.forge(), options={"verify_signature": False})
    return jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": kid})


def test_jwks_is_cached_and_refetched_once_for_an_unknown_kid(api, cognito):
    from chalicelib.bootstrap import services

    jwks = services().verifier.jwks
    assert api.get("/api/me").status == 200
    assert api.get("/api/me").status == 200
    assert jwks.fetches == 1
    assert api.get("/api/me", token=_with_kid(cognito, "rotated")).status == 401
    # The first fetch was just now: the refetch is rate-limited, so still one.
    assert jwks.fetches == 1
    jwks._fetched_at -= 60
    assert api.get("/api/me", token=_with_kid(cognito, "rotated")).status == 401
    assert jwks.fetches == 2


# --- websocket tickets ------------------------------------------------------------------------

def test_ws_ticket_route(api, cognito):
    from chalicelib.bootstrap import services

    response = api.post("/api/ws-ticket")
    assert response.status == 200
    assert response.body["ws_url"] == "ws://127.0.0.1:9/ws"
    assert response.body["expires_at"].endswith("Z")
    clock = services().clock
    assert redeem_ticket(response.body["ticket"], clock) == Operator(OPERATOR, False)
    assert redeem_ticket(response.body["ticket"], clock) is None  # once
    assert api.post("/api/ws-ticket", as_=None).status == 401


def test_ticket_is_single_use_and_expires(aws):
    clock = FakeClock()
    ticket, expires_at = issue_ticket("carol", True, clock)
    assert expires_at == "2026-01-01T00:01:00.000Z"
    clock.advance(TICKET_SECONDS - 1)
    assert redeem_ticket(ticket, clock) == Operator("carol", True)
    assert redeem_ticket(ticket, clock) is None

    late, _ = issue_ticket("carol", False, clock)
    clock.advance(TICKET_SECONDS)
    assert redeem_ticket(late, clock) is None
    assert redeem_ticket("wst_unknown", clock) is None
    assert redeem_ticket("", clock) is None


def test_a_ticket_redeemed_concurrently_works_once(aws):
    clock = FakeClock()
    ticket, _ = issue_ticket("dave", False, clock)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: redeem_ticket(ticket, clock), range(6)))
    assert [r for r in results if r is not None] == [Operator("dave", False)]


def test_cognito_unreachable_is_503_not_500(api, monkeypatch):
    from dataclasses import replace

    from chalicelib.bootstrap import services

    sign_in = services().sign_in
    # Nothing listens on port 9 (discard): the connection is refused at once.
    monkeypatch.setattr(sign_in, "settings", replace(sign_in.settings, cognito_endpoint="http://127.0.0.1:9"))
    response = api.post("/api/auth/login", {"username": OPERATOR, "password": PASSWORD}, as_=None)
    assert response.status == 503
    assert response.body["error"]["code"] == "busy" and response.headers.get("Retry-After") == "1"
