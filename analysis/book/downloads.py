r"""Every captioned table of the HTML book, downloadable as CSV.

For each ``#tbl-`` table of a page whose output is an HTML table (great-tables via
:func:`analysis.report.nhs_table`, or a data frame), the CSV holds exactly the cells the page
shows -- after disclosure control, with ``[c]`` for suppressed cells -- never the data behind
the table, so the render's disclosure check of the page covers the download too. So that a
spreadsheet reads it as the page reads:

- the file is UTF-8 with a byte-order mark (without one, Excel reads it in the local code
  page and shows "â€“" for a dash);
- numbers lose their thousands separators (``1,234`` -> ``1234``) and Unicode minus signs;
- an interval column ("345–372") becomes two numeric columns, ``<heading> lower`` and
  ``<heading> upper``;
- every column has a name, and only one column has it: a column under a spanning heading
  is named with it ("Hypertension: %"), a name used twice takes the name of the column it
  follows ("SII: Lower 95%", "RII: Lower 95%"), a table with row groups gets a first column
  ``row group``, and a column shown without a heading is named ``column <n>``.

The file is written to ``<page>_files/tables/<label>.csv`` and a link named after the table
("Download Table 4.1 as CSV") is placed under it.

>>> table = ('<table><tr><th>Area</th><th>Deaths</th><th>95% CI</th></tr>'
...          '<tr><td>A</td><td>1,234</td><td>10.5–12.0</td></tr></table>')
>>> csv_text(table)
'Area,Deaths,95% CI lower,95% CI upper\r\nA,1234,10.5,12.0\r\n'
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from collections import Counter
from pathlib import Path

from analysis.book.html_tables import parse, read_table

_NUMBER = r"[-\u2212]?\d{1,3}(?:,\d{3})*(?:\.\d+)?"
#: A number as great-tables shows it: thousands separators, Unicode minus.
DISPLAYED_NUMBER = re.compile(rf"^{_NUMBER}$")
#: An interval as the book shows it: "345–372", "-0.5 to 1.2".
INTERVAL = re.compile(rf"^(?P<lower>{_NUMBER})\s*(?:\u2013|\u2014|to)\s*(?P<upper>{_NUMBER})$")
#: A heading that says its column holds intervals.
INTERVAL_HEADING = re.compile(r"\bCI\b|interval|limits?\b|confidence|range", re.IGNORECASE)
#: Cells that hold no value: empty, a dash (missing) or [c] (suppressed).
NO_VALUE = {"", "\u2013", "-", "[c]"}


def add_csv_downloads(
    ast: dict, *, page: str, output_dir: Path, labels: dict[str, dict] | None = None
) -> list[Path]:
    """Write a CSV beside ``page`` (root-relative, e.g. ``chapters/x.html``) for every captioned table in ``ast`` that holds an HTML table, and add a download link under it (in ``ast``, which is changed in place).

    ``labels`` (label -> ``{"number": "4.1", ...}`` as the renderer numbers them) name the
    links. Returns the CSV files written.
    """
    stem = Path(page).with_suffix("").name
    folder = output_dir / Path(page).parent / f"{stem}_files" / "tables"
    shutil.rmtree(folder, ignore_errors=True)  # tables removed from the chapter go too
    written: list[Path] = []
    for div in _table_divs(ast["blocks"]):
        label = div["c"][0][0]
        blocks = div["c"][1]
        for i, block in enumerate(blocks):
            if block["t"] != "RawBlock" or block["c"][0] != "html":
                continue
            text = csv_text(block["c"][1])
            if text is None:
                continue
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{label}.csv"
            path.write_text(text, encoding="utf-8-sig")
            written.append(path)
            href = html.escape(f"{stem}_files/tables/{label}.csv")
            number = ((labels or {}).get(label) or {}).get("number")
            name = f"Table\u00a0{number}" if number else "this table"
            link = (
                f'<p class="table-download"><a href="{href}" download>Download {name} as CSV</a>'
                " (the table as shown)</p>"
            )
            blocks.insert(i + 1, {"t": "RawBlock", "c": ["html", link]})
            break  # one download per captioned table: its first HTML table
    return written


def csv_text(fragment: str) -> str | None:
    """Return the first ``<table>`` of an HTML fragment as CSV text (None when there is none)."""
    node = next((n for n in parse(fragment).descendants() if n.tag == "table"), None)
    if node is None:
        return None
    table = read_table(node)
    grouped = any(row.group for row in table.rows)
    headings = [
        f"{table.spanners[i]}: {name}" if i in table.spanners else name or f"column {i + 1}"
        for i, name in enumerate(table.headings())
    ]
    rows = [table.texts(row) for row in table.rows]
    intervals = [_is_interval_column(h, [r[i] for r in rows]) for i, h in enumerate(headings)]
    header = ["row group"] if grouped else []
    for heading, interval in zip(headings, intervals, strict=True):
        header += [f"{heading} lower", f"{heading} upper"] if interval else [heading]
    header = _distinct(header)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row, texts in zip(table.rows, rows, strict=True):
        cells = [row.group] if grouped else []
        for text, interval in zip(texts, intervals, strict=True):
            cells += _limits(text) if interval else [_plain_number(text)]
        writer.writerow(cells)
    return out.getvalue()


def _distinct(names: list[str]) -> list[str]:
    """Names used more than once take the nearest name before them used only once ("Lower 95%" after "RII" -> "RII: Lower 95%").

    A number if that is not enough.
    """
    counts = Counter(names)
    out: list[str] = []
    anchor = ""
    for name in names:
        if counts[name] == 1:
            anchor = name
            out.append(name)
        else:
            out.append(f"{anchor}: {name}" if anchor else name)
    repeated = Counter(out)
    seen: Counter[str] = Counter()
    for i, name in enumerate(out):
        if repeated[name] > 1:
            seen[name] += 1
            out[i] = f"{name} ({seen[name]})"
    return out


def _is_interval_column(heading: str, texts: list[str]) -> bool:
    """Every cell with a value is an interval, and the heading or a decimal point says so (an age band such as "45–64" under "Age" stays as it is)."""
    shown = [t for t in texts if t not in NO_VALUE]
    if not shown or not all(INTERVAL.match(t) for t in shown):
        return False
    return bool(INTERVAL_HEADING.search(heading)) or any("." in t for t in shown)


def _limits(text: str) -> list[str]:
    match = INTERVAL.match(text)
    if match is None:  # a cell without a value: the same in both columns
        return [text, text]
    return [_plain_number(match["lower"]), _plain_number(match["upper"])]


def _plain_number(text: str) -> str:
    if DISPLAYED_NUMBER.match(text):
        return text.replace(",", "").replace("\u2212", "-")
    return text


def _table_divs(blocks: list[dict]):
    for block in blocks:
        if block["t"] == "Div":
            if block["c"][0][0].startswith("tbl-"):
                yield block
            else:
                yield from _table_divs(block["c"][1])
