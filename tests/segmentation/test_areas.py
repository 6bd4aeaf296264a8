"""Area clusters and nearest-neighbour peer groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from analysis.segmentation import cluster_areas, peer_groups
from analysis.validation import InputError


@pytest.fixture
def areas() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    centres = np.array([[40.0, 900.0, 30.0], [20.0, 600.0, 15.0], [8.0, 400.0, 5.0]])
    group = np.repeat([0, 1, 2], 30)
    values = centres[group] + rng.normal(size=(90, 3)) * [3.0, 40.0, 2.0]
    return pd.DataFrame(
        {
            "area_code": [f"A{i:03d}" for i in range(90)],
            "imd_score": values[:, 0],
            "cvd_rate": values[:, 1],
            "pct_smoking": values[:, 2],
            "planted": group,
        }
    )


FEATURES = ["imd_score", "cvd_rate", "pct_smoking"]


def test_peer_groups_are_the_nearest_areas_by_standardised_euclidean_distance(areas):
    out = peer_groups(areas, FEATURES, k=5)
    x = areas[FEATURES].to_numpy()
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    d = cdist(z, z)  # brute force, independent of the KD-tree
    np.fill_diagonal(d, np.inf)
    expected = np.argsort(d, axis=1, kind="stable")[:, :5]
    got = out.pivot(index="area", columns="rank", values="peer")
    np.testing.assert_array_equal(got.to_numpy(), areas["area_code"].to_numpy()[expected])
    np.testing.assert_allclose(out["distance"], np.sort(d, axis=1)[:, :5].ravel(), rtol=1e-10)
    assert list(out.columns) == ["area", "peer", "rank", "distance"]


def test_peer_groups_ignore_row_order_and_weights_change_distances(areas):
    a = peer_groups(areas, FEATURES, k=3)
    b = peer_groups(areas.sample(frac=1, random_state=2), FEATURES, k=3)
    pd.testing.assert_frame_equal(a, b)
    weighted = peer_groups(areas, FEATURES, k=3, weights={"imd_score": 2.0})
    assert not np.allclose(weighted["distance"], a["distance"])


def test_clusters_recover_planted_groups_and_are_numbered_by_deprivation(areas):
    result = cluster_areas(areas, FEATURES, seed=0)
    curve = result.selection_curve
    assert curve.loc[curve["chosen"], "n_clusters"].item() == 3
    merged = result.assignments.merge(areas, left_on="area", right_on="area_code")
    # planted group 0 is the most deprived, so it must be cluster 1
    assert (merged["cluster"] - 1 == merged["planted"]).all()
    imd = result.centres[result.centres["feature"] == "imd_score"]["mean"].to_numpy()
    assert np.all(np.diff(imd) < 0)
    assert sum(result.explained_variance) <= 1


def test_principal_components_match_numpy_eigendecomposition(areas):
    result = cluster_areas(areas, FEATURES, n_clusters=3)
    x = areas[FEATURES].to_numpy()
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(z.T)))[::-1]
    np.testing.assert_allclose(result.explained_variance, eigenvalues[:2] / eigenvalues.sum())
    np.testing.assert_allclose(result.assignments["pc1"].var(ddof=1), eigenvalues[0])


def test_area_input_errors(areas):
    with pytest.raises(InputError, match="no features"):
        peer_groups(areas, [])
    with pytest.raises(InputError, match="'flat'.*constant"):
        peer_groups(areas.assign(flat=1.0), [*FEATURES, "flat"])
    gappy = areas.copy()
    gappy.loc[4, "cvd_rate"] = np.nan
    with pytest.raises(InputError, match="'cvd_rate'.*must not be missing"):
        cluster_areas(gappy, FEATURES)
    with pytest.warns(UserWarning, match=r"dropped 1 row"):
        out = peer_groups(gappy, FEATURES, k=2, missing="exclude")
    assert "A004" not in set(out["area"]) | set(out["peer"])
    with pytest.raises(InputError, match="each area must appear once"):
        peer_groups(pd.concat([areas, areas.head(1)]), FEATURES)
    with pytest.raises(InputError, match="k must be between"):
        peer_groups(areas, FEATURES, k=90)
