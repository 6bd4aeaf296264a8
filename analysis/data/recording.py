"""Recorded postcodes and flags of the synthetic people: learning disability, autism, homelessness.

These columns are drawn after everything else, from a random stream of their own
(``numpy.random.default_rng([seed, RECORDING_STREAM])``), so adding them left every other
column of the synthetic data exactly as it was. Their planted parameters are in
:mod:`analysis.data.parameters` (``RECORDING_FLAGS``, ``POSTCODE_RECORDING``) and in
``data/truth.json``.

Each flag is drawn with ``logit P(flag) = intercept + log_or * outcome``, the outcome being a
death in the period (from CVD, or from any cause). An odds ratio is symmetric, so
``exp(log_or)`` is also the odds ratio of that death between people with and without the
flag: the gap a chapter can recover from the data
(:func:`analysis.inequality.recording_gaps.flag_gaps`).

Postcodes come from :func:`analysis.data.postcodes.synthetic_postcode_lookup` (a random
postcode of the person's area); people experiencing homelessness are often recorded with the
no-fixed-abode pseudo-postcode, and some postcodes are missing or mistyped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data import parameters as P
from analysis.data.postcodes import NO_FIXED_ABODE, synthetic_postcode_lookup
from analysis.data.sampling import bernoulli

#: Columns this module adds to ``people``.
RECORDING_COLUMNS = ("postcode", "learning_disability", "autism", "homeless")


def add_recording(
    people: pd.DataFrame, deaths: pd.DataFrame, areas: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """``people`` with :data:`RECORDING_COLUMNS` added (a new frame; other columns unchanged).

    Parameters
    ----------
    people
        The people table.
    deaths
        The deaths table: the chance of a recording flag depends on whether the person died
        (:data:`analysis.data.parameters.RECORDING_FLAGS`).
    areas
        The areas table, for the postcodes.
    seed
        The population's seed; the flags have their own random stream from it.

    Returns
    -------
    DataFrame
        The people with the recording columns.
    """
    rng = np.random.default_rng([int(seed), P.RECORDING_STREAM])
    n = len(people)
    died = people["person_id"].isin(deaths["person_id"]).to_numpy()
    cvd_ids = deaths.loc[deaths["cause_group"] == "CVD", "person_id"]
    outcomes = {"death": died, "cvd_death": people["person_id"].isin(cvd_ids).to_numpy()}
    flags = {
        name: bernoulli(rng, spec["intercept"] + spec["log_or"] * outcomes[spec["outcome"]])
        for name, spec in P.RECORDING_FLAGS.items()
    }
    lookup = synthetic_postcode_lookup(areas)
    area_row = pd.Index(areas["area_code"]).get_indexer(people["area_code"])
    pick = area_row * P.POSTCODES_PER_AREA + rng.integers(0, P.POSTCODES_PER_AREA, n)
    postcode = pd.Series(lookup["postcode"].to_numpy()[pick], dtype="string")
    rates = P.POSTCODE_RECORDING
    u = rng.random((3, n))
    # Mistyped: the inward code's letters replaced by "CK" (letters no inward code uses).
    mistyped = u[1] < rates["unmatched"]
    postcode[mistyped] = postcode[mistyped].str[:-2] + "CK"
    postcode[flags["homeless"] & (u[0] < rates["homeless_zz99"])] = NO_FIXED_ABODE
    recorded = postcode.mask(u[2] < rates["missing"])
    return people.assign(postcode=recorded.to_numpy(), **flags)
