"""cfn-lint on every synthesized template (infra/lint.py, which `make synth` runs too)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.lint import lint

from .conftest import SYNTHESIZED_STAGES


@pytest.fixture(scope="module")
def findings(synth) -> dict[Path, list[str]]:
    # One cfn-lint run for every stage's template.
    return lint(*(synth.outdir / f"handover-{stage}.template.json" for stage in SYNTHESIZED_STAGES))


@pytest.mark.parametrize("stage", SYNTHESIZED_STAGES)
def test_cfn_lint_passes_on_the_synthesized_template(synth, findings, stage):
    assert findings[synth.outdir / f"handover-{stage}.template.json"] == []
