"""Cognito for the operator API tests: a moto user pool (in-process, under the `aws`
fixture) with an operator, an admin, and helpers to sign in and to forge tokens with
moto's own signing key (expired, foreign pool, id token, ...)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import boto3
import jwt
import pytest
from moto.utilities.utils import load_resource

PASSWORD = "Sup3r-secret!"
OPERATOR = "alice"
SECOND_OPERATOR = "bob"
ADMIN = "root"


@dataclass
class Pool:
    pool_id: str
    client_id: str
    other_client_id: str
    issuer: str
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            idp = boto3.client("cognito-idp", region_name="us-east-1")
            result = idp.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH", ClientId=self.client_id,
                AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            )["AuthenticationResult"]
            self.tokens[username] = result["AccessToken"]
        return self.tokens[username]

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}", "Content-Type": "application/json"}

    def forge(self, **overrides: Any) -> str:
        """An access token signed with moto's real key; `overrides` change its claims."""
        now = int(time.time())
        claims = {
            "iss": self.issuer, "sub": "sub-alice", "client_id": self.client_id, "token_use": "access",
            "iat": now, "auth_time": now, "exp": now + 3600, "jti": "forged", "username": OPERATOR,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        private = load_resource("cognitoidp/resources/jwks-private.json")
        key = jwt.PyJWK(private, algorithm="RS256")
        return jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": private["kid"]})


@pytest.fixture
def cognito(aws, monkeypatch, tmp_path) -> Pool:
    from chalicelib import bootstrap

    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool_id = idp.create_user_pool(PoolName="operators")["UserPool"]["Id"]
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="ui", ExplicitAuthFlows=flows)[
        "UserPoolClient"]["ClientId"]
    other = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="other", ExplicitAuthFlows=flows)[
        "UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool_id, GroupName="admins")
    for username in (OPERATOR, SECOND_OPERATOR, ADMIN):
        idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=ADMIN, GroupName="admins")
    # In-process moto answers no HTTP for the JWKS; hand the app moto's public keys as a file
    # (file:// is accepted only in the local environment).
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(load_resource("cognitoidp/resources/jwks-public.json")))
    monkeypatch.setenv("HANDOVER_COGNITO_USER_POOL_ID", pool_id)
    monkeypatch.setenv("HANDOVER_COGNITO_CLIENT_ID", client_id)
    monkeypatch.setenv("HANDOVER_COGNITO_JWKS_URL", jwks.as_uri())
    monkeypatch.setenv("HANDOVER_WS_URL", "ws://127.0.0.1:9/ws")
    bootstrap.reset()
    # Build the services now: chalice's test Client later puts .chalice/config.json's
    # environment (another table prefix) into os.environ.
    bootstrap.services()
    aws.clear()
    return Pool(pool_id, client_id, other, f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}")


@pytest.fixture
def api(cognito, client):
    """The Chalice test client with JSON helpers for an operator's calls."""
    return Api(client, cognito)


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]


class Api:
    def __init__(self, client: Any, pool: Pool) -> None:
        self.client = client
        self.pool = pool

    def call(self, method: str, path: str, body: Any = None, *, as_: str | None = OPERATOR,
             token: str | None = None, headers: dict[str, str] | None = None) -> Response:
        all_headers = {"Content-Type": "application/json"}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        elif as_ is not None:
            all_headers["Authorization"] = f"Bearer {self.pool.token(as_)}"
        all_headers.update(headers or {})
        raw = b"" if body is None else json.dumps(body).encode()
        response = getattr(self.client.http, method.lower())(path, headers=all_headers, body=raw)
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        return Response(response.status_code, json.loads(text) if text else None, dict(response.headers))

    def get(self, path: str, **kw: Any) -> Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.call("PATCH", path, body, **kw)


class Leads:
    """Leads of the `bot` fixture, made through the dialog service (what the bot API does)."""

    def __init__(self, bot: Any) -> None:
        from chalicelib.domain.credentials import parse_api_key

        self.key = parse_api_key(bot.api_key)
        self.count = 0

    @property
    def services(self) -> Any:
        from chalicelib import bootstrap

        # Always the current services: the cognito fixture rebuilds them.
        return bootstrap.services()

    def make(self, ref: str | None = None, *, waiting: bool = False, text: str | None = "hello",
             **body: Any) -> str:
        from chalicelib.api.bodies import check_lead_changes

        self.count += 1
        ref = ref or f"tg:{self.count}"
        body.setdefault("name", f"Lead {self.count}")
        lead, _ = self.services.dialogs.upsert_lead(self.key, ref, check_lead_changes(body))
        if text:
            self.say(ref, text)
        if waiting:
            self.services.dialogs.handoff(self.key, ref, "")
        return lead.id

    def say(self, ref: str, text: str, sender: str = "lead") -> None:
        from chalicelib.api.bodies import check_bot_message

        self.count += 1
        message = check_bot_message({"id": f"m{self.count}", "from": sender, "text": text})
        self.services.dialogs.post_bot_message(self.key, ref, message)


@pytest.fixture
def leads(cognito, bot) -> Leads:
    return Leads(bot)
