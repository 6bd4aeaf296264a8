"""The book's sources against Quarto's own YAML schemas (quarto-cli, MIT), without Quarto.

Expected outcomes come from reading the schema files (file and option named in each case)
and from what Quarto documents; the book itself must pass.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analysis.book import BookError, load_project
from analysis.book.qmd import read_qmd
from analysis.book.quarto_schema import (
    FOLDER,
    VERSION,
    cell_option_problems,
    front_matter_problems,
    project_problems,
    read_yaml,
)
from analysis.book.quarto_schema.dsl import Definitions, compile_schema
from analysis.book.validate import load_and_validate

REPOSITORY = Path(__file__).resolve().parents[2]
FIXTURES = REPOSITORY / "tests" / "fixtures" / "quarto_schema"


def test_the_schemas_are_quarto_clis_at_a_release_with_their_licence():
    assert VERSION.count(".") == 2 and all(part.isdigit() for part in VERSION.split("."))
    licence = (FOLDER.parent / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "Posit Software, PBC" in licence
    names = {path.name for path in FOLDER.glob("*.yml")}
    assert {"project.yml", "definitions.yml", "format-aliases.yml", "cell-codeoutput.yml"} <= names
    assert len([n for n in names if n.startswith("document-")]) >= 40


def test_yaml_is_read_as_quarto_reads_it():
    # js-yaml with the JSON schema of YAML 1.2: yes/no and dates stay strings
    assert read_yaml("a: yes\nb: True\nc: 2024-01-31\nd: 1.5e3\ne: ~\nf: 0o17\n") == {
        "a": "yes",
        "b": True,
        "c": "2024-01-31",
        "d": 1500.0,
        "e": None,
        "f": 15,
    }


# -- the schema language -----------------------------------------------------------------


def _errors(raw, value, definitions=None):
    return compile_schema(raw, definitions or Definitions({})).errors(value)


def test_scalar_types_and_enums_compare_type_as_well_as_value():
    assert _errors("number", 3) == [] and _errors("number", 2.5) == []
    assert _errors("number", True)  # a boolean is not a number
    assert _errors({"enum": [True, "fenced"]}, 1)  # 1 is not true
    assert _errors({"enum": [1]}, 1.0) == []
    assert _errors({"enum": {"values": ["a"]}}, "a") == []
    assert _errors(5, 5) == [] and _errors(5, 6)  # a scalar stands for itself
    assert _errors(None, None) == [] and _errors(None, 0)


def test_patterns_search_the_string():
    assert _errors({"pattern": "lua$"}, "filter.lua") == []
    assert _errors({"string": {"pattern": "^x"}}, "yx")
    assert _errors({"pattern": {"regex": "a"}}, "cat") == []


def test_maybe_array_of_takes_a_value_or_a_list():
    schema = {"maybeArrayOf": "string"}
    assert _errors(schema, "a") == [] and _errors(schema, ["a", "b"]) == []
    assert _errors(schema, ["a", 2]) == [("[1]", "is 2; it must be a string")]


def test_objects_are_open_unless_closed_and_check_required_keys():
    open_object = {"object": {"properties": {"a": "number"}, "required": ["a"]}}
    assert _errors(open_object, {"a": 1, "b": "anything"}) == []
    assert _errors(open_object, {"b": 1}) == [("", "needs the key 'a'")]
    closed = {"object": {"closed": True, "properties": {"a": "number"}}}
    assert _errors(closed, {"b": 1}) == [("b", "is not an option here; allowed: a")]
    record = {"record": {"x": "string", "y": "string"}}  # closed, all required
    assert _errors(record, {"x": "1"}) == [("", "needs the key 'y'")]


def test_super_extends_a_base_object_and_inherits_closedness():
    definitions = Definitions(
        {"base": {"object": {"closed": True, "properties": {"a": "string"}, "required": ["a"]}}}
    )
    child = {"object": {"super": {"resolveRef": "base"}, "properties": {"b": "number"}}}
    assert _errors(child, {"a": "x", "b": 2}, definitions) == []
    assert _errors(child, {"a": "x", "c": 2}, definitions)[0][0] == "c"
    assert _errors(child, {"b": 2}, definitions) == [("", "needs the key 'a'")]


def test_refs_are_resolved_when_used_so_a_schema_can_contain_itself():
    definitions = Definitions(
        {"tree": {"object": {"properties": {"name": "string", "children": {"arrayOf": {"ref": "tree"}}}}}}
    )  # fmt: skip
    tree = {"name": "a", "children": [{"name": "b", "children": [{"name": 3}]}]}
    assert _errors({"ref": "tree"}, tree, definitions) == [
        ("children[0].children[0].name", "is 3; it must be a string")
    ]


def test_a_failed_any_of_reports_the_alternative_that_got_furthest():
    schema = {"anyOf": ["string", {"object": {"properties": {"toc": "boolean"}}}]}
    assert _errors(schema, {"toc": "yes"}) == [("toc", "is 'yes'; it must be true or false")]
    assert _errors(schema, 3) == [("", "is 3; it must be a string or a mapping (key: value lines)")]


# -- Quarto's schemas, as Quarto applies them -----------------------------------------------


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ("label: fig-a\nfig-cap: A caption\nfig-alt: Alt text\n", None),
        ("echo: fenced\n", None),  # cell-codeoutput.yml: echo is boolean or 'fenced'
        ("echo: sometimes\n", "echo: is 'sometimes'"),
        ("echo: yes\n", "echo: is 'yes'"),  # a string in YAML 1.2, so Quarto rejects it
        ("output: asis\n", None),  # cell-textoutput.yml: boolean or 'asis'
        ("output: 3\n", "output: is 3"),  # any string passes (R Markdown's output: yaml)
        ("fig-cap: [First, Second]\n", None),  # cell-figure.yml: maybeArrayOf string
        ("fig-cap: 3\n", "fig-cap: is 3"),
        ("code-fold: show\n", None),  # cell-codeoutput.yml: boolean or 'show'
        ("code-fold: maybe\n", "code-fold: is 'maybe'"),
        ("my-own-option: 1\n", None),  # unknown options pass, as in Quarto
        ("fig-width: wide\n", None),  # cell-figure.yml: fig-width is for knitr only
    ],
)
def test_cell_options_for_python_cells(options, problem):
    problems = cell_option_problems(options)
    assert (problems == []) if problem is None else any(p.startswith(problem) for p in problems)


def test_cell_options_follow_the_engine():
    assert cell_option_problems("fig-width: wide\n", engine="knitr") == [
        "fig-width: is 'wide'; it must be a number"
    ]


@pytest.mark.parametrize(
    ("front_matter", "problem"),
    [
        ("title: Intro\nsubtitle: More\nauthor: Me\ndate: 2024-01-01\n", None),
        ("any-metadata: [1, 2]\n", None),  # front matter is open to any metadata
        ("toc: maybe\n", "toc: is 'maybe'"),  # document-toc.yml: boolean
        ("format: html\n", None),
        ("format: acm-pdf\n", None),  # a format with a prefix (a journal extension)
        ("format:\n  html: default\n  typst:\n    toc: true\n", None),
        ("format:\n  html:\n    code-fold: maybe\n", "format.html.code-fold: is 'maybe'"),
        ("format:\n  nosuchformat: {}\n", "format.nosuchformat: is not an option here"),
        ("execute:\n  echo: sometimes\n", "execute.echo: is 'sometimes'"),
    ],
)
def test_front_matter(front_matter, problem):
    problems = front_matter_problems(front_matter)
    assert (problems == []) if problem is None else any(p.startswith(problem) for p in problems)


def test_project_configuration():
    good = (
        "project:\n  type: book\n  output-dir: _book\nbook:\n  title: T\n  chapters: [index.qmd]\n"
    )
    assert project_problems(good) == []
    # project.yml: 'project' is a closed object; a top-level 'type' is refused
    assert project_problems(good + "type: book\n") == [
        "type: a top-level 'type' is not allowed in project configuration; "
        "did you mean 'project: type: ...'?"
    ]
    typo = project_problems(good.replace("output-dir", "outputdir"))
    assert typo[0].startswith("project.outputdir: is not an option here; allowed:")
    assert project_problems(good.replace("chapters: [index.qmd]", "chapters: 3"))


def test_the_books_sources_validate_against_quartos_schemas():
    project = load_project(REPOSITORY)
    assert project_problems((REPOSITORY / "_quarto.yml").read_text()) == []
    cells = 0
    for name in [*project.chapters, "chapters/_template.qmd"]:
        chapter = read_qmd(REPOSITORY / name)
        assert front_matter_problems(chapter.front_matter_text) == [], name
        for cell in chapter.cells:
            cells += 1
            assert cell_option_problems(cell.option_text) == [], f"{name}:{cell.line}"
    assert cells > 50


def test_the_offline_validator_rejects_what_quarto_would(tmp_path, book_writer):
    chapter = "---\ntitle: T\ntoc: maybe\n---\n\n```{python}\n#| echo: yes\n1\n```\n"
    book_writer(tmp_path, {"chapters/first.qmd": chapter, "index.qmd": "# Preface\n"})
    with pytest.raises(BookError) as error:
        load_and_validate(load_project(tmp_path))
    message = str(error.value)
    assert (
        f"chapters/first.qmd:1: front matter toc: is 'maybe'; it must be true or false (Quarto's schema, quarto-cli {VERSION})"
        in message
    )
    assert "chapters/first.qmd:6: cell option echo: is 'yes'" in message  # fmt: skip


def _oracle_cases() -> list[tuple[dict, list[str]]]:
    cases = json.loads((FIXTURES / "cases.json").read_text())
    expected = json.loads((FIXTURES / "expected.json").read_text())
    return [(case, expected[case["name"]]) for case in cases]


@pytest.mark.parametrize(
    ("case", "quarto"), _oracle_cases(), ids=lambda v: v["name"] if isinstance(v, dict) else ""
)
def test_accepts_and_rejects_what_quartos_own_validator_does(case, quarto):
    """``expected.json`` holds what quarto-cli's own validator (its editor tools, same
    release, run with node by ``make.mjs``) says of each case: we accept what it accepts,
    reject what it rejects, and name the same field."""
    check = {
        "project": project_problems,
        "front-matter": front_matter_problems,
        "cell": cell_option_problems,
    }[case["kind"]]
    ours = check(case["text"])
    assert bool(ours) == bool(quarto), (ours, quarto)
    named = re.match(r'Field "([^"]+)"', quarto[0]) if quarto else None
    if named:
        assert named[1] in re.split(r"[.\[]", ours[0].split(":")[0]), (ours, quarto)
