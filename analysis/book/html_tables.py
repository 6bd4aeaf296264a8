"""Read the tables of a rendered HTML page: a small tree of its elements and, for each ``<table>``, its column headings and data rows with every cell at its column position (``rowspan``/``colspan`` honoured, row-group headings kept with their rows).

Used by the disclosure check (:mod:`.disclosure_check`) and the tables' CSV downloads
(:mod:`.downloads`), so both read a table the same way.

>>> page = parse('<table><tr><th>Area</th><th>Deaths</th></tr><tr><td>A</td><td>12</td></tr>'
...              '</table>')
>>> table = read_table(next(n for n in page.descendants() if n.tag == "table"))
>>> table.headings(), [table.texts(row) for row in table.rows]
(['Area', 'Deaths'], [['A', '12']])
>>> spanned = parse('<table><tr><th rowspan="2">Area</th><th colspan="2">Men</th></tr>'
...                 '<tr><th>Deaths</th><th>Rate</th></tr></table>')
>>> read_table(next(n for n in spanned.descendants() if n.tag == "table")).spanners
{1: 'Men', 2: 'Men'}
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Node:
    """An HTML element: tag, attributes, children (elements and text) and parent."""

    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    @property
    def classes(self) -> set[str]:
        """The element's CSS classes."""
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        """Return the element's text with runs of whitespace made single spaces."""
        return " ".join(self._raw_text().split())

    def _raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c._raw_text() for c in self.children)

    def descendants(self) -> Iterator[Node]:
        """Yield every element below this one, depth first."""
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.descendants()

    def all_classes(self) -> set[str]:
        """Return the CSS classes of this element and of every element below it."""
        found = set(self.classes)
        for node in self.descendants():
            found |= node.classes
        return found


class _TreeBuilder(HTMLParser):
    """A forgiving HTML tree (the standard library has no DOM for HTML)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    """Return the element tree of an HTML page or fragment (under a ``#root`` node)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


@dataclass
class Cell:
    """A table cell: its element, whether it is a heading, and where it starts."""

    node: Node
    header: bool  # a <th>
    row: int
    column: int
    width: int


@dataclass
class Row:
    """A data row and the row-group heading above it ("" when the table has none)."""

    group: str
    cells: list[Cell]

    @property
    def label(self) -> str:
        """Row group and first cell, e.g. "Sex / Male"."""
        first = self.cells[0].node.text() if self.cells else ""
        return " / ".join(filter(None, [self.group, first]))


@dataclass
class Table:
    """A table's columns (heading text and classes by position) and its data rows.

    ``spanners`` holds, for columns under spanning headings, their text ("Hypertension").
    """

    names: dict[int, str]
    markers: dict[int, set[str]]
    rows: list[Row]
    n_columns: int
    spanners: dict[int, str] = field(default_factory=dict)

    def headings(self) -> list[str]:
        """Return the column headings, one a column ("" where a column has none)."""
        return [self.names.get(column, "") for column in range(self.n_columns)]

    def texts(self, row: Row) -> list[str]:
        """Return the row's cell texts by column ("" where no cell starts)."""
        texts = [""] * self.n_columns
        for cell in row.cells:
            texts[cell.column] = cell.node.text()
        return texts


def read_table(node: Node) -> Table:
    """Columns and data rows of the ``<table>`` element ``node``.

    The lowest heading row names each column (spanners above it are overridden); a body row
    with a single cell spanning every column is a row-group heading, given to the rows below
    it.
    """
    head, body = _grid(node)
    names: dict[int, str] = {}
    markers: dict[int, set[str]] = {}
    above: dict[int, list[str]] = {}
    for row in head:  # lower heading rows override spanners above them
        for cell in row:
            for column in range(cell.column, cell.column + cell.width):
                if column in names:
                    above.setdefault(column, []).append(names[column])
                names[column] = cell.node.text()
                markers[column] = cell.node.all_classes()
    n_columns = max((c.column + c.width for row in head + body for c in row), default=0)
    rows = []
    group = ""
    for row in body:
        if len(row) == 1 and row[0].width == n_columns > 1:  # a row-group heading or note
            group = row[0].node.text()
            continue
        rows.append(Row(group, row))
    spanners = {c: " / ".join(filter(None, texts)) for c, texts in above.items() if any(texts)}
    return Table(names, markers, rows, n_columns, spanners)


def _grid(table: Node) -> tuple[list[list[Cell]], list[list[Cell]]]:
    """Header rows and body rows of ``table`` with each cell's column position (``rowspan``/``colspan`` honoured).

    Nested tables are left to be read on their own.
    """
    rows: list[tuple[str, Node]] = []  # (section: thead, tbody, tfoot or "", row)

    def collect(node: Node, section: str) -> None:
        for child in node.children:
            if not isinstance(child, Node) or child.tag == "table":
                continue
            if child.tag == "tr":
                rows.append((section, child))
            else:
                inner = child.tag if child.tag in {"thead", "tbody", "tfoot"} else section
                collect(child, inner)

    collect(table, "")
    taken: dict[tuple[int, int], bool] = {}
    head: list[list[Cell]] = []
    body: list[list[Cell]] = []
    for index, (section, tr) in enumerate(rows):
        cells = []
        column = 0
        for td in (c for c in tr.children if isinstance(c, Node) and c.tag in {"td", "th"}):
            while taken.get((index, column)):
                column += 1
            width, height = _span(td, "colspan"), _span(td, "rowspan")
            for r in range(index, index + height):
                for c in range(column, column + width):
                    taken[(r, c)] = True
            cells.append(Cell(td, td.tag == "th", index, column, width))
            column += width
        # a row outside thead/tbody/tfoot is a heading while only <th> rows came before it
        is_head = section == "thead" or (
            not section and not body and bool(cells) and all(c.header for c in cells)
        )
        (head if is_head else body).append(cells)
    return head, body


def _span(node: Node, name: str) -> int:
    value = node.attrs.get(name, "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1
