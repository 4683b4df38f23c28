"""The functions are told the pool's real password policy (HANDOVER_PASSWORD_POLICY), the one
the UI shows when a password is set (docs/security.md, "Sign-in")."""

from __future__ import annotations

import json

from chalicelib.config import _password_policy


def test_the_functions_know_the_pools_password_policy(synth):
    _, pool = synth.one("AWS::Cognito::UserPool")
    cognito = pool["Properties"]["Policies"]["PasswordPolicy"]
    assert synth.functions
    for name, function in synth.functions.items():
        setting = function["Properties"]["Environment"]["Variables"]["HANDOVER_PASSWORD_POLICY"]
        policy = _password_policy(setting)
        assert json.loads(setting).keys() == policy.__dataclass_fields__.keys(), name
        assert (policy.min_length, policy.require_lowercase, policy.require_uppercase, policy.require_digits,
                policy.require_symbols) == (cognito["MinimumLength"], cognito["RequireLowercase"],
                                            cognito["RequireUppercase"], cognito["RequireNumbers"],
                                            cognito["RequireSymbols"]), name
