"""Check that chapters use only the Quarto syntax the offline renderer supports, and that Quarto itself would accept them.

Every problem names the file and line, what is not supported and what to write instead,
so a chapter that would render differently with and without Quarto fails early (and
without running any code). ``_quarto.yml``, each chapter's front matter and every cell's
``#|`` options are also checked against Quarto's own schemas (:mod:`.quarto_schema`), so
an option Quarto would reject fails here too.
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.book import quarto_schema
from analysis.book.project import BookError, BookProject, profile_file
from analysis.book.qmd import INLINE_EXPRESSION, Cell, Chapter, QmdSyntaxError, read_qmd

CELL_OPTIONS = {
    "label": "a name; 'fig-...' for a numbered figure, 'tbl-...' for a numbered table",
    "fig-cap": "figure caption",
    "fig-alt": "figure alt text",
    "tbl-cap": "table caption",
    "echo": "true/false",
    "eval": "true/false",
    "output": "true/false/asis",
    "include": "true/false",
    "warning": "false (warnings are never shown)",
    "code-fold": "true/false/show",
    "code-summary": "text of the folded-code toggle",
}
FRONT_MATTER = {"title", "subtitle", "description", "author", "date"}
CALLOUTS = {"note", "tip", "warning", "important", "caution"}
CROSSREF = re.compile(
    r"(?<![\w@.])@((fig|tbl|sec|eq|lst|thm|lem|cor|prp|cnj|def|exm|exr)-[\w-]*\w)"
)
CITATION = re.compile(r"(?<![\w@.])-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*[A-Za-z0-9_])")
IDENTIFIER = re.compile(r"\{[^}]*#((?:fig|tbl|sec)-[\w-]*\w)")
DIV_FENCE = re.compile(r"^\s*:{3,}\s*(?P<spec>\{[^}]*\}|[\w-]+)?\s*$")
INLINE_CODE = re.compile(r"`[^`]*`")
BIB_KEY = re.compile(r"@\w+\s*\{\s*([^,\s]+)\s*,")
SUPPORTED_CROSSREF = ("fig", "tbl", "sec")
_BY_QUARTO = f" (Quarto's schema, quarto-cli {quarto_schema.VERSION})"


def load_and_validate(project: BookProject, chapters: list[str] | None = None) -> list[Chapter]:
    """Read and check ``chapters`` (default: all in ``_quarto.yml``).

    Raise :class:`BookError` listing every problem found.
    """
    profiles = dict.fromkeys([project.site_profile, *(d.profile for d in project.pdfs)])
    configs = [project.root / "_quarto.yml"]
    configs += [profile_file(project.root, name) for name in profiles if name]
    problems = [
        f"{config.name}: {problem}{_BY_QUARTO}"
        for config in configs
        for problem in quarto_schema.project_problems(config.read_text(encoding="utf-8"))
    ]
    parsed: list[Chapter] = []
    for name in chapters or project.chapters:
        try:
            parsed.append(read_qmd(project.root / name))
        except QmdSyntaxError as error:
            problems.append(str(error))
    problems += book_problems(project, parsed)
    if problems:
        raise BookError(
            "the book uses syntax the offline renderer does not support "
            "(see CONTRIBUTING.md, 'Writing a chapter'):\n  " + "\n  ".join(problems)
        )
    return parsed


def book_problems(project: BookProject, chapters: list[Chapter]) -> list[str]:
    """Problems across the book (labels must be unique and every reference must resolve)."""
    problems: list[str] = []
    labels: dict[str, str] = {}
    for chapter in chapters:
        where = _name(project, chapter.path)
        for label, line in chapter_labels(chapter):
            if label in labels:
                problems.append(
                    f"{where}:{line}: label '{label}' is already used at {labels[label]}"
                )
            labels[label] = f"{where}:{line}"
    keys = bibliography_keys(project.bibliography)
    for chapter in chapters:
        problems += chapter_problems(project, chapter, set(labels), keys)
    return problems


def bibliography_keys(path: Path | None) -> set[str]:
    """Return the citation keys of a BibTeX file (none when there is no file)."""
    if path is None or not path.exists():
        return set()
    return set(BIB_KEY.findall(path.read_text(encoding="utf-8")))


def chapter_labels(chapter: Chapter) -> list[tuple[str, int]]:
    """Cross-referenceable labels the chapter defines, with their lines."""
    found = []
    for part in chapter.parts:
        if isinstance(part, Cell):
            label = str(part.options.get("label", ""))
            if label.startswith(("fig-", "tbl-")):
                found.append((label, part.line))
        else:
            for line, text in part.prose_lines():
                found += [(label, line) for label in IDENTIFIER.findall(text)]
    return found


def chapter_problems(
    project: BookProject, chapter: Chapter, labels: set[str], keys: set[str]
) -> list[str]:
    """Return the offline renderer's objections to a chapter: front matter, cells and text."""
    where = _name(project, chapter.path)
    problems = [
        f"{where}:1: front matter {problem}{_BY_QUARTO}"
        for problem in quarto_schema.front_matter_problems(chapter.front_matter_text)
    ]
    problems += [
        f"{where}:1: front matter key '{key}' is not supported offline; "
        f"use one of {', '.join(sorted(FRONT_MATTER))} (book-wide options go in _quarto.yml)"
        for key in chapter.front_matter
        if key not in FRONT_MATTER
    ]
    has_title = "title" in chapter.front_matter
    for part in chapter.parts:
        if isinstance(part, Cell):
            problems += [f"{where}:{part.line}: {p}" for p in cell_problems(part)]
            continue
        for line, text in part.prose_lines():
            has_title = has_title or text.startswith("# ")
            problems += [f"{where}:{line}: {p}" for p in line_problems(text, labels, keys)]
    if not has_title:
        problems.append(
            f"{where}:1: the chapter has no title: start it with '# Title' or set 'title:'"
        )
    return problems


def cell_problems(cell: Cell) -> list[str]:
    """Return what the offline renderer cannot run in a code cell (engine and options)."""
    if cell.engine != "python":
        return [
            f"'{{{cell.engine}}}' cells are not supported offline; use a ```{{python}} cell "
            f"(or a plain ```{cell.engine} block to show code without running it)"
        ]
    options = cell.options
    problems = [
        f"cell option {problem}{_BY_QUARTO}"
        for problem in quarto_schema.cell_option_problems(cell.option_text)
    ]
    problems += [
        f"unknown cell option '#| {key}'; supported: {', '.join(CELL_OPTIONS)}"
        for key in options
        if key not in CELL_OPTIONS
    ]
    label = str(options.get("label", ""))
    if label.startswith("fig-") and "fig-cap" not in options:
        problems.append(f"figure cell '{label}' needs '#| fig-cap:' (and '#| fig-alt:')")
    if label.startswith("tbl-") and "tbl-cap" not in options:
        problems.append(f"table cell '{label}' needs '#| tbl-cap:'")
    if "tbl-cap" in options and not label.startswith("tbl-"):
        problems.append("'#| tbl-cap:' needs '#| label: tbl-...' so the table is numbered")
    if options.get("warning", False) is not False:
        problems.append("'#| warning: true' is not supported: warnings are never shown")
    if options.get("output", True) not in {True, False, "asis"}:
        problems.append("'#| output:' must be true, false or asis")
    if options.get("code-fold", False) not in {True, False, "show"}:
        problems.append("'#| code-fold:' must be true, false or show")
    return problems


def line_problems(text: str, labels: set[str], keys: set[str]) -> list[str]:
    """Return unsupported syntax, unknown cross-references and citations in markdown text."""
    problems = []
    if "{{<" in text:
        problems.append(
            "shortcodes ({{< ... >}}) are not supported offline; use an inline "
            "`{python} expr` expression, a python cell or plain markdown"
        )
    for match in INLINE_EXPRESSION.finditer(text):
        if match["engine"] != "python":
            problems.append(
                f"inline `{{{match['engine']}}}` expressions are not supported; use `{{python}} ...`"
            )
    div = DIV_FENCE.match(text)
    if div and div["spec"]:
        problems += _div_problems(div["spec"])
    prose = INLINE_CODE.sub("", text)
    for match in CROSSREF.finditer(prose):
        label, kind = match[1], match[2]
        if kind not in SUPPORTED_CROSSREF:
            problems.append(
                f"cross-reference '@{label}' is not supported; only @fig-, @tbl- and @sec- are"
            )
        elif label not in labels:
            problems.append(f"cross-reference '@{label}' points to no label in the book")
    for match in CITATION.finditer(prose):
        key = match[1]
        if not CROSSREF.match("@" + key) and key not in keys:
            problems.append(
                f"citation '@{key}' is not in the bibliography; add it to references.bib"
            )
    return problems


def _div_problems(spec: str) -> list[str]:
    classes = re.findall(r"(?:^|\s|\{)\.([\w-]+)", spec) if spec.startswith("{") else [spec]
    problems = []
    for name in classes:
        kind = name.removeprefix("callout-")
        if name.startswith("callout-") and kind in CALLOUTS:
            continue
        problems.append(
            f"div class '.{name}' is not supported offline; use a callout "
            f"(::: {{.callout-note}} / tip / warning / important / caution) or plain markdown"
        )
    if re.search(r"#(fig|tbl)-", spec):
        problems.append(
            "figure/table divs are not supported; label the python cell instead "
            "('#| label: fig-...' with '#| fig-cap:')"
        )
    if re.search(r"\blayout", spec):
        problems.append("layout attributes are not supported; make one figure per cell")
    return problems


def _name(project: BookProject, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(project.root))
    except ValueError:
        return str(path)
