"""Check the rendered book for small counts and person-level rows before it is published.

The render writes the book into a staging folder (:mod:`.publish`) and runs this check there
on everything it would publish -- every HTML page, every table's CSV download, the text of
every PDF -- and on the execution cache (``.cache/book/``) and Quarto's ``_freeze/`` folder.
It stops with a list of problems when the book would publish something disclosive, and then
nothing is published.

**Small counts** (rule: :class:`~analysis.report.disclosure.DisclosureRule`, configurable in the
``disclosure:`` section of the configuration file). In every ``<table>`` of every page:

- A column is a *count column* when its heading carries the class ``sdc-count``;
  :func:`analysis.report.nhs_table` adds it to the columns named in ``counts=[...]`` and marks
  all other columns ``sdc-other`` (not counts). A count cell holding a number from
  ``min_count`` to ``max_count`` (1 to 7 by default) is a problem; so is one that is not a
  multiple of ``rounding_base`` when rounding is configured. ``[c]`` (suppressed), blanks and
  dashes are fine.
- A column with neither class is *undeclared*: any cell in it that is just a whole number
  from ``min_count`` to ``max_count`` is reported, because it may be a count. Declare the
  table's counts (``nhs_table(..., counts=[...])``, ``counts=[]`` when it has none) to say
  which numbers are counts. Row labels (``<th>`` cells) are not checked.
- A single cell may carry the class itself (``<span class="sdc-count">``), e.g. in a table
  typed in markdown as ``[12]{.sdc-count}``.

Captions, figure alt text and prose are searched for a whole number from ``min_count`` to
``max_count`` written before a word for people or events ("3 deaths"), outside code.

**Person-level rows.** Pages, the execution cache and ``_freeze/`` must hold aggregates
only. Reported: a table with a column named after a person identifier (``person_id``,
``nhs_number``, ... and any of your column names that the configuration maps to
``person_id``); a table, or a printed data frame ("[N rows x M columns]"), with more than
:data:`MAX_PUBLISHED_ROWS` rows; a person identifier as a column heading in a cell's
printed output.

**Downloads and PDFs.** A CSV download must publish only what its page shows (see
:func:`check_csv`); a PDF's text is searched for small counts written as prose and for long
printed data frames (:func:`check_pdf`), its tables being the pages' tables.

Example::

    >>> from analysis.report.disclosure import DisclosureRule
    >>> page = ('<table><thead><tr><th>Group</th><th><span class="sdc-count">Deaths</span>'
    ...         '</th></tr></thead><tbody><tr><td>A</td><td>3</td></tr></tbody></table>')
    >>> [str(f) for f in check_page(page, "x.html", DisclosureRule())]
    ['x.html, table 1, row "A", column "Deaths": 3 is a count of 1 to 7']
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.book.html_tables import Node, Table, parse, read_table
from analysis.book.project import BookError, BookProject
from analysis.config import ConfigError, load_config
from analysis.report.disclosure import SUPPRESSED_SYMBOL, DisclosureRule
from analysis.report.tables import COUNT_CLASS, OTHER_CLASS

#: Column names that identify a person; published tables never have them.
PERSON_IDENTIFIERS = ("person_id", "nhs_number", "patient_id", "date_of_birth", "postcode")
#: A published table longer than this is not an aggregate a reader can use.
MAX_PUBLISHED_ROWS = 1000

PEOPLE_OR_EVENTS = (
    "people|persons?|patients?|residents?|individuals?|deaths?|died|cases?|admissions?|"
    "cancers?|diagnoses|events?|men|women|children|births?"
)
WHOLE_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+$")
FIRST_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
FRAME_FOOTER = re.compile(r"(\d[\d,]*) rows (?:x|×) \d+ columns")
FREEZE_OUTPUT = re.compile(r"^:::+ *\{\.cell-output[^}\n]*\}\n(.*?)^:::", re.M | re.S)
SKIPPED_TEXT = {"pre", "code", "script", "style", "table", "nav", "head", "svg", "details"}
NUMBERING = {"chapter-number", "header-section-number", "figure-number"}
INLINE = {"a", "abbr", "b", "em", "i", "small", "span", "strong", "sub", "sup", "mark", "q"}
FIX = (
    "How to fix: pass the chapter's table through "
    "analysis.report.disclosure.apply_disclosure_control (with derived= for rates and "
    "percentages computed from the counts, and margins= for groups that add up to a published "
    "total) and show it with nhs_table(..., counts=[...]); if a flagged number is not a count "
    "of people or events (a rank, year, quintile or number of areas), declare the table's "
    "counts with nhs_table(..., counts=[...]) (counts=[] when it has none). Person-level rows: "
    "never display a person-level data frame; aggregate first. See CONTRIBUTING.md, "
    "'Disclosure control'."
)


@dataclass(frozen=True)
class Finding:
    """One problem: where it is and what is wrong."""

    where: str  # page or cache file
    table: str  # caption, or "table N"; "" for text
    row: str
    column: str
    problem: str

    def __str__(self) -> str:
        place = [self.where]
        if self.table:
            place.append(self.table)
        if self.row:
            place.append(f'row "{self.row}"')
        if self.column:
            place.append(f'column "{self.column}"')
        return f"{', '.join(place)}: {self.problem}"


def _caption(table: Node, number: int) -> str:
    """Return the table's caption: the numbered figure around it, its <caption>, or its title."""
    node: Node | None = table
    while node is not None:
        if node.attrs.get("id", "").startswith("tbl-"):
            for inner in node.descendants():
                if inner.tag in {"figcaption", "caption"} or "table-caption" in inner.classes:
                    return _shorten(inner.text())
            return node.attrs["id"]
        node = node.parent
    for inner in table.descendants():
        if inner.tag == "caption" or "gt_title" in inner.classes:
            return _shorten(inner.text())
    return f"table {number}"


def _shorten(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _normalise_name(text: str) -> str:
    return re.sub(r"[\s-]+", "_", text.strip().lower())


def check_page(
    html: str,
    where: str,
    rule: DisclosureRule,
    identifiers: Sequence[str] = PERSON_IDENTIFIERS,
) -> list[Finding]:
    """Every small count and person-level sign in one HTML page (or fragment)."""
    root = parse(html)
    findings: list[Finding] = []
    tables = [n for n in root.descendants() if n.tag == "table"]
    for number, node in enumerate(tables, start=1):
        table, caption = read_table(node), _caption(node, number)
        findings += _person_level(table, caption, where, identifiers)
        findings += _small_counts(table, caption, where, rule)
    findings += _check_text(root, where, rule)
    findings += _check_printed(root, where, identifiers)
    return findings


def _person_level(
    table: Table, caption: str, where: str, identifiers: Sequence[str]
) -> list[Finding]:
    findings = [
        Finding(where, caption, "", name, "a person identifier column (person-level rows)")
        for name in dict.fromkeys(table.names.values())
        if _normalise_name(name) in identifiers
    ]
    if len(table.rows) > MAX_PUBLISHED_ROWS:
        findings.append(
            Finding(
                where, caption, "", "",
                f"{len(table.rows):,} rows: more than {MAX_PUBLISHED_ROWS:,}, so probably "
                "person-level rows rather than an aggregate table",
            )
        )  # fmt: skip
    return findings


def _small_counts(table: Table, caption: str, where: str, rule: DisclosureRule) -> list[Finding]:
    """Small or unrounded counts in count columns, one finding per cell.

    Whole numbers of ``min_count`` to ``max_count`` in undeclared columns, one finding per
    column.
    """
    findings = []
    undeclared: dict[int, list[tuple[str, str]]] = {}
    low, high = rule.min_count, rule.max_count
    for row in table.rows:
        label = row.label
        for cell in row.cells:
            markers = table.markers.get(cell.column, set()) | cell.node.all_classes()
            text = cell.node.text()
            if COUNT_CLASS in markers:
                problem = _count_problem(text, rule)
                if problem:
                    column = table.names.get(cell.column, "")
                    findings.append(Finding(where, caption, label, column, problem))
            elif (
                not (OTHER_CLASS in markers or cell.header)
                and WHOLE_NUMBER.match(text)
                and low <= int(text.replace(",", "")) <= high
            ):
                undeclared.setdefault(cell.column, []).append((label, text))
    for column, hits in undeclared.items():
        shown = ", ".join(f'{value} (row "{label}")' for label, value in hits[:3])
        more = f" and {len(hits) - 3} more" if len(hits) > 3 else ""
        findings.append(
            Finding(
                where, caption, "", table.names.get(column, ""),
                f"whole numbers of {low} to {high} in a column not declared as counts or not "
                f"counts: {shown}{more}",
            )
        )  # fmt: skip
    return findings


def _count_problem(text: str, rule: DisclosureRule) -> str | None:
    """Return what is wrong with a count cell's text under ``rule`` (None when nothing is)."""
    match = None if SUPPRESSED_SYMBOL in text else FIRST_NUMBER.search(text)
    if match is None:
        return None
    value = float(match[0].replace(",", ""))
    if rule.min_count <= value <= rule.max_count:
        return f"{match[0]} is a count of {rule.min_count} to {rule.max_count}"
    if rule.rounding_base and value % rule.rounding_base:
        return f"{match[0]} is a count not rounded to the nearest {rule.rounding_base}"
    return None


def _blocks(node: Node, out: list[list[str]]) -> None:
    """Visible text outside code and tables, one list of pieces per block element."""
    for child in node.children:
        if isinstance(child, str):
            out[-1].append(child)
        elif child.tag not in SKIPPED_TEXT and not child.classes & NUMBERING:
            inline = child.tag in INLINE
            if not inline:
                out.append([])
            _blocks(child, out)
            if not inline:
                out.append([])


def _check_text(root: Node, where: str, rule: DisclosureRule) -> list[Finding]:
    """Small counts written in prose, captions and figure alt text ("3 deaths")."""
    pieces: list[list[str]] = [[]]
    _blocks(root, pieces)
    texts = [("text", "".join(block)) for block in pieces if block]
    texts += [
        ("figure alt text", node.attrs["alt"])
        for node in root.descendants()
        if node.tag == "img" and node.attrs.get("alt")
    ]
    return [f for kind, text in texts for f in _prose_findings(where, kind, text, rule)]


def _prose_findings(
    where: str, kind: str, text: str, rule: DisclosureRule, *, headings: bool = False
) -> list[Finding]:
    """Return a whole number of ``min_count`` to ``max_count`` before a word for people or events.

    ``headings``: the text also holds numbered headings ("1 Deaths", in a PDF), so the word
    must be in lower case, as in prose.
    """
    numbers = "|".join(str(n) for n in range(rule.min_count, rule.max_count + 1))
    flags = 0 if headings else re.I
    pattern = re.compile(rf"(?<![\w.,])({numbers})\s+(?:{PEOPLE_OR_EVENTS})\b", flags)
    return [
        Finding(
            where,
            "",
            "",
            "",
            f'{kind} "{match[0]}" publishes a count of {rule.min_count} to {rule.max_count}',
        )  # fmt: skip
        for match in pattern.finditer(" ".join(text.split()))
    ]


def _check_printed(root: Node, where: str, identifiers: Sequence[str]) -> list[Finding]:
    """Return printed cell outputs (``.cell-output`` blocks) naming a person identifier or showing a long data frame."""
    findings = []
    for node in root.descendants():
        if node.tag == "pre" and "cell-output" in node.classes | _ancestor_classes(node):
            findings += _printed_problems(_printed_text(node), where, identifiers)
    return findings


def _printed_text(node: Node) -> str:
    """Return the text of a ``<pre>`` block with its spacing, which lines up printed columns."""
    return "".join(c if isinstance(c, str) else _printed_text(c) for c in node.children)


def _ancestor_classes(node: Node) -> set[str]:
    found: set[str] = set()
    while node.parent is not None:
        node = node.parent
        found |= node.classes
    return found


def _printed_problems(text: str, where: str, identifiers: Sequence[str]) -> list[Finding]:
    findings = [
        Finding(where, "", "", "", f"printed output names the person identifier {name}")
        for name in identifiers
        if _printed_column(text, name)
    ]
    for match in FRAME_FOOTER.finditer(text):
        if int(match[1].replace(",", "")) > MAX_PUBLISHED_ROWS:
            findings.append(
                Finding(where, "", "", "", f'printed data frame of "{match[0]}" (person-level?)')
            )
    return findings


def _printed_column(text: str, name: str) -> bool:
    r"""Whether printed ``text`` shows a column named ``name``: the name as a heading among columns (two or more spaces, or the line's start or end, on both sides of it, as in a printed data frame) or as a series' ``Name:``.

    Quoted or written as code (`person_id`) it refers to the column; in a sentence ("your
    postcode lookup") it is a word, not data.

    >>> _printed_column("   person_id  age\n0          1   50", "person_id")
    True
    >>> _printed_column("Your postcode lookup and boundaries", "postcode")
    False
    """
    heading = re.compile(rf"(?:^\s*|\s{{2}}){re.escape(name)}(?:\s{{2}}|\s*$)", re.M)
    return bool(heading.search(text)) or f"Name: {name}," in text


def check_cache_file(path: Path, identifiers: Sequence[str] = PERSON_IDENTIFIERS) -> list[Finding]:
    """Person-level content in one execution-cache or ``_freeze`` JSON file: tables with a person identifier column or too many rows, printed identifiers and long data frames."""
    findings: list[Finding] = []
    where = str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
    for kind, text in _cached_outputs(json.loads(path.read_text(encoding="utf-8"))):
        if kind == "html":
            tables = [n for n in parse(text).descendants() if n.tag == "table"]
            for number, node in enumerate(tables, start=1):
                findings += _person_level(
                    read_table(node), _caption(node, number), where, identifiers
                )
            findings += _printed_problems(parse(text).text(), where, ())
        else:
            findings += _printed_problems(text, where, identifiers)
    return findings


def _cached_outputs(cached: object) -> Iterator[tuple[str, str]]:
    """(kind, text) of every output in a cache file: ours (``cells``, ``inline``) or a Quarto ``_freeze`` file (HTML tables and ``.cell-output`` blocks of its markdown)."""
    if isinstance(cached, dict) and "cells" in cached:
        for output in (o for cell in cached["cells"] for o in cell):
            if output["kind"] in {"html", "text", "markdown"}:
                yield output["kind"], output["data"]
        for value in cached.get("inline", []):
            yield "text", value
        return
    for text in _strings(cached):
        if "<table" in text:
            yield "html", text
        for block in FREEZE_OUTPUT.findall(text):
            yield "text", block


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def person_identifiers(column_mapping: dict[str, dict[str, str]] | None = None) -> tuple[str, ...]:
    """:data:`PERSON_IDENTIFIERS` plus the names of your columns that the configuration maps to ``person_id`` (``data.columns``).

    >>> person_identifiers({"people": {"patient_key": "person_id", "lsoa": "area_code"}})[-1]
    'patient_key'
    """
    mapped = [
        _normalise_name(yours)
        for table in (column_mapping or {}).values()
        for yours, ours in table.items()
        if ours == "person_id"
    ]
    return tuple(dict.fromkeys([*PERSON_IDENTIFIERS, *mapped]))


def check_book(
    output_dir: Path,
    cache_dirs: Iterable[Path],
    rule: DisclosureRule,
    identifiers: Sequence[str] = PERSON_IDENTIFIERS,
) -> list[Finding]:
    """Return findings for everything under ``output_dir`` -- every HTML page, every CSV download and the text of every PDF -- and for every JSON file under ``cache_dirs``."""
    findings: list[Finding] = []
    for path in sorted(output_dir.rglob("*.html")):
        page = path.relative_to(output_dir).as_posix()
        findings += check_page(path.read_text(encoding="utf-8"), page, rule, identifiers)
    for path in sorted(output_dir.rglob("*.csv")):
        findings += check_csv(path, output_dir, identifiers)
    for path in sorted(output_dir.rglob("*.pdf")):
        findings += check_pdf(path, output_dir, rule)
    for folder in cache_dirs:
        for path in sorted(Path(folder).rglob("*.json")) if Path(folder).is_dir() else []:
            findings += check_cache_file(path, identifiers)
    return findings


def check_csv(
    path: Path, output_dir: Path, identifiers: Sequence[str] = PERSON_IDENTIFIERS
) -> list[Finding]:
    r"""Return a table's CSV download (``<page>_files/tables/<label>.csv``) publishes only what its page shows: every row's numbers appear together in one row of the page's table ``#<label>`` (which :func:`check_page` checks for small counts), it has no more rows than that table, and no person identifier column.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "p_files" / "tables").mkdir(parents=True)
    >>> _ = (folder / "p.html").write_text(
    ...     '<div id="tbl-a"><table><tr><th>Area</th><th>Deaths</th></tr>'
    ...     '<tr><td>North</td><td>1,234</td></tr></table></div>')
    >>> _ = (folder / "p_files/tables/tbl-a.csv").write_text("Area,Deaths\nNorth,1234\n")
    >>> check_csv(folder / "p_files/tables/tbl-a.csv", folder)
    []
    >>> _ = (folder / "p_files/tables/tbl-a.csv").write_text("Area,Deaths\nNorth,3\n")
    >>> [f.problem for f in check_csv(folder / "p_files/tables/tbl-a.csv", folder)]
    ['the download holds numbers its page does not show: 3']
    """
    where = path.relative_to(output_dir).as_posix()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    heading, body = (rows[0], rows[1:]) if rows else ([], [])
    findings = [
        Finding(where, "", "", name, "a person identifier column (person-level rows)")
        for name in dict.fromkeys(heading)
        if _normalise_name(name) in identifiers
    ]
    source = _source_table(path, output_dir)
    if source is None:
        problem = "a CSV download with no table of that label on its page, so unchecked"
        return [*findings, Finding(where, "", "", "", problem)]
    shown = [_numbers(" ".join([row.group, *source.texts(row)])) for row in source.rows]
    if len(body) > len(source.rows):
        problem = f"{len(body):,} rows where its page's table shows {len(source.rows):,}"
        findings.append(Finding(where, "", "", "", problem))
    for row in body:
        numbers = _numbers(" ".join(row))
        if not any(numbers <= seen for seen in shown):
            closest = max(shown, key=lambda seen: len(numbers & seen), default=set())
            extra = ", ".join(f"{n:g}" for n in sorted(numbers - closest))
            label = next((cell for cell in row if cell), "")
            problem = f"the download holds numbers its page does not show: {extra}"
            findings.append(Finding(where, "", label, "", problem))
    return findings


def _source_table(path: Path, output_dir: Path) -> Table | None:
    """Return the table a CSV download was written from: ``#<label>`` on the page it sits beside."""
    tables_dir = path.parent
    stem = tables_dir.parent.name.removesuffix("_files")
    page = tables_dir.parent.parent / f"{stem}.html"
    if tables_dir.name != "tables" or not page.is_file():
        return None
    root = parse(page.read_text(encoding="utf-8"))
    for node in root.descendants():
        if node.attrs.get("id") == path.stem:
            table = next((n for n in node.descendants() if n.tag == "table"), None)
            return read_table(table) if table is not None else None
    return None


def _numbers(text: str) -> set[float]:
    return {float(m[0].replace(",", "")) for m in FIRST_NUMBER.finditer(text)}


def check_pdf(path: Path, output_dir: Path, rule: DisclosureRule) -> list[Finding]:
    """Check the text of a PDF for small counts written as prose and long printed data frames.

    A small count is a number before a word ("3 deaths"; a number before a capitalised word
    is a heading's, "1 Deaths"); a printed data frame is flagged when it is too long to be an
    aggregate. Tables in a PDF are the HTML pages' tables, checked there.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    where = path.relative_to(output_dir).as_posix()
    try:
        pages = [page.extract_text() or "" for page in PdfReader(path).pages]
    except (PdfReadError, OSError, ValueError) as error:
        return [Finding(where, "", "", "", f"its text could not be read to check it ({error})")]
    findings: list[Finding] = []
    for number, text in enumerate(pages, start=1):
        place = f"{where}, page {number}"
        findings += _prose_findings(place, "text", text, rule, headings=True)
        findings += _printed_problems(text, place, ())
    return findings


def report(findings: Sequence[Finding], rule: DisclosureRule) -> str:
    """Return the message the render stops with: the rule, every problem, and how to fix them."""
    listed = "\n  ".join(str(f) for f in findings)
    return (
        f"disclosure control: the book would publish {len(findings)} disclosive item(s) "
        f"(rule: {rule.describe()}; no person-level rows):\n  {listed}\n{FIX}"
    )


def check_published(
    project: BookProject, output_dir: Path, *, cache_dir: Path | None = None
) -> str:
    """Check everything under ``output_dir`` (the book's staging folder before it is published: pages, CSV downloads, PDFs), the execution cache and ``_freeze/`` under the configured rule.

    Raise :class:`BookError` listing every problem and how to fix it, else return a one-line
    summary for the render log.
    """
    try:
        config = load_config()
    except ConfigError as error:
        raise BookError(f"disclosure control: {error}") from None
    rule = config.disclosure
    caches = [cache_dir or project.root / ".cache" / "book", project.root / "_freeze"]
    identifiers = person_identifiers(config.data.columns)
    findings = check_book(output_dir, caches, rule, identifiers)
    if findings:
        raise BookError(report(findings, rule))
    files = [p for p in output_dir.rglob("*") if p.suffix in {".html", ".csv", ".pdf"}]
    kinds = ", ".join(
        f"{sum(p.suffix == suffix for p in files)} {name}"
        for suffix, name in ((".html", "page(s)"), (".csv", "CSV download(s)"), (".pdf", "PDF(s)"))
    )
    return (
        f"Disclosure check: {kinds} and the execution cache hold no count of "
        f"{rule.min_count} to {rule.max_count} and no person-level rows"
    )
