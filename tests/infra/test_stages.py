"""Stage names and what they decide (no synth needed)."""

from __future__ import annotations

import pytest

from chalicelib.config import Settings
from infra.stages import STAGES, stage_named


def test_dev_and_prod_have_their_own_stack_and_tables():
    dev, prod = stage_named("dev"), stage_named("prod")
    assert (dev.stack_name, prod.stack_name) == ("handover-dev", "handover-prod")
    assert dev.table_prefix != prod.table_prefix
    # The app names a table exactly as infra does.
    assert Settings(table_prefix=prod.table_prefix).table_name("leads") == prod.table_name("leads") == "handover-prod-leads"


def test_prod_keeps_logs_longer_and_alarms_sooner():
    dev, prod = STAGES["dev"], STAGES["prod"]
    assert prod.log_retention_days > dev.log_retention_days
    assert prod.function_error_threshold <= dev.function_error_threshold
    assert prod.api_5xx_threshold <= dev.api_5xx_threshold


def test_a_personal_stage_gets_dev_settings_under_its_own_name():
    alice = stage_named("alice")
    assert alice.stack_name == "handover-alice"
    assert alice.log_retention_days == STAGES["dev"].log_retention_days


@pytest.mark.parametrize("bad", ["", "Prod", "my_stage", "a" * 11, "-dev", "dev/x"])
def test_stage_names_fit_resource_names(bad):
    with pytest.raises(ValueError):
        stage_named(bad)
