"""Fixtures for the hardening tests: the operator API's moto Cognito pool (tests/api) and the
local runtime (local_runtime/testing.py)."""

from tests.api.conftest import api, cognito, leads  # noqa: F401
