"""The executive summary renders on a very small population and says what it cannot show.

On 3,000 synthetic residents every ethnic group crossed with Core20 is suppressed for
hypertension, some deprivation deciles have no life table or no age-standardised rate and
there are too few deciles for a slope index of the ambitions. The summary used to stop there
(``lowest()`` of an empty group); now each such finding says in words that no figure can be
shown, and no number is printed for it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.book.execute import execute_chapter
from analysis.book.qmd import read_qmd
from analysis.report.wording import NOT_COMPUTABLE

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_summary_runs_on_3000_people_and_says_what_it_cannot_show(tmp_path, monkeypatch):
    config = tmp_path / "analysis.yml"
    config.write_text("data:\n  source: synthetic\n  n_people: 3000\n  seed: 7\n")
    monkeypatch.setenv("NHS_ANALYSIS_CONFIG", str(config))
    executed = execute_chapter(
        read_qmd(ROOT / "chapters/executive-summary.qmd"),
        cache_dir=tmp_path / "cache",
        fingerprint=str(config),
        label="executive-summary",
        refresh=True,
    )
    inline = executed.inline_values
    assert "3,000 residents" in inline[0]
    assert "no group (every figure is suppressed or has nobody in it)" in inline
    assert "no measure (no RII can be computed on these data)" in inline
    assert any(v.startswith(NOT_COMPUTABLE) for v in inline)
    assert not any("nan" in v.lower().split() for v in inline)
    outputs = json.dumps(executed.cell_outputs)
    assert "Traceback" not in outputs and "Error" not in outputs
