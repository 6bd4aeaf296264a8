"""The API reference appendix: complete, strict about docstrings, and valid book markdown."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import types
from pathlib import Path

import pytest

from analysis.book import load_project, pandoc
from analysis.book.api_reference import (
    MODULES,
    SIGNATURE_WIDTH,
    DocstringError,
    api_reference,
    docstring_markdown,
    signature_text,
)
from analysis.book.validate import load_and_validate

REPOSITORY = Path(__file__).resolve().parents[2]
#: A published reference: an author and a year ("Low & Low 2004", "Evans et al. 2024",
#: "Spiegelhalter (2005"), or the reference implementation the project agrees with.
REFERENCE = re.compile(
    r"[A-Z][a-z][\w'-]+(?: et al\.?|,? (?:&|and) [A-Z][a-z][\w'-]+)?,? \(?(?:19|20)\d\d"
    r"|PHEindicatormethods"
)
STATISTICS_MODULES = (
    "analysis.measures",
    "analysis.inequality",
    "analysis.models",
    "analysis.segmentation",
)


@pytest.fixture(scope="module")
def reference() -> str:
    return api_reference()


@pytest.fixture(scope="module")
def reference_ast(reference) -> dict:
    return pandoc.read_markdown("# API reference {#sec-api}\n\n" + reference)


def test_every_exported_name_has_a_section(reference):
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        assert f"## {module_name} {{#api-{module_name.replace('.', '-')}}}" in reference
        names = getattr(module, "__all__", None)
        if names is None:  # modules without __all__: their own public functions and classes
            names = [
                n
                for n, v in vars(module).items()
                if not n.startswith("_")
                and (inspect.isfunction(v) or inspect.isclass(v))
                and v.__module__ == module_name
            ]
        assert names, module_name
        for name in names:
            anchor = f"api-{module_name.replace('.', '-')}-{name}"
            assert re.search(
                rf"^### {re.escape(name)} \{{#{anchor} \.unnumbered\}}$", reference, re.M
            )


def test_modules_without_all_list_their_functions_but_not_private_ones(reference):
    assert "{#api-analysis-config-load_config " in reference
    assert "{#api-analysis-indicators-compute_indicators " in reference
    assert "_check_keys" not in reference and "def " not in reference


def test_class_members_and_aliases(reference):
    assert (
        "#### PeopleSegmentation.assign {#api-analysis-segmentation-PeopleSegmentation-assign"
        in reference
    )
    assert "#### ModelFit.scale " in reference  # a property
    alias = reference.split("### SyntheticPopulation ", 1)[1].split("###", 1)[0]
    assert "Another name for [`Dataset`](#api-analysis-data-Dataset)." in alias


def test_constants_are_documented_from_their_comment(reference):
    section = reference.split("### QUALITATIVE ", 1)[1].split("###", 1)[0]
    assert "QUALITATIVE = ('#005EB8'" in section
    assert "Colours for unordered groups" in section


def _fake_module(name: str, **objects) -> types.ModuleType:
    module = types.ModuleType(name, "A fake module for the test.")
    module.__dict__.update(objects)
    module.__all__ = list(objects)
    return module


def test_a_missing_docstring_is_an_error_naming_each_object():
    def undocumented(x):
        return x

    def documented(x):
        """Documented."""
        return x

    @dataclasses.dataclass
    class Result:  # @dataclass writes "Result(value: int)" as its __doc__: not a docstring
        value: int

    class Fitted:
        """Documented class with an undocumented method."""

        def predict(self):
            return 1

    fake = _fake_module(
        "fake_api", undocumented=undocumented, documented=documented, Result=Result, Fitted=Fitted
    )
    with pytest.raises(DocstringError) as error:
        api_reference([fake])
    message = str(error.value)
    for name in ("fake_api.undocumented", "fake_api.Result", "fake_api.Fitted.predict"):
        assert name in message
    assert "fake_api.documented" not in message and "fake_api.Fitted," not in message


def test_a_module_without_a_docstring_is_an_error():
    bare = types.ModuleType("bare_api")
    bare.__all__ = []
    with pytest.raises(DocstringError, match="bare_api"):
        api_reference([bare])


def test_output_passes_the_offline_validator(tmp_path, reference):
    (tmp_path / "_quarto.yml").write_text(
        "book:\n  title: T\n  chapters:\n    - index.qmd\n  appendices:\n    - api.qmd\n"
        "bibliography: references.bib\n"
    )
    (tmp_path / "references.bib").write_text((REPOSITORY / "references.bib").read_text())
    (tmp_path / "index.qmd").write_text("# Preface\n")
    (tmp_path / "api.qmd").write_text("# API reference {#sec-api}\n\n" + reference)
    chapters = load_and_validate(load_project(tmp_path))
    assert len(chapters) == 2


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_no_prose_turns_into_citations_maths_or_raw_html(reference_ast):
    kinds = {node.get("t") for node in _walk(reference_ast["blocks"])}
    assert not kinds & {"Cite", "Math", "RawInline", "RawBlock", "Table"}


def test_module_sections_are_numbered_and_object_headings_are_not(reference_ast):
    labels = pandoc.number_labels(reference_ast, "A", "api.html")
    modules = {k: v["number"] for k, v in labels.items() if k.count("-") == 2}  # api-analysis-x
    assert sorted(modules.values()) == [f"A.{i}" for i in range(1, len(MODULES) + 1)]
    numbered = [v for k, v in labels.items() if v["number"] and k not in modules]
    assert [v["kind"] for v in numbered] == ["chapter"]
    ids = [n["c"][1][0] for n in reference_ast["blocks"] if n["t"] == "Header"]
    assert len(ids) == len(set(ids))  # unique anchors, also across the PDF


def test_signatures_fit_the_page(reference):
    blocks = re.findall(r"^#{3,4} [^\n]*\n\n```python\n(.*?)\n```", reference, re.M | re.S)
    assert len(blocks) > 50
    for block in blocks:
        assert max(map(len, block.split("\n"))) <= SIGNATURE_WIDTH, block
    crude_rate = re.search(r"^crude_rate\(\n(    .*,\n)+\) -> pd.DataFrame$", reference, re.M)
    assert crude_rate, "a long signature puts one parameter on each line"


def test_signature_forms():
    def f(a, b: int = 2, /, c=None, *args, d: str = "x", **kwargs) -> float:
        """Doc."""

    assert (
        signature_text("f", f)
        == "f(a, b: int = 2, /, c=None, *args, d: str = 'x', **kwargs) -> float"
    )
    long = signature_text("f", f, width=30)
    assert long.split("\n")[0] == "f(" and long.endswith(") -> float")
    assert "    *args,\n" in long and "    /,\n" in long
    assert signature_text("ValueError", ValueError) == "class ValueError(Exception)"


def test_google_and_numpy_sections_become_lists():
    google = "Summary.\n\nArgs:\n    x: first\n        continued.\n    y (int): second.\n\nReturns:\n    A frame."
    numpy = "Summary.\n\nParameters\n----------\nx, y\n    Both.\nz : float\n    Third.\n\nRaises\n------\nInputError\n    When bad."
    assert docstring_markdown(google) == (
        "Summary.\n\n**Parameters**\n\n- `x`: first continued.\n- `y` (int): second.\n\n"
        "**Returns**\n\nA frame."
    )
    assert docstring_markdown(numpy) == (
        "Summary.\n\n**Parameters**\n\n- `x`, `y`: Both.\n- `z` (float): Third.\n\n"
        "**Raises**\n\n- `InputError`: When bad."
    )


def test_rest_markup_doctests_and_literal_blocks():
    doc = (
        "See :func:`~analysis.measures.mean`, :class:`Thing <pkg.Thing>` and :mod:`.theme`;\n"
        "``x @ y`` costs $5 <b>, [1] #2 and @smith2020.\n\n"
        "The formula::\n\n    y = a * x\n\n"
        ">>> 1 + 1  # doctest: +SKIP\n2\n>>> print('a\\n\\nb')\na\n<BLANKLINE>\nb"
    )
    out = docstring_markdown(doc, {"analysis.measures.mean": "api-mean"})
    paragraph = out.split("\n\n")[0]
    assert paragraph.startswith("See [`mean`](#api-mean), `Thing` and `theme`;")
    assert "`x @ y` costs \\$5 \\<b\\>, \\[1\\] \\#2 and \\@smith2020." in paragraph
    assert "The formula:\n\n```text\ny = a * x\n```" in out
    assert "**Examples**\n\n```python\n>>> 1 + 1\n2\n>>> print('a\\n\\nb')\na\n\nb\n```" in out


def test_an_example_that_raises_shows_the_error_without_a_traceback():
    doc = (
        "Checks.\n\n>>> check(-1)\nTraceback (most recent call last):\n    ...\n"
        "ValueError: x must be positive\n>>> check(1)\n1"
    )
    out = docstring_markdown(doc)
    assert "```python\n>>> check(-1)\nValueError: x must be positive\n>>> check(1)\n1\n```" in out
    assert "Traceback" not in out and "..." not in out


def test_bullets_get_a_blank_line_before_them():
    out = docstring_markdown("Two kinds:\n- one,\n  still one;\n- two.")
    assert out == "Two kinds:\n\n- one, still one;\n- two."


@pytest.mark.parametrize("module_name", STATISTICS_MODULES)
def test_exported_statistics_state_their_method_and_reference(module_name):
    module = importlib.import_module(module_name)
    for name in module.__all__:
        obj = getattr(module, name)
        if not inspect.isfunction(obj):
            continue  # result classes describe outputs, not methods
        doc = obj.__doc__ or ""
        assert re.search(r"\bMethod\b", doc), f"{module_name}.{name}: no 'Method:' paragraph"
        assert REFERENCE.search(doc), f"{module_name}.{name}: no published reference"


def test_the_appendix_chapter_prints_the_reference():
    project = load_project(REPOSITORY)
    assert "chapters/api-reference.qmd" in project.appendices
    source = (REPOSITORY / "chapters/api-reference.qmd").read_text()
    assert "#| output: asis" in source and "print(api_reference())" in source
