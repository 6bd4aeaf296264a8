"""Shared input checks: each names the column, the rule and example rows."""

import pandas as pd
import pytest

from analysis.validation import (
    InputError,
    check_confidence,
    check_counts,
    check_not_above,
    check_positive,
    require_columns,
)


@pytest.fixture
def frame():
    return pd.DataFrame({"area": ["A", "B", "C"], "x": [1, -2, 3.5], "n": [10, 0, 2]})


def test_missing_column_is_named_with_the_columns_present(frame):
    with pytest.raises(InputError, match=r"missing column\(s\) \['deaths'\].*'area', 'x', 'n'"):
        require_columns(frame, ["x", "deaths"])


def test_negative_count_names_column_rule_and_example_row(frame):
    with pytest.raises(InputError) as err:
        check_counts(frame, "x", context=["area"])
    message = str(err.value)
    assert "'x'" in message and "must not be negative" in message
    assert "B" in message and "-2" in message and "1 row(s) fail" in message


def test_non_integer_count_is_rejected(frame):
    ok = frame.assign(x=[1, 2, 3.5])
    with pytest.raises(InputError, match="whole numbers"):
        check_counts(ok, "x")
    check_counts(ok, "x", integer=False)


def test_non_positive_denominator_and_numerator_above_denominator(frame):
    with pytest.raises(InputError, match="'n'.*greater than zero"):
        check_positive(frame, "n")
    with pytest.raises(InputError, match="must not be greater than 'n'"):
        check_not_above(frame, "x", "n", context=["area"])


def test_missing_and_text_values_are_errors_not_dropped():
    df = pd.DataFrame({"x": [1.0, None, 2.0]})
    with pytest.raises(InputError, match="must not be missing"):
        check_counts(df, "x")
    with pytest.raises(InputError, match="must be numeric"):
        check_counts(pd.DataFrame({"x": ["1", "two"]}), "x")


def test_confidence_levels_accept_proportions_or_percentages():
    assert check_confidence(0.95) == [0.95]
    assert check_confidence([95, 99.8]) == pytest.approx([0.95, 0.998])
    with pytest.raises(InputError, match="between 0.9 and 1"):
        check_confidence(0.5)
