"""The book project as `_quarto.yml` (and its profiles) describes it: title, chapters, bibliography, options, and the documents the book command writes.

**Documents.** A book without profiles is one HTML site and one PDF of the same chapters. A
book whose ``_quarto.yml`` declares a profile group (Quarto's ``profile: group:``) is one
document per profile of that group, as ``quarto render --profile <name>`` would render it:
the profile's ``_quarto-<name>.yml`` is merged over ``_quarto.yml`` the way Quarto merges it
(mappings key by key, lists concatenated without repeats, other values replaced), and the
merged ``format:`` says what the document is (``html``: the site; ``typst``: a PDF). The site
holds every chapter; each PDF holds its own selection of them, numbered on its own as Quarto
numbers a book.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml


class BookError(RuntimeError):
    """A problem that stops the book rendering, with a message meant for the chapter author."""


@dataclass(frozen=True)
class PdfDocument:
    """One PDF the book command writes: its chapters (appendices last) and title page."""

    profile: str  # the Quarto profile it comes from ("" for a book without profiles)
    title: str
    subtitle: str
    output_file: str  # file stem
    chapters: tuple[str, ...]
    appendices: tuple[str, ...]
    echo: bool  # code shown in the PDF

    @property
    def file_name(self) -> str:
        """The PDF's file name."""
        return f"{self.output_file}.pdf"


@dataclass(frozen=True)
class BookProject:
    """A book read from ``_quarto.yml`` (and a profile's file): its metadata, chapters and formats."""

    root: Path
    title: str
    subtitle: str
    author: str
    date: str
    chapters: tuple[str, ...]  # the HTML site's, relative to root, e.g. "chapters/intro.qmd"
    bibliography: Path | None
    output_dir: Path
    code_fold: bool
    html_toc: bool
    echo: bool
    appendices: tuple[str, ...] = ()  # the chapters listed under book.appendices (lettered A, B)
    pdfs: tuple[PdfDocument, ...] = ()
    site_profile: str = ""  # the Quarto profile of the HTML site ("" without profiles)

    def html_page(self, chapter: str) -> str:
        """Root-relative path of a chapter's HTML page (as Quarto names it)."""
        return str(Path(chapter).with_suffix(".html"))


def load_project(root: str | Path) -> BookProject:
    """Read ``_quarto.yml`` (and the profiles of its profile group) under ``root``.

    ``book.appendices`` (as in Quarto) are chapters that follow ``book.chapters`` and are
    lettered A, B, ... instead of numbered.
    """
    root = Path(root).resolve()
    config_path = root / "_quarto.yml"
    if not config_path.exists():
        raise BookError(f"{config_path}: no _quarto.yml here (run from the project root)")
    base = _read_yaml(config_path)
    profiles = _profile_group(base, config_path)
    configs = {name: merge_config(base, _read_yaml(profile_file(root, name))) for name in profiles}
    if not profiles:
        configs = {"": base}
    sites = [name for name, config in configs.items() if _formats(config, name) & {"html"}]
    if len(sites) != 1:
        raise BookError(
            f"{config_path}: exactly one profile of the group must have format html (the site); "
            f"found {', '.join(sites) or 'none'}"
        )
    site_name = sites[0]
    site = configs[site_name]
    chapters, appendices = _chapters(site, config_path)
    book = site.get("book") or {}
    html = (site.get("format") or {}).get("html") or {}
    execute = site.get("execute") or {}
    bibliography = site.get("bibliography")
    title = str(book.get("title", "Book"))
    date = book.get("date", "")
    if date == "today":
        date = dt.date.today().isoformat()
    pdfs = tuple(
        _pdf_document(name, config, config_path, chapters)
        for name, config in configs.items()
        if "typst" in _formats(config, name)
    )
    return BookProject(
        root=root,
        title=title,
        subtitle=str(book.get("subtitle", "")),
        author=str(book.get("author", "")),
        date=str(date),
        chapters=chapters,
        bibliography=root / bibliography if bibliography else None,
        output_dir=root / (site.get("project") or {}).get("output-dir", "_book"),
        code_fold=bool(html.get("code-fold", False)),
        html_toc=bool(html.get("toc", True)),
        echo=bool(execute.get("echo", True)),
        appendices=appendices,
        pdfs=pdfs,
        site_profile=site_name,
    )


def merge_config(base: dict, overlay: dict) -> dict:
    """``overlay`` merged over ``base`` as Quarto merges a profile into ``_quarto.yml``: mappings key by key, lists concatenated without repeats, other values replaced.

    >>> merge_config({"book": {"chapters": ["index.qmd"], "title": "A"}},
    ...              {"book": {"chapters": ["index.qmd", "b.qmd"], "title": "B"}})
    {'book': {'chapters': ['index.qmd', 'b.qmd'], 'title': 'B'}}
    """
    merged = dict(base)
    for key, value in overlay.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged[key] = merge_config(old, value)
        elif isinstance(old, list) or isinstance(value, list):
            combined = [*_as_list(old), *_as_list(value)]
            merged[key] = [v for i, v in enumerate(combined) if v not in combined[:i]]
        else:
            merged[key] = value
    return merged


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _read_yaml(path: Path) -> dict:
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(config, dict):
        raise BookError(f"{path}: expected a mapping of options")
    return config


def _profile_group(config: dict, config_path: Path) -> list[str]:
    """Return the profiles of ``profile: group:`` (its first group, when there are several)."""
    group = (config.get("profile") or {}).get("group") or []
    if group and all(isinstance(g, list) for g in group):
        group = group[0]
    if not all(isinstance(name, str) for name in group):
        raise BookError(f"{config_path}: profile.group must list profile names, got {group!r}")
    return list(group)


def profile_file(root: Path, name: str) -> Path:
    """Return the configuration file of Quarto profile ``name``: ``_quarto-<name>.yml`` (or .yaml)."""
    for suffix in (".yml", ".yaml"):
        path = root / f"_quarto-{name}{suffix}"
        if path.exists():
            return path
    raise BookError(f"{root / '_quarto.yml'}: profile {name!r} has no _quarto-{name}.yml")


def _formats(config: dict, profile: str) -> set[str]:
    """Return the output formats of a document; a book without profiles is always site and PDF."""
    if not profile:
        return {"html", "typst"}
    return set(config.get("format") or {})


def _chapters(config: dict, config_path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    book = config.get("book") or {}
    appendices = book.get("appendices") or []
    chapters = [*(book.get("chapters") or []), *appendices]
    for entry in chapters:
        if not isinstance(entry, str):
            raise BookError(
                f"{config_path}: chapter entry {entry!r} is not supported by the offline "
                "renderer; list chapter files only (e.g. '- chapters/my-chapter.qmd')"
            )
    missing = [c for c in chapters if not (config_path.parent / c).exists()]
    if missing:
        raise BookError(f"{config_path}: chapters listed but not found: {', '.join(missing)}")
    if not chapters:
        raise BookError(f"{config_path}: book.chapters lists no chapters")
    return tuple(chapters), tuple(appendices)


def _pdf_document(
    profile: str, config: dict, config_path: Path, site_chapters: tuple[str, ...]
) -> PdfDocument:
    chapters, appendices = _chapters(config, config_path)
    outside = [c for c in chapters if c not in site_chapters]
    if outside:
        raise BookError(
            f"{config_path}: the HTML site holds every chapter, but profile {profile!r} lists "
            f"chapters the site does not: {', '.join(outside)}"
        )
    book = config.get("book") or {}
    typst = (config.get("format") or {}).get("typst") or {}
    execute = config.get("execute") or {}
    title = str(book.get("title", "Book"))
    return PdfDocument(
        profile=profile,
        title=title,
        subtitle=str(book.get("subtitle", "")),
        output_file=str(book.get("output-file") or _slug(title)),
        chapters=chapters,
        appendices=appendices,
        echo=bool(typst.get("echo", execute.get("echo", True))),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "book"
