"""Cognito's throttling and lockouts become a 429 with Retry-After. moto never throttles, so
these answers are faked at the boundary: botocore's Stubber on the cognito-idp client the app
calls, answering what Cognito answers (docs/security.md, "Sign-in")."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.auth.cognito import LOCKOUT_RETRY_SECONDS, RATE_RETRY_SECONDS
from tests.api.conftest import OPERATOR


@pytest.fixture
def cognito_answers(cognito, monkeypatch):
    """A Stubber on the client the sign-in service uses: queue Cognito's answers on it."""
    from chalicelib import bootstrap

    idp = boto3.client("cognito-idp", region_name="us-east-1")
    stubber = Stubber(idp)
    monkeypatch.setattr(bootstrap.services().sign_in, "_idp", lambda: idp)
    with stubber:
        yield stubber


LOGIN = {"username": OPERATOR, "password": "whatever-it-is"}


@pytest.mark.parametrize("code,message,retry_after", [
    ("TooManyRequestsException", "Rate exceeded", RATE_RETRY_SECONDS),
    ("NotAuthorizedException", "Password attempts exceeded", LOCKOUT_RETRY_SECONDS),
    ("TooManyFailedAttemptsException", "Too many failed attempts", LOCKOUT_RETRY_SECONDS),
    ("LimitExceededException", "Attempt limit exceeded, please try after some time.", LOCKOUT_RETRY_SECONDS),
])
def test_throttled_sign_in_is_a_429_with_retry_after(api, cognito_answers, code, message, retry_after):
    cognito_answers.add_client_error("initiate_auth", service_error_code=code, service_message=message,
                                     http_status_code=400)
    response = api.post("/api/auth/login", LOGIN, as_=None)
    assert response.status == 429
    assert response.body["error"]["code"] == "too_many_attempts"
    assert response.headers["Retry-After"] == str(retry_after)


def test_a_plain_wrong_password_stays_a_401(api, cognito_answers):
    cognito_answers.add_client_error("initiate_auth", service_error_code="NotAuthorizedException",
                                     service_message="Incorrect username or password.", http_status_code=400)
    assert api.post("/api/auth/login", LOGIN, as_=None).status == 401


def test_throttled_codes_and_resets_are_429_too(api, cognito_answers):
    cognito_answers.add_client_error("respond_to_auth_challenge", service_error_code="TooManyFailedAttemptsException",
                                     http_status_code=400)
    challenge = api.post("/api/auth/challenge", {"challenge": "SOFTWARE_TOKEN_MFA", "session": "s" * 40,
                                                 "username": OPERATOR, "code": "123456"}, as_=None)
    assert challenge.status == 429 and challenge.headers["Retry-After"] == str(LOCKOUT_RETRY_SECONDS)

    cognito_answers.add_client_error("forgot_password", service_error_code="LimitExceededException",
                                     http_status_code=400)
    forgot = api.post("/api/auth/forgot-password", {"username": OPERATOR}, as_=None)
    assert forgot.status == 429 and "Retry-After" in forgot.headers

    cognito_answers.add_client_error("confirm_forgot_password", service_error_code="TooManyFailedAttemptsException",
                                     http_status_code=400)
    reset = api.post("/api/auth/reset-password", {"username": OPERATOR, "code": "123456",
                                                  "new_password": "New-pass-2024!"}, as_=None)
    assert reset.status == 429


def test_cognito_unavailable_is_a_503_not_a_500(api, cognito_answers):
    cognito_answers.add_client_error("initiate_auth", service_error_code="InternalErrorException",
                                     http_status_code=500)
    response = api.post("/api/auth/login", LOGIN, as_=None)
    assert response.status == 503 and "Retry-After" in response.headers


def test_an_unsupported_challenge_is_refused_not_half_done(api, cognito_answers):
    cognito_answers.add_response("initiate_auth", {"ChallengeName": "SMS_MFA", "Session": "s" * 40,
                                                   "ChallengeParameters": {}})
    response = api.post("/api/auth/login", LOGIN, as_=None)
    assert response.status == 401 and response.body["error"]["code"] == "invalid_credentials"


def test_the_username_to_answer_with_is_cognitos(api, cognito_answers):
    # Signing in with the e-mail alias: Cognito names the user in USER_ID_FOR_SRP.
    cognito_answers.add_response("initiate_auth", {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s" * 40,
                                                   "ChallengeParameters": {"USER_ID_FOR_SRP": OPERATOR}})
    response = api.post("/api/auth/login", {"username": "alice@example.com", "password": "x"}, as_=None)
    assert response.body == {"challenge": "SOFTWARE_TOKEN_MFA", "session": "s" * 40, "username": OPERATOR}


def test_forgot_password_hides_cognitos_refusals(api, cognito_answers):
    # E.g. a user without a verified e-mail: the caller hears what everyone hears.
    cognito_answers.add_client_error("forgot_password", service_error_code="InvalidParameterException",
                                     service_message="Cannot reset password for the user as there is no registered "
                                                     "or verified email or phone_number", http_status_code=400)
    response = api.post("/api/auth/forgot-password", {"username": OPERATOR}, as_=None)
    assert response.status == 202 and response.body["sent"] is True
