"""Read a Quarto ``.qmd`` chapter into front matter, markdown and executable cells.

Only the structure the offline renderer needs is recovered: the YAML front matter, the
```` ```{python} ```` cells with their ``#|`` options, and the markdown between them (with
the line each part starts on, so errors can point at the source). Anything else is left
to :mod:`analysis.book.validate` to accept or reject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

#: Opening fence of an executable cell: ```{python} or ```{python label="x"}.
CELL_FENCE = re.compile(r"^(?P<fence>`{3,})\s*\{(?P<engine>[A-Za-z0-9_-]+)(?P<rest>[^}]*)\}\s*$")
#: Opening fence of a plain (display-only) code block: ``` or ```python or ~~~.
PLAIN_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})")
#: An inline expression: `{python} expr`.
INLINE_EXPRESSION = re.compile(r"`\{(?P<engine>[A-Za-z0-9_-]+)\}\s*(?P<code>[^`]+)`")


class QmdSyntaxError(ValueError):
    """A chapter that cannot be read at all (bad front matter, unclosed cell)."""


@dataclass(frozen=True)
class Cell:
    """An executable code cell: its engine, code (without ``#|`` lines) and options."""

    engine: str
    code: str
    options: dict
    line: int  # line of the opening fence (1-based)
    option_text: str = ""  # the #| lines without "#|", as written (for Quarto's schema check)


@dataclass(frozen=True)
class Markdown:
    """A run of markdown between cells.

    ``code_lines`` are the (1-based) lines inside plain code blocks, which validation and
    inline evaluation leave alone.
    """

    text: str
    line: int
    code_lines: frozenset[int] = frozenset()

    def prose_lines(self) -> list[tuple[int, str]]:
        """(line number, text) of the lines outside plain code blocks."""
        return [
            (self.line + i, text)
            for i, text in enumerate(self.text.split("\n"))
            if self.line + i not in self.code_lines
        ]


@dataclass(frozen=True)
class Chapter:
    """A parsed ``.qmd`` chapter: front matter, then markdown and code cells in order."""

    path: Path
    front_matter: dict
    parts: list[Markdown | Cell] = field(default_factory=list)
    front_matter_text: str = ""  # the YAML between the "---" lines, as written

    @property
    def cells(self) -> list[Cell]:
        """The chapter's code cells, in order."""
        return [p for p in self.parts if isinstance(p, Cell)]


def read_qmd(path: str | Path) -> Chapter:
    """Parse a ``.qmd`` file. Raises :class:`QmdSyntaxError` naming the file and line."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    front_matter, start = _front_matter(lines, path)
    front_matter_text = "\n".join(lines[1 : start - 1]) if start else ""
    parts: list[Markdown | Cell] = []
    buffer: list[str] = []
    buffer_start = start + 1
    code_lines: set[int] = set()
    i = start
    while i < len(lines):
        line = lines[i]
        cell = CELL_FENCE.match(line)
        plain = PLAIN_FENCE.match(line)
        if cell:
            end = _closing_fence(lines, i, cell["fence"], path)
            if buffer:
                parts.append(Markdown("\n".join(buffer), buffer_start, frozenset(code_lines)))
            parts.append(_cell(cell, lines[i + 1 : end], i + 1, path))
            buffer, code_lines, buffer_start = [], set(), end + 2
            i = end + 1
            continue
        if plain:
            end = _closing_fence(lines, i, plain["fence"], path)
            buffer.extend(lines[i : end + 1])
            code_lines.update(range(i + 1, end + 2))
            i = end + 1
            continue
        buffer.append(line)
        i += 1
    if buffer:
        parts.append(Markdown("\n".join(buffer), buffer_start, frozenset(code_lines)))
    return Chapter(path, front_matter, parts, front_matter_text)


def _front_matter(lines: list[str], path: Path) -> tuple[dict, int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in {"---", "..."}:
            try:
                data = yaml.safe_load("\n".join(lines[1:end])) or {}
            except yaml.YAMLError as error:
                raise QmdSyntaxError(f"{path}:1: front matter is not valid YAML: {error}") from None
            if not isinstance(data, dict):
                raise QmdSyntaxError(f"{path}:1: front matter must be a YAML mapping")
            return data, end + 1
    raise QmdSyntaxError(f"{path}:1: front matter opened with '---' is never closed")


def _closing_fence(lines: list[str], start: int, fence: str, path: Path) -> int:
    for j in range(start + 1, len(lines)):
        stripped = lines[j].strip()
        if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
            return j
    raise QmdSyntaxError(f"{path}:{start + 1}: code block opened here is never closed")


def _cell(match: re.Match, body: list[str], line: int, path: Path) -> Cell:
    option_lines = []
    for text in body:
        if not text.startswith("#|"):
            break
        option_lines.append(text[2:])
    try:
        options = (yaml.safe_load("\n".join(option_lines)) if option_lines else None) or {}
    except yaml.YAMLError as error:
        message = f"{path}:{line}: cell options (#| lines) are not valid YAML: {error}"
        raise QmdSyntaxError(message) from None
    if not isinstance(options, dict):
        raise QmdSyntaxError(f"{path}:{line}: cell options must be 'key: value' lines")
    for key, value in re.findall(r'([A-Za-z-]+)\s*=\s*"([^"]*)"', match["rest"]):
        options.setdefault(key, value)
    code = "\n".join(body[len(option_lines) :]).strip("\n")
    return Cell(match["engine"], code, options, line, "\n".join(option_lines))
