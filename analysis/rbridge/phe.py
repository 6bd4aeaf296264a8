"""PHEindicatormethods (OHID) for our measures, on the 2.0 and the 2.1 interfaces.

Each entry of :data:`PHE_FUNCTIONS` takes the Python function's arguments (``x_ref``,
``standard_population``, ``polarity``, ...) and writes the R an analyst would write for the
installed version of the package (``calculate_dsr`` in 2.1, ``phe_dsr`` in 2.0). Options the
installed function lacks raise :class:`~analysis.rbridge.errors.RPackageError` naming the
version. Per-band inputs (the standard population, reference counts) travel as a small table
keyed by the data's own age-band labels and are joined on in R, so each row carries its own
weight: nothing is ever matched by row position.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from analysis.inequality.sii import STATISTIC_DESCRIPTIONS
from analysis.measures._age_bands import PerBand, align_per_band, esp2013_series
from analysis.rbridge.rcode import (
    Adapter,
    InstalledFunction,
    PackageFunction,
    RCall,
    r_arguments,
    r_literal,
    r_symbol,
)
from analysis.validation import POLARITIES, InputError, check_polarity

PHE = "PHEindicatormethods"
#: Our SII value types as ``phe_sii`` codes them (its ``value_type`` 0, 1 or 2).
SII_VALUE_TYPES = {"normal": 0, "rate": 1, "proportion": 2}
_LEVELS = ("confidence", "multiplier")


def _groups(kwargs: dict[str, Any]) -> list[str]:
    group_by = kwargs.get("group_by")
    return [group_by] if isinstance(group_by, str) else list(group_by or [])


def _pipeline(
    fn: InstalledFunction,
    arguments: str,
    groups: Sequence[str] = (),
    steps: Sequence[str] = (),
    seed: int | None = None,
    grouped_steps: Sequence[str] = (),
    note: str = "",
) -> str:
    """``library`` lines, then ``data |> steps |> group_by(...) |> grouped_steps |> fn(arguments)``.

    ``note`` is a comment line saying what a joined table holds.
    """
    lines = [f"library({fn.package})", "library(dplyr)", *([note] if note else [])]
    if seed is not None:
        lines.append(f"set.seed({int(seed)})")
    chain = ["data", *steps]
    if groups:
        chain.append(f"group_by({', '.join(r_symbol(g) for g in groups)})")
    chain += grouped_steps
    chain.append(f"{fn.name}({arguments})")
    return "\n".join(lines) + "\n" + " |>\n  ".join(chain)


def _given(kwargs: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {k: kwargs[k] for k in names if k in kwargs}


def _per_band_table(
    data: pd.DataFrame, age_band: str, specs: dict[str, PerBand], what: str
) -> pd.DataFrame:
    """One row per age-band label of ``data`` with the value of each per-band input.

    The values are matched to the labels as the Python function matches them
    (:func:`analysis.measures._age_bands.align_per_band`), and the table is then joined on
    ``age_band`` in R.
    """
    table = pd.DataFrame({age_band: data[age_band].astype(str)})
    for column, spec in specs.items():
        default = esp2013_series() if spec is None else None
        _, values = align_per_band(data, age_band, spec, what=what, default=default)
        table[column] = values
    return table.drop_duplicates(age_band).reset_index(drop=True)


def _free(name: str, data: pd.DataFrame) -> str:
    while name in data.columns:
        name += "_"
    return name


def _counts(data: pd.DataFrame, kwargs: dict[str, Any], fn: InstalledFunction) -> RCall:
    """``phe_proportion`` / ``phe_rate``: ``x``, ``n``, confidence and multiplier."""
    columns = {"x": kwargs["x"], "n": kwargs["n"]}
    code = _pipeline(fn, r_arguments(columns, _given(kwargs, _LEVELS)), _groups(kwargs))
    return RCall(code, {"data": data})


def _mean(data: pd.DataFrame, kwargs: dict[str, Any], fn: InstalledFunction) -> RCall:
    arguments = r_arguments({"x": kwargs["value"]}, _given(kwargs, ["confidence"]))
    return RCall(_pipeline(fn, arguments, _groups(kwargs)), {"data": data})


def _dsr(data: pd.DataFrame, kwargs: dict[str, Any], fn: InstalledFunction) -> RCall:
    """``calculate_dsr`` (2.1) or ``phe_dsr`` (2.0) with the standard population as a field."""
    age_band = kwargs.get("age_band", "age_band")
    standard = kwargs.get("standard_population")
    inputs = {"data": data}
    steps: list[str] = []
    note = ""
    if isinstance(standard, str):
        stdpop = standard
    else:
        stdpop = _free("stdpop", data)
        inputs["standard"] = _per_band_table(
            data, age_band, {stdpop: standard}, "standard population"
        )
        steps.append(f"left_join(standard, by = {r_literal(age_band)})")
        note = f"# standard: {stdpop}, the standard population, for each {age_band} of data"
        inputs["data"] = data.assign(**{age_band: data[age_band].astype(str)})
    columns = {"x": kwargs["x"], "n": kwargs["n"], "stdpop": stdpop}
    values: dict[str, Any] = {}
    if fn.has("stdpoptype"):
        values["stdpoptype"] = "field"
    values |= _given(kwargs, _LEVELS)
    if kwargs.get("independent_events", True) is False or kwargs.get("event_frequency"):
        fn.require("independent_events", "independent_events=False / event_frequency")
        values["independent_events"] = bool(kwargs.get("independent_events", True))
        if kwargs.get("event_frequency"):
            columns |= {"eventfreq": kwargs["event_frequency"], "ageband": age_band}
    arguments = r_arguments(columns, values)
    return RCall(_pipeline(fn, arguments, _groups(kwargs), steps, note=note), inputs)


def _isr(data: pd.DataFrame, kwargs: dict[str, Any], fn: InstalledFunction) -> RCall:
    """``calculate_ISRatio`` / ``calculate_ISRate`` with the reference as fields."""
    age_band = kwargs.get("age_band", "age_band")
    inputs = {"data": data}
    steps: list[str] = []
    refs = {"x_ref": kwargs["x_ref"], "n_ref": kwargs["n_ref"]}
    fields = {k: v for k, v in refs.items() if isinstance(v, str)}
    per_band = {_free(k, data): v for k, v in refs.items() if not isinstance(v, str)}
    note = ""
    if per_band:
        inputs["reference"] = _per_band_table(data, age_band, per_band, "reference")
        inputs["data"] = data.assign(**{age_band: data[age_band].astype(str)})
        steps.append(f"left_join(reference, by = {r_literal(age_band)})")
        fields |= dict(zip([k for k in refs if k not in fields], per_band, strict=True))
        note = f"# reference: {', '.join(per_band)}, the reference, for each {age_band} of data"
    columns = {"x": kwargs["x"], "n": kwargs["n"], **fields}
    values = {"refpoptype": "field"} | _given(kwargs, ["confidence"])
    if fn.has("refvalue"):
        values |= _given(kwargs, ["refvalue"])
    else:
        values |= _given(kwargs, ["multiplier"])
    arguments = r_arguments(columns, values)
    return RCall(_pipeline(fn, arguments, _groups(kwargs), steps, note=note), inputs)


def _life_expectancy(data: pd.DataFrame, kwargs: dict[str, Any], fn: InstalledFunction) -> RCall:
    """``phe_life_expectancy`` with ``startage`` read from our band labels ("1-4" -> 1).

    Our ``x`` and ``n`` are the package's ``deaths`` and ``population``.
    """
    age_band = kwargs.get("age_band", "age_band")
    startage = "startage"  # the package's own name; an existing column is rebuilt
    steps = [f'mutate({startage} = as.integer(sub("[-+].*", "", {r_symbol(age_band)})))']
    arrange = f"arrange({startage}, .by_group = TRUE)"
    columns = {
        "deaths": kwargs["x"],
        "population": kwargs["n"],
        "startage": startage,
    }
    values = _given(kwargs, ["confidence"])
    le_age = kwargs.get("le_age", "all")
    if not (isinstance(le_age, str) and le_age == "all"):  # our band labels -> start ages
        labels = [le_age] if isinstance(le_age, str) else list(le_age)
        values["le_age"] = [int(re.split(r"[-+]", str(label).strip())[0]) for label in labels]
    arguments = r_arguments(columns, values)
    code = _pipeline(fn, arguments, _groups(kwargs), steps, grouped_steps=[arrange])
    return RCall(code, {"data": data})


def _tidy_life_expectancy(result: pd.DataFrame, kwargs: dict[str, Any]) -> pd.DataFrame:
    return result.rename(columns={"startage": "start_age"})


def _quantiles(data: pd.DataFrame, kwargs: dict[str, Any], fn: InstalledFunction) -> RCall:
    """``phe_quantile``: polarity as its ``invert`` flag or logical field; local = within parents.

    ``polarity="adverse"`` (quantile 1 holds the highest values) is ``invert = TRUE``; a
    polarity column becomes a logical field, ``TRUE`` where it says ``"adverse"``.
    """
    groups = _groups(kwargs)
    kind = kwargs.get("inequality_type", "adhoc")
    if kind == "local":
        groups = [kwargs["parent_area"], *groups]
    elif kind != "adhoc":
        raise InputError(
            f"inequality_type={kind!r} has no phe_quantile counterpart; use 'adhoc' or 'local'"
        )
    polarity = kwargs.get("polarity", "adverse")
    columns = {"values": kwargs["value"]}
    values: dict[str, Any] = {"nquantiles": int(kwargs.get("n_quantiles", 10))}
    if polarity in POLARITIES:
        values["invert"] = polarity == "adverse"
    else:
        fn.require("inverttype", "polarity given as a column")
        field = _free("invert", data)
        data = data.assign(**{field: data[polarity] == "adverse"})
        columns["invert"] = field
        values["inverttype"] = "field"
    return RCall(_pipeline(fn, r_arguments(columns, values), groups), {"data": data})


def _sii(data: pd.DataFrame, kwargs: dict[str, Any], fn: InstalledFunction) -> RCall:
    """``phe_sii``: value type as its code, 95% limits or standard errors, optional RII.

    Our ``n`` is ``phe_sii``'s ``population``; ``polarity="adverse"`` is its negative
    ``multiplier`` (``-multiplier``), which flips the SII and inverts the RII.
    """
    method = kwargs.get("method", "ohid")
    if method != "ohid":
        raise InputError(
            f"phe_sii is the 'ohid' method, got method={method!r}; "
            "compare other methods in Python only"
        )
    limits_confidence = kwargs.get("limits_confidence", 0.95)
    if float(limits_confidence) != 0.95:
        raise InputError(
            f"phe_sii reads 95% limits, got limits_confidence={limits_confidence!r}: "
            "give limits_confidence=0.95 or se="
        )
    min_quantiles = kwargs.get("min_quantiles", 5)
    if int(min_quantiles) != 5:
        raise InputError(
            f"phe_sii needs at least 5 quantiles, got min_quantiles={min_quantiles!r}: "
            "leave min_quantiles at 5"
        )
    seed = kwargs.get("seed")
    if seed is not None and not isinstance(seed, int):
        raise InputError(f"to run phe_sii reproducibly, give seed as a whole number, got {seed!r}")
    ours = {"quantile": "quantile", "population": "n", "value": "value"}
    ours |= {k: k for k in ("lower_cl", "upper_cl", "se")}
    columns = {theirs: kwargs[k] for theirs, k in ours.items() if kwargs.get(k)}
    values: dict[str, Any] = {"value_type": SII_VALUE_TYPES[kwargs.get("value_type", "normal")]}
    for option in ("transform", "intercept"):
        if kwargs.get(option):
            fn.require(option, f"{option}=True")
            values[option] = True
    values |= _given(kwargs, ["repetitions", "confidence"])
    if (multiplier := sii_multiplier(kwargs)) != 1:
        values["multiplier"] = multiplier
    values |= {k: True for k in ("rii", "reliability_stat") if kwargs.get(k)}
    code = _pipeline(fn, r_arguments(columns, values), _groups(kwargs), seed=seed)
    return RCall(code, {"data": data})


def sii_multiplier(kwargs: dict[str, Any]) -> float:
    """Return ``phe_sii``'s ``multiplier`` for our ``polarity`` and (positive) ``multiplier``.

    ``polarity="adverse"`` is ``phe_sii``'s negative multiplier, which flips the SII and
    inverts the RII.

    Parameters
    ----------
    kwargs
        the arguments of our :func:`~analysis.inequality.slope_index_of_inequality` call;
        ``polarity`` (``"adverse"`` or ``"favourable"``) and ``multiplier`` (default 1) are
        read.

    Returns
    -------
    float
        The multiplier to give ``phe_sii``.

    Raises
    ------
    InputError
        For a missing or unknown polarity.
    """
    multiplier = kwargs.get("multiplier", 1)
    return -multiplier if check_polarity(kwargs.get("polarity")) == "adverse" else multiplier


_SII_LIMIT = re.compile(r"^(sii|rii|intercept)_(lower|upper)(\d+_\d)cl$")
#: phe_sii's output columns -> our ``measure`` labels.
_SII_MEASURES = {"sii": "SII", "rii": "RII", "intercept": "intercept"}


def _tidy_sii(result: pd.DataFrame, kwargs: dict[str, Any]) -> pd.DataFrame:
    """One row per group and measure (SII, RII, intercept) with our limit columns."""
    groups = _groups(kwargs)
    limits = [m for m in map(_SII_LIMIT.match, result.columns) if m]
    levels = sorted({m.group(3) for m in limits})
    parts = []
    for name, ours in _SII_MEASURES.items():
        if name not in result.columns:
            continue
        part = result[groups].assign(
            measure=ours, statistic=STATISTIC_DESCRIPTIONS[ours], value=result[name]
        )
        for m in (m for m in limits if m.group(1) == name):
            column = f"{m.group(2)}cl" if len(levels) == 1 else f"{m.group(2)}{m.group(3)}cl"
            part[column] = result[m.string]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


#: Our column arguments of the funnels -> PHEindicatormethods' names for them.
_FUNNEL_COLUMNS = {"x": "numerator", "n": "denominator", "rate": "rate"}


def _funnel(arguments: Sequence[str]) -> Adapter:
    """Return a PHEindicatormethods funnel function: ``x`` and ``n`` become ``numerator`` and ``denominator``, the other arguments keep their names."""

    def adapt(data: pd.DataFrame, kwargs: dict[str, Any], fn: InstalledFunction) -> RCall:
        columns = {
            theirs: kwargs[ours] for ours, theirs in _FUNNEL_COLUMNS.items() if kwargs.get(ours)
        }
        values = _given(kwargs, arguments)
        if kwargs.get("metadata", True) is False:
            values["type"] = "standard"
        return RCall(_pipeline(fn, r_arguments(columns, values)), {"data": data})

    return adapt


def _accepts(*names: str) -> frozenset[str]:
    return frozenset(("group_by", *names))


#: Our measures -> PHEindicatormethods functions (2.1 names first, then 2.0's).
PHE_FUNCTIONS: dict[str, PackageFunction] = {
    "proportion": PackageFunction(PHE, ("phe_proportion",), _accepts("x", "n", *_LEVELS), _counts),
    "crude_rate": PackageFunction(PHE, ("phe_rate",), _accepts("x", "n", *_LEVELS), _counts),
    "mean": PackageFunction(PHE, ("phe_mean",), _accepts("value", "confidence"), _mean),
    "directly_standardised_rate": PackageFunction(
        PHE,
        ("calculate_dsr", "phe_dsr"),
        _accepts(
            "x",
            "n",
            "age_band",
            "standard_population",
            *_LEVELS,
            "independent_events",
            "event_frequency",
        ),  # fmt: skip
        _dsr,
    ),
    "indirectly_standardised_ratio": PackageFunction(
        PHE,
        ("calculate_ISRatio",),
        _accepts("x", "n", "x_ref", "n_ref", "age_band", "confidence", "refvalue"),
        _isr,
    ),
    "indirectly_standardised_rate": PackageFunction(
        PHE,
        ("calculate_ISRate",),
        _accepts("x", "n", "x_ref", "n_ref", "age_band", *_LEVELS),
        _isr,
    ),
    "life_expectancy": PackageFunction(
        PHE,
        ("phe_life_expectancy",),
        _accepts("x", "n", "age_band", "confidence", "le_age"),
        _life_expectancy,
        _tidy_life_expectancy,
    ),
    "deprivation_quantiles": PackageFunction(
        PHE,
        ("phe_quantile",),
        _accepts("value", "n_quantiles", "polarity", "inequality_type", "parent_area"),
        _quantiles,
    ),
    "slope_index_of_inequality": PackageFunction(
        PHE,
        ("phe_sii",),
        _accepts(
            "quantile",
            "n",
            "value",
            "polarity",
            "value_type",
            "se",
            "lower_cl",
            "upper_cl",
            "confidence",
            "repetitions",
            "transform",
            "rii",
            "intercept",
            "reliability_stat",
            "method",
            "seed",
            "multiplier",
            "min_quantiles",
            "limits_confidence",
        ),  # fmt: skip
        _sii,
        _tidy_sii,
    ),
    "funnel_limits": PackageFunction(
        PHE,
        ("calculate_funnel_limits",),
        frozenset(
            (
                "x",
                "n",
                "rate",
                "statistic",
                "multiplier",
                "rate_type",
                "ratio_type",
                "years_of_data",
                "metadata",
            )
        ),  # fmt: skip
        _funnel(("statistic", "multiplier", "rate_type", "ratio_type", "years_of_data")),
    ),
    "funnel_significance": PackageFunction(
        PHE,
        ("assign_funnel_significance",),
        frozenset(("x", "n", "rate", "statistic", "rate_type", "multiplier")),
        _funnel(("statistic", "rate_type", "multiplier")),
    ),
    "funnel_points": PackageFunction(
        PHE,
        ("calculate_funnel_points",),
        frozenset(("x", "n", "rate", "rate_type", "years_of_data", "multiplier")),
        _funnel(("rate_type", "years_of_data", "multiplier")),
    ),
}
