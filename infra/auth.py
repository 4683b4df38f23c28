"""Cognito: the operators' user pool (ops manage users in the console), the `admins` group
and the UI's app client (no secret: it runs in a browser; the app signs in with
USER_PASSWORD_AUTH through its own `/api/auth/login`)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.nag import suppress
from infra.stages import Stage

ADMINS_GROUP = "admins"


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
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # The operators are data: never deleted by a stack update or deletion.
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        pool = self.user_pool.node.default_child
        suppress(pool, "COG2",
                 "MFA stays OPTIONAL (TOTP only) until the UI completes the SOFTWARE_TOKEN_MFA set-up and challenge "
                 "(issue 15, item 1); REQUIRED before that would lock every operator out at the next sign-in.")
        suppress(pool, "COG8",
                 "No Plus feature plan (threat protection) yet: its adaptive authentication scores each sign-in by the "
                 "browser's context data, and sign-in goes through the app's /api/auth/login (USER_PASSWORD_AUTH from "
                 "Lambda), which does not forward it; decide together with issue 15's sign-in work (cost per MAU).")
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
