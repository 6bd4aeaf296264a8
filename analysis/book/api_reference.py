"""The book's API reference: markdown generated from the docstrings of the ``analysis`` package.

:func:`api_reference` documents every public object of :data:`MODULES` -- the names in each
module's ``__all__`` or, for a module without one, the functions and classes defined in it
whose names do not start with ``_`` -- and the public methods and properties of those
classes. Each gets a heading, its signature (one parameter a line when it would not fit the
PDF page) and its docstring as markdown: numpy-style (``Parameters`` / ``-----``) and
Google-style (``Args:``) sections become a bold title with a list of parameters, doctest
examples (``>>>``) and literal blocks (``::``) become code blocks, reST roles
(``:func:`x```) and ``literals`` become code, linked when they name a documented object.
Characters that markdown would read as markup (``@``, ``$``, ``<``, ...) are escaped, so
prose cannot turn into citations, maths or HTML. An object without a docstring is an error
naming it, so the reference cannot silently fall behind the code.

The appendix ``chapters/api-reference.qmd`` prints the markdown from an ``output: asis``
cell, so it renders the same with Quarto and offline. Module sections are numbered like any
section (A.1, A.2, ...); object headings are unnumbered so the numbering stays readable.

>>> text = api_reference(["analysis.report"])
>>> text.splitlines()[0]
'## analysis.report {#api-analysis-report}'
>>> "### theme_nhs {#api-analysis-report-theme_nhs .unnumbered}" in text
True
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pprint
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

#: The modules the appendix documents, in reading order.
MODULES = (
    "analysis.data",
    "analysis.measures",
    "analysis.inequality",
    "analysis.models",
    "analysis.segmentation",
    "analysis.report",
    "analysis.rbridge",
    "analysis.config",
    "analysis.indicators",
)
#: Widest signature line (characters): wider ones put one parameter on each line. The PDF's
#: code blocks hold about 90 characters of 8-point DejaVu Sans Mono.
SIGNATURE_WIDTH = 88

#: Google-style section titles (``Args:`` on a line of its own, the body indented).
GOOGLE_SECTIONS = {
    "args": "Parameters",
    "arguments": "Parameters",
    "parameters": "Parameters",
    "keyword arguments": "Keyword arguments",
    "attributes": "Attributes",
    "returns": "Returns",
    "return": "Returns",
    "yields": "Yields",
    "raises": "Raises",
    "examples": "Examples",
    "example": "Examples",
    "notes": "Notes",
    "note": "Notes",
    "references": "References",
    "see also": "See also",
}
#: Sections whose body is a list of names with descriptions.
ITEM_SECTIONS = {"Parameters", "Keyword arguments", "Attributes", "Raises", "Other parameters"}

UNDERLINE = re.compile(r"^\s*(-{3,}|={3,})\s*$")
GOOGLE_TITLE = re.compile(r"^(?P<title>[A-Za-z][A-Za-z ]*?)(?: \([^)]*\))?:\s*$")
BULLET = re.compile(r"^([-*+]|\d+[.)])\s+")
NUMPY_ITEM = re.compile(r"^(?P<names>\*{0,2}\w[\w*, ]*?)\s+:\s+(?P<type>.+)$")
GOOGLE_ITEM = re.compile(
    r"^(?P<names>\*{0,2}\w[\w*, .]*?)(?:\s*\((?P<type>[^)]*)\))?:(?:\s+(?P<desc>.*))?$"
)
BARE_ITEM = re.compile(r"^\*{0,2}\w[\w*, ]*$")
INLINE_MARKUP = re.compile(
    r":(?:py:)?(?P<role>[a-z]+):`(?P<target>[^`]+)`"  # :func:`x`
    r"|``(?P<literal>.+?)``"  # ``code``
    r"|`(?P<interpreted>[^`]+)`"  # `text` (reST's default role)
)
EXPLICIT_TITLE = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^>]+)>$")
#: Characters escaped in prose: citations (@), maths ($), raw HTML (<>), links ([]),
#: headings (#), tables (|), sub/superscript (~^) and code (`).
MARKDOWN_SPECIAL = re.compile(r"([\\`@$<>\[\]#|~^])")
DOCTEST_DIRECTIVE = re.compile(r"\s*#\s*doctest:.*$")


class DocstringError(ValueError):
    """Public objects without a docstring; the message names each one."""


@dataclass(frozen=True)
class Entry:
    """One documented object: its dotted name, heading anchor and the object itself."""

    name: str  # as the reader imports it, e.g. "analysis.measures.crude_rate"
    anchor: str
    obj: object
    doc: str | None
    alias_of: str | None = None  # another documented name for the same object
    member: bool = False  # a method or property of a documented class


def api_reference(modules: Iterable[str | ModuleType] = MODULES) -> str:
    """Markdown reference of ``modules`` (module names or modules), one ``##`` section each.

    Raises :class:`DocstringError` naming every public object (function, class, public
    method or property, constant) that has no docstring.
    """
    modules = [importlib.import_module(m) if isinstance(m, str) else m for m in modules]
    entries = {m.__name__: _module_entries(m) for m in modules}
    missing = [
        e.name for group in entries.values() for e in group if e.alias_of is None and not e.doc
    ]
    missing += [name for m in modules if not _own_doc(m) for name in [m.__name__]]
    if missing:
        raise DocstringError(
            "no docstring for: "
            + ", ".join(sorted(missing))
            + ". Every public object in the API reference needs one (what it does, the method "
            "and its reference for a statistic, an example); see CONTRIBUTING.md."
        )
    links = {e.name: e.anchor for group in entries.values() for e in group}
    links |= {m.__name__: _anchor(m.__name__) for m in modules}
    blocks: list[str] = []
    for module in modules:
        blocks.append(f"## {module.__name__} {{#{_anchor(module.__name__)}}}")
        blocks.append(docstring_markdown(_own_doc(module) or "", links))
        for entry in entries[module.__name__]:
            blocks.append(_entry_markdown(entry, links))
    return "\n\n".join(b for b in blocks if b) + "\n"


def public_names(module: ModuleType) -> list[str]:
    """``module.__all__``, or the functions and classes defined in ``module`` whose names do
    not start with ``_`` (in source order)."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    ]


def _module_entries(module: ModuleType) -> list[Entry]:
    entries: list[Entry] = []
    seen: dict[int, str] = {}
    for name in public_names(module):
        obj = getattr(module, name)
        full = f"{module.__name__}.{name}"
        original = seen.get(id(obj)) if (inspect.isclass(obj) or inspect.isroutine(obj)) else None
        if original is None and getattr(obj, "__name__", name) != name:
            # e.g. SyntheticPopulation = Dataset: document the original name, link the alias
            other = getattr(module, obj.__name__, None) if hasattr(obj, "__name__") else None
            if other is obj:
                original = f"{module.__name__}.{obj.__name__}"
        entry = Entry(full, _anchor(full), obj, _object_doc(module, name, obj), original)
        entries.append(entry)
        seen.setdefault(id(obj), full)
        if inspect.isclass(obj) and original is None:
            entries += [
                Entry(
                    f"{full}.{name}", _anchor(f"{full}.{name}"), value, _own_doc(value), member=True
                )
                for name, value in _class_members(obj)
            ]
    return entries


def _class_members(cls: type) -> list[tuple[str, object]]:
    """Public methods and properties defined by ``cls`` itself (not dataclass fields)."""
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    members = []
    for name, value in vars(cls).items():
        if name.startswith("_") or name in fields:
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if inspect.isfunction(value) or isinstance(value, property):
            members.append((name, value))
    return members


def _own_doc(obj: object) -> str | None:
    """The object's own docstring (not one inherited, nor the one dataclasses invent)."""
    doc = obj.fget.__doc__ if isinstance(obj, property) else getattr(obj, "__doc__", None)
    if inspect.isclass(obj):
        doc = vars(obj).get("__doc__")
        if dataclasses.is_dataclass(obj) and doc and doc.startswith(f"{obj.__name__}("):
            return None  # generated by @dataclass
    return inspect.cleandoc(doc) if doc and doc.strip() else None


def _object_doc(module: ModuleType, name: str, obj: object) -> str | None:
    if inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj):
        return _own_doc(obj)
    return _constant_doc(module, name)


def _constant_doc(module: ModuleType, name: str) -> str | None:
    """The ``#:`` comment lines above ``name = ...`` in the module that defines it (the
    package's own source or the module it imports the name from)."""
    source_module = module
    tree = _parse(module)
    for node in tree.body if tree else []:
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and any((alias.asname or alias.name) == name for alias in node.names)
        ):
            source_module = importlib.import_module(node.module)
    path = getattr(source_module, "__file__", None)
    if not path:
        return None
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            comments = []
            line = node.lineno - 2
            while line >= 0 and lines[line].startswith("#:"):
                comments.insert(0, lines[line][2:].strip())
                line -= 1
            return "\n".join(comments) or None
    return None


def _parse(module: ModuleType) -> ast.Module | None:
    path = getattr(module, "__file__", None)
    return ast.parse(Path(path).read_text(encoding="utf-8")) if path else None


def _anchor(name: str) -> str:
    return "api-" + name.replace(".", "-")


def _entry_markdown(entry: Entry, links: dict[str, str]) -> str:
    title = ".".join(entry.name.split(".")[-2 if entry.member else -1 :])
    level = "####" if entry.member else "###"
    heading = f"{level} {_escape(title)} {{#{entry.anchor} .unnumbered}}"
    if entry.alias_of:
        return f"{heading}\n\nAnother name for {_link(entry.alias_of, links)}."
    code = _fenced(signature_text(title, entry.obj, method=entry.member), "python")
    return "\n\n".join(p for p in (heading, code, docstring_markdown(entry.doc or "", links)) if p)


def signature_text(
    name: str, obj: object, *, method: bool = False, width: int = SIGNATURE_WIDTH
) -> str:
    """How to call ``obj``, e.g. ``crude_rate(data: pd.DataFrame, x: str, ...) -> pd.DataFrame``,
    with one parameter a line when the one-line form is wider than ``width``.

    >>> print(signature_text("f", lambda a, *, b=1: None))
    f(a, *, b=1)
    """
    if isinstance(obj, property):
        annotation = inspect.signature(obj.fget).return_annotation
        return name + (
            "" if annotation is inspect.Signature.empty else f": {_annotation(annotation)}"
        )
    if not callable(obj):
        return f"{name} = {_value(obj, width - len(name) - 3)}"
    prefix = "class " if inspect.isclass(obj) else ""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):  # e.g. exception classes
        bases = ", ".join(b.__name__ for b in getattr(obj, "__bases__", ()) if b is not object)
        return f"{prefix}{name}({bases})" if bases else f"{prefix}{name}"
    parameters = list(signature.parameters.values())
    if method and parameters and parameters[0].name in {"self", "cls"}:
        parameters = parameters[1:]
    texts = _parameter_texts(parameters)
    returns = ""
    if not inspect.isclass(obj) and signature.return_annotation is not inspect.Signature.empty:
        returns = f" -> {_annotation(signature.return_annotation)}"
    one_line = f"{prefix}{name}({', '.join(texts)}){returns}"
    if len(one_line) <= width:
        return one_line
    body = "".join(f"    {t},\n" for t in _parameter_texts(parameters, width - 5))
    return f"{prefix}{name}(\n{body}){returns}"


def _parameter_texts(parameters: list[inspect.Parameter], width: int = 0) -> list[str]:
    """``name: annotation = default`` of each parameter, with ``*`` and ``/`` markers; with a
    ``width``, a default that does not fit is spread over lines."""
    texts: list[str] = []
    star_done = False
    for i, p in enumerate(parameters):
        if p.kind is p.KEYWORD_ONLY and not star_done:
            texts.append("*")
        if p.kind in {p.VAR_POSITIONAL, p.KEYWORD_ONLY, p.VAR_KEYWORD}:
            star_done = True
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.annotation is not p.empty:
            text += f": {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += " = " if p.annotation is not p.empty else "="
            text += _value(p.default, width - len(text) if width else 0, indent=8)
        texts.append(text)
        following = parameters[i + 1] if i + 1 < len(parameters) else None
        if p.kind is p.POSITIONAL_ONLY and (
            following is None or following.kind is not p.POSITIONAL_ONLY
        ):
            texts.append("/")
    return texts


def _annotation(annotation: object) -> str:
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def _value(value: object, width: int = 0, indent: int = 4) -> str:
    """``repr(value)``, spread over lines indented by ``indent`` when wider than ``width``."""
    if value is dataclasses.MISSING or type(value).__name__ == "_HAS_DEFAULT_FACTORY_CLASS":
        return "<factory>"
    text = repr(value)
    if not width or len(text) <= width:
        return text
    return pprint.pformat(value, width=max(width, 40), compact=True).replace(
        "\n", "\n" + " " * indent
    )


def docstring_markdown(doc: str, links: dict[str, str] | None = None) -> str:
    """A (cleaned) docstring as pandoc markdown; see the module docstring for the rules.

    ``links`` maps documented dotted names to heading anchors.

    >>> print(docstring_markdown("Sum of ``x``, see :func:`total`.\\n\\nArgs:\\n    x: numbers."))
    Sum of `x`, see `total`.
    <BLANKLINE>
    **Parameters**
    <BLANKLINE>
    - `x`: numbers.
    """
    links = links or {}
    blocks: list[str] = []
    for title, lines in _sections(doc.splitlines()):
        if title:
            blocks.append(f"**{_inline(title, links)}**")
        if title in ITEM_SECTIONS:
            items = _items(lines, links)
            blocks.append(items if items else "\n\n".join(_blocks(lines, links)))
            continue
        for block in _blocks(lines, links):
            if block.startswith("```python\n>>>") and not (title or "").startswith("Example"):
                blocks.append("**Examples**")
                title = "Examples"
            blocks.append(block)
    return "\n\n".join(b for b in blocks if b.strip())


def _sections(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """Split a docstring into (title, body lines) at numpy ("Title" over "-----") and Google
    ("Args:" over an indented body) section headings; the first section has no title."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    i = 0
    while i < len(lines):
        line = lines[i]
        following = lines[i + 1] if i + 1 < len(lines) else ""
        google = GOOGLE_TITLE.match(line)
        if line.strip() and not line.startswith(" ") and UNDERLINE.match(following):
            sections.append((_section_title(line.strip()), []))
            i += 2
            continue
        if google and google["title"].lower() in GOOGLE_SECTIONS and following.startswith(" "):
            body = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                body.append(lines[i])
                i += 1
            sections.append((GOOGLE_SECTIONS[google["title"].lower()], _dedent(body)))
            sections.append((None, []))
            continue
        sections[-1][1].append(line)
        i += 1
    return [(t, body) for t, body in sections if t or any(s.strip() for s in body)]


def _section_title(text: str) -> str:
    return GOOGLE_SECTIONS.get(text.lower(), text)


def _dedent(lines: list[str]) -> list[str]:
    return textwrap.dedent("\n".join(lines)).split("\n")


def _items(lines: list[str], links: dict[str, str]) -> str:
    """A parameters-like section as a bullet list; "" if its lines are not name entries."""
    items: list[tuple[str, str | None, list[str]]] = []
    for line in lines:
        if not line.strip():
            if items:
                items[-1][2].append("")
            continue
        if line.startswith(" "):
            if not items:
                return ""
            items[-1][2].append(line)
            continue
        numpy, google = NUMPY_ITEM.match(line), GOOGLE_ITEM.match(line)
        if numpy:
            items.append((numpy["names"], numpy["type"], []))
        elif google:
            items.append((google["names"], google["type"], [google["desc"] or ""]))
        elif BARE_ITEM.match(line):
            items.append((line, None, []))
        else:
            return ""
    rendered = []
    for names, type_, description in items:
        label = ", ".join(_code(n.strip()) for n in names.split(",") if n.strip())
        if type_:
            label += f" ({_inline(type_, links)})"
        body = _blocks(_dedent([description[0].strip(), *_dedent(description[1:])]), links)
        text = "\n\n".join(body)
        first, *rest = text.split("\n") if text else [""]
        rendered.append(
            f"- {label}"
            + (f": {first}" if first else "")
            + "".join(f"\n  {r}" if r else "\n" for r in rest)
        )
    return "\n".join(rendered)


def _without_traceback(lines: list[str]) -> list[str]:
    """A doctest example that raises, shown as the error alone: the "Traceback (most recent
    call last):" header and the "..." standing for its frames are left out."""
    kept: list[str] = []
    in_traceback = False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
        elif not (in_traceback and (line.startswith(" ") or line.strip() == "...")):
            in_traceback = False
            kept.append(line)
    return kept


def _blocks(lines: list[str], links: dict[str, str]) -> list[str]:
    """Prose lines as markdown blocks: paragraphs (joined), bullet lists, doctest and literal
    code blocks."""
    blocks: list[str] = []
    paragraph: list[str] = []
    literal_next = False

    def flush() -> None:
        nonlocal literal_next
        if paragraph:
            text = " ".join(s.strip() for s in paragraph)
            if text.endswith("::"):
                literal_next = True
                text = text[:-2].rstrip() + (":" if not text[:-2].endswith(" ") else "")
            blocks.append(_inline(text, links))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
            i += 1
            continue
        if stripped.startswith(">>>"):
            flush()
            literal_next = False
            end = i
            while end < len(lines) and lines[end].strip():
                end += 1
            code = [DOCTEST_DIRECTIVE.sub("", s) for s in _without_traceback(_dedent(lines[i:end]))]
            blocks.append(_fenced("\n".join(c.replace("<BLANKLINE>", "") for c in code), "python"))
            i = end
            continue
        if literal_next and line.startswith(" ") and not paragraph:
            end = i
            while end < len(lines) and (not lines[end].strip() or lines[end].startswith(" ")):
                end += 1
            blocks.append(_fenced("\n".join(_dedent(lines[i:end])).strip("\n"), "text"))
            literal_next = False
            i = end
            continue
        literal_next = False
        if BULLET.match(line):
            flush()
            items = []
            while i < len(lines) and lines[i].strip():
                if BULLET.match(lines[i]) or not items:
                    marker = BULLET.match(lines[i])
                    items.append([lines[i][marker.end() if marker else 0 :]])
                else:
                    items[-1].append(lines[i])
                i += 1
            blocks.append(
                "\n".join(
                    f"- {_inline(' '.join(s.strip() for s in item), links)}" for item in items
                )
            )
            continue
        paragraph.append(line)
        i += 1
    flush()
    return blocks


def _inline(text: str, links: dict[str, str]) -> str:
    """reST inline markup as markdown: roles and literals as code (linked when documented),
    everything else escaped except *emphasis*."""
    out: list[str] = []
    position = 0
    for match in INLINE_MARKUP.finditer(text):
        out.append(_escape(text[position : match.start()]))
        position = match.end()
        if match["role"]:
            out.append(_role(match["role"], match["target"], links))
        else:
            out.append(_code(match["literal"] or match["interpreted"]))
    out.append(_escape(text[position:]))
    return "".join(out)


def _role(role: str, target: str, links: dict[str, str]) -> str:
    explicit = EXPLICIT_TITLE.match(target)
    title, target = (explicit["title"], explicit["target"]) if explicit else (None, target)
    short = target.startswith("~")
    target = target.lstrip("~").lstrip(".")
    shown = title or (target.rsplit(".", 1)[-1] if short else target)
    return _link(target, links, shown, exact=role == "mod")


def _link(target: str, links: dict[str, str], shown: str | None = None, *, exact=False) -> str:
    """``shown`` as code, linked to ``target``'s anchor: the documented object of that dotted
    name or, unless ``exact``, the only one whose name ends with it."""
    shown = shown or target.rsplit(".", 1)[-1]
    anchor = links.get(target)
    if anchor is None and not exact:
        matches = {a for name, a in links.items() if name.endswith("." + target)}
        anchor = matches.pop() if len(matches) == 1 else None
    return f"[{_code(shown)}](#{anchor})" if anchor else _code(shown)


def _code(text: str) -> str:
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _escape(text: str) -> str:
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _fenced(code: str, language: str) -> str:
    fence = "`" * max(3, max((len(r) for r in re.findall(r"`{3,}", code)), default=0) + 1)
    return f"{fence}{language}\n{code}\n{fence}"
