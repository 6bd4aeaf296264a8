r"""Quarto's own YAML schemas, to check the book's sources as Quarto would, without Quarto.

``schema/`` holds the schema files of quarto-cli (``src/resources/schema/``, at the release
named in ``VERSION``; MIT licence in ``LICENSE``): ``project.yml`` (the keys of
``_quarto.yml``), ``document-*.yml`` (front-matter and format options), ``cell-*.yml``
(code-cell options), ``definitions.yml`` (named schemas they refer to) and
``format-aliases.yml`` (groups of output formats). They are read by :mod:`.dsl`. From them
this module builds the three checks Quarto makes on a book, as quarto-cli assembles them:

- :func:`project_problems` -- ``_quarto.yml``: the project keys, plus everything a document's
  front matter may hold (book-wide defaults);
- :func:`front_matter_problems` -- a chapter's YAML front matter: the options of every
  ``document-*`` file (and the cell options documents may set), ``execute:`` and
  ``format:``, where each format's options are those the schemas enable for it;
- :func:`cell_option_problems` -- a code cell's ``#|`` options for an engine (the Jupyter
  engine runs Python cells): the ``cell-*`` options without an engine tag or tagged for it.

Values are read as Quarto reads YAML (:func:`read_yaml`), so ``yes`` is a string, not true.
Unknown keys pass, as in Quarto (front matter is open to any metadata); wrong types and
values fail.

>>> cell_option_problems("echo: sometimes\nfig-cap: A caption\n")
["echo: is 'sometimes'; it must be true or false or 'fenced'"]
>>> front_matter_problems("title: Intro\nformat:\n  html:\n    code-fold: true\n")
[]
"""

from __future__ import annotations

import fnmatch
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from analysis.book.quarto_schema.dsl import (
    AllOfSchema,
    AnyOfSchema,
    Definitions,
    EnumSchema,
    ObjectSchema,
    RefSchema,
    Schema,
    TypeSchema,
    compile_schema,
)

FOLDER = Path(__file__).parent / "schema"
#: The quarto-cli release the schema files come from.
VERSION = (Path(__file__).parent / "VERSION").read_text(encoding="utf-8").split()[0]
#: Output formats besides pandoc's that Quarto accepts under ``format:``.
QUARTO_FORMATS = ("md", "hugo", "dashboard", "email")

__all__ = [
    "VERSION",
    "cell_option_problems",
    "front_matter_problems",
    "project_problems",
    "read_yaml",
]


class _QuartoYamlLoader(yaml.SafeLoader):
    """YAML 1.2's JSON schema, as Quarto reads YAML: null, true/false, integers and floats.

    Everything else (``yes``, ``on``, dates) stays a string.
    """


_QuartoYamlLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+0123456789."),
    ),
]:
    _QuartoYamlLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), _first
    )


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    return int(text.replace("0o", "", 1), 8) if text.startswith("0o") else int(text, 0)


_QuartoYamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def read_yaml(text: str) -> Any:
    r"""YAML as Quarto reads it (the JSON schema of YAML 1.2, not PyYAML's YAML 1.1).

    >>> read_yaml("a: yes\nb: true\nc: 2024-01-01\nd: 0x10\n")
    {'a': 'yes', 'b': True, 'c': '2024-01-01', 'd': 16}
    """
    return yaml.load(text, Loader=_QuartoYamlLoader)  # noqa: S506 (a safe loader)


def project_problems(text: str) -> list[str]:
    """Problems Quarto's schema finds in the text of ``_quarto.yml``."""
    return [
        "type: a top-level 'type' is not allowed in project configuration; "
        "did you mean 'project: type: ...'?"
        if problem.startswith("type: ")
        else problem
        for problem in _problems(_project_schema(), text)
    ]


def front_matter_problems(text: str) -> list[str]:
    """Problems Quarto's schema finds in a document's YAML front matter (the text between the ``---`` lines)."""
    return _problems(_front_matter_schema(), text)


def cell_option_problems(text: str, engine: str = "jupyter") -> list[str]:
    """Problems Quarto's schema finds in a code cell's options (its ``#|`` lines without the ``#|``) for ``engine`` (``jupyter`` runs Python cells.

    Also ``knitr``, ``julia``, ``markdown``).
    """
    return _problems(_cell_schema(engine), text)


def _problems(schema: Schema, text: str) -> list[str]:
    try:
        value = read_yaml(text)
    except yaml.YAMLError as error:
        return [f"not valid YAML: {error}"]
    if value is None:
        value = {}
    return [f"{where or 'the options'}: {what}" for where, what in schema.errors(value)]


# -- the schema files --------------------------------------------------------------------


def _read(name: str) -> Any:
    return _string_keys(read_yaml((FOLDER / name).read_text(encoding="utf-8")))


def _string_keys(value: Any) -> Any:
    """Return mapping keys as strings (JavaScript objects have only string keys: ``null:``)."""
    if isinstance(value, dict):
        return {_key(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def _key(key: Any) -> str:
    if key is None or isinstance(key, bool):
        return {None: "null", True: "true", False: "false"}[key]
    return str(key)


@cache
def _definitions() -> Definitions:
    return Definitions.from_list(_read("definitions.yml"))


@cache
def _field_files() -> dict[str, list[dict]]:
    """Return the fields of each ``document-*`` and ``cell-*`` file, by file stem."""
    paths = sorted([*FOLDER.glob("document-*.yml"), *FOLDER.glob("cell-*.yml")])
    return {path.stem: _read(path.name) for path in paths}


@cache
def _field_schema(stem: str, index: int) -> Schema:
    return compile_schema(_field_files()[stem][index]["schema"], _definitions())


def _fields_in(context: str) -> list[tuple[str, int, dict]]:
    """(file stem, position, field) of the fields whose file, or one of whose ``tags.contexts``, matches the glob ``context`` (e.g. ``document-*``)."""
    found = []
    for stem, fields in _field_files().items():
        for index, spec in enumerate(fields):
            contexts = (spec.get("tags") or {}).get("contexts") or []
            if fnmatch.fnmatchcase(stem, context) or any(
                fnmatch.fnmatchcase(c, context) for c in contexts
            ):
                found.append((stem, index, spec))
    return found


def _object_of(fields: list[tuple[str, int, dict]]) -> ObjectSchema:
    properties: dict[str, Schema] = {}
    for stem, index, spec in fields:
        schema = _field_schema(stem, index)
        properties[spec["name"]] = schema
        if spec.get("alias"):
            properties[spec["alias"]] = schema
    return ObjectSchema(properties=properties)


@cache
def _format_aliases() -> dict[str, list[str]]:
    return _read("format-aliases.yml")["aliases"]


def _expand(formats: list[str]) -> set[str]:
    """Format names with ``$alias`` groups expanded (recursively)."""
    expanded: set[str] = set()
    pending = list(formats)
    while pending:
        name = pending.pop()
        if name.startswith("$"):
            pending += _format_aliases()[name[1:]]
        else:
            expanded.add(name)
    return expanded


def _field_formats(spec: dict) -> list[str]:
    """Return the formats a field is limited to (``!name``: every format but that one)."""
    tags = spec.get("tags") or {}
    if "formats" in tags:
        return list(tags["formats"])
    if spec.get("disabled") is not None:
        return [f"!{name}" for name in spec["disabled"]]
    return list(spec.get("enabled") or [])


def _applies_to(spec: dict, output_format: str) -> bool:
    formats = _field_formats(spec)
    disabled = [f[1:] for f in formats if f.startswith("!")]
    enabled = [f for f in formats if not f.startswith("!")]
    if disabled and output_format in _expand(disabled):
        return False
    return not enabled or output_format in _expand(enabled)


# -- the schemas Quarto checks a book with ----------------------------------------------------


@cache
def _execute_schema() -> Schema:
    return _object_of(_fields_in("document-execute"))


@cache
def _format_schema() -> Schema:
    """``format:``: a format name, or a mapping from format names (``html``, ``typst``, ..., also with a prefix or extensions such as ``acm-html``) to that format's options."""
    names = [*_format_aliases()["pandoc-all"], *QUARTO_FORMATS]
    documents = _fields_in("document-*")
    patterns = {rf"^(.+-)?{name}([-+].+)?$": name for name in names}
    lua = TypeSchema("string", r"^.+\.lua$")
    per_format = {
        pattern: AnyOfSchema(
            [
                _object_of([f for f in documents if _applies_to(f[2], name)]),
                EnumSchema(["default"]),
            ]
        )
        for pattern, name in patterns.items()
    }
    return AnyOfSchema(
        [
            AnyOfSchema([TypeSchema("string", pattern) for pattern in patterns] + [lua]),
            ObjectSchema(property_names=lua),
            ObjectSchema(pattern_properties=per_format, additional=False),
        ]
    )


@cache
def _front_matter_schema() -> Schema:
    execute = _execute_schema()
    documents = [f for f in _fields_in("document-*") if f[2]["name"] != "format"]
    return AnyOfSchema(
        [
            TypeSchema("null"),
            AllOfSchema(
                [
                    ObjectSchema(properties={"execute": execute, "format": _format_schema()}),
                    _object_of(documents),
                    execute,
                    RefSchema("quarto-dev-schema", _definitions()),
                ]
            ),
        ]
    )


@cache
def _project_schema() -> Schema:
    execute = _execute_schema()
    project_fields = _read("project.yml")
    properties = {}
    for spec in project_fields:
        properties[spec["name"]] = compile_schema(spec["schema"], _definitions())
    top = ObjectSchema(
        properties={
            "execute": execute,
            "format": _format_schema(),
            "profile": RefSchema("project-profile", _definitions()),
        }
    )
    return AllOfSchema([top, execute, _front_matter_schema(), ObjectSchema(properties)])


@cache
def _cell_schema(engine: str) -> Schema:
    def for_engine(spec: dict) -> bool:
        tag = (spec.get("tags") or {}).get("engine")
        return tag is None or tag == engine or (isinstance(tag, list) and engine in tag)

    return _object_of([f for f in _fields_in("cell-*") if for_engine(f[2])])
