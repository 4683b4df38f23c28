"""cfn-lint on every synthesized template (infra/lint.py, which `make synth` runs too)."""

from __future__ import annotations

import pytest

from infra.lint import lint

from .conftest import SYNTHESIZED_STAGES


@pytest.mark.parametrize("stage", SYNTHESIZED_STAGES)
def test_cfn_lint_passes_on_the_synthesized_template(synth, stage):
    assert lint(synth.outdir / f"handover-{stage}.template.json") == []
