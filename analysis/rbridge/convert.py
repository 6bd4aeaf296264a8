"""Fast, column-wise conversion between pandas DataFrames and R data frames.

Each column is copied as one numpy buffer (``from_memoryview``), never element by element;
strings travel as integer codes plus their distinct values, so a million-row frame crosses in
well under a second (see ``benchmarks/bench_rbridge.py``). The index is not transferred.

========================================  ==========================================
pandas                                    R
========================================  ==========================================
bool, boolean (nullable)                  logical (``NA`` for missing)
int8 ... int64, Int* (nullable), uint*    integer; numeric (double) when a value is
                                          outside R's 32-bit integer range
float32, float64, Float*                  numeric (``NaN``/``pd.NA`` -> ``NA_real_``)
str, string, object holding strings       character (``None``/``NaN``/``pd.NA`` -> ``NA``)
category (ordered or not)                 factor / ordered factor (same levels, order)
========================================  ==========================================

Back from R: logical -> bool (``boolean`` when it has ``NA``), integer -> int64 (``Int64``
when it has ``NA``), numeric -> float64 (``NA``/``NaN`` -> ``NaN``), character -> the
default pandas string dtype, factor -> category, ``Date`` -> ``datetime64[s]``. Anything
else raises :class:`~analysis.rbridge.errors.ConversionError` naming the column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.rbridge.errors import ConversionError
from analysis.rbridge.session import base_function, rinterface

#: R's missing integer/logical (INT_MIN) and the bit pattern of R's ``NA_real_``.
NA_INTEGER = np.int32(-(2**31))
NA_REAL_BITS = np.int64(0x7FF00000000007A2)
_INT32_MAX = 2**31 - 1
_EXACT_DOUBLE = 2**53
#: R classes that only decorate a plain vector (safe to convert by the vector's type).
_PLAIN_CLASSES = {"AsIs", "noquote", "numeric", "integer", "character", "logical"}


def to_r(frame: pd.DataFrame) -> Any:
    """Convert a pandas DataFrame to an R ``data.frame`` (an rpy2 object).

    Each column is copied as one buffer, by the type mapping of the module docstring. The
    index is not transferred: ``reset_index()`` first if it holds data.

    Parameters
    ----------
    frame
        the table to convert.

    Returns
    -------
    rpy2 object
        The R ``data.frame``.

    Raises
    ------
    ConversionError
        If ``frame`` is not a DataFrame, its column names repeat, or a column's type has no
        R equivalent (naming the column).

    Examples
    --------
    >>> r_df = to_r(pd.DataFrame({"area": ["A", "B"], "deaths": [3, 5]}))  # doctest: +SKIP
    """
    if not isinstance(frame, pd.DataFrame):
        raise ConversionError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        duplicated = sorted({n for n in names if names.count(n) > 1})
        raise ConversionError(f"column names must be unique to convert to R: {duplicated}")
    ri = rinterface()
    columns = [column_to_r(str(name), frame.iloc[:, i]) for i, name in enumerate(frame.columns)]
    as_list = ri.ListSexpVector(columns)
    as_list.names = ri.StrSexpVector(names)
    return base_function("list2DF")(as_list, nrow=ri.IntSexpVector([len(frame)]))


def to_pandas(r_frame: Any) -> pd.DataFrame:
    """Convert an R ``data.frame`` (an rpy2 object) to a pandas DataFrame.

    Row names are not transferred (R's automatic row names carry no data).

    Parameters
    ----------
    r_frame
        the R ``data.frame``.

    Returns
    -------
    pandas.DataFrame
        The table, with column types as in the module docstring.

    Raises
    ------
    ConversionError
        If ``r_frame`` is not a data.frame or a column's R type cannot be converted.
    """
    ri = rinterface()
    if getattr(r_frame, "typeof", None) != ri.RTYPES.VECSXP or "data.frame" not in list(
        r_frame.rclass
    ):
        raise ConversionError(f"expected an R data.frame, got {type(r_frame).__name__}")
    names = [str(n) for n in r_frame.names] if len(r_frame) else []
    n_rows = int(base_function("nrow")(r_frame)[0])
    columns = {name: column_to_pandas(name, r_frame[i]) for i, name in enumerate(names)}
    return pd.DataFrame(columns, index=pd.RangeIndex(n_rows))


def round_trip(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert pandas -> R -> pandas (for checking and benchmarking the conversion).

    Parameters
    ----------
    frame
        the table to convert.

    Returns
    -------
    pandas.DataFrame
        ``frame`` after the journey to R and back.

    Raises
    ------
    ConversionError
        As :func:`to_r` and :func:`to_pandas`.
    """
    return to_pandas(to_r(frame))


# --- pandas column -> R vector ------------------------------------------------------------


def column_to_r(name: str, series: pd.Series) -> Any:
    """Convert one pandas column to an R vector.

    Parameters
    ----------
    name
        the column's name, used in error messages.
    series
        the column.

    Returns
    -------
    rpy2 object
        The R vector.

    Raises
    ------
    ConversionError
        Naming the column, when its type has no R equivalent.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _factor(name, series)
    if pd.api.types.is_bool_dtype(dtype):
        return _logical(series)
    if pd.api.types.is_integer_dtype(dtype):
        return _integer(name, series)
    if pd.api.types.is_float_dtype(dtype):
        return _double(series.to_numpy(dtype="float64", na_value=np.nan))
    if isinstance(dtype, pd.StringDtype):
        return _character(name, series)
    if pd.api.types.is_object_dtype(dtype):
        return _object(name, series)
    raise ConversionError(
        f"column {name!r}: pandas dtype {dtype} cannot be converted to R (supported: bool, "
        "integer, float, string, category); convert it first, e.g. dates with .astype(str)"
    )


def _logical(series: pd.Series) -> Any:
    values = series.to_numpy(dtype="bool", na_value=False).astype("int32")
    values[series.isna().to_numpy()] = NA_INTEGER
    return rinterface().BoolSexpVector.from_memoryview(memoryview(values))


def _integer(name: str, series: pd.Series) -> Any:
    missing = series.isna().to_numpy()
    if missing.all():
        return _int32(np.full(len(series), NA_INTEGER, dtype="int32"))
    present = series[~missing]
    low, high = int(present.min()), int(present.max())
    if abs(low) <= _INT32_MAX and abs(high) <= _INT32_MAX:
        values = series.to_numpy(dtype="int64", na_value=0).astype("int32")
        values[missing] = NA_INTEGER
        return _int32(values)
    if abs(low) <= _EXACT_DOUBLE and abs(high) <= _EXACT_DOUBLE:
        return _double(series.to_numpy(dtype="float64", na_value=np.nan))
    raise ConversionError(
        f"column {name!r}: integers beyond +/-2^53 (here {low} to {high}) cannot be held "
        "exactly by R (32-bit integers, 64-bit doubles); convert the column to strings"
    )


def _int32(values: np.ndarray) -> Any:
    return rinterface().IntSexpVector.from_memoryview(memoryview(np.ascontiguousarray(values)))


def _double(values: np.ndarray) -> Any:
    values = np.array(values, dtype="float64", copy=True)
    values.view("int64")[np.isnan(values)] = NA_REAL_BITS
    return rinterface().FloatSexpVector.from_memoryview(memoryview(values))


def _r_codes(codes: np.ndarray) -> Any:
    """R's 1-based integer codes from 0-based codes (-1 = missing -> ``NA``)."""
    r_codes = codes.astype("int32") + 1
    r_codes[codes < 0] = NA_INTEGER
    return _int32(r_codes)


def _character(name: str, series: pd.Series) -> Any:
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    kind = pd.api.types.infer_dtype(uniques, skipna=True)
    if kind not in ("string", "empty"):
        bad = next(v for v in uniques if not isinstance(v, str))
        row = series.index[series.map(lambda v, bad=bad: v is bad).to_numpy()][0]
        raise ConversionError(
            f"column {name!r}: text columns must hold only strings or missing values, but row "
            f"{row!r} holds {bad!r} ({type(bad).__name__}); convert the column with .astype(str)"
        )
    # indexing the distinct strings by the codes builds the vector inside R, in C
    texts = rinterface().StrSexpVector([str(v) for v in uniques])
    return base_function("[")(texts, _r_codes(codes))


def _object(name: str, series: pd.Series) -> Any:
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind == "boolean":
        return _logical(series.astype("boolean"))
    if kind == "integer":
        return _integer(name, series.astype("Int64"))
    if kind in ("floating", "mixed-integer-float", "integer-na"):
        return _double(pd.to_numeric(series).to_numpy(dtype="float64", na_value=np.nan))
    return _character(name, series)


def _factor(name: str, series: pd.Series) -> Any:
    categories = series.cat.categories
    levels = [str(c) for c in categories]
    if len(set(levels)) != len(levels):
        raise ConversionError(
            f"column {name!r}: category labels {list(categories)} are not distinct as text, "
            "so they cannot become R factor levels"
        )
    ri = rinterface()
    factor = _r_codes(series.cat.codes.to_numpy())
    factor.do_slot_assign("levels", ri.StrSexpVector(levels))
    classes = ["ordered", "factor"] if series.cat.ordered else ["factor"]
    return base_function("class<-")(factor, ri.StrSexpVector(classes))


# --- R vector -> pandas column ------------------------------------------------------------


def column_to_pandas(name: str, vector: Any) -> pd.Series:
    """Convert one R vector (a data.frame column) to a pandas Series.

    Parameters
    ----------
    name
        the column's name, given to the Series and used in error messages.
    vector
        the R vector.

    Returns
    -------
    pandas.Series
        The column, named ``name``.

    Raises
    ------
    ConversionError
        Naming the column, when its R type cannot be converted.
    """
    ri = rinterface()
    classes = [str(c) for c in vector.rclass]
    kind = vector.typeof
    if "factor" in classes:
        return _from_factor(name, vector, ordered="ordered" in classes)
    if "Date" in classes and kind in (ri.RTYPES.REALSXP, ri.RTYPES.INTSXP):
        days = _buffer(vector, "float64")
        return pd.Series(pd.to_datetime(days, unit="D").astype("datetime64[s]"), name=name)
    unsupported = [c for c in classes if c not in _PLAIN_CLASSES]
    if unsupported:
        raise ConversionError(
            f"column {name!r}: R class {unsupported} is not supported; convert it in R first "
            "(e.g. as.character() or as.numeric())"
        )
    if kind == ri.RTYPES.REALSXP:
        return pd.Series(_buffer(vector, "float64"), name=name)
    if kind in (ri.RTYPES.INTSXP, ri.RTYPES.LGLSXP):
        values = _buffer(vector, "int32")
        missing = values == NA_INTEGER
        if kind == ri.RTYPES.LGLSXP:
            if missing.any():
                return pd.Series(pd.arrays.BooleanArray(values != 0, missing), name=name)
            return pd.Series(values != 0, name=name)
        if missing.any():
            return pd.Series(pd.arrays.IntegerArray(values.astype("int64"), missing), name=name)
        return pd.Series(values.astype("int64"), name=name)
    if kind == ri.RTYPES.STRSXP:
        distinct = base_function("unique")(vector)
        codes = _buffer(base_function("match")(vector, distinct), "int64") - 1
        texts = [None if v is ri.NA_Character else str(v) for v in distinct]
        return _text_series(name, codes, texts)
    raise ConversionError(
        f"column {name!r}: R vectors of type {kind.name} (classes {classes}) cannot be "
        "converted to pandas; use logical, integer, numeric, character or factor columns"
    )


def _text_series(name: str, codes: np.ndarray, texts: list[str | None]) -> pd.Series:
    """Strings ``texts[codes]`` in pandas' default string dtype (built in Arrow when it is Arrow-backed, which avoids a million Python string objects)."""
    default = pd.Series(["text"]).dtype
    if isinstance(default, pd.StringDtype) and default.storage == "pyarrow":
        import pyarrow as pa  # only needed with Arrow-backed strings

        missing = np.array([t is None for t in texts] + [True])[codes]
        arrow = pa.DictionaryArray.from_arrays(
            pa.array(codes, mask=missing), pa.array(texts, type=pa.large_string())
        ).cast(pa.large_string())
        return pd.Series(arrow, dtype=default, name=name)
    return pd.Series(np.array([*texts, None], dtype=object)[codes], name=name)


def _buffer(vector: Any, dtype: str) -> np.ndarray:
    """Return a numpy copy of an R numeric/integer/logical vector's memory."""
    if len(vector) == 0:
        return np.empty(0, dtype=dtype)
    return np.array(vector.memoryview(), dtype=dtype)


def _from_factor(name: str, vector: Any, *, ordered: bool) -> pd.Series:
    codes = _buffer(vector, "int32")
    codes = np.where(codes == NA_INTEGER, -1, codes - 1)
    ri = rinterface()
    levels_attr = vector.do_slot("levels")
    levels = [] if levels_attr is ri.NULL else [str(v) for v in levels_attr]
    categories = pd.Index(levels, dtype="str")
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=categories, ordered=ordered), name=name
    )
