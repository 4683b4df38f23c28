"""Sign-in as Cognito means it, in Chromium against the local runtime (its moto server is the
user pool): a user made as the console's "Create user" makes one (a temporary password) sets
a new password; an operator turns on TOTP from the top bar and is asked for the code at the
next sign-in; the MFA_SETUP challenge of a pool that requires MFA; a forgotten password."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from playwright.sync_api import Page, expect

from local_runtime.settings import USER_POOL_NAME
from tests.totp_codes import fresh_code

TEMPORARY = "Temp-pass-1!"
NEW_PASSWORD = "Mine-and-only-mine-7!"


@dataclass
class Pool:
    idp: Any
    pool_id: str

    def console_user(self, temporary: str = TEMPORARY) -> str:
        """What the console's "Create user" does: an e-mail, a temporary password."""
        username = f"op-{uuid.uuid4().hex[:8]}"
        self.idp.admin_create_user(UserPoolId=self.pool_id, Username=username, TemporaryPassword=temporary,
                                   UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"},
                                                   {"Name": "email_verified", "Value": "true"}])
        return username

    def signed_up_user(self, password: str = NEW_PASSWORD) -> str:
        username = self.console_user()
        self.idp.admin_set_user_password(UserPoolId=self.pool_id, Username=username, Password=password,
                                         Permanent=True)
        return username


@pytest.fixture
def pool(runtime) -> Pool:
    backends = runtime.backends
    idp = boto3.client("cognito-idp", region_name=backends.get("region", "us-east-1"),
                       endpoint_url=backends["moto_endpoint"], aws_access_key_id="local",
                       aws_secret_access_key="local")
    pools = idp.list_user_pools(MaxResults=60)["UserPools"]
    return Pool(idp, next(p["Id"] for p in pools if p["Name"] == USER_POOL_NAME))


@pytest.fixture
def mfa_required(pool: Pool) -> Iterator[None]:
    pool.idp.set_user_pool_mfa_config(UserPoolId=pool.pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                      MfaConfiguration="ON")
    try:
        yield
    finally:
        pool.idp.set_user_pool_mfa_config(UserPoolId=pool.pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                          MfaConfiguration="OPTIONAL")


def type_password(page: Page, username: str, password: str) -> None:
    page.goto("/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def expect_signed_in(page: Page) -> None:
    expect(page.get_by_test_id("tab-waiting")).to_be_visible()
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-status", "online")


def set_new_password(page: Page, password: str, repeat: str | None = None) -> None:
    page.get_by_test_id("new-password").fill(password)
    page.get_by_test_id("new-password-repeat").fill(password if repeat is None else repeat)
    page.get_by_test_id("login-submit").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_test_id("login-username")).to_be_visible()


def test_a_console_user_signs_in_by_setting_a_new_password(page: Page, pool: Pool):
    username = pool.console_user()
    type_password(page, username, TEMPORARY)

    form = page.locator("form.login-form")
    expect(form).to_have_attribute("data-step", "new_password")
    policy = page.get_by_test_id("password-policy")
    # The local pool's policy (local_runtime/seed.py), as the API answered it.
    expect(policy.locator("[data-rule=min_length]")).to_have_text("at least 8 characters")
    expect(policy.locator("li")).to_have_count(5)
    page.get_by_test_id("new-password").fill("abc")
    expect(policy.locator("li.met")).to_have_count(1)  # a lowercase letter

    set_new_password(page, NEW_PASSWORD, repeat=NEW_PASSWORD + "x")
    expect(page.get_by_test_id("login-error")).to_have_text("The passwords do not match.")
    set_new_password(page, "weakpassword")
    expect(page.get_by_test_id("login-error")).to_have_attribute("data-code", "password_refused")
    expect(form).to_have_attribute("data-step", "new_password")

    set_new_password(page, NEW_PASSWORD)
    expect_signed_in(page)
    expect(page.locator(".operator-name")).to_have_text(username)

    sign_out(page)
    type_password(page, username, TEMPORARY)
    expect(page.get_by_test_id("login-error")).to_have_attribute("data-code", "invalid_credentials")
    type_password(page, username, NEW_PASSWORD)
    expect_signed_in(page)


def test_an_operator_turns_on_totp_and_then_signs_in_with_a_code(page: Page, pool: Pool):
    username = pool.signed_up_user()
    type_password(page, username, NEW_PASSWORD)
    expect_signed_in(page)

    page.get_by_test_id("mfa-setup-open").click()
    dialog = page.get_by_test_id("mfa-setup")
    qr = dialog.get_by_test_id("totp-qr")
    expect(qr).to_be_visible()
    assert int(qr.get_attribute("data-modules")) >= 21  # a real QR symbol: version 1 is 21 x 21
    assert qr.locator("path").get_attribute("d").count("h1v1h-1z") > 100
    secret = dialog.get_by_test_id("totp-secret").inner_text().strip()
    assert secret

    dialog.get_by_test_id("totp-code").fill("000000" if fresh_code(secret) != "000000" else "111111")
    dialog.get_by_test_id("mfa-setup-submit").click()
    expect(dialog.get_by_test_id("login-error")).to_have_attribute("data-code", "invalid_code")
    dialog.get_by_test_id("totp-code").fill(fresh_code(secret))
    dialog.get_by_test_id("mfa-setup-submit").click()
    expect(dialog.get_by_test_id("mfa-setup-done")).to_be_visible()
    dialog.get_by_test_id("mfa-setup-close").click()
    expect(dialog).to_have_count(0)

    sign_out(page)
    type_password(page, username, NEW_PASSWORD)
    expect(page.locator("form.login-form")).to_have_attribute("data-step", "totp")
    page.get_by_test_id("totp-code").fill(fresh_code(secret))
    page.get_by_test_id("login-submit").click()
    expect_signed_in(page)


def test_a_pool_that_requires_mfa_sets_it_up_at_first_sign_in(page: Page, pool: Pool, mfa_required: None):
    username = pool.console_user()
    type_password(page, username, TEMPORARY)
    set_new_password(page, NEW_PASSWORD)

    form = page.locator("form.login-form")
    expect(form).to_have_attribute("data-step", "mfa_setup")
    expect(page.get_by_test_id("totp-qr")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.get_by_test_id("totp-code").fill(fresh_code(secret))
    page.get_by_test_id("login-submit").click()
    expect_signed_in(page)

    sign_out(page)
    type_password(page, username, NEW_PASSWORD)
    expect(form).to_have_attribute("data-step", "totp")
    page.get_by_test_id("totp-code").fill(fresh_code(secret))
    page.get_by_test_id("login-submit").click()
    expect_signed_in(page)


def emailed_code(pool: Pool, username: str) -> str:
    """The code the e-mail would carry. moto sends no e-mail: it answers the code in an
    x-moto-forgot-password-confirmation-code header, which the app's client never shows; the
    test asks for a code itself (the newest code is the one that works, as in Cognito)."""
    client_id = pool.idp.list_user_pool_clients(UserPoolId=pool.pool_id)["UserPoolClients"][0]["ClientId"]
    response = pool.idp.forgot_password(ClientId=client_id, Username=username)
    return response["ResponseMetadata"]["HTTPHeaders"]["x-moto-forgot-password-confirmation-code"]


def test_a_forgotten_password_is_reset_with_the_emailed_code(page: Page, pool: Pool):
    username = pool.signed_up_user(password="Forgotten-pass-1!")
    page.goto("/")
    page.get_by_test_id("forgot-password").click()
    form = page.locator("form.login-form")
    expect(form).to_have_attribute("data-step", "forgot")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-submit").click()
    expect(form).to_have_attribute("data-step", "reset")
    expect(page.get_by_test_id("login-notice")).to_contain_text("a code was sent")
    expect(page.get_by_test_id("password-policy")).to_be_visible()

    code = emailed_code(pool, username)
    page.get_by_test_id("reset-code").fill(code[:-1] + ("0" if code[-1] != "0" else "1"))
    set_new_password(page, NEW_PASSWORD)
    expect(page.get_by_test_id("login-error")).to_have_attribute("data-code", "invalid_code")

    page.get_by_test_id("reset-code").fill(code)
    set_new_password(page, NEW_PASSWORD)
    expect(form).to_have_attribute("data-step", "password")
    expect(page.get_by_test_id("login-notice")).to_contain_text("The password was changed")

    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(NEW_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect_signed_in(page)
