"""Sign-in as Cognito means it, against moto in-process (docs/security.md, "Sign-in"): a user
created with a temporary password sets a new one, TOTP is set up while signed in or during
MFA_SETUP and then asked at each sign-in, a forgotten password is reset with the e-mailed code.
Cognito's throttling, which moto does not implement, is faked at the boundary (botocore's Stubber
on the client the app uses) in test_sign_in_throttling.py."""

from __future__ import annotations

import boto3
import pytest
from moto.cognitoidp.models import cognitoidp_backends
from moto.core import DEFAULT_ACCOUNT_ID

from tests.api.conftest import OPERATOR, PASSWORD
from tests.totp_codes import fresh_code, secret_of, wrong_code

TEMPORARY = "Temp-pass-1!"
NEW_PASSWORD = "New-pass-2024!"
NEWCOMER = "carol"


@pytest.fixture
def idp():
    return boto3.client("cognito-idp", region_name="us-east-1")


@pytest.fixture
def totp_checked(monkeypatch):
    # moto accepts any TOTP code unless told to check them.
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")


def console_user(idp, pool_id: str, username: str = NEWCOMER) -> None:
    """What the console's "Create user" does: a temporary password, status FORCE_CHANGE_PASSWORD."""
    idp.admin_create_user(UserPoolId=pool_id, Username=username, TemporaryPassword=TEMPORARY,
                          UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])


def login(api, username: str, password: str):
    return api.post("/api/auth/login", {"username": username, "password": password}, as_=None)


def answer(api, challenge: dict, **fields):
    body = {"challenge": challenge["challenge"], "session": challenge["session"],
            "username": challenge["username"], **fields}
    return api.post("/api/auth/challenge", body, as_=None)


def test_a_console_user_signs_in_by_setting_a_new_password(api, cognito, idp):
    console_user(idp, cognito.pool_id)
    first = login(api, NEWCOMER, TEMPORARY)
    assert first.status == 200
    assert first.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert first.body["username"] == NEWCOMER and first.body["session"]
    assert "access_token" not in first.body
    # The policy the UI shows (HANDOVER_PASSWORD_POLICY unset: Cognito's defaults).
    assert first.body["password_policy"] == {"min_length": 8, "require_lowercase": True, "require_uppercase": True,
                                             "require_digits": True, "require_symbols": True}

    weak = answer(api, first.body, new_password="weak")
    assert weak.status == 422
    assert weak.body["error"]["code"] == "password_refused"
    assert "new_password" in weak.body["error"]["details"]["fields"]

    done = answer(api, first.body, new_password=NEW_PASSWORD)
    assert done.status == 200, done.body
    assert done.body["operator"] == {"username": NEWCOMER, "admin": False}
    assert api.get("/api/me", token=done.body["access_token"]).body["username"] == NEWCOMER
    # The temporary password is gone; the new one signs in straight away.
    assert login(api, NEWCOMER, TEMPORARY).status == 401
    assert "access_token" in login(api, NEWCOMER, NEW_PASSWORD).body


def test_the_password_policy_shown_is_the_one_infra_sets(api, cognito, idp, monkeypatch):
    from chalicelib import bootstrap

    monkeypatch.setenv("HANDOVER_PASSWORD_POLICY", '{"min_length": 12, "require_symbols": false}')
    bootstrap.reset()
    console_user(idp, cognito.pool_id)
    policy = login(api, NEWCOMER, TEMPORARY).body["password_policy"]
    assert policy["min_length"] == 12 and policy["require_symbols"] is False and policy["require_digits"] is True


def test_a_challenge_answer_must_carry_what_it_needs(api, cognito, idp):
    console_user(idp, cognito.pool_id)
    challenge = login(api, NEWCOMER, TEMPORARY).body
    missing = answer(api, challenge)
    assert missing.status == 422 and "new_password" in missing.body["error"]["details"]["fields"]
    no_code = api.post("/api/auth/challenge", {"challenge": "SOFTWARE_TOKEN_MFA", "session": "s" * 40,
                                               "username": NEWCOMER}, as_=None)
    assert no_code.status == 422 and "code" in no_code.body["error"]["details"]["fields"]
    bad_code = api.post("/api/auth/challenge", {"challenge": "SOFTWARE_TOKEN_MFA", "session": "s" * 40,
                                                "username": NEWCOMER, "code": "12ab56"}, as_=None)
    assert bad_code.status == 422
    unknown = api.post("/api/auth/challenge", {"challenge": "SMS_MFA", "session": "s" * 40, "username": NEWCOMER,
                                               "code": "123456"}, as_=None)
    assert unknown.status == 422


def test_a_forged_or_spent_session_is_refused(api, cognito, idp):
    console_user(idp, cognito.pool_id)
    challenge = login(api, NEWCOMER, TEMPORARY).body
    forged = answer(api, {**challenge, "session": "not-a-session-" + "x" * 40}, new_password=NEW_PASSWORD)
    assert forged.status == 401 and forged.body["error"]["code"] == "session_expired"
    assert answer(api, challenge, new_password=NEW_PASSWORD).status == 200
    spent = answer(api, challenge, new_password="Another-pass-9!")
    assert spent.status == 401 and spent.body["error"]["code"] == "session_expired"


def test_a_signed_in_operator_turns_on_totp_and_is_asked_for_a_code_at_each_sign_in(api, cognito, totp_checked):
    setup = api.post("/api/me/totp", None)
    assert setup.status == 200
    secret = setup.body["secret"]
    assert secret_of(setup.body["otpauth_uri"]) == secret
    assert setup.body["otpauth_uri"].startswith(f"otpauth://totp/Handover%3A{OPERATOR}?")
    assert "session" not in setup.body

    wrong = api.post("/api/me/totp/verify", {"code": wrong_code(secret)})
    assert wrong.status == 422 and wrong.body["error"]["code"] == "invalid_code"
    assert "access_token" in login(api, OPERATOR, PASSWORD).body  # not on yet

    on = api.post("/api/me/totp/verify", {"code": fresh_code(secret)})
    assert on.status == 200 and on.body == {"totp": True}

    challenge = login(api, OPERATOR, PASSWORD).body
    assert challenge["challenge"] == "SOFTWARE_TOKEN_MFA" and "password_policy" not in challenge
    refused = answer(api, challenge, code=wrong_code(secret))
    assert refused.status == 422 and refused.body["error"]["code"] == "invalid_code"
    signed_in = answer(api, challenge, code=fresh_code(secret))
    assert signed_in.status == 200 and signed_in.body["operator"]["username"] == OPERATOR


def test_totp_routes_need_a_signed_in_operator(api):
    assert api.post("/api/me/totp", None, as_=None).status == 401
    assert api.post("/api/me/totp/verify", {"code": "123456"}, as_=None).status == 401


def test_mfa_setup_when_the_pool_requires_mfa(api, cognito, idp, totp_checked):
    idp.set_user_pool_mfa_config(UserPoolId=cognito.pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                 MfaConfiguration="ON")
    console_user(idp, cognito.pool_id)
    first = login(api, NEWCOMER, TEMPORARY).body
    setup_challenge = answer(api, first, new_password=NEW_PASSWORD).body
    assert setup_challenge["challenge"] == "MFA_SETUP"

    setup = api.post("/api/auth/totp-setup", {"session": setup_challenge["session"], "username": NEWCOMER},
                     as_=None)
    assert setup.status == 200 and setup.body["session"]
    secret = secret_of(setup.body["otpauth_uri"])
    assert secret == setup.body["secret"]
    continued = {**setup_challenge, "session": setup.body["session"]}
    assert answer(api, continued, code=wrong_code(secret)).body["error"]["code"] == "invalid_code"
    done = answer(api, continued, code=fresh_code(secret))
    assert done.status == 200 and done.body["operator"]["username"] == NEWCOMER

    again = login(api, NEWCOMER, NEW_PASSWORD).body
    assert again["challenge"] == "SOFTWARE_TOKEN_MFA"
    assert "access_token" in answer(api, again, code=fresh_code(secret)).body


def _emailed_code(pool_id: str, username: str) -> str:
    # moto keeps the code it would e-mail on the user (and returns it in an
    # x-moto-forgot-password-confirmation-code header the app's client never shows).
    pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].user_pools[pool_id]
    return pool._get_user(username).confirmation_code


def test_a_forgotten_password_is_reset_with_the_emailed_code(api, cognito):
    sent = api.post("/api/auth/forgot-password", {"username": OPERATOR}, as_=None)
    assert sent.status == 202 and sent.body["sent"] is True
    assert sent.body["password_policy"]["min_length"] == 8
    code = _emailed_code(cognito.pool_id, OPERATOR)
    assert code

    # moto checks only codes with its own prefix (any other is taken): a wrong one of that shape.
    wrong = api.post("/api/auth/reset-password", {"username": OPERATOR, "code": code + "9",
                                                  "new_password": NEW_PASSWORD}, as_=None)
    assert wrong.status == 422 and wrong.body["error"]["code"] == "invalid_code"

    reset = api.post("/api/auth/reset-password", {"username": OPERATOR, "code": code,
                                                  "new_password": NEW_PASSWORD}, as_=None)
    assert reset.status == 200 and reset.body == {"reset": True}
    assert login(api, OPERATOR, PASSWORD).status == 401
    assert "access_token" in login(api, OPERATOR, NEW_PASSWORD).body


def test_forgot_password_never_says_whether_the_user_exists(api, cognito):
    known = api.post("/api/auth/forgot-password", {"username": OPERATOR}, as_=None)
    unknown = api.post("/api/auth/forgot-password", {"username": "nobody-here"}, as_=None)
    assert (known.status, known.body) == (unknown.status, unknown.body)
    assert known.status == 202 and known.body["sent"] is True
    reset = api.post("/api/auth/reset-password", {"username": "nobody-here", "code": "123456",
                                                  "new_password": NEW_PASSWORD}, as_=None)
    assert reset.status == 422 and reset.body["error"]["code"] == "invalid_code"
