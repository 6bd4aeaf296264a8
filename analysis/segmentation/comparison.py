"""A distance-based comparison for the latent class segments: k-modes with silhouettes.

k-modes (Huang 1998, Data Min Knowl Discov 2:283-304; the ``kmodes`` package) clusters
categorical data by simple-matching distance -- the share of features on which two people
differ, which is Gower's (1971, Biometrics 27:857-871) distance for categorical features.
The number of clusters is judged by the average silhouette width (Rousseeuw 1987) on the
same distance, which is also computed for the latent class segments, and the agreement of
the two methods is the adjusted Rand index. Silhouettes need all pairwise distances, so
this runs on a random sample of people (``sample_size``).

>>> from analysis.segmentation.simulate import simulate_condition_groups
>>> from analysis.segmentation.people import segment_people
>>> people, _ = simulate_condition_groups(n_people=2000, seed=2)
>>> seg = segment_people(people, ["diabetes", "chd", "copd", "asthma"], n_segments=3, seed=1)
>>> out = compare_with_k_modes(seg, people, max_segments=4, sample_size=500, seed=1)
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


def compare_with_k_modes(
    segmentation: PeopleSegmentation,
    people: pd.DataFrame,
    *,
    max_segments: int = 8,
    sample_size: int = 3000,
    n_init: int = 5,
    seed: int | None = None,
) -> pd.DataFrame:
    """Silhouette curve of k-modes (2..``max_segments``) beside the latent class segments.

    Method: k-modes (Huang 1998, *Data Min Knowl Discov* 2:283-304) on simple-matching
    distance, average silhouette widths (Rousseeuw 1987) and the adjusted Rand index (Hubert &
    Arabie 1985, *J Classif* 2:193-218) on a random sample of people.

    Returns one row per method and number of segments: ``method`` ("k-modes" or "latent
    class"), ``n_segments``, ``silhouette`` (simple-matching distance) and
    ``adjusted_rand_index`` (agreement with the latent class segments on the sample).
    """
    kept, _ = handle_missing(people, segmentation.encoding.variables, "raise")
    codes = segmentation.encoding.encode(kept)
    patterns, _, counts = response_patterns(codes, segmentation.encoding.n_categories)
    rng = np.random.default_rng(seed)
    drawn = rng.multivariate_hypergeometric(counts, min(sample_size, int(counts.sum())))
    sample = np.repeat(patterns, drawn, axis=0)
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
