"""Which data a chapter shows, in words: the sentence every chapter of the book opens with.

The book renders on whatever the configuration file points at (:mod:`analysis.config`), so a
chapter cannot say "synthetic" in fixed text. :func:`data_statement` gives the sentence for
the chapter's opening callout and :func:`data_label` the short form for table source notes.
Only the name of the data file or folder is given, never its path, and for a database only its
kind (the connection string can hold a host or a user name).

>>> from analysis.config import parse_config
>>> data_statement(config=parse_config({}))
"The figures in this chapter use the book's synthetic integrated care system: no real patients."
>>> extract = parse_config(
...     {"data": {"source": "person", "format": "csv", "path": "/secure/ics/extract-2024"}}
... )
>>> data_statement(config=extract, years=(2020, 2024))
'The figures in this chapter use the person-level data in extract-2024 (CSV files), 2020 to 2024.'
>>> data_label(extract)
'Data: extract-2024'
"""

from __future__ import annotations

from pathlib import Path

from analysis.config import Config, load_config
from analysis.data.aggregate import Source
from analysis.data.chapter_aggregates import event_years
from analysis.validation import InputError

FORMAT_WORDS = {
    "csv": "CSV files",
    "parquet": "Parquet files",
    "duckdb": "a DuckDB database",
    "database": "a database",
}
SCOPES = ("chapter", "book")


def data_statement(
    data: Source | None = None,
    *,
    config: Config | None = None,
    scope: str = "chapter",
    years: tuple[int, int] | None = None,
) -> str:
    """One sentence saying which data the figures of this chapter (or ``scope="book"``) use.

    For the synthetic default: "... the book's synthetic integrated care system: no real
    patients." For configured data it names the data file or folder (not its path), the
    kind of data and the years.

    Parameters
    ----------
    data
        A dataset or an engine whose first and last year with an event are the years named
        (counted there by :func:`analysis.data.chapter_aggregates.event_years`), unless
        ``years`` is given; None and no ``years``: no years named.
    config
        The configuration (default: :func:`analysis.config.load_config`).
    scope
        ``"chapter"`` or ``"book"``: the sentence's "this chapter" or "this book".
    years
        The first and last year to name.

    Returns
    -------
    str
        The sentence.
    """
    if scope not in SCOPES:
        raise InputError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    config = load_config() if config is None else config
    opening = f"The figures in this {scope} use"
    source = config.data
    if source.source == "synthetic":
        size = f" ({source.n_people:,} residents)" if source.n_people else ""
        return f"{opening} the book's synthetic integrated care system{size}: no real patients."
    kind = "person-level data" if source.source == "person" else "aggregated counts"
    where = f"in {_name(config)} ({FORMAT_WORDS[source.format]})"
    if source.format == "database":
        where = f"in a {_scheme(source.connection)} database"
    period = years or (event_years(data) if data is not None else None)
    when = f", {period[0]} to {period[1]}" if period else ""
    return f"{opening} the {kind} {where}{when}."


def data_label(config: Config | None = None) -> str:
    """Short form for table source notes: "Synthetic data" or "Data: <name>".

    Parameters
    ----------
    config
        The configuration (default: the configuration file).

    Returns
    -------
    str
        ``"Synthetic data"``, or ``"Data: "`` and the data's file or folder name (or the kind of
        database).
    """
    config = load_config() if config is None else config
    if config.data.source == "synthetic":
        return "Synthetic data"
    return f"Data: {_name(config)}"


def _name(config: Config) -> str:
    if config.data.format == "database":
        return f"{_scheme(config.data.connection)} database"
    return Path(config.data.path).name


def _scheme(connection: str | None) -> str:
    """Return the kind of database in a connection string ('postgresql://u@h/db' -> 'postgresql')."""
    return (connection or "").split(":", 1)[0].split("+", 1)[0] or "configured"
