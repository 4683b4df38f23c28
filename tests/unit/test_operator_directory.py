"""The Cognito side of the admin screens' operator list: Cognito's refusals become the API's
answers (503 to retry, 422 for a cursor Cognito did not give out), and the console link."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.adapters.operator_directory import CognitoDirectory, console_users_url
from chalicelib.config import Settings
from chalicelib.domain.errors import Busy, ValidationFailed

SETTINGS = Settings(region="eu-central-1", cognito_user_pool_id="eu-central-1_AbC")


@pytest.fixture
def stubbed(monkeypatch):
    idp = boto3.client("cognito-idp", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    directory = CognitoDirectory(SETTINGS)
    monkeypatch.setattr(directory, "_idp", lambda: idp)
    with Stubber(idp) as stub:
        yield directory, stub
        stub.assert_no_pending_responses()


def test_a_page_of_users_with_their_cursor(stubbed):
    directory, stub = stubbed
    stub.add_response("list_users", {"Users": [{
        "Username": "alice", "Enabled": False, "UserStatus": "FORCE_CHANGE_PASSWORD",
        "UserCreateDate": datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
        "Attributes": [{"Name": "email", "Value": "alice@example.com"}]}], "PaginationToken": "next"},
        {"UserPoolId": "eu-central-1_AbC", "Limit": 60, "PaginationToken": "here"})
    users, cursor = directory.users(60, "here")
    assert cursor == "next"
    [alice] = users
    assert (alice.username, alice.email, alice.enabled, alice.status) == (
        "alice", "alice@example.com", False, "FORCE_CHANGE_PASSWORD")
    assert alice.created_at == "2026-11-25T08:00:00Z"


def test_every_page_of_the_admins_group_is_read(stubbed):
    directory, stub = stubbed
    stub.add_response("list_users_in_group", {"Users": [{"Username": "a"}], "NextToken": "t"},
                      {"UserPoolId": "eu-central-1_AbC", "GroupName": "admins", "Limit": 60})
    stub.add_response("list_users_in_group", {"Users": [{"Username": "b"}]},
                      {"UserPoolId": "eu-central-1_AbC", "GroupName": "admins", "Limit": 60, "NextToken": "t"})
    assert directory.members("admins") == {"a", "b"}


def test_throttling_is_busy_and_a_foreign_cursor_is_a_422(stubbed):
    directory, stub = stubbed
    stub.add_client_error("list_users", "TooManyRequestsException")
    with pytest.raises(Busy):
        directory.users(10)
    stub.add_client_error("list_users", "InvalidParameterException")
    with pytest.raises(ValidationFailed) as refused:
        directory.users(10, "forged")
    assert "cursor" in refused.value.details["fields"]


def test_the_console_link_names_the_pool_and_its_region():
    assert console_users_url(SETTINGS) == (
        "https://eu-central-1.console.aws.amazon.com/cognito/v2/idp/user-pools/eu-central-1_AbC/users"
        "?region=eu-central-1")
