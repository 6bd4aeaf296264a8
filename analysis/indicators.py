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
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from analysis.config import Config, load_config
from analysis.data.aggregate import Source, is_true
from analysis.data.configured import configured_source
from analysis.data.engines import running
from analysis.inequality import slope_index_of_inequality
from analysis.measures import (
    RATE_INDICATORS,
    crude_rate,
    indicator_counts,
    indicator_rates,
    proportion,
)
from analysis.report.disclosure import TableCounts, apply_joint_disclosure_control

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


def _years(config: Config) -> list[int] | None:
    if config.analysis.years is None:
        return None
    first, last = config.analysis.years
    return list(range(first, last + 1))


def rate_tables(source: Source, config: Config) -> Iterator[tuple[str, TableCounts]]:
    """Standardised rates of each configured rate outcome by each breakdown."""
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
    """Percentages (Wilson limits) of each configured binary outcome by each breakdown."""
    years = _years(config)
    with running(source) as engine:
        for outcome in (o for o in config.analysis.outcomes if o in PROPORTION_OUTCOMES):
            table, numerator, denominator = PROPORTION_OUTCOMES[outcome]
            join = "" if table == "people" else "JOIN people p ON e.person_id = p.person_id"
            person = "e" if table == "people" else "p"
            year_filter = (
                f"AND e.diagnosis_year BETWEEN {years[0]} AND {years[-1]}"
                if years and table == "cancers"
                else ""
            )
            for breakdown in (b for b in config.analysis.breakdowns if b != "age_band"):
                level = f"{'a' if breakdown == 'district_name' else person}.{breakdown}"
                counts = engine.query(
                    f"""
                    SELECT {level} AS level, SUM({numerator}) AS numerator,
                           COUNT(*) AS denominator
                    FROM {table} e {join}
                    LEFT JOIN areas a ON {person}.area_code = a.area_code
                    WHERE {denominator} {year_filter}
                    GROUP BY {level}
                    """
                )
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
    """SII and RII (OHID method) of each rate outcome across deprivation deciles."""
    years = _years(config)
    rows = []
    for outcome in (o for o in config.analysis.outcomes if o in RATE_OUTCOMES):
        dsr = indicator_rates(
            source, outcome, ["imd_decile"], years=years,
            confidence=0.95, multiplier=config.analysis.multiplier,
        ).drop(columns="indicator")  # fmt: skip
        with_rates = int(dsr["value"].notna().sum())
        if with_rates < len(dsr) or with_rates < 5:
            warnings.warn(
                f"no slope index of inequality for {outcome}: it needs a standardised rate in "
                f"every deprivation decile present, and at least 5 of them; {with_rates} of "
                f"the {len(dsr)} deciles present have one",
                stacklevel=2,
            )
            continue
        sii = slope_index_of_inequality(
            dsr.assign(outcome=outcome), "imd_decile", "total_pop", "value",
            group_by="outcome", value_type="rate", lower_cl="lowercl", upper_cl="uppercl",
            rii=True, seed=1,
        )  # fmt: skip
        rows.append(sii)
    if rows:
        yield (
            "slope_index_of_inequality_by_deprivation_decile",
            TableCounts(pd.concat(rows, ignore_index=True), {}),
        )


def _counted(table: pd.DataFrame, counts: dict[str, str]) -> TableCounts:
    """An indicator table with what its counts count; values and limits derive from them."""
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
    """
    counted = {name: spec for name, spec in tables.items() if spec.quantities()}
    controlled = apply_joint_disclosure_control(counted, parts=PARTS, rule=config.disclosure)
    return {name: controlled.get(name, spec.table) for name, spec in tables.items()}


def indicator_tables(config: Config, *, progress: bool = True) -> dict[str, TableCounts]:
    """Every indicator table for ``config`` before disclosure control, with its counts."""
    producers: list[Callable[[Source, Config], Iterator[tuple[str, TableCounts]]]] = [
        rate_tables,
        proportion_tables,
        inequality_tables,
    ]
    tables: dict[str, TableCounts] = {}
    with (
        configured_source(config) as engine,
        tqdm(desc="indicator tables", unit="table", disable=not progress) as bar,
    ):
        for produce in producers:
            for name, table in produce(engine, config):
                tables[name] = table
                bar.update()
    return tables


def compute_indicators(config: Config, *, progress: bool = True) -> dict[str, pd.DataFrame]:
    """Every indicator table for ``config``, keyed by table name, disclosure-controlled."""
    return publishable(indicator_tables(config, progress=progress), config)


def write_indicators(tables: dict[str, pd.DataFrame], out: Path, *, excel: bool) -> list[Path]:
    """Write one CSV per table (and optionally one workbook); return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)
    if excel:
        path = out / "indicators.xlsx"
        with pd.ExcelWriter(path) as workbook:
            for name, table in tables.items():
                table.to_excel(workbook, sheet_name=name[:31], index=False)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """The command line ``python -m analysis.indicators``; returns the exit status.

    ``argv`` are the arguments (default: the command line's): ``--config FILE``,
    ``--out FOLDER`` (default ``indicators``), ``--excel`` and ``--quiet``; ``--help`` lists them.
    """
    parser = argparse.ArgumentParser(
        prog="python -m analysis.indicators",
        description="Compute the indicator set for the configured data and write CSV/Excel.",
    )
    parser.add_argument(
        "--config", help="configuration file (default: analysis.yml or $NHS_ANALYSIS_CONFIG)"
    )
    parser.add_argument("--out", default="indicators", help="output folder (default: indicators/)")
    parser.add_argument("--excel", action="store_true", help="also write indicators.xlsx")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    tables = compute_indicators(config, progress=not args.quiet)
    for path in write_indicators(tables, Path(args.out), excel=args.excel):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
