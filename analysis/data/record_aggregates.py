"""From records to deprivation, counted in the engine: postcode matches and recorded flags.

What the chapter "From records to deprivation" needs from the person rows, as counts made where
the data live (DuckDB, Spark or a SQL database):

- :func:`postcode_match_counts` -- each record's postcode normalised and joined to the postcode
  lookup in SQL, the records counted by match status
  (:data:`~analysis.data.postcodes.MATCH_STATUSES`), by the IMD decile of the area the lookup
  gives and by the decile of the person's own area. The SQL (:func:`postcode_match_sql`) uses the character tables of
  :mod:`analysis.data.postcodes` in ``TRANSLATE``, so it is the same text on every engine and
  the same rule as the pandas version (:func:`~analysis.data.postcodes.attach_deprivation`).
- :func:`postcode_counts` -- records by postcode as recorded: the input of the pandas version,
  for checking the SQL against it (:func:`records_by_status_and_decile` puts both in one form).
- :func:`flag_counts` -- people with and without each recorded flag (learning disability,
  autism, homelessness) and their deaths: the 2 x 2 tables of the odds ratios
  (:func:`analysis.inequality.recording_gaps.flag_gaps`).

Only counts leave the engine. The SQL keeps to the portable subset of
:mod:`analysis.data.aggregate`; results are sorted in pandas.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.data.aggregate import Source, _require_tables
from analysis.data.engines import _sql_string, running
from analysis.data.postcodes import (
    FORMAT_FROM,
    FORMAT_TO,
    MATCH_STATUSES,
    NORMALISE_FROM,
    NORMALISE_TO,
    POSTCODE_FORMATS,
    WHITESPACE,
    _check_lookup,
)
from analysis.validation import InputError

#: The registered postcode lookup (postcodes without their space, and their area).
LOOKUP_TABLE = "agg_postcode_lookup"
#: Kinds of stored column a flag may have (:meth:`~analysis.data.engines.Engine.column_kinds`).
FLAG_KINDS = ("boolean", "integer")
FLAG_RULE = "a flag must be True/False or 1/0, never missing"


def postcode_match_sql(*, readable: bool = False) -> str:
    r"""Return the SQL that counts the records by match status and decile (tables ``people``, ``areas`` and :data:`LOOKUP_TABLE`).

    The postcode is normalised by one ``TRANSLATE`` (lower-case letters to capitals, white
    space removed; ``NULLIF`` makes a blank postcode missing) and its format read by a second
    (letters to ``A``, digits to ``9``), which must be one of the six postcode formats. The
    text is the same on DuckDB, Spark and PostgreSQL. With ``readable`` the white-space
    characters other than the space are written as ``\uXXXX`` escapes, for showing the
    query (that text is not run).

    Parameters
    ----------
    readable
        Write the white-space characters as escapes, for display.

    Returns
    -------
    str
        The query: ``match_status``, ``imd_decile`` (of the lookup's area), ``own_decile`` (of
        the person's recorded area) and ``records``.
    """
    escapes = {ord(c): f"\\u{ord(c):04x}" for c in WHITESPACE if c != " "} if readable else {}
    formats = ", ".join(_sql_string(f) for f in POSTCODE_FORMATS)
    decile = "CASE WHEN s.match_status = 'matched' THEN s.lookup_decile END"
    return f"""WITH records AS (
    SELECT NULLIF(TRANSLATE(p.postcode, {_sql_string(NORMALISE_FROM.translate(escapes))},
                            {_sql_string(NORMALISE_TO)}), '') AS compact,
           p.area_code AS area_code
    FROM people p
),
statuses AS (
    SELECT CASE WHEN r.compact IS NULL THEN 'missing'
                WHEN SUBSTRING(r.compact, 1, 4) = 'ZZ99' THEN 'no fixed abode'
                WHEN TRANSLATE(r.compact, {_sql_string(FORMAT_FROM)}, {_sql_string(FORMAT_TO)})
                     NOT IN ({formats}) THEN 'invalid'
                WHEN l.area_code IS NOT NULL THEN 'matched'
                ELSE 'not in lookup' END AS match_status,
           la.imd_decile AS lookup_decile,
           a.imd_decile AS own_decile
    FROM records r
    LEFT JOIN {LOOKUP_TABLE} l ON l.postcode = r.compact
    LEFT JOIN areas la ON la.area_code = l.area_code
    LEFT JOIN areas a ON a.area_code = r.area_code
)
SELECT s.match_status AS match_status, {decile} AS imd_decile, s.own_decile AS own_decile,
       COUNT(*) AS records
FROM statuses s
GROUP BY s.match_status, {decile}, s.own_decile"""


def _sorted(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Put ``match_status`` in reporting order and deciles as ``Int64``; sort by ``keys``."""
    out = counts.assign(
        match_status=pd.Categorical(counts["match_status"].astype(str), categories=MATCH_STATUSES),
        **{k: counts[k].astype("Int64") for k in keys if k != "match_status"},
        records=counts["records"].astype("int64"),
    )
    return out.sort_values(keys, kind="stable").reset_index(drop=True)[[*keys, "records"]]


def postcode_match_counts(source: Source, lookup: pd.DataFrame) -> pd.DataFrame:
    """Count the records in the engine by postcode match status and deprivation decile.

    Method: the postcode lookup join of the ONS National Statistics Postcode Lookup user
    guide (postcode in the ``pcds`` form to small area) followed by the area's IMD 2019
    decile, each record keeping a status that says why it has no area (see
    :mod:`analysis.data.postcodes`), as SQL in the engine (:func:`postcode_match_sql`). The
    lookup is checked as in :func:`~analysis.data.postcodes.attach_deprivation` and
    registered in the engine as :data:`LOOKUP_TABLE` (in a database, a table is written).

    Parameters
    ----------
    source
        A dataset or engine holding ``people`` (with ``postcode`` and ``area_code``) and
        ``areas`` (see :mod:`analysis.data.aggregate`).
    lookup
        ``postcode`` and ``area_code``, one row per postcode (any case and spacing).

    Returns
    -------
    pandas.DataFrame
        ``match_status`` (categorical, :data:`~analysis.data.postcodes.MATCH_STATUSES`),
        ``imd_decile`` (of the area the lookup gives; missing unless matched),
        ``own_decile`` (of the area in the person's ``area_code``) and ``records``, one row
        per combination present, sorted.

    Raises
    ------
    InputError
        ``people`` without ``postcode``; a lookup with a missing or repeated postcode, or an
        area not in ``areas``.
    """
    with running(source) as engine:
        _require_tables(engine, ["people", "areas"])
        if "postcode" not in engine.columns("people"):
            raise InputError("people has no column postcode: the lookup join needs one")
        areas = engine.query("SELECT a.area_code AS area_code FROM areas a")
        checked = _check_lookup(lookup, areas)
        engine.register(
            LOOKUP_TABLE,
            pd.DataFrame(
                {
                    "postcode": checked["postcode"].str.replace(" ", "", regex=False),
                    "area_code": checked["area_code"].astype(str),
                }
            ),
        )
        counts = engine.query(postcode_match_sql())
    return _sorted(counts, ["match_status", "imd_decile", "own_decile"])


def postcode_counts(source: Source) -> pd.DataFrame:
    """Count the records by postcode exactly as recorded (``postcode``, ``records``; missing last).

    Counted in the engine: the input of the pandas lookup join
    (:func:`~analysis.data.postcodes.attach_deprivation` on one row per postcode), which
    checks the SQL of :func:`postcode_match_counts` without person rows.

    Parameters
    ----------
    source
        A dataset or engine holding ``people``.

    Returns
    -------
    DataFrame
        ``postcode`` and ``records``, one row per distinct postcode, sorted.

    Raises
    ------
    InputError
        When the data have no ``people`` table.
    """
    with running(source) as engine:
        _require_tables(engine, ["people"])
        out = engine.query(
            "SELECT p.postcode AS postcode, COUNT(*) AS records FROM people p GROUP BY p.postcode"
        )
    return out.sort_values("postcode", kind="stable", na_position="last").reset_index(drop=True)


def records_by_status_and_decile(counts: pd.DataFrame) -> pd.DataFrame:
    """Sum ``records`` by ``match_status`` and ``imd_decile``, sorted (one form for both versions).

    ``counts`` is :func:`postcode_match_counts` or the pandas join of :func:`postcode_counts`.

    Parameters
    ----------
    counts
        Rows with ``match_status``, ``imd_decile`` (missing when unmatched) and ``records``.

    Returns
    -------
    DataFrame
        ``match_status``, ``imd_decile`` and ``records``, one row per pair present.
    """
    keys = ["match_status", "imd_decile"]
    summed = counts.groupby(
        [counts["match_status"].astype(str), counts["imd_decile"].astype("Int64")], dropna=False
    )["records"].sum()
    return _sorted(summed.reset_index(), keys)


def flag_counts(source: Source, flags: Sequence[str]) -> pd.DataFrame:
    """Count the people with and without each flag, and their deaths, in the engine.

    Method: one ``GROUP BY`` of the people over every flag present, each person joined to
    whether they died in the period (a row of ``deaths``; repeated rows count once) and
    whether from CVD (``cause_group`` CVD); each flag's 2 x 2 table is then summed from it.

    Parameters
    ----------
    source
        A dataset or engine holding ``people`` and ``deaths``.
    flags
        Boolean columns of ``people`` (for example ``["learning_disability", "homeless"]``);
        those not in ``people`` are skipped.

    Returns
    -------
    pandas.DataFrame
        ``flag``, ``flagged`` (bool), ``people``, ``deaths`` (any cause) and ``cvd_deaths``,
        one row per flag present and value, in the order of ``flags`` (False before True).

    Raises
    ------
    InputError
        A flag stored as text (e.g. ``"Y"``), or with a missing value or a number other than
        1 and 0.
    """
    columns = ["flag", "flagged", "people", "deaths", "cvd_deaths"]
    with running(source) as engine:
        _require_tables(engine, ["people", "deaths"])
        kinds = engine.column_kinds("people")
        present = [f for f in flags if f in kinds]
        if not present:
            return pd.DataFrame(columns=columns)
        text = [f for f in present if kinds[f] not in FLAG_KINDS]
        if text:
            sql = f"SELECT MIN(p.{text[0]}) AS example FROM people p"
            raise InputError(
                f"column {text[0]!r}: {FLAG_RULE}; it is stored as {kinds[text[0]]}, "
                f"e.g. {engine.query(sql)['example'][0]!r}"
            )
        values = [f"CAST(p.{f} AS INTEGER)" for f in present]
        counts = engine.query(
            f"""WITH died AS (
    SELECT d.person_id AS person_id,
           MAX(CASE WHEN d.cause_group = 'CVD' THEN 1 ELSE 0 END) AS cvd
    FROM deaths d GROUP BY d.person_id
)
SELECT {", ".join(f"{v} AS {f}" for v, f in zip(values, present, strict=True))},
       COUNT(*) AS people, COUNT(x.person_id) AS deaths,
       SUM(CASE WHEN x.cvd = 1 THEN 1 ELSE 0 END) AS cvd_deaths
FROM people p LEFT JOIN died x ON p.person_id = x.person_id
GROUP BY {", ".join(values)}"""
        )
    long = counts.melt(
        id_vars=columns[2:], value_vars=present, var_name="flag", value_name="flagged"
    )
    bad = long["flagged"].isna() | ~long["flagged"].isin([0, 1])
    if bad.any():
        flag = long.loc[bad, "flag"].iloc[0]
        shown = long.loc[bad & (long["flag"] == flag), "flagged"]
        raise InputError(
            f"column {flag!r}: {FLAG_RULE} ({int(long.loc[shown.index, 'people'].sum())} row(s) "
            f"fail; values {', '.join(sorted({'missing' if pd.isna(v) else str(v) for v in shown}))})"
        )
    long["flag"] = pd.Categorical(long["flag"], categories=present)
    out = long.groupby(["flag", "flagged"], observed=True)[columns[2:]].sum().reset_index()
    return out.astype({"flag": str, "flagged": bool, **dict.fromkeys(columns[2:], "int64")})
