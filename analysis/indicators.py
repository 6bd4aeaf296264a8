"""The full indicator set for the configured data, as tables rather than a book.

``python -m analysis.indicators --out results/`` reads the configuration (``analysis.yml``,
``$NHS_ANALYSIS_CONFIG`` or ``--config``; see :mod:`analysis.config`), loads the data, and
writes one CSV per indicator table (and, with ``--excel``, one workbook with a sheet each):

- rates: directly standardised rates (ESP 2013, Dobson limits) per person-year of each
  configured rate outcome by each breakdown, pooled over the configured years (crude rates when
  the breakdown is the age band itself), as defined once in :mod:`analysis.measures.pooled`;
- proportions: Wilson-limit percentages for the configured binary outcomes by each breakdown;
- inequality: the slope and relative index of inequality (OHID method) of each rate outcome
  across deprivation deciles.

Row-level work (counting people and events into strata) runs where the configuration says
(``data.engine``: DuckDB by default, Spark, PostgreSQL or SQL Server; see
:func:`analysis.data.configured.configured_source`); only aggregates leave that engine, and only
aggregates are written, after the configured disclosure control.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from analysis.config import Config, ConfigError, load_config
from analysis.data.aggregate import EVENTS, Source, binary_counts, is_true
from analysis.data.configured import configured_source
from analysis.data.engines import running
from analysis.data.parameters import DEFAULT_N_PEOPLE
from analysis.inequality import slope_index_of_inequality
from analysis.inequality.sii import STATISTIC_DESCRIPTIONS
from analysis.measures import (
    RATE_INDICATORS,
    crude_rate,
    indicator_counts,
    indicator_rates,
    proportion,
)
from analysis.report.disclosure import TableCounts, apply_joint_disclosure_control
from analysis.report.indicator_files import write_manifest, write_tables
from analysis.report.output_folder import OutputError, staged_output
from analysis.validation import InputError

#: Rate outcomes: (event table, cause filter), as defined once in :mod:`analysis.measures.pooled`.
RATE_OUTCOMES = RATE_INDICATORS

#: Binary outcomes: (table, SQL 0/1 expression for the numerator, SQL condition for the
#: denominator), in the portable SQL of :mod:`analysis.data.aggregate`.
PROPORTION_OUTCOMES: dict[str, tuple[str, str, str]] = {
    "late_stage_cancer": ("cancers", f"1 - {is_true('e.early_stage')}", "e.stage IS NOT NULL"),
    "emergency_presentation": ("cancers", is_true("e.emergency_presentation"), "1 = 1"),
    "hypertension_detection": (
        "people",
        is_true("e.hypertension_recorded"),
        f"{is_true('e.hypertension')} = 1",
    ),
}

#: What the numerator and denominator of each binary outcome count (quantities shared with the
#: rate tables where they are the same count, for disclosure control across tables).
PROPORTION_QUANTITIES: dict[str, tuple[str, str]] = {
    "late_stage_cancer": ("cancers:late stage", "cancers:staged"),
    "emergency_presentation": ("cancers:emergency", "cancers:all"),
    "hypertension_detection": ("people:hypertension recorded", "people:hypertension"),
}

#: Counts contained in other counts (whole, parts): the differences are counts too (deaths from
#: other causes, unstaged cancers, people with hypertension not recorded).
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("deaths:all", ("deaths:CVD",)),
    ("deaths:all", ("deaths:Cancer",)),
    ("deaths:all", ("deaths:CVD", "deaths:Cancer")),
    ("cancers:all", ("cancers:emergency",)),
    ("cancers:all", ("cancers:staged",)),
    ("cancers:staged", ("cancers:late stage",)),
    ("people:hypertension", ("people:hypertension recorded",)),
)

PERSON_YEARS = "person-years"

#: The slope-index measures of the inequality table, and the fewest deciles they need (OHID).
SII_MEASURES = ("SII", "RII")
MIN_DECILES = 5


def _years(config: Config) -> list[int] | None:
    if config.analysis.years is None:
        return None
    first, last = config.analysis.years
    return list(range(first, last + 1))


def rate_tables(source: Source, config: Config) -> Iterator[tuple[str, TableCounts]]:
    """Standardised rates of each configured rate outcome by each breakdown.

    Directly standardised rates (:func:`analysis.measures.indicator_rates`: ESP 2013, Dobson
    limits) by each breakdown, and crude rates (:func:`analysis.measures.crude_rate`: exact
    Poisson limits below 10 events, Byar above) by age band.

    Parameters
    ----------
    source
        The data: an engine holding the tables, or anything :func:`analysis.data.engines.running`
        accepts.
    config
        The configuration: its ``analysis`` section gives the outcomes, breakdowns, years,
        confidence levels and multiplier.

    Returns
    -------
    Iterator of (str, TableCounts)
        The table's name, ``<outcome>_by_<breakdown>``, and the table with what its counts
        count: the rate columns (``value``, ``lowercl``, ``uppercl``, ``confidence``,
        ``statistic``, ``method`` and the counts) with ``level`` (the breakdown's level),
        ``outcome`` and ``breakdown``.
    """
    years = _years(config)
    settings = config.analysis
    for outcome in (o for o in settings.outcomes if o in RATE_OUTCOMES):
        for breakdown in settings.breakdowns:
            if breakdown == "age_band":
                table = crude_rate(
                    indicator_counts(source, outcome, years=years), "events", "population",
                    group_by="age_band", confidence=list(settings.confidence),
                    multiplier=settings.multiplier,
                )  # fmt: skip
            else:
                table = indicator_rates(
                    source, outcome, [breakdown], years=years,
                    confidence=list(settings.confidence), multiplier=settings.multiplier,
                ).drop(columns="indicator")  # fmt: skip
            table = table.rename(columns={breakdown: "level"}).assign(
                outcome=outcome, breakdown=breakdown
            )
            event, cause = RATE_OUTCOMES[outcome]
            events, person_years = (
                ("events", "population")
                if breakdown == "age_band"
                else ("total_count", "total_pop")
            )
            counts = {events: f"{event}:{cause or 'all'}", person_years: PERSON_YEARS}
            yield f"{outcome}_by_{breakdown}", _counted(table, counts)


def proportion_tables(source: Source, config: Config) -> Iterator[tuple[str, TableCounts]]:
    """Percentages (Wilson limits) of each configured binary outcome by each breakdown.

    Parameters
    ----------
    source
        The data: an engine holding the tables, or anything :func:`analysis.data.engines.running`
        accepts.
    config
        The configuration: its ``analysis`` section gives the outcomes, breakdowns, years,
        confidence levels and multiplier.

    Returns
    -------
    Iterator of (str, TableCounts)
        The table's name, ``<outcome>_by_<breakdown>``, and the table with what its counts
        count: ``level``, ``numerator``, ``denominator`` and the proportion columns of
        :func:`analysis.measures.proportion` (percentages), with ``outcome`` and
        ``breakdown``. Age band is not a breakdown of these outcomes.
    """
    years = _years(config)
    with running(source) as engine:
        for outcome in (o for o in config.analysis.outcomes if o in PROPORTION_OUTCOMES):
            table, x, n = PROPORTION_OUTCOMES[outcome]
            for breakdown in (b for b in config.analysis.breakdowns if b != "age_band"):
                counts = binary_counts(
                    engine, table, x, n, group_by=[breakdown], years=years
                ).rename(columns={breakdown: "level", "x": "numerator", "n": "denominator"})
                counts = counts.sort_values("level", kind="stable", ignore_index=True)
                result = proportion(
                    counts, "numerator", "denominator",
                    confidence=list(config.analysis.confidence), multiplier=100,
                )  # fmt: skip
                result = result.assign(outcome=outcome, breakdown=breakdown)
                part, whole = PROPORTION_QUANTITIES[outcome]
                yield (
                    f"{outcome}_by_{breakdown}",
                    _counted(result, {"numerator": part, "denominator": whole}),
                )


def inequality_tables(source: Source, config: Config) -> Iterator[tuple[str, TableCounts]]:
    """SII and RII (OHID method) of each rate outcome across deprivation deciles.

    The rate outcomes (deaths) are adverse (``polarity="adverse"``): a positive SII and an
    RII above 1 mean higher rates in the more deprived deciles.

    An outcome whose decile rates cannot carry the OHID method (:func:`sii_left_out_reason`)
    gets rows with no value and the ``reason``, and a warning, instead of its SII and RII.

    Parameters
    ----------
    source
        The data: an engine holding the tables, or anything :func:`analysis.data.engines.running`
        accepts.
    config
        The configuration: its ``analysis`` section gives the outcomes, breakdowns, years,
        confidence levels and multiplier.

    Returns
    -------
    Iterator of (str, TableCounts)
        One table, ``slope_index_of_inequality_by_deprivation_decile`` (none when no rate
        outcome is configured): the columns of
        :func:`analysis.inequality.slope_index_of_inequality` for each ``outcome``, and
        ``reason`` last (empty where the SII and RII were computed).
    """
    years = _years(config)
    rows = []
    for outcome in (o for o in config.analysis.outcomes if o in RATE_OUTCOMES):
        dsr = indicator_rates(
            source, outcome, ["imd_decile"], years=years,
            confidence=0.95, multiplier=config.analysis.multiplier,
        ).drop(columns="indicator")  # fmt: skip
        reason = sii_left_out_reason(dsr)
        if reason is None:
            rows.append(
                slope_index_of_inequality(
                    dsr.assign(outcome=outcome), "imd_decile", "total_pop", "value",
                    polarity="adverse", group_by="outcome", value_type="rate", lower_cl="lowercl",
                    upper_cl="uppercl", rii=True, seed=1,
                ).assign(reason="")
            )  # fmt: skip
            continue
        warnings.warn(f"no slope index of inequality for {outcome}: {reason}", stacklevel=2)
        measures = list(SII_MEASURES)
        rows.append(
            pd.DataFrame(
                {
                    "outcome": outcome,
                    "measure": measures,
                    "statistic": [STATISTIC_DESCRIPTIONS[m] for m in measures],
                    "value": np.nan,
                    "reason": reason,
                }
            )
        )
    if rows:
        table = pd.concat(rows, ignore_index=True)
        last = [c for c in table.columns if c != "reason"] + ["reason"]
        yield "slope_index_of_inequality_by_deprivation_decile", TableCounts(table[last], {})


def sii_left_out_reason(dsr: pd.DataFrame) -> str | None:
    """Say why the OHID slope index cannot be computed from these decile rates, if it cannot.

    The OHID method (PHEindicatormethods ``phe_sii``; OHID Fingertips technical guidance,
    after Low & Low 2004) needs at least 5 quantiles, a value in each, and, for rates, each
    value's standard error on the log scale, ``(log(upper) - log(lower)) / (2 z)``, so both
    95% limits above zero. A directly standardised rate has no value below 10 events
    (PHEindicatormethods ``phe_dsr``), and its Dobson lower limit (Dobson et al. 1991,
    *Stat Med* 10:457-462) falls to zero or below when a few heavily weighted events (an
    old-age death among few person-years) dominate its variance. Neither is an error in the
    data: the SII of that breakdown is left out with this reason.

    Parameters
    ----------
    dsr
        Standardised rates by decile: ``imd_decile``, ``value``, ``lowercl`` (95% limits), as
        returned by :func:`analysis.measures.indicator_rates`.

    Returns
    -------
    str or None
        The reason, naming the deciles concerned, or ``None`` when the SII can be computed.
    """
    if len(dsr) < MIN_DECILES:
        return (
            f"only {len(dsr)} deprivation decile(s) have residents; the OHID method needs at "
            f"least {MIN_DECILES}"
        )
    no_rate = dsr.loc[dsr["value"].isna(), "imd_decile"].tolist()
    if no_rate:
        return (
            f"decile(s) {', '.join(map(str, no_rate))} have fewer than 10 events, so no "
            "standardised rate (PHEindicatormethods' rule); the OHID method needs a rate in "
            "every decile present"
        )
    not_positive = dsr[dsr["lowercl"] <= 0]
    if len(not_positive):
        limits = ", ".join(
            f"{d} ({low:.4g})"
            for d, low in zip(not_positive["imd_decile"], not_positive["lowercl"], strict=True)
        )
        return (
            f"the Dobson lower 95% limit of decile(s) {limits} is not above zero (a few "
            "heavily weighted events dominate the rate's variance), so the standard error of "
            "the log rate, from which the OHID method simulates, is undefined"
        )
    return None


def _counted(table: pd.DataFrame, counts: dict[str, str]) -> TableCounts:
    """Return an indicator table with what its counts count; values and limits derive from them."""
    limits = [c for c in table.columns if c == "value" or c.startswith(("lower", "upper"))]
    return TableCounts(
        table,
        counts,
        keys=["breakdown", "level"],
        derived={c: list(counts) for c in limits},
        fractional=[c for c in counts if counts[c] == PERSON_YEARS],
    )


def publishable(tables: dict[str, TableCounts], config: Config) -> dict[str, pd.DataFrame]:
    """Apply the configured disclosure control to all indicator tables of a run together.

    Every table of counts breaks one count (deaths, person-years, cancers, ...) down by one
    breakdown, so the tables of one count add up to the same total: their cells are controlled
    jointly (:func:`analysis.report.disclosure.apply_joint_disclosure_control`), with the counts
    contained in others (:data:`PARTS`). Tables without counts (the slope index) pass unchanged.

    Parameters
    ----------
    tables
        The indicator tables with their counts, keyed by name (:func:`indicator_tables`).
    config
        The configuration; its ``disclosure`` section is the rule applied.

    Returns
    -------
    dict of str to DataFrame
        The same tables, by the same names and in the same order, with small counts and
        the values derived from them suppressed.
    """
    counted = {name: spec for name, spec in tables.items() if spec.quantities()}
    controlled = apply_joint_disclosure_control(counted, parts=PARTS, rule=config.disclosure)
    return {name: controlled.get(name, spec.table) for name, spec in tables.items()}


def expected_tables(config: Config) -> list[str]:
    """Return the names of the tables a run of ``config`` writes, in order.

    Parameters
    ----------
    config
        The configuration: its outcomes and breakdowns decide the tables.

    Returns
    -------
    list of str
        ``<outcome>_by_<breakdown>`` for each rate outcome and breakdown, then each binary
        outcome and breakdown except age band, then the slope index table when there is a
        rate outcome.
    """
    outcomes, breakdowns = config.analysis.outcomes, config.analysis.breakdowns
    rates = [o for o in outcomes if o in RATE_OUTCOMES]
    return (
        [f"{o}_by_{b}" for o in rates for b in breakdowns]
        + [f"{o}_by_{b}" for o in outcomes if o in PROPORTION_OUTCOMES for b in breakdowns
           if b != "age_band"]
        + (["slope_index_of_inequality_by_deprivation_decile"] if rates else [])
    )  # fmt: skip


def describe(name: str, config: Config) -> str:
    """One line saying what table ``name`` holds (for the workbook's index and the manifest).

    Parameters
    ----------
    name
        A table name from :func:`expected_tables`.
    config
        The configuration, for the years and the rate multiplier.

    Returns
    -------
    str
        The description: the statistic, its method, the breakdown and the period.
    """
    if name == "slope_index_of_inequality_by_deprivation_decile":
        return (
            "slope and relative index of inequality (OHID method) of each rate outcome across "
            "deprivation deciles, the outcomes adverse (a positive SII and an RII above 1: "
            "higher rates in more deprived deciles); where the decile rates cannot carry the "
            "method, no value and the reason"
        )
    outcome, breakdown = name.split("_by_")
    years = config.analysis.years
    period = f", {years[0]} to {years[1]}" if years else ", all years of the data"
    what = outcome.replace("_", " ")
    if outcome in PROPORTION_OUTCOMES:
        return f"{what}: percentage with Wilson limits, by {breakdown.replace('_', ' ')}{period}"
    per = f"per {config.analysis.multiplier:,} person-years"
    if breakdown == "age_band":
        return f"{what}: crude rate {per} (exact limits below 10 events, Byar above), by age band{period}"
    return (
        f"{what}: directly standardised rate {per} (ESP 2013, Dobson limits), "
        f"by {breakdown.replace('_', ' ')}{period}"
    )


def _data_words(config: Config) -> str:
    data = config.data
    if data.source == "synthetic":
        n_people = data.n_people or DEFAULT_N_PEOPLE
        return f"the synthetic data, {n_people:,} people (generated on first use)"
    where = data.tables and "database tables" or Path(str(data.path)).name
    return f"the {data.format} data ({where}) on {data.engine}"


def check_years(engine: Source, config: Config) -> None:
    """Raise :class:`ConfigError` when ``analysis.years`` reach outside the years of the data.

    The data's years are those of their events (deaths, cancer diagnoses, admissions).

    Parameters
    ----------
    engine
        The data: an engine holding the tables, or anything :func:`analysis.data.engines.running`
        accepts.
    config
        The configuration; without ``analysis.years`` nothing is checked.

    Raises
    ------
    ConfigError
        When the configured first year is before the data's first event or the last year
        after its last event; the message gives both ranges.
    """
    if config.analysis.years is None:
        return
    ranges = []
    with running(engine) as running_engine:
        for table, (year, _) in EVENTS.items():
            found = running_engine.query(
                f"SELECT MIN({year}) AS lo, MAX({year}) AS hi FROM {table}"
            )
            ranges.append(found.astype("float64").to_numpy()[0])
    lows, highs = np.array(ranges).T
    if np.isnan(lows).all():
        return  # no events at all: nothing to compare with
    first, last = int(np.nanmin(lows)), int(np.nanmax(highs))
    wanted = config.analysis.years
    if wanted[0] < first or wanted[1] > last:
        raise ConfigError(
            f"'analysis.years' is [{wanted[0]}, {wanted[1]}], outside the data, whose events "
            f"run from {first} to {last}: choose years within that range"
        )


def indicator_tables(config: Config, *, progress: bool = True) -> dict[str, TableCounts]:
    """Every indicator table for ``config`` before disclosure control, with its counts.

    With ``progress``, says on standard error what it is doing from the start (loading or
    generating the data, which takes minutes for millions of people) and then shows a bar over
    the tables with their total and an estimated time to finish.

    Parameters
    ----------
    config
        The configuration: the data to load (:func:`analysis.data.configured_source`) and the
        indicators to compute.
    progress
        Report progress on standard error (``False``: silent).

    Returns
    -------
    dict of str to TableCounts
        The tables by name, in the order of :func:`expected_tables`, each with what its
        counts count (the input of :func:`publishable`).

    Raises
    ------
    ConfigError
        When ``analysis.years`` reach outside the data's years (:func:`check_years`).
    """
    producers: list[Callable[[Source, Config], Iterator[tuple[str, TableCounts]]]] = [
        rate_tables,
        proportion_tables,
        inequality_tables,
    ]
    say = tqdm.write if progress else (lambda _: None)
    say(f"loading {_data_words(config)} ...")
    started = time.monotonic()
    tables: dict[str, TableCounts] = {}
    with configured_source(config) as engine:
        say(f"data ready after {time.monotonic() - started:.0f} s")
        check_years(engine, config)
        with tqdm(
            total=len(expected_tables(config)), desc="indicator tables", unit="table",
            disable=not progress, file=sys.stderr,
        ) as bar:  # fmt: skip
            for produce in producers:
                for name, table in produce(engine, config):
                    tables[name] = table
                    bar.update()
    return tables


def compute_indicators(config: Config, *, progress: bool = True) -> dict[str, pd.DataFrame]:
    """Every indicator table for ``config``, keyed by table name, disclosure-controlled.

    Parameters
    ----------
    config
        The configuration: the data, the indicators and the disclosure rule.
    progress
        Report progress on standard error (``False``: silent).

    Returns
    -------
    dict of str to DataFrame
        The published tables by name (:func:`indicator_tables` after :func:`publishable`).
    """
    return publishable(indicator_tables(config, progress=progress), config)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m analysis.indicators",
        description="Compute the indicator set for the configured data and write CSV/Excel.",
    )
    parser.add_argument(
        "--config", help="configuration file (default: analysis.yml or $NHS_ANALYSIS_CONFIG)"
    )
    parser.add_argument(
        "--out", default="indicators", help="output folder, replaced as a whole (default: "
        "indicators/)"
    )  # fmt: skip
    parser.add_argument("--excel", action="store_true", help="also write indicators.xlsx")
    parser.add_argument(
        "--parquet", action="store_true", help="also write each table as Parquet, full precision"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress messages")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    return parser.parse_args(argv)


@contextmanager
def _noting_ctrl_c(noted: list[bool]) -> Iterator[None]:
    """Note Ctrl-C in ``noted`` (then raise ``KeyboardInterrupt`` as usual): DuckDB turns it into its own error ("Query interrupted") when it comes during a query."""

    def handler(signum: int, frame: object) -> None:
        noted.append(True)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread, where only the default handling applies
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupted(out: str) -> int:
    print(f"interrupted: {out} left as it was", file=sys.stderr)
    return 130


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``python -m analysis.indicators``; returns the exit status.

    The folder is written atomically
    (:mod:`analysis.report.output_folder`) with a ``manifest.json``
    (:mod:`analysis.report.indicator_files`).

    Exit status: 0 done; 2 a configuration or output-folder problem (one line on standard
    error); 1 a problem with the data (the message names table, column and example rows);
    130 interrupted (Ctrl-C), the output folder left as it was. Tracebacks only with
    ``--debug``.

    Parameters
    ----------
    argv
        The arguments (default: the command line's): ``--config FILE``, ``--out FOLDER``
        (default ``indicators``), ``--excel``, ``--parquet``, ``--quiet`` and ``--debug``;
        ``--help`` lists them.

    Returns
    -------
    int
        The exit status.
    """
    args = _arguments(argv)
    interrupted: list[bool] = []
    try:
        config = load_config(args.config)
        with _noting_ctrl_c(interrupted), staged_output(Path(args.out)) as folder:
            tables = compute_indicators(config, progress=not args.quiet)
            descriptions = {name: describe(name, config) for name in tables}
            listed = write_tables(
                tables, descriptions, folder, excel=args.excel, parquet=args.parquet
            )
            write_manifest(folder, config, listed, command=sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        if args.debug:
            raise
        return _interrupted(args.out)
    except (ConfigError, OutputError) as error:
        if args.debug:
            raise
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    except InputError as error:
        if args.debug:
            raise
        print(f"error in the data: {error}", file=sys.stderr)
        return 1
    except Exception:
        if args.debug or not interrupted:
            raise
        return _interrupted(args.out)  # an engine's own error for Ctrl-C during a query
    if not args.quiet:
        print(f"wrote {len(tables)} tables to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
