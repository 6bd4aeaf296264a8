"""Every captioned table of the HTML book, downloadable as CSV.

For each ``#tbl-`` table of a page whose output is an HTML table (great-tables via
:func:`analysis.report.nhs_table`, or a data frame), the CSV holds exactly the cells the page
shows -- after disclosure control, with ``[c]`` for suppressed cells -- never the data behind
the table, so the render's disclosure check of the page covers the download too. Numbers
lose their thousands separators (``1,234`` -> ``1234``) so spreadsheets read them as numbers;
a table with row groups gets a first column ``group``. The file is written to
``<page>_files/tables/<label>.csv`` and a "Download CSV" link is placed under the table.

>>> table = '<table><tr><th>Area</th><th>Deaths</th></tr><tr><td>A</td><td>1,234</td></tr></table>'
>>> csv_text(table)
'Area,Deaths\\r\\nA,1234\\r\\n'
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from pathlib import Path

from analysis.book.html_tables import parse, read_table

#: A number as great-tables shows it: thousands separators, Unicode minus.
DISPLAYED_NUMBER = re.compile(r"^[-\u2212]?\d{1,3}(?:,\d{3})*(?:\.\d+)?$")


def add_csv_downloads(ast: dict, *, page: str, output_dir: Path) -> list[Path]:
    """Write a CSV beside ``page`` (root-relative, e.g. ``chapters/x.html``) for every
    captioned table in ``ast`` that holds an HTML table, and add a download link under it
    (in ``ast``, which is changed in place). Returns the CSV files written."""
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
            path.write_text(text, encoding="utf-8")
            written.append(path)
            href = html.escape(f"{stem}_files/tables/{label}.csv")
            link = (
                f'<p class="table-download"><a href="{href}" download>Download CSV</a> '
                "(the table as shown)</p>"
            )
            blocks.insert(i + 1, {"t": "RawBlock", "c": ["html", link]})
            break  # one download per captioned table: its first HTML table
    return written


def csv_text(fragment: str) -> str | None:
    """The first ``<table>`` of an HTML fragment as CSV text (None when there is none)."""
    node = next((n for n in parse(fragment).descendants() if n.tag == "table"), None)
    if node is None:
        return None
    table = read_table(node)
    grouped = any(row.group for row in table.rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow((["group"] if grouped else []) + table.headings())
    for row in table.rows:
        cells = [_plain_number(text) for text in table.texts(row)]
        writer.writerow(([row.group] if grouped else []) + cells)
    return out.getvalue()


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
