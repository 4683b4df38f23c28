"""Re-create what moto keeps only in memory, at every start: the attachments bucket and
the Cognito user pool with its app client, the `admins` group and the demo operators.
Operators are identified by their Cognito username, so the dialogs stored in DynamoDB
Local keep their operators across restarts although the pool is new.

This is the emulator's, not the demo's (local_runtime/demo/): it stands for what the CDK
stack creates in AWS, and it runs with `--no-demo` too (nobody could sign in without it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from local_runtime.settings import APP_CLIENT_NAME, ATTACHMENTS_BUCKET, REGION, USER_POOL_NAME


@dataclass(frozen=True)
class Operator:
    username: str
    password: str
    admin: bool

    def as_json(self) -> dict[str, Any]:
        return {"username": self.username, "password": self.password, "admin": self.admin}


# Known passwords for a machine that only listens on 127.0.0.1 (documented in docs/local-runtime.md).
OPERATORS = (
    Operator("admin", "Admin-pass-1", True),
    Operator("operator", "Operator-pass-1", False),
    Operator("operator2", "Operator-pass-2", False),
)


# The local pool's password policy, as infra/auth.py's is in AWS (shorter, for typing in demos);
# the app is told it as HANDOVER_PASSWORD_POLICY, as the CDK stack tells the functions.
PASSWORD_POLICY = {"min_length": 8, "require_lowercase": True, "require_uppercase": True,
                   "require_digits": True, "require_symbols": True}


def password_policy_setting() -> str:
    return json.dumps(PASSWORD_POLICY, sort_keys=True)


@dataclass(frozen=True)
class CognitoIds:
    user_pool_id: str
    client_id: str


def _client(service: str, endpoint: str) -> Any:
    return boto3.session.Session().client(
        service, region_name=REGION, endpoint_url=endpoint,
        aws_access_key_id="local", aws_secret_access_key="local",
    )


def seed_bucket(moto_endpoint: str, ui_origins: list[str]) -> None:
    s3 = _client("s3", moto_endpoint)
    s3.create_bucket(Bucket=ATTACHMENTS_BUCKET)
    # The operator UI uploads straight to S3 with a presigned POST and shows the files:
    # the bucket must allow the UI's origin, as the CDK stack configures it in AWS.
    s3.put_bucket_cors(Bucket=ATTACHMENTS_BUCKET, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ui_origins,
        "AllowedMethods": ["GET", "HEAD", "POST", "PUT"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 3000,
    }]})


def seed_cognito(moto_endpoint: str, operators: tuple[Operator, ...] = OPERATORS) -> CognitoIds:
    idp = _client("cognito-idp", moto_endpoint)
    pool_id = idp.create_user_pool(
        PoolName=USER_POOL_NAME,
        Policies={"PasswordPolicy": {
            "MinimumLength": PASSWORD_POLICY["min_length"], "RequireLowercase": PASSWORD_POLICY["require_lowercase"],
            "RequireUppercase": PASSWORD_POLICY["require_uppercase"],
            "RequireNumbers": PASSWORD_POLICY["require_digits"], "RequireSymbols": PASSWORD_POLICY["require_symbols"]}},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        # Forgotten passwords: a code by e-mail (moto keeps it instead of sending it).
        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
    )["UserPool"]["Id"]
    # MFA as in AWS: optional, TOTP only (infra/auth.py).
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                 MfaConfiguration="OPTIONAL")
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=APP_CLIENT_NAME,
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool_id, GroupName="admins", Description="Handover administrators")
    for operator in operators:
        idp.admin_create_user(UserPoolId=pool_id, Username=operator.username, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username=operator.username,
                                    Password=operator.password, Permanent=True)
        if operator.admin:
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username=operator.username, GroupName="admins")
    return CognitoIds(pool_id, client_id)
