"""Directly standardised rates (Dobson limits) against the PHEindicatormethods reference,
PHStatsMethods, a closed form, input errors and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.measures import crude_rate, directly_standardised_rate
from analysis.standards import ESP2013_AGE_BANDS, ESP2013_WEIGHTS
from analysis.validation import InputError
from tests.conftest import read_phe_fixture

RTOL = 1e-6
LIMITS = ["lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]
ESP = list(ESP2013_WEIGHTS)


@pytest.fixture(scope="module")
def dsr_book(phe_reference):
    return pd.read_excel(phe_reference / "testdata_DSR_ISR.xlsx", sheet_name=None)


def _expected(book, areas, multiplier):
    results = book["testresults_DSR"]
    rows = results[
        results["area"].isin(areas)
        & results["statistic"].str.contains(f"per {multiplier}$|NA for", regex=True)
    ]
    return rows.drop_duplicates("area").set_index("area").loc[areas]


def _assert_matches(out, expected, columns):
    for column in columns:
        np.testing.assert_allclose(out[column], expected[column], rtol=RTOL, equal_nan=True)
    assert list(out["statistic"]) == list(expected["statistic"])
    assert list(out["method"]) == list(expected["method"])


@pytest.mark.parametrize("multiplier", [100_000, 10_000])
def test_dsr_to_esp2013_matches_reference_with_na_below_10_events(dsr_book, multiplier):
    # The sheet's "55-69" band label is a typo for 55-59; the standard is given in band order.
    out = directly_standardised_rate(
        dsr_book["testdata_multiarea"], "count", "pop", age_band="ageband", group_by="area",
        standard_population=ESP, confidence=[0.95, 0.998], multiplier=multiplier,
        missing="zero",
    )  # fmt: skip
    areas = ["testdata_big", "testdata_small", "testdata_tiny"]
    expected = _expected(dsr_book, areas, multiplier)
    _assert_matches(out, expected, ["total_count", "total_pop", "value", *LIMITS])


@pytest.mark.parametrize("multiplier", [100_000, 10_000])
def test_dsr_with_user_standard_1976_column_matches_reference(dsr_book, multiplier):
    out = directly_standardised_rate(
        dsr_book["testdata_1976"], "count", "pop", age_band="Age Band",
        standard_population="esp1976", multiplier=multiplier,
    )  # fmt: skip
    expected = _expected(dsr_book, ["testdata_1976"], multiplier).reset_index()
    # Only the 95% limits: the sheet's 99.8% cells for this row are ten times the rate's
    # scale (7659 per 10,000 for a rate of 859) and the reference's own test skips them.
    expected = expected.rename(columns={"lower95_0cl": "lowercl", "upper95_0cl": "uppercl"})
    _assert_matches(out, expected, ["total_count", "total_pop", "value", "lowercl", "uppercl"])


def _person_frequencies(book):
    wide = book["testdata_nonindepe"]
    long = wide.melt(
        id_vars=["area", "ageband", "pop"], value_vars=["f1", "f2", "f3", "f4"],
        var_name="freq", value_name="persons",
    )  # fmt: skip
    return long.assign(freq=long["freq"].str[1].astype(int))


def test_dsr_non_independent_events_matches_reference_adjusted_limits(dsr_book):
    out = directly_standardised_rate(
        _person_frequencies(dsr_book), "persons", "pop", age_band="ageband", group_by="area",
        standard_population=ESP, confidence=[0.95, 0.998], independent_events=False,
        event_frequency="freq", missing="zero",
    )  # fmt: skip
    areas = [f"testdata_nonind_{s}" for s in ["big", "dummy", "small", "tiny"]]
    _assert_matches(
        out, _expected(dsr_book, areas, 100_000), ["total_count", "total_pop", "value", *LIMITS]
    )


def test_non_independent_events_need_frequency_and_consistent_populations():
    data = read_phe_fixture("dsr", "input")
    long = data.loc[data.index.repeat(4)].reset_index(drop=True)
    long["freq"] = np.tile([1, 2, 3, 4], len(data))
    long["persons"] = long["count"] // long["freq"]
    common = dict(age_band="ageband", group_by="area", standard_population="stdpop")
    with pytest.raises(InputError, match="event_frequency"):
        directly_standardised_rate(long, "persons", "pop", independent_events=False, **common)
    long.loc[long.index[-1], "pop"] += 1
    with pytest.raises(InputError, match="'pop'.*same value"):
        directly_standardised_rate(
            long, "persons", "pop", independent_events=False, event_frequency="freq", **common
        )


def test_non_independent_events_rate_uses_all_events_and_widens_limits_only_for_repeats():
    """The adjustment (PHEindicatormethods 2.1, absent from the 2.0.0 fixtures) keeps the
    DSR of all f * x events and, with everyone at f = 1, is the independent-events result;
    people with repeated events widen the limits."""
    data = read_phe_fixture("dsr", "input")
    common = dict(
        age_band="ageband", group_by="area", standard_population="stdpop",
        confidence=[0.95, 0.998],
    )  # fmt: skip
    independent = directly_standardised_rate(data, "count", "pop", **common)
    once = directly_standardised_rate(
        data.assign(freq=1), "count", "pop", independent_events=False, event_frequency="freq",
        **common,
    )  # fmt: skip
    pd.testing.assert_frame_equal(
        once[["area", "total_count", "value", *LIMITS]],
        independent[["area", "total_count", "value", *LIMITS]],
        rtol=1e-12,
    )
    twice = pd.concat([data.assign(freq=1), data.assign(freq=2)])  # x people with 2 events each
    repeated = directly_standardised_rate(
        twice, "count", "pop", independent_events=False, event_frequency="freq", **common
    )
    tripled = directly_standardised_rate(data.assign(count=3 * data["count"]), "count", "pop",
                                         **common)  # fmt: skip
    np.testing.assert_allclose(repeated["value"], tripled["value"], rtol=1e-12)
    has_rate = tripled["value"].notna()
    assert (repeated["upper95_0cl"] > tripled["upper95_0cl"])[has_rate].all()
    assert (repeated["lower95_0cl"] < tripled["lower95_0cl"])[has_rate].all()


# One bad cell in generated input, as the reference package's invalid inputs testdata_err1,
# err3 and err4: a negative count, a negative population, a negative standard population.
@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("count", -26, "'count': counts must not be negative"),
        ("pop", -558, "'pop': must be greater than zero"),
        ("stdpop", -6000, "standard populations must be present and not negative"),
        ("stdpop", np.nan, "standard populations must be present and not negative"),
    ],
)
def test_invalid_inputs_are_rejected(column, value, message):
    data = read_phe_fixture("dsr", "input")
    data.loc[data.index[5], column] = value
    with pytest.raises(InputError, match=message):
        directly_standardised_rate(
            data, "count", "pop", age_band="ageband", group_by="area", standard_population="stdpop"
        )


def test_zero_population_is_rejected_naming_the_area():
    """As the reference package's testdata_err2: one band of one area has no population."""
    data = read_phe_fixture("dsr", "input")
    data.loc[(data["area"] == "medium") & (data["ageband"] == "5-9"), "pop"] = 0
    with pytest.raises(InputError, match="'pop': must be greater than zero") as err:
        directly_standardised_rate(
            data, "count", "pop", age_band="ageband", group_by="area", standard_population="stdpop"
        )
    assert "medium" in str(err.value)


def _esp_frame(groups=1, deaths=10, population=1000):
    return pd.DataFrame(
        {
            "area": np.repeat([f"A{i}" for i in range(groups)], 19),
            "age_band": np.tile(ESP2013_AGE_BANDS, groups),
            "deaths": deaths,
            "population": population,
        }
    )


def test_unknown_missing_and_duplicated_age_bands_raise():
    df = _esp_frame(2)
    with pytest.raises(InputError, match="ESP|bands of the standard population") as err:
        directly_standardised_rate(
            df.replace({"90+": "90-94"}), "deaths", "population", group_by="area"
        )
    assert "90-94" in str(err.value)
    with pytest.raises(InputError, match="miss the bands") as err:
        directly_standardised_rate(df.drop(index=[5]), "deaths", "population", group_by="area")
    assert "25-29" in str(err.value) and "A0" in str(err.value)
    with pytest.raises(InputError, match="duplicated bands"):
        directly_standardised_rate(
            pd.concat([df, df.iloc[[3]]]), "deaths", "population", group_by="area"
        )
    with pytest.raises(InputError, match="19 bands"):
        directly_standardised_rate(df, "deaths", "population", standard_population=[1, 2, 3])


def test_leading_zero_band_labels_match_esp2013():
    df = _esp_frame().replace({"0-4": "00-04", "5-9": "05-09"})
    out = directly_standardised_rate(df, "deaths", "population")
    assert out.loc[0, "value"] == pytest.approx(1000.0)


def test_dsr_agrees_with_phstatsmethods_on_random_groups():
    ph = pytest.importorskip("PHStatsMethods")
    rng = np.random.default_rng(3)
    df = _esp_frame(40).assign(
        deaths=rng.poisson(8, 19 * 40), population=rng.integers(200, 8000, 19 * 40),
        esp=np.tile(ESP, 40),
    )  # fmt: skip
    ours = directly_standardised_rate(
        df, "deaths", "population", group_by="area", confidence=[0.95, 0.998]
    )
    theirs = ph.ph_dsr(
        df, "deaths", "population", "esp", group_cols="area", confidence=[0.95, 0.998],
        euro_standard_pops=False,
    ).sort_values("area").reset_index(drop=True)  # fmt: skip
    np.testing.assert_allclose(ours["value"], theirs["Value"], rtol=1e-9)
    for mine, other in zip(
        LIMITS, ["lower_95_ci", "upper_95_ci", "lower_99_8_ci", "upper_99_8_ci"], strict=True
    ):
        np.testing.assert_allclose(ours[mine], theirs[other], rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 300), min_size=19, max_size=19), st.integers(1, 40))
def test_dsr_equals_crude_rate_when_population_has_the_standard_age_structure(deaths, k):
    df = _esp_frame().assign(deaths=deaths, population=np.array(ESP) * k)
    dsr = directly_standardised_rate(df, "deaths", "population")
    crude = crude_rate(df, "deaths", "population", group_by="area")
    if sum(deaths) >= 10:
        assert dsr.loc[0, "value"] == pytest.approx(crude.loc[0, "value"], rel=1e-12)
        assert dsr.loc[0, "value"] == pytest.approx(sum(deaths) / (100_000 * k) * 1e5, rel=1e-12)
    else:
        assert np.isnan(dsr.loc[0, "value"])


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 60), min_size=57, max_size=57),
    st.lists(st.integers(50, 5000), min_size=57, max_size=57),
    st.randoms(use_true_random=False),
)
def test_dsr_limits_bracket_and_are_invariant_to_row_order_and_split(deaths, pops, rnd):
    df = _esp_frame(3).assign(deaths=deaths, population=pops)
    whole = directly_standardised_rate(
        df, "deaths", "population", group_by="area", confidence=[0.95, 0.998]
    )
    shown = whole["value"].notna()
    assert (whole["lower95_0cl"][shown] <= whole["value"][shown]).all()
    assert (whole["upper95_0cl"][shown] >= whole["value"][shown]).all()
    assert (whole["lower99_8cl"][shown] <= whole["lower95_0cl"][shown]).all()
    assert (whole["upper99_8cl"][shown] >= whole["upper95_0cl"][shown]).all()
    order = list(range(len(df)))
    rnd.shuffle(order)
    shuffled = directly_standardised_rate(
        df.iloc[order], "deaths", "population", group_by="area", confidence=[0.95, 0.998]
    )
    pd.testing.assert_frame_equal(whole, shuffled, rtol=1e-12)
    split = pd.concat(
        [
            directly_standardised_rate(
                part, "deaths", "population", group_by="area", confidence=[0.95, 0.998]
            )
            for _, part in df.groupby("area")
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(whole, split, rtol=1e-12)


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_the_callers_data_is_left_unchanged_and_the_result_is_writable(dtype):
    df = _esp_frame(2, deaths=7, population=900).astype({"deaths": dtype, "population": dtype})
    df["esp"] = np.tile(np.asarray(ESP2013_WEIGHTS, dtype="float64"), 2)
    before = df.copy()
    for standard in [None, "esp"]:
        out = directly_standardised_rate(
            df, "deaths", "population", group_by="area", standard_population=standard
        )
        out.loc[0, ["value", "total_count"]] = [0.0, 0.0]
    pd.testing.assert_frame_equal(df, before)
    assert out.loc[1, "value"] == pytest.approx(7 / 900 * 100_000)
