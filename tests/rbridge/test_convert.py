"""pandas <-> R data.frame conversion: types, factors, missing values, edge cases, errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pandas.testing as tm
import pytest

from analysis.rbridge import ConversionError, round_trip, to_pandas, to_r
from analysis.rbridge.session import base_function


def r_eval(ri, code: str):
    return base_function("eval")(base_function("parse")(text=ri.StrSexpVector([code])))


def r_column_types(ri, frame: pd.DataFrame) -> list[str]:
    r_frame = to_r(frame)
    return [str(base_function("class")(r_frame[i])[-1]) for i in range(len(r_frame))]


def test_round_trip_keeps_types_and_values(r_session):
    frame = pd.DataFrame(
        {
            "count": np.array([0, 7, -3], dtype="int64"),
            "rate": [1.5, -0.25, 1e300],
            "flag": [True, False, True],
            "area": ["E01000001", "Leeds", "Ynys Môn"],
        }
    )
    back = round_trip(frame)
    tm.assert_frame_equal(back, frame)
    assert r_column_types(r_session, frame) == ["integer", "numeric", "logical", "character"]


def test_missing_values_become_na_of_the_right_type(r_session):
    frame = pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "x": [1.0, np.nan, 2.0],
            "x_na": pd.array([1.0, pd.NA, 2.0], dtype="Float64"),
            "ok": pd.array([True, pd.NA, False], dtype="boolean"),
            "text_none": pd.Series(["a", None, "c"], dtype=object),
            "text_nan": pd.Series(["a", np.nan, "c"], dtype=object),
            "text_pd_na": pd.array(["a", pd.NA, "c"], dtype="string"),
        }
    )
    r_frame = to_r(frame)
    is_na = base_function("is.na")
    is_nan = base_function("is.nan")
    for i in range(len(r_frame)):
        assert list(is_na(r_frame[i])) == [False, True, False], frame.columns[i]
    # NaN/pd.NA in floats arrive as R's NA_real_, not as NaN
    assert list(is_nan(r_frame[1])) == [False, False, False]
    assert list(base_function("typeof")(r_frame[0])) == ["integer"]
    back = to_pandas(r_frame)
    assert back["n"].dtype == "Int64" and back["ok"].dtype == "boolean"
    assert back["x"].isna().tolist() == [False, True, False]
    assert back["text_none"].isna().tolist() == [False, True, False]
    assert back["text_pd_na"].tolist()[0] == "a"


def test_r_na_and_nan_arrive_as_missing(r_session):
    r_frame = r_eval(
        r_session,
        "data.frame(i = c(1L, NA), d = c(NaN, NA), l = c(NA, TRUE), s = c(NA, 'b'))",
    )
    back = to_pandas(r_frame)
    assert back["i"].dtype == "Int64" and back["i"].isna().tolist() == [False, True]
    assert back["d"].isna().all()
    assert back["l"].dtype == "boolean" and back["l"].isna().tolist() == [True, False]
    assert back["s"].isna().tolist() == [True, False] and back["s"].iloc[1] == "b"


def test_categorical_becomes_factor_with_levels_and_order(r_session):
    quintile = pd.Categorical(
        ["3", "1", None, "5"], categories=["5", "4", "3", "2", "1"], ordered=True
    )
    sex = pd.Categorical(["Male", "Female", "Male", "Female"], categories=["Male", "Female"])
    frame = pd.DataFrame({"quintile": quintile, "sex": sex})
    r_frame = to_r(frame)
    assert list(base_function("levels")(r_frame[0])) == ["5", "4", "3", "2", "1"]
    assert list(base_function("is.ordered")(r_frame[0])) == [True]
    assert list(base_function("is.ordered")(r_frame[1])) == [False]
    assert list(base_function("as.integer")(r_frame[0]))[:2] == [3, 5]
    back = to_pandas(r_frame)
    tm.assert_frame_equal(back, frame)


def test_r_factor_arrives_as_category(r_session):
    r_frame = r_eval(
        r_session, "data.frame(g = factor(c('b', 'a', NA, 'b'), levels = c('b', 'a', 'unused')))"
    )
    back = to_pandas(r_frame)
    assert list(back["g"].cat.categories) == ["b", "a", "unused"]
    assert back["g"].isna().tolist() == [False, False, True, False]


def test_non_text_categories_are_sent_as_text_labels(r_session):
    frame = pd.DataFrame({"decile": pd.Categorical([10, 1, 2], categories=[1, 2, 10])})
    back = round_trip(frame)
    assert list(back["decile"].cat.categories) == ["1", "2", "10"]
    assert back["decile"].astype(str).tolist() == ["10", "1", "2"]


def test_empty_frames_keep_columns_and_types(r_session):
    frame = pd.DataFrame(
        {
            "n": np.array([], dtype="int64"),
            "x": np.array([], dtype="float64"),
            "g": pd.Categorical([], categories=["a", "b"]),
            "s": pd.Series([], dtype="str"),
        }
    )
    back = round_trip(frame)
    assert back.shape == (0, 4)
    assert back["n"].dtype == "int64" and back["x"].dtype == "float64"
    assert list(back["g"].cat.categories) == ["a", "b"]
    assert round_trip(pd.DataFrame(index=range(3))).shape == (3, 0)


def test_unicode_text_survives(r_session):
    text = ["Ynys Môn", "Pen-y-bont ar Ogwr", "naïve café", "日本語", "emoji 🙂", ""]
    back = round_trip(pd.DataFrame({"name": text}))
    assert back["name"].tolist() == text
    r_frame = to_r(pd.DataFrame({"name": text}))
    assert list(base_function("nchar")(r_frame[0]))[:4] == [8, 18, 10, 3]


def test_large_integers_become_doubles_and_huge_ones_fail(r_session):
    frame = pd.DataFrame({"person_id": np.array([1, 2**40], dtype="int64")})
    assert r_column_types(r_session, frame) == ["numeric"]
    assert round_trip(frame)["person_id"].tolist() == [1.0, 2.0**40]
    with pytest.raises(ConversionError, match="'id'.*2\\^53"):
        to_r(pd.DataFrame({"id": np.array([2**60], dtype="int64")}))


def test_unsupported_dtype_names_the_column(r_session):
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-01"]), "n": [1]})
    with pytest.raises(ConversionError, match="column 'when'.*datetime64"):
        to_r(frame)


def test_mixed_object_column_names_the_column_and_row(r_session):
    frame = pd.DataFrame({"area": ["A", 3, "C"]})
    with pytest.raises(ConversionError, match="column 'area'.*row 1 holds 3"):
        to_r(frame)


def test_object_columns_of_numbers_or_flags_keep_their_type(r_session):
    frame = pd.DataFrame(
        {
            "n": pd.Series([1, None, 3], dtype=object),
            "flag": pd.Series([True, None], dtype=object).reindex(range(3)),
            "x": pd.Series([1.5, 2, None], dtype=object),
        }
    )
    assert r_column_types(r_session, frame) == ["integer", "logical", "numeric"]


def test_unsupported_r_column_names_the_column(r_session):
    r_frame = r_eval(r_session, "data.frame(t = as.POSIXct('2024-01-01', tz = 'UTC'))")
    with pytest.raises(ConversionError, match="column 't'.*POSIXct"):
        to_pandas(r_frame)
    with pytest.raises(ConversionError, match="expected an R data.frame"):
        to_pandas(r_eval(r_session, "1:3"))


def test_r_dates_arrive_as_datetimes(r_session):
    back = to_pandas(r_eval(r_session, "data.frame(d = as.Date(c('2020-01-01', NA)))"))
    assert back["d"].iloc[0] == pd.Timestamp("2020-01-01") and pd.isna(back["d"].iloc[1])


def test_duplicate_column_names_are_refused(r_session):
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(ConversionError, match="unique"):
        to_r(frame)


def test_round_trip_of_a_large_mixed_frame(r_session):
    rng = np.random.default_rng(3)
    n = 50_000
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "area": pd.Series(rng.integers(0, 500, n)).map("E{:05d}".format),
            "x": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
            "g": pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["c", "b", "a"]),
        }
    )
    tm.assert_frame_equal(round_trip(frame), frame)


def test_importing_the_package_does_not_need_rpy2():
    """With rpy2 made unimportable, the package imports and using it raises a clear error."""
    code = (
        "import sys; sys.modules['rpy2'] = None; sys.modules['rpy2.rinterface'] = None\n"
        "import pandas as pd, analysis.rbridge as rb\n"
        "try:\n    rb.to_r(pd.DataFrame({'a': [1]}))\n"
        "except rb.RUnavailableError as e:\n    print('ERR', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "ERR rpy2 is not installed" in out.stdout
    assert "apt-get install r-base-core r-base-dev" in out.stdout
    assert "pip install 'rpy2<3.6'" in out.stdout
