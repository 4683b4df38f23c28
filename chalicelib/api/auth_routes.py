"""Sign-in for the operator UI: login (tokens or a Cognito challenge), the challenge's answer,
TOTP set-up, the forgotten password, refresh, who am I, websocket tickets."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.api import schemas_auth
from chalicelib.api.bodies import check_login, check_refresh
from chalicelib.api.decoding import decode
from chalicelib.api.http import ANY_CONTENT, bearer_token, handles_errors, json_body, json_response
from chalicelib.api.operator_auth import current_operator
from chalicelib.auth.cognito import NEW_PASSWORD_REQUIRED, Challenge, SignInResult, Tokens, TotpSecret
from chalicelib.auth.tickets import issue_ticket
from chalicelib.bootstrap import services
from chalicelib.views import challenge_view, me_view, password_policy_view, totp_setup_view

auth_api = Blueprint(__name__)


def _tokens_view(tokens: Tokens) -> dict[str, Any]:
    operator = services().verifier.verify(tokens.access_token)
    body: dict[str, Any] = {
        "access_token": tokens.access_token,
        "id_token": tokens.id_token,
        "expires_in": tokens.expires_in,
        "operator": operator.view(),
    }
    if tokens.refresh_token:
        body["refresh_token"] = tokens.refresh_token
    return body


def _signed_in_view(result: SignInResult) -> dict[str, Any]:
    if isinstance(result, Challenge):
        policy = services().settings.password_policy if result.name == NEW_PASSWORD_REQUIRED else None
        return challenge_view(result.name, result.session, result.username, policy)
    return _tokens_view(result)


def _totp_view(setup: TotpSecret) -> dict[str, Any]:
    return totp_setup_view(setup.secret, setup.otpauth_uri, setup.session)


@auth_api.route("/api/auth/login", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def login() -> Any:
    username, password = check_login(json_body(auth_api.current_request))
    return json_response(_signed_in_view(services().sign_in.login(username, password)))


@auth_api.route("/api/auth/challenge", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def answer_challenge() -> Any:
    answer = decode(json_body(auth_api.current_request), schemas_auth.ChallengeInput)
    # The schema's rules made sure the answer has what its challenge needs.
    result = services().sign_in.answer(answer.challenge, answer.session, answer.username,
                                       new_password=answer.new_password or None, code=answer.code or None)
    return json_response(_signed_in_view(result))


@auth_api.route("/api/auth/totp-setup", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def totp_setup_while_signing_in() -> Any:
    """During the MFA_SETUP challenge: a TOTP secret to scan, before there are tokens."""
    body = decode(json_body(auth_api.current_request), schemas_auth.TotpSetupInput)
    return json_response(_totp_view(services().sign_in.totp_setup_for_session(body.session, body.username)))


@auth_api.route("/api/auth/forgot-password", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def forgot_password() -> Any:
    body = decode(json_body(auth_api.current_request), schemas_auth.ForgotPasswordInput)
    runtime = services()
    runtime.sign_in.forgot_password(body.username)
    return json_response({"sent": True, "password_policy": password_policy_view(runtime.settings.password_policy)},
                         status=202)


@auth_api.route("/api/auth/reset-password", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def reset_password() -> Any:
    body = decode(json_body(auth_api.current_request), schemas_auth.ResetPasswordInput)
    services().sign_in.reset_password(body.username, body.code, body.new_password)
    return json_response({"reset": True})


@auth_api.route("/api/me/totp", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def totp_setup() -> Any:
    """A signed-in operator's new TOTP secret (turned on by /api/me/totp/verify)."""
    request = auth_api.current_request
    operator = current_operator(request)
    return json_response(_totp_view(services().sign_in.totp_setup(str(bearer_token(request)), operator.username)))


@auth_api.route("/api/me/totp/verify", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def totp_verify() -> Any:
    request = auth_api.current_request
    current_operator(request)
    body = decode(json_body(request), schemas_auth.TotpCodeInput)
    services().sign_in.enable_totp(str(bearer_token(request)), body.code)
    return json_response({"totp": True})


@auth_api.route("/api/auth/refresh", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def refresh() -> Any:
    token = check_refresh(json_body(auth_api.current_request))
    return json_response(_tokens_view(services().sign_in.refresh(token)))


@auth_api.route("/api/me", methods=["GET"])
@handles_errors
def me() -> Any:
    runtime = services()
    return json_response(me_view(current_operator(auth_api.current_request), runtime.settings, runtime.clock.now()))


@auth_api.route("/api/ws-ticket", methods=["POST"], content_types=ANY_CONTENT)
@handles_errors
def ws_ticket() -> Any:
    operator = current_operator(auth_api.current_request)
    runtime = services()
    ticket, expires_at = issue_ticket(operator.username, operator.admin, runtime.clock)
    return json_response({"ticket": ticket, "expires_at": expires_at, "ws_url": runtime.settings.ws_url})


@auth_api.route("/api/openapi.json", methods=["GET"])
@handles_errors
def openapi() -> Any:
    from chalicelib.api.openapi_operator import operator_openapi  # loaded on first use, not at cold start

    return json_response(operator_openapi())
