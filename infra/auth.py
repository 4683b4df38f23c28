"""Cognito: the operators' user pool (ops manage users in the console), the `admins` group
and the UI's app client (no secret: it runs in a browser; the app signs in with
USER_PASSWORD_AUTH through its own `/api/auth/login`)."""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.nag import suppress
from infra.stages import Stage

ADMINS_GROUP = "admins"
# The pool's password policy, also given to the functions as HANDOVER_PASSWORD_POLICY so the UI
# can show it where a password is set without an admin call (DescribeUserPool) at sign-in.
PASSWORD_POLICY = {"min_length": 12, "require_lowercase": True, "require_uppercase": True,
                   "require_digits": True, "require_symbols": True}


def password_policy_setting() -> str:
    """HANDOVER_PASSWORD_POLICY, read by chalicelib/config.py."""
    return json.dumps(PASSWORD_POLICY, sort_keys=True)


class Operators(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"{stage.stack_name}-operators",
            # Operators are created by ops (docs/runbook.md), never by themselves.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(email=cognito.StandardAttribute(required=True, mutable=True)),
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_POLICY["min_length"],
                require_lowercase=PASSWORD_POLICY["require_lowercase"],
                require_uppercase=PASSWORD_POLICY["require_uppercase"],
                require_digits=PASSWORD_POLICY["require_digits"],
                require_symbols=PASSWORD_POLICY["require_symbols"],
                temp_password_validity=Duration.days(3),
            ),
            # Each operator may turn TOTP on (the UI sets it up with a QR code); SMS is off.
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # The operators are data: never deleted by a stack update or deletion.
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        pool = self.user_pool.node.default_child
        suppress(pool, "COG2",
                 "MFA is OPTIONAL (TOTP only): the UI completes the TOTP set-up, MFA_SETUP and SOFTWARE_TOKEN_MFA, and "
                 "each operator turns it on from the user menu (docs/security.md). REQUIRED is one property away "
                 "and works with the same UI (MFA_SETUP at the next sign-in); the choice is the operator's "
                 "organisation's (docs/runbook.md, onboarding).")
        suppress(pool, "COG8",
                 "No Plus feature plan (threat protection) yet: its adaptive authentication scores each sign-in by the "
                 "browser's context data, and sign-in goes through the app's /api/auth/login (USER_PASSWORD_AUTH from "
                 "Lambda), which does not forward it; the lockout after wrong passwords and the 429 are Cognito's "
                 "own (docs/security.md, Sign-in).")
        self.admins = cognito.CfnUserPoolGroup(
            self,
            "Admins",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=ADMINS_GROUP,
            description="Handover admins: manage bots and dead letters",
        )
        self.client = self.user_pool.add_client(
            "UiClient",
            user_pool_client_name=f"{stage.stack_name}-ui",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            # The UI signs in through the API, not the hosted UI.
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),
        )
