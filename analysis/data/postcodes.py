"""Postcode to small area to deprivation: the lookup join, in pandas and in SQL.

Patient records hold a postcode, not a small area. Deprivation is attached in two steps, as
NHS analysts do with the ONS National Statistics Postcode Lookup (NSPL): the postcode gives
the small area (LSOA), and the area gives its Index of Multiple Deprivation (IMD) score,
rank, decile and quintile. Every record keeps a ``match_status`` saying why it has no area
when it has none, so unmatched records are counted and reported, never silently dropped:

- ``matched`` -- the normalised postcode is in the lookup;
- ``no fixed abode`` -- the pseudo-postcode ``ZZ99 3VZ`` (NHS Data Dictionary: "no fixed
  abode"), or any ``ZZ99`` pseudo-postcode (``ZZ99 3CZ`` England, not otherwise specified,
  ...), which has no area by definition;
- ``missing`` -- no postcode recorded;
- ``invalid`` -- not in the shape of a UK postcode (after removing spaces and case);
- ``not in lookup`` -- well formed but absent from the lookup (mistyped, terminated, or
  outside the lookup's coverage).

Normalisation follows the published postcode format (ONS NSPL user guide; the ``pcds``
form): letters in upper case, white space removed, then one space before the three-character
inward code. A postcode is well formed when it has one of the six formats of UK postcodes
(:data:`POSTCODE_FORMATS`: ``A9 9AA`` to ``AA9A 9AA``, A a letter, 9 a digit).

Both steps are character translations (:data:`NORMALISE_FROM` to :data:`NORMALISE_TO`, then
:data:`FORMAT_FROM` to :data:`FORMAT_TO`), so the same tables serve this pandas version and the
SQL run in the engine (``TRANSLATE``, in :mod:`analysis.data.record_aggregates`); tests check
both give the same counts.

The synthetic data's postcodes (:func:`synthetic_postcode_lookup`) begin with ``X``, a
letter no real postcode area begins with, so they can never be mistaken for real ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data import parameters as P
from analysis.validation import InputError, fail_rows, require_columns

#: Match statuses, in reporting order.
MATCH_STATUSES = ("matched", "no fixed abode", "missing", "invalid", "not in lookup")
#: Pseudo-postcode for people of no fixed abode (NHS Data Dictionary).
NO_FIXED_ABODE = "ZZ99 3VZ"
#: The formats of a UK postcode without its space (A: a letter, 9: a digit): outward code
#: (area letters and district) and inward code (sector digit and unit letters).
POSTCODE_FORMATS = ("A99AA", "A999AA", "A9A9AA", "AA99AA", "AA999AA", "AA9A9AA")
_LOWER, _UPPER, _DIGITS = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
#: Every white-space character of Unicode (those for which Python's ``str.isspace`` is true).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: Normalising is translating :data:`NORMALISE_FROM` to :data:`NORMALISE_TO`: each lower-case
#: letter to its capital, each white-space character (beyond the end of ``NORMALISE_TO``) to
#: nothing. Letters other than a-z are left alone (a postcode holding one is invalid).
NORMALISE_FROM, NORMALISE_TO = _LOWER + WHITESPACE, _UPPER
#: A normalised postcode's format: each capital to ``A`` and each digit to ``9``.
FORMAT_FROM, FORMAT_TO = _UPPER + _DIGITS, "A" * len(_UPPER) + "9" * len(_DIGITS)
_NORMALISE = str.maketrans(_LOWER, _UPPER, WHITESPACE)
_FORMAT = str.maketrans(FORMAT_FROM, FORMAT_TO)
#: Area columns carried over to each record.
IMD_COLUMNS = ("imd_score", "imd_rank", "imd_decile", "imd_quintile")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in inward codes (no C, I, K, M, O, V)
_DISTRICT_LETTERS = "ABDEFGHJKLMNPRSTUWY"


def normalise_postcodes(postcodes: pd.Series) -> pd.Series:
    """Postcodes in the ``pcds`` form (``"XA1 2BD"``); missing or blank become ``<NA>``.

    White space of every kind is removed, letters are capitalised, and one space goes before
    the last three characters (the inward code).

    Parameters
    ----------
    postcodes
        Postcodes as written, in any case and spacing.

    Returns
    -------
    pandas.Series
        The normalised postcodes (string dtype), same index.

    Examples
    --------
    >>> normalise_postcodes(pd.Series([" xa12bd", "XA1  2BD", "", None])).tolist()
    ['XA1 2BD', 'XA1 2BD', <NA>, <NA>]
    """
    compact = postcodes.astype("string").str.translate(_NORMALISE)
    compact = compact.mask(compact == "")
    return compact.str[:-3] + " " + compact.str[-3:]


def match_status(postcodes: pd.Series, lookup_postcodes: pd.Series) -> pd.Series:
    """Each record's :data:`MATCH_STATUSES` entry, from postcodes already normalised.

    Missing postcodes are ``"missing"``; the ``ZZ99`` pseudo-postcodes ``"no fixed abode"``;
    postcodes in none of the published formats ``"invalid"``; the rest ``"matched"`` when in
    the lookup, else ``"not in lookup"``.

    Parameters
    ----------
    postcodes
        Postcodes normalised by :func:`normalise_postcodes`.
    lookup_postcodes
        The normalised postcodes of the lookup.

    Returns
    -------
    pandas.Series
        Categorical, categories :data:`MATCH_STATUSES`, same index as ``postcodes``.
    """
    compact = postcodes.str.replace(" ", "", regex=False)
    status = np.select(
        [
            postcodes.isna().to_numpy(),
            compact.str.startswith("ZZ99").fillna(False).to_numpy(bool),
            ~compact.str.translate(_FORMAT).isin(POSTCODE_FORMATS).to_numpy(bool),
            postcodes.isin(lookup_postcodes).to_numpy(bool),
        ],
        ["missing", "no fixed abode", "invalid", "matched"],
        default="not in lookup",
    )
    return pd.Series(pd.Categorical(status, categories=MATCH_STATUSES), index=postcodes.index)


def _check_lookup(lookup: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    require_columns(lookup, ["postcode", "area_code"])
    require_columns(areas, ["area_code"])
    lookup = lookup.assign(postcode=normalise_postcodes(lookup["postcode"]))
    fail_rows(lookup, lookup["postcode"].isna(), "postcode", "must not be missing in the lookup")
    fail_rows(
        lookup,
        lookup["postcode"].duplicated(keep=False),
        "postcode",
        "must appear once in the lookup (one small area per postcode)",
    )
    fail_rows(
        lookup,
        ~lookup["area_code"].isin(areas["area_code"]),
        "area_code",
        "every area of the lookup must be in the areas table",
    )
    return lookup


def attach_deprivation(
    records: pd.DataFrame, lookup: pd.DataFrame, areas: pd.DataFrame, *, postcode: str = "postcode"
) -> pd.DataFrame:
    """Attach each record's small area and IMD columns through its postcode.

    Parameters
    ----------
    records
        One row per record with a postcode column (any case and spacing).
    lookup
        Postcode lookup: ``postcode`` and ``area_code`` (e.g. the ONS NSPL's ``pcds`` and
        ``lsoa21cd``), one row per postcode.
    areas
        ``area_code`` with ``imd_score``, ``imd_rank``, ``imd_decile`` and ``imd_quintile``.
    postcode
        The column of ``records`` that holds the postcode (the lookup's is always
        ``postcode``).

    Returns
    -------
    pandas.DataFrame
        ``records`` (same rows, same order) with ``postcode_clean``, ``match_status``,
        ``lsoa_code`` and the IMD columns (missing unless matched). Nothing is dropped.

    Raises
    ------
    InputError
        A lookup with a missing or repeated postcode, or an area not in ``areas``.

    Examples
    --------
    >>> areas = pd.DataFrame({"area_code": ["ZA1"], "imd_score": [40.0], "imd_rank": [10],
    ...                       "imd_decile": [1], "imd_quintile": [1]})
    >>> lookup = pd.DataFrame({"postcode": ["XA1 2BD"], "area_code": ["ZA1"]})
    >>> people = pd.DataFrame({"postcode": ["xa12bd", "ZZ99 3VZ", None, "XA1 9ZZ"]})
    >>> attach_deprivation(people, lookup, areas)[["match_status", "imd_decile"]]
         match_status  imd_decile
    0         matched           1
    1  no fixed abode        <NA>
    2         missing        <NA>
    3   not in lookup        <NA>
    """
    require_columns(records, [postcode])
    require_columns(areas, ["area_code", *IMD_COLUMNS])
    lookup = _check_lookup(lookup, areas)
    clean = normalise_postcodes(records[postcode])
    status = match_status(clean, lookup["postcode"])
    area = clean.map(lookup.set_index("postcode")["area_code"]).where(status == "matched")
    imd = areas.set_index("area_code")[list(IMD_COLUMNS)]
    out = records.assign(postcode_clean=clean, match_status=status, lsoa_code=area.astype("string"))
    for column in IMD_COLUMNS:
        values = area.map(imd[column])
        out[column] = values.astype("Float64" if column == "imd_score" else "Int64")
    return out


def match_summary(matched: pd.DataFrame, *, n: str | None = None) -> pd.DataFrame:
    """Return records by match status: ``match_status``, ``records`` and ``share`` (of all records).

    ``matched`` has a ``match_status`` per row: one row per record (:func:`attach_deprivation`)
    or, with ``n`` naming a column of record counts, per group of records (such as
    :func:`analysis.data.record_aggregates.postcode_match_counts`).

    Parameters
    ----------
    matched
        Rows with ``match_status``.
    n
        The column of record counts (default: each row is one record).

    Returns
    -------
    DataFrame
        One row per entry of :data:`MATCH_STATUSES`, in that order, zero when absent:
        ``match_status``, ``records`` and ``share`` (0 when there are no records).
    """
    weights = matched[n] if n else pd.Series(1, index=matched.index)
    status = pd.Categorical(matched["match_status"].astype(str), categories=MATCH_STATUSES)
    counts = weights.groupby(status, observed=False).sum().reindex(MATCH_STATUSES, fill_value=0)
    return pd.DataFrame(
        {
            "match_status": list(MATCH_STATUSES),
            "records": counts.to_numpy("int64"),
            "share": counts.to_numpy("float64") / max(int(counts.sum()), 1),
        }
    )


def synthetic_postcode_lookup(areas: pd.DataFrame) -> pd.DataFrame:
    """Return a deterministic postcode lookup for the synthetic areas (no random numbers).

    Each area gets :data:`~analysis.data.parameters.POSTCODES_PER_AREA` postcodes. The
    postcode area is ``X`` plus a letter for the district (no real postcode area begins with
    ``X``), the postcode district number counts blocks of 20 areas within the district, and
    the inward code enumerates digit and letter pairs, so every postcode is unique.

    Parameters
    ----------
    areas
        The synthetic areas: ``area_code`` and ``district_code``.

    Returns
    -------
    DataFrame
        ``postcode`` (``pcds`` form) and ``area_code``, one row per postcode.

    Examples
    --------
    >>> areas = pd.DataFrame({"area_code": ["ZA1", "ZA2"], "district_code": ["ZD1", "ZD1"]})
    >>> synthetic_postcode_lookup(areas).groupby("area_code").size().tolist()
    [12, 12]
    """
    require_columns(areas, ["area_code", "district_code"])
    per = P.POSTCODES_PER_AREA
    district = pd.factorize(areas["district_code"], sort=True)[0]
    if district.max(initial=0) >= len(_DISTRICT_LETTERS):
        raise InputError(
            f"district_code: at most {len(_DISTRICT_LETTERS)} districts get synthetic postcodes"
        )
    within = areas.groupby(district).cumcount().to_numpy()
    area_index = np.repeat(np.arange(len(areas)), per)
    j = np.tile(np.arange(per), len(areas)) + (np.repeat(within, per) % 20) * per
    letters = np.array(list(_INWARD_LETTERS))
    outward = np.char.add(
        np.char.add("X", np.array(list(_DISTRICT_LETTERS))[district[area_index]]),
        (np.repeat(within, per) // 20 + 1).astype(str),
    )
    inward = np.char.add(
        np.char.add((j % 10).astype(str), letters[(j // 10) // len(letters)]),
        letters[(j // 10) % len(letters)],
    )
    return pd.DataFrame(
        {
            "postcode": np.char.add(np.char.add(outward, " "), inward),
            "area_code": areas["area_code"].to_numpy()[area_index],
        }
    )
