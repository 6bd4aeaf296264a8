"""A distance-based comparison for the latent class segments: k-modes with silhouettes.

k-modes (Huang 1998, Data Min Knowl Discov 2:283-304; the ``kmodes`` package) clusters
categorical data by simple-matching distance -- the share of features on which two people
differ, which is Gower's (1971, Biometrics 27:857-871) distance for categorical features.
The number of clusters is judged by the average silhouette width (Rousseeuw 1987) on the
same distance, which is also computed for the latent class segments, and the agreement of
the two methods is the adjusted Rand index. Silhouettes need all pairwise distances, so
this runs on a sample of people, given as the counts of their response patterns (for data
in a database engine, a sample drawn there: ``strata_counts(..., sample_size=..., seed=...)``
of :mod:`analysis.data.chapter_aggregates`).

>>> from analysis.segmentation.simulate import simulate_condition_groups
>>> from analysis.segmentation.people import segment_patterns
>>> people, _ = simulate_condition_groups(n_people=2000, seed=2)
>>> flags = ["diabetes", "chd", "copd", "asthma"]
>>> seg = segment_patterns(people.groupby(flags).size().rename("n").reset_index(), flags,
...                        n_segments=3, seed=1)
>>> sample = people.sample(500, random_state=1).groupby(flags).size().rename("n").reset_index()
>>> out = compare_with_k_modes(seg, sample, max_segments=4, seed=1)
>>> out["method"].unique().tolist()
['k-modes', 'latent class']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from kmodes.kmodes import KModes
from sklearn.metrics import adjusted_rand_score, silhouette_score

from analysis.segmentation.features import handle_missing, response_patterns
from analysis.segmentation.people import PeopleSegmentation
from analysis.validation import InputError, check_counts

#: Most people :func:`compare_with_k_modes` takes: silhouettes cost all pairwise distances.
MAX_SAMPLE = 10_000


def compare_with_k_modes(
    segmentation: PeopleSegmentation,
    sample: pd.DataFrame,
    *,
    n: str = "n",
    max_segments: int = 8,
    n_init: int = 5,
    seed: int | None = None,
) -> pd.DataFrame:
    """Silhouette curve of k-modes (2..``max_segments``) beside the latent class segments.

    Method: k-modes (Huang 1998, *Data Min Knowl Discov* 2:283-304) on simple-matching
    distance, average silhouette widths (Rousseeuw 1987) and the adjusted Rand index (Hubert &
    Arabie 1985, *J Classif* 2:193-218) on a sample of people. The people are expanded from
    the counts in the canonical pattern order, so the result depends only on the counts and
    ``seed``.

    Parameters
    ----------
    segmentation
        the fitted latent class segmentation.
    sample
        the people of a sample counted by response pattern: the feature columns as
        :func:`~analysis.segmentation.people.segment_patterns` reads them (a grouped
        covariate as its group number, e.g. ``age_group``) and the people in column ``n``.
    n
        the column of people per pattern (default ``"n"``); at most :data:`MAX_SAMPLE` in
        all.
    max_segments
        the most k-modes segments tried (default 8).
    n_init
        how many random starts each k-modes fit keeps the best of (default 5).
    seed
        the random seed of the starts (default None: a different one each call).

    Returns
    -------
    pandas.DataFrame
        One row per method and number of segments: ``method`` ("k-modes" or "latent
        class"), ``n_segments``, ``silhouette`` (simple-matching distance) and
        ``adjusted_rand_index`` (agreement with the latent class segments on the sample).

    Raises
    ------
    InputError
        For invalid counts, or a sample of fewer than 2 or more than :data:`MAX_SAMPLE`
        people.
    """
    encoding = segmentation.encoding
    kept, _ = handle_missing(sample, encoding.columns(grouped=True), "raise")
    people = check_counts(kept, n)
    if not 2 <= people.sum() <= MAX_SAMPLE:
        raise InputError(
            f"column {n!r}: the sample has {people.sum():,.0f} people; silhouettes need "
            f"2 to {MAX_SAMPLE:,} (all pairwise distances): draw a sample of that size"
        )
    patterns, inverse, _ = response_patterns(
        encoding.encode(kept, grouped=True), encoding.n_categories
    )
    sample = np.repeat(patterns, np.bincount(inverse, weights=people).astype("int64"), axis=0)
    latent = segmentation.posterior_for_codes(sample).argmax(axis=1)
    rows = []
    for k in range(2, max_segments + 1):  # one clustering per number of segments tried
        found = KModes(n_clusters=k, init="Huang", n_init=n_init, random_state=seed).fit_predict(
            sample
        )
        rows.append(
            {
                "method": "k-modes",
                "n_segments": k,
                "silhouette": silhouette_score(sample, found, metric="hamming"),
                "adjusted_rand_index": adjusted_rand_score(latent, found),
            }
        )
    rows.append(
        {
            "method": "latent class",
            "n_segments": segmentation.n_segments,
            "silhouette": silhouette_score(sample, latent, metric="hamming")
            if len(np.unique(latent)) > 1
            else np.nan,
            "adjusted_rand_index": 1.0,
        }
    )
    return pd.DataFrame(rows)
