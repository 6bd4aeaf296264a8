r"""Clusters of similar small areas and nearest-neighbour peer groups.

Features (deprivation score, outcome rates, age structure, ...) are standardised to mean 0
and standard deviation 1 so each counts equally, then:

- :func:`peer_groups` gives every area its ``k`` most similar areas by Euclidean distance
  on the standardised features, as NHS England/RightCare "Similar 10" peer groups and the
  ONS/PHE nearest-neighbour models do (weights per feature are allowed);
- :func:`cluster_areas` groups areas with k-means (MacQueen 1967; k-means++ starts, Arthur
  and Vassilvitskii 2007) and shows them on the first two principal components.

Why k-means: after standardisation the features are continuous and on a common scale, and
the aim is compact groups of similar areas, which is exactly the within-cluster sum of
squares k-means minimises (the same criterion as Ward's hierarchical method). Unlike Ward
it needs no ``n x n`` distance matrix, so it runs on all 33,755 English LSOAs; unlike a
Gaussian mixture it does not estimate a covariance per cluster, which a few hundred areas
cannot support. Many seeded starts make it reproducible, areas are sorted by their code
before fitting so row order does not matter, and clusters are numbered from the most to the
least deprived (by the first feature). The number of clusters is chosen by the average
silhouette width (Rousseeuw 1987, J Comput Appl Math 20:53-65).

>>> import pandas as pd
>>> areas = pd.DataFrame({"area_code": list("ABCD"), "imd": [10.0, 11.0, 40.0, 42.0],
...                       "rate": [100.0, 110.0, 300.0, 290.0]})
>>> peer_groups(areas, ["imd", "rate"], k=1)[["area", "peer", "rank"]].to_string(index=False)
'area peer  rank\n   A    B     1\n   B    A     1\n   C    D     1\n   D    C     1'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from analysis.segmentation.features import handle_missing
from analysis.validation import InputError, fail_rows, require_columns, require_numeric


def standardise(
    areas: pd.DataFrame,
    features: Sequence[str],
    *,
    id: str = "area_code",
    weights: Mapping[str, float] | None = None,
    missing: str = "raise",
) -> pd.DataFrame:
    """Z-scores of area features (population standard deviation), indexed by area and sorted.

    Parameters
    ----------
    areas
        one row per area.
    features
        the numeric feature columns (at least one).
    id
        the column of area codes (default ``"area_code"``); each code once.
    weights
        a multiplier for each standardised feature, by column (default 1 for every
        feature).
    missing
        ``"raise"`` (default) to refuse missing values, or ``"exclude"`` to drop the rows
        with one and report them in a warning.

    Returns
    -------
    pandas.DataFrame
        One column per feature of z-scores times its weight, indexed by ``id``, sorted by
        it.

    Raises
    ------
    InputError
        For no features, a missing or non-numeric column, a constant feature, repeated area
        codes or missing values (with ``missing="raise"``).
    """
    features = list(features)
    if not features:
        raise InputError("no features: name at least one numeric area feature")
    require_columns(areas, [id, *features], what="areas")
    kept, _ = handle_missing(areas, features, missing)
    fail_rows(kept, kept[id].duplicated(keep=False), id, "each area must appear once")
    kept = kept.sort_values(id, kind="stable")
    values = np.column_stack([require_numeric(kept, f) for f in features])
    spread = values.std(axis=0)
    for feature, sd in zip(features, spread, strict=True):
        if sd == 0:
            raise InputError(
                f"column {feature!r}: is constant (every area is {kept[feature].iloc[0]!r}), "
                "so it cannot tell areas apart; remove it from the features"
            )
    w = np.array([float((weights or {}).get(f, 1.0)) for f in features])
    z = (values - values.mean(axis=0)) / spread * w
    return pd.DataFrame(z, columns=features, index=pd.Index(kept[id].to_numpy(), name=id))


def peer_groups(
    areas: pd.DataFrame,
    features: Sequence[str],
    k: int = 10,
    *,
    id: str = "area_code",
    weights: Mapping[str, float] | None = None,
    missing: str = "raise",
) -> pd.DataFrame:
    """Each area's ``k`` most similar areas on standardised features.

    Method: k nearest neighbours (Cover & Hart 1967, *IEEE Trans Inf Theory* 13:21-27) by
    Euclidean distance on features standardised to mean 0 and standard deviation 1, as NHS
    RightCare's "Similar 10" peer groups. Ties in distance are broken by the peer's code, so
    the result is deterministic.

    Parameters
    ----------
    areas
        one row per area.
    features
        the numeric feature columns.
    k
        how many peers each area gets (default 10); between 1 and the number of areas minus
        1.
    id
        the column of area codes (default ``"area_code"``).
    weights
        a multiplier for each standardised feature (default 1), as in :func:`standardise`.
    missing
        ``"raise"`` (default) or ``"exclude"``, as in :func:`standardise`.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``area``, ``peer``, ``rank`` (1 = most similar) and ``distance`` (Euclidean,
        in standard deviations), ``k`` rows per area.

    Raises
    ------
    InputError
        For ``k`` out of range and the bad inputs of :func:`standardise`.
    """
    z = standardise(areas, features, id=id, weights=weights, missing=missing)
    if not 1 <= k < len(z):
        raise InputError(f"k must be between 1 and the number of areas minus 1 ({len(z) - 1})")
    # one extra neighbour (the area itself) plus a margin so ties at the k-th place are seen
    n_query = min(len(z), k + 2)
    distance, index = NearestNeighbors(n_neighbors=n_query).fit(z).kneighbors(z)
    codes = z.index.to_numpy()
    out = pd.DataFrame(
        {
            "area": np.repeat(codes, n_query),
            "peer": codes[index.ravel()],
            "distance": distance.ravel(),
        }
    )
    out = out[out["area"] != out["peer"]]
    out = out.sort_values(["area", "distance", "peer"], kind="stable")
    out["rank"] = out.groupby("area").cumcount() + 1
    out = out[out["rank"] <= k]
    return out[["area", "peer", "rank", "distance"]].reset_index(drop=True)


@dataclass(frozen=True)
class AreaClustering:
    """Clusters of areas with the silhouette curve used to choose them and a PCA view.

    ``assignments``: ``area``, ``cluster``, ``pc1``, ``pc2``; ``centres``: ``cluster``,
    ``feature``, ``mean`` (original units), ``z`` (standardised), ``areas``;
    ``selection_curve``: ``n_clusters``, ``silhouette``, ``within_ss``, ``chosen``;
    ``explained_variance``: share of variance of each of the two components.
    """

    assignments: pd.DataFrame
    centres: pd.DataFrame
    selection_curve: pd.DataFrame
    explained_variance: tuple[float, float]


def _principal_components(z: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """Scores on the first two principal components (SVD), signs fixed canonically."""
    centred = z - z.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    signs = np.sign(vt[np.arange(vt.shape[0]), np.abs(vt).argmax(axis=1)])
    scores = (u * s) * signs
    share = s**2 / np.sum(s**2)
    padded = np.zeros((len(z), 2))
    padded[:, : min(2, scores.shape[1])] = scores[:, :2]
    return padded, (float(share[0]), float(share[1]) if len(share) > 1 else 0.0)


# One thread (BLAS and OpenMP): k-means and silhouettes on a few thousand areas gain little
# from threads, and on a shared machine threads waiting for busy cores made them 9x slower.
@threadpool_limits.wrap(limits=1)
def cluster_areas(
    areas: pd.DataFrame,
    features: Sequence[str],
    *,
    n_clusters: int | str = "silhouette",
    max_clusters: int = 8,
    id: str = "area_code",
    weights: Mapping[str, float] | None = None,
    missing: str = "raise",
    n_init: int = 20,
    seed: int | None = 0,
) -> AreaClustering:
    """Cluster areas with k-means on standardised features (see the module for why).

    Method: k-means (MacQueen 1967) with k-means++ starts (Arthur & Vassilvitskii 2007), the
    number of clusters by the average silhouette width (Rousseeuw 1987, *J Comput Appl Math*
    20:53-65), shown on the first two principal components. Clusters are numbered from the
    highest to the lowest mean of the first feature (put deprivation first).

    Parameters
    ----------
    areas
        one row per area.
    features
        the numeric feature columns, deprivation first.
    n_clusters
        ``"silhouette"`` (default) tries 2..``max_clusters`` and keeps the largest average
        silhouette width; a whole number fits exactly that many clusters.
    max_clusters
        the most clusters tried with ``"silhouette"`` (default 8).
    id
        the column of area codes (default ``"area_code"``).
    weights
        a multiplier for each standardised feature (default 1), as in :func:`standardise`.
    missing
        ``"raise"`` (default) or ``"exclude"``, as in :func:`standardise`.
    n_init
        how many k-means++ starts each fit keeps the best of (default 20).
    seed
        the random seed of the starts (default 0, reproducible).

    Returns
    -------
    AreaClustering
        ``assignments`` (``area``, ``cluster``, ``pc1``, ``pc2``), ``centres`` (``cluster``,
        ``feature``, ``mean``, ``z``, ``areas``), ``selection_curve`` (``n_clusters``,
        ``silhouette``, ``within_ss``, ``chosen``) and ``explained_variance``.

    Raises
    ------
    InputError
        For ``n_clusters`` neither ``"silhouette"`` nor a whole number, a number of clusters
        not between 2 and the number of areas minus 1, and the bad inputs of
        :func:`standardise`.
    """
    z = standardise(areas, features, id=id, weights=weights, missing=missing)
    if not isinstance(n_clusters, int) and n_clusters != "silhouette":
        raise InputError(f"n_clusters must be 'silhouette' or a whole number, got {n_clusters!r}")
    candidates = [n_clusters] if isinstance(n_clusters, int) else range(2, max_clusters + 1)
    if min(candidates) < 2 or max(candidates) >= len(z):
        raise InputError(
            f"n_clusters must be between 2 and the number of areas minus 1 ({len(z) - 1})"
        )
    values = z.to_numpy()
    fits = [
        KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(values) for k in candidates
    ]  # one fit per number of clusters tried
    curve = pd.DataFrame(
        {
            "n_clusters": list(candidates),
            "silhouette": [silhouette_score(values, f.labels_) for f in fits],
            "within_ss": [f.inertia_ for f in fits],
        }
    )
    best = int(curve["silhouette"].idxmax())
    curve["chosen"] = curve.index == best
    labels = fits[best].labels_
    raw = areas.set_index(id).loc[z.index, list(features)].astype(float)
    order = np.argsort(-raw.groupby(labels)[features[0]].mean().to_numpy(), kind="stable")
    cluster = np.argsort(order)[labels] + 1
    scores, explained = _principal_components(values)
    assignments = pd.DataFrame(
        {"area": z.index.to_numpy(), "cluster": cluster, "pc1": scores[:, 0], "pc2": scores[:, 1]}
    )
    long_raw = raw.assign(cluster=cluster).melt(id_vars="cluster", var_name="feature")
    long_z = z.assign(cluster=cluster).melt(id_vars="cluster", var_name="feature", value_name="z")
    centres = (
        long_raw.groupby(["cluster", "feature"], sort=False)["value"]
        .agg(mean="mean", areas="size")
        .join(long_z.groupby(["cluster", "feature"], sort=False)["z"].mean())
        .reset_index()
        .sort_values(
            ["cluster", "feature"],
            key=lambda s: s if s.name == "cluster" else s.map(features.index),
        )
        .reset_index(drop=True)
    )
    return AreaClustering(
        assignments, centres[["cluster", "feature", "mean", "z", "areas"]], curve, explained
    )
