"""Quarto's YAML schema language, read and applied in Python.

Quarto describes every option it accepts in YAML files written in its own small schema
language (documented by the meta-schema ``schema.yml`` in quarto-cli): a schema is one of
the names ``string``, ``path``, ``number``, ``boolean``, ``object``, ``any`` or ``null``; a
scalar (the value itself); or a mapping whose first key, in this order, says what it is --
``anyOf``, ``allOf``, ``boolean``, ``arrayOf``, ``enum``, ``maybeArrayOf`` (a value or a
list of values), ``null``, ``number``, ``object``, ``path``, ``record`` (a closed object
whose every property is required), ``ref`` (a named definition, looked up when used),
``resolveRef`` (a named definition, looked up at once), ``string``, ``pattern`` (a string
matching a regular expression) or ``schema`` (a wrapper that carries a description).
Objects are open unless ``closed: true``; ``super`` extends base objects (their properties,
required keys and closedness are inherited).

:func:`compile_schema` turns such a schema into a :class:`Schema` whose
:meth:`~Schema.errors` lists each place a value breaks it, the way Quarto's validator
decides (types as YAML reads them, strings matched with regular-expression search, enum
values compared by type and value). Quarto's own key-spelling hint for open objects is not
applied: its pattern never rejects a key, so Quarto accepts any unknown key there too.

>>> definitions = Definitions({"fold": {"enum": [True, False, "show"]}})
>>> schema = compile_schema({"object": {"properties": {"code-fold": {"ref": "fold"}}}},
...                         definitions)
>>> schema.errors({"code-fold": "sometimes", "other": 1})
[('code-fold', "is 'sometimes'; it must be one of true, false, 'show'")]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Error = tuple[str, str]  # (where, e.g. "format.html.toc", what is wrong)
#: The order in which a mapping's keys decide what kind of schema it is (as in Quarto).
KINDS = (
    "anyOf",
    "allOf",
    "boolean",
    "arrayOf",
    "enum",
    "maybeArrayOf",
    "null",
    "number",
    "object",
    "path",
    "record",
    "ref",
    "resolveRef",
    "string",
    "pattern",
    "schema",
)


class SchemaError(ValueError):
    """A schema file that does not follow the schema language."""


class Schema:
    """A compiled schema: :meth:`errors` of a value, and a short description of what it accepts, used in messages."""

    def errors(self, value: Any, where: str = "") -> list[Error]:
        """Return what is wrong with ``value`` (found at ``where``); empty when it is valid."""
        raise NotImplementedError

    def describe(self) -> str:
        """Return a short description of what the schema accepts, for error messages."""
        raise NotImplementedError


@dataclass
class AnySchema(Schema):
    """Any value at all (``any``)."""

    def errors(self, value: Any, where: str = "") -> list[Error]:
        return []

    def describe(self) -> str:
        return "any value"


@dataclass
class TypeSchema(Schema):
    """``string``, ``number``, ``boolean`` or ``null``; a string may have a pattern."""

    kind: str
    pattern: str | None = None

    def errors(self, value: Any, where: str = "") -> list[Error]:
        if not _is_type(value, self.kind):
            return [(where, f"is {_show(value)}; it must be {self.describe()}")]
        if self.pattern is not None and not re.search(self.pattern, value):
            return [(where, f"is {_show(value)}; it must be {self.describe()}")]
        return []

    def describe(self) -> str:
        if self.pattern is not None:
            return f"a string matching {self.pattern!r}"
        return {"string": "a string", "number": "a number", "boolean": "true or false"}.get(
            self.kind, "empty (null)"
        )


@dataclass
class EnumSchema(Schema):
    """One of a fixed list of values (``enum``)."""

    values: list

    def errors(self, value: Any, where: str = "") -> list[Error]:
        if any(_same(value, allowed) for allowed in self.values):
            return []
        return [(where, f"is {_show(value)}; it must be {self.describe()}")]

    def describe(self) -> str:
        shown = ", ".join(_show(v) for v in self.values)
        return f"one of {shown}" if len(self.values) > 1 else shown


@dataclass
class ArraySchema(Schema):
    """A list whose items all match ``items`` (``arrayOf``)."""

    items: Schema

    def errors(self, value: Any, where: str = "") -> list[Error]:
        if not isinstance(value, list):
            return [(where, f"is {_show(value)}; it must be {self.describe()}")]
        return [e for i, item in enumerate(value) for e in self.items.errors(item, f"{where}[{i}]")]

    def describe(self) -> str:
        return f"a list, each {self.items.describe()}"


@dataclass
class AnyOfSchema(Schema):
    """A value matching at least one of ``options`` (``anyOf``)."""

    options: list[Schema]

    def errors(self, value: Any, where: str = "") -> list[Error]:
        found = []
        for option in self.options:
            errors = option.errors(value, where)
            if not errors:
                return []
            found.append(errors)
        # the alternative that got furthest into the value explains the problem best (on a
        # tie, the last: Quarto's schemas list the general alternatives first)
        depths = [max(len(w) for w, _ in errors) for errors in found]
        deepest = found[max(range(len(found)), key=lambda i: (depths[i], i))]
        if max(len(w) for w, _ in deepest) > len(where):
            return deepest
        return [(where, f"is {_show(value)}; it must be {self.describe()}")]

    def describe(self) -> str:
        return " or ".join(dict.fromkeys(option.describe() for option in self.options))


@dataclass
class AllOfSchema(Schema):
    """A value matching every one of ``parts`` (``allOf``)."""

    parts: list[Schema]

    def errors(self, value: Any, where: str = "") -> list[Error]:
        return list(dict.fromkeys(e for part in self.parts for e in part.errors(value, where)))

    def describe(self) -> str:
        return " and ".join(dict.fromkeys(part.describe() for part in self.parts))


@dataclass
class ObjectSchema(Schema):
    """A mapping whose keys and values follow per-key, per-pattern and other-key rules (``object``)."""

    properties: dict[str, Schema] = field(default_factory=dict)
    pattern_properties: dict[str, Schema] = field(default_factory=dict)
    additional: Schema | bool | None = None  # None: no rule; False: no other keys
    property_names: Schema | None = None
    required: list[str] = field(default_factory=list)
    closed: bool = False

    def errors(self, value: Any, where: str = "") -> list[Error]:
        if not isinstance(value, dict):
            return [(where, f"is {_show(value)}; it must be {self.describe()}")]
        errors: list[Error] = []
        items = {str(key): item for key, item in value.items()}
        for key, item in items.items():
            inside = f"{where}.{key}" if where else key
            checked = False
            if key in self.properties:
                checked = True
                errors += self.properties[key].errors(item, inside)
            elif self.closed:
                allowed = ", ".join(sorted(self.properties))
                errors.append((inside, f"is not an option here; allowed: {allowed}"))
            for pattern, schema in self.pattern_properties.items():
                if re.search(pattern, key):
                    checked = True
                    errors += schema.errors(item, inside)
            if not checked and self.additional is False:
                errors.append((inside, "is not an option here"))
            elif not checked and isinstance(self.additional, Schema):
                errors += self.additional.errors(item, inside)
            if self.property_names is not None and self.property_names.errors(key):
                errors.append((inside, f"is not a valid name: {self.property_names.describe()}"))
        errors += [(where, f"needs the key '{key}'") for key in self.required if key not in items]
        return errors

    def describe(self) -> str:
        return "a mapping (key: value lines)"


@dataclass
class RefSchema(Schema):
    """A named definition, looked up when first used (definitions may refer to themselves)."""

    name: str
    definitions: Definitions

    def errors(self, value: Any, where: str = "") -> list[Error]:
        return self.definitions[self.name].errors(value, where)

    def describe(self) -> str:
        return self.definitions[self.name].describe()


class Definitions:
    """Named schemas (quarto-cli's ``definitions.yml``: a list of schemas with an ``id``), compiled on first use."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.compiled: dict[str, Schema] = {}

    @classmethod
    def from_list(cls, entries: list[dict]) -> Definitions:
        """Return the definitions of a list of schemas, each named by its ``id``."""
        return cls({entry["id"]: entry for entry in entries})

    def __getitem__(self, name: str) -> Schema:
        if name not in self.compiled:
            if name not in self.raw:
                raise SchemaError(f"no schema definition named '{name}'")
            self.compiled[name] = compile_schema(self.raw[name], self)
        return self.compiled[name]


def compile_schema(raw: Any, definitions: Definitions) -> Schema:
    """Return the :class:`Schema` that ``raw`` (one schema in Quarto's schema language) describes."""
    named = {"string": "string", "path": "string", "number": "number", "boolean": "boolean"}
    if raw is None:
        return TypeSchema("null")
    if isinstance(raw, str) and raw in named:
        return TypeSchema(named[raw])
    if raw == "object" and isinstance(raw, str):
        return ObjectSchema()
    if raw == "any" and isinstance(raw, str):
        return AnySchema()
    if not isinstance(raw, dict):
        return EnumSchema([raw])  # a scalar stands for itself
    kind = next((k for k in KINDS if k in raw), None)
    if kind is None:
        raise SchemaError(f"not a schema: {raw!r}")
    return _COMPILERS[kind](raw[kind], definitions)


def _any_of(spec: Any, definitions: Definitions) -> Schema:
    options = spec["schemas"] if isinstance(spec, dict) else spec
    return AnyOfSchema([compile_schema(option, definitions) for option in options])


def _all_of(spec: Any, definitions: Definitions) -> Schema:
    parts = spec["schemas"] if isinstance(spec, dict) else spec
    return AllOfSchema([compile_schema(part, definitions) for part in parts])


def _array_of(spec: Any, definitions: Definitions) -> Schema:
    items = spec["schema"] if isinstance(spec, dict) and "schema" in spec else spec
    return ArraySchema(compile_schema(items, definitions))


def _maybe_array_of(spec: Any, definitions: Definitions) -> Schema:
    item = compile_schema(spec, definitions)
    return AnyOfSchema([item, ArraySchema(item)])


def _enum(spec: Any, definitions: Definitions) -> Schema:
    return EnumSchema(list(spec["values"] if isinstance(spec, dict) else spec))


def _string(spec: Any, definitions: Definitions) -> Schema:
    pattern = spec.get("pattern") if isinstance(spec, dict) else None
    return TypeSchema("string", pattern)


def _pattern(spec: Any, definitions: Definitions) -> Schema:
    return TypeSchema("string", spec["regex"] if isinstance(spec, dict) else spec)


def _object(spec: Any, definitions: Definitions) -> Schema:
    if not isinstance(spec, dict):
        return ObjectSchema()
    properties = {
        str(k): compile_schema(v, definitions) for k, v in (spec.get("properties") or {}).items()
    }
    required = spec.get("required") or []
    if required == "all":
        required = list(properties)
    additional = spec.get("additionalProperties")
    result = ObjectSchema(
        properties=properties,
        additional=False
        if additional is False
        else (None if additional is None else compile_schema(additional, definitions)),
        property_names=compile_schema(spec["propertyNames"], definitions)
        if "propertyNames" in spec
        else None,
        required=list(required),
        closed=spec.get("closed") is True,
    )
    bases = spec.get("super")
    if bases is None:
        return result
    bases = [
        compile_schema(b, definitions) for b in (bases if isinstance(bases, list) else [bases])
    ]
    if not all(isinstance(b, ObjectSchema) for b in bases):
        raise SchemaError(f"'super' must name object schemas: {spec['super']!r}")
    return _extend(result, bases)


def _extend(own: ObjectSchema, bases: list[ObjectSchema]) -> ObjectSchema:
    """Return an object extending ``bases``: their properties, required keys and rules for other keys, closed when any of them is.

    Names are checked only when every base checks them.
    """
    properties = {k: v for base in bases for k, v in base.properties.items()} | own.properties
    extra = [b.additional for b in [*bases, own] if b.additional is not None]
    names = [b.property_names for b in bases]
    return ObjectSchema(
        properties=properties,
        pattern_properties={k: v for b in [*bases, own] for k, v in b.pattern_properties.items()},
        additional=_all_additional(extra),
        property_names=AnyOfSchema(names) if names and None not in names else None,
        required=[k for b in [*bases, own] for k in b.required],
        closed=own.closed or any(b.closed for b in bases),
    )


def _all_additional(rules: list[Schema | bool]) -> Schema | bool | None:
    if not rules:
        return None
    if False in rules:
        return False
    return rules[0] if len(rules) == 1 else AllOfSchema(rules)


def _record(spec: Any, definitions: Definitions) -> Schema:
    properties = spec.get("properties", spec)
    return _object({"properties": properties, "closed": True, "required": "all"}, definitions)


def _ref(spec: Any, definitions: Definitions) -> Schema:
    return RefSchema(spec, definitions)


def _resolve_ref(spec: Any, definitions: Definitions) -> Schema:
    return definitions[spec]


def _typed(kind: str) -> Callable[[Any, Definitions], Schema]:
    return lambda spec, definitions: TypeSchema(kind)


def _wrapped(spec: Any, definitions: Definitions) -> Schema:
    return compile_schema(spec, definitions)


_COMPILERS: dict[str, Callable[[Any, Definitions], Schema]] = {
    "anyOf": _any_of,
    "allOf": _all_of,
    "boolean": _typed("boolean"),
    "arrayOf": _array_of,
    "enum": _enum,
    "maybeArrayOf": _maybe_array_of,
    "null": _typed("null"),
    "number": _typed("number"),
    "object": _object,
    "path": _typed("string"),
    "record": _record,
    "ref": _ref,
    "resolveRef": _resolve_ref,
    "string": _string,
    "pattern": _pattern,
    "schema": _wrapped,
}


def _is_type(value: Any, kind: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    return value is None


def _same(value: Any, allowed: Any) -> bool:
    """Equal in type and value (so ``1`` is not ``true``, as in Quarto's JavaScript)."""
    if isinstance(value, bool) or isinstance(allowed, bool):
        return value is allowed
    return (
        type(value) is type(allowed)
        and value == allowed
        or (_is_type(value, "number") and _is_type(allowed, "number") and value == allowed)
    )


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
