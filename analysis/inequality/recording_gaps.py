"""Gaps in mortality for people with a recorded flag: learning disability, autism, homelessness.

Each flag is a breakdown of the people table (a boolean column). The gap is the odds ratio of
dying in the period -- from CVD, or from any cause -- between people with and without the
flag (:func:`analysis.measures.odds_ratios.odds_ratio`, Woolf limits). It is a crude
comparison: it is not adjusted for age or anything else, which is what the synthetic data
plant (``recording_flags`` in ``truth.json``) and what a first look at one's own data needs;
age-standardised rates by flag are a second step (``indicator_rates(data, ..., group_by=[flag])``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.data.aggregate import Source
from analysis.data.record_aggregates import flag_counts
from analysis.measures.odds_ratios import odds_ratio
from analysis.validation import InputError

#: Flag column -> outcome compared (``death``: any cause; ``cvd_death``: from CVD).
FLAG_OUTCOMES: dict[str, str] = {
    "learning_disability": "cvd_death",
    "autism": "cvd_death",
    "homeless": "death",
}
#: Words for the flags and outcomes.
FLAG_LABELS = {
    "learning_disability": "Learning disability",
    "autism": "Autism",
    "homeless": "Experiencing homelessness",
}
OUTCOME_LABELS = {"death": "death from any cause", "cvd_death": "death from CVD"}
#: Columns of :func:`flag_gaps` (also of its empty result, when no flag is present).
GAP_COLUMNS = (
    "flag", "outcome", "x1", "n1", "x0", "n0", "value", "lowercl", "uppercl", "confidence",
    "statistic", "method",
)  # fmt: skip


def flag_gaps(data: Source, outcomes: Mapping[str, str] = FLAG_OUTCOMES) -> pd.DataFrame:
    """Odds ratios of each flag's outcome, flagged against not flagged.

    Method: the odds ratio with Woolf limits (:func:`analysis.measures.odds_ratios.odds_ratio`)
    from 2 x 2 counts made in the engine
    (:func:`analysis.data.record_aggregates.flag_counts`); a crude comparison, not adjusted
    for age (see the module docstring). Flags absent from ``people`` are skipped.

    Parameters
    ----------
    data
        A dataset or an engine.
    outcomes
        The outcome of each flag, keyed by the flag's column (default
        :data:`FLAG_OUTCOMES`).

    Returns
    -------
    pandas.DataFrame
        One row per flag present in ``people``: ``flag``, ``outcome``, ``x1``, ``n1`` (deaths
        and people with the flag), ``x0``, ``n0`` (without), ``value``, ``lowercl``,
        ``uppercl``, ``confidence``, ``statistic``, ``method`` (empty when no flag is
        present).

    Raises
    ------
    InputError
        A flag with a value other than True/False or 1/0 (e.g. ``"Y"``), or missing.
    """
    unknown = sorted(set(outcomes.values()) - set(OUTCOME_LABELS))
    if unknown:
        raise InputError(f"outcomes: {unknown} not allowed; allowed: {', '.join(OUTCOME_LABELS)}")
    counts = flag_counts(data, list(outcomes))
    if counts.empty:
        return pd.DataFrame(columns=list(GAP_COLUMNS))
    outcome = counts["flag"].map(dict(outcomes))
    counts["x"] = counts["deaths"].where(outcome == "death", counts["cvd_deaths"])
    out = odds_ratio(counts, "x", "people", exposed="flagged", group_by="flag")
    out.insert(1, "outcome", out["flag"].map(dict(outcomes)))
    return out.set_index("flag").reindex(counts["flag"].unique()).reset_index()


def planted_gaps(truth: Mapping) -> pd.DataFrame:
    """Return the odds ratios planted in the synthetic data (``recording_flags`` of ``truth.json``).

    Parameters
    ----------
    truth
        The contents of ``truth.json``, with its ``effects`` list.

    Returns
    -------
    pandas.DataFrame
        ``flag``, ``outcome``, ``planted`` (the planted odds ratio), one row per flag and
        outcome.
    """
    rows = [r for r in truth["effects"] if r["model"] == "recording_flags"]
    return pd.DataFrame(
        {
            "flag": [r["outcome"] for r in rows],
            "outcome": [r["term"] for r in rows],
            "planted": np.exp([r["value"] for r in rows]),
        }
    )
