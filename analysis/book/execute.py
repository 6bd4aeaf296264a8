"""Run a chapter's Python cells in a Jupyter kernel and cache what they displayed.

Cells run in order in one kernel of the current environment, with the chapter's own folder
as working directory (as Quarto does). Inline expressions (`` `{python} expr` ``) are
evaluated where they appear, after the cells above them. Warnings are silenced and stderr
is dropped (Quarto's ``warning: false``).

The cache holds only what the chapter displays (text, HTML, images), never data frames or
kernel state, keyed by a hash of the chapter source, the ``analysis`` package, the
committed files under ``data/`` and the data the chapters read (:class:`DataKey`: the
configuration file's content and a cheap fingerprint of the files it points at): an
unchanged chapter is not run again, and results computed on other data are never reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from analysis.book.project import BookError
from analysis.book.qmd import INLINE_EXPRESSION, Cell, Chapter, Markdown
from analysis.config import CONFIG_ENV_VAR, ConfigError, config_path, load_config

#: Bump when the shape of cached outputs changes.
CACHE_VERSION = "1"

SETUP_CODE = """\
import warnings as _w
_w.filterwarnings("ignore")
import matplotlib as _mpl
_mpl.rcParams.update({"figure.dpi": 150, "savefig.dpi": 150, "figure.figsize": (6.5, 4)})
try:
    from matplotlib_inline.backend_inline import set_matplotlib_formats as _fmt
    _fmt("png")
except ImportError:
    pass
try:
    import plotnine as _p9
    _p9.options.set_option("figure_format", "png")
    _p9.options.set_option("dpi", 150)
    _p9.options.set_option("figure_size", (6.5, 4))
except ImportError:
    pass
"""

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class ExecutedChapter:
    """Outputs of each cell (same order as ``chapter.cells``) and the inline values."""

    cell_outputs: list[list[dict]]
    inline_values: list[str]
    from_cache: bool


def project_fingerprint(root: Path) -> str:
    """Hash of the ``analysis`` package (less the renderer) and of ``data/`` files that are not ignored by git (the generated synthetic data are ignored: their generator is code)."""
    digest = hashlib.sha256()
    for path in _tracked_files(root, ["analysis", "data"]):
        renderer = path.parts[:2] == ("analysis", "book")  # changes what is drawn, not computed
        if renderer or "__pycache__" in path.parts:
            continue
        digest.update(str(path).encode())
        digest.update((root / path).read_bytes())
    digest.update(r_packages_key().encode())
    return digest.hexdigest()


#: R packages the R bridge calls when they are installed (the Python and R chapter names
#: which one ran, so its cached text depends on them).
BRIDGE_R_PACKAGES = ("PHEindicatormethods", "FunnelPlotR")


def r_packages_key() -> str:
    """Which R and bridge packages a chapter would find: ``Rscript``'s answer for the version of each of :data:`BRIDGE_R_PACKAGES` ("absent" when not installed), and the packages hidden by ``NHS_R_HIDE_PACKAGES``.

    Installing, upgrading or hiding a package therefore re-runs the chapters instead of
    showing what an earlier R environment did.
    """
    hidden = os.environ.get("NHS_R_HIDE_PACKAGES", "")
    rscript = shutil.which("Rscript")
    if rscript is None:
        return f"no R; hidden={hidden}"
    names = ", ".join(f'"{name}"' for name in BRIDGE_R_PACKAGES)
    program = (
        f"for (p in c({names})) cat(p, tryCatch(format(packageVersion(p)), "
        'error = function(e) "absent"), "\\n")'
    )
    try:
        answer = subprocess.run(
            [rscript, "--vanilla", "-e", program],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        answer = "R did not answer"
    return f"{answer}; hidden={hidden}"


@dataclass(frozen=True)
class DataKey:
    """Which data the chapters will read: ``folder`` (a cache sub-folder per configuration file, ``""`` without one) and ``fingerprint`` (its content and the data's)."""

    folder: str
    fingerprint: str


def data_key() -> DataKey:
    """Return the cache key of the configured data, cheap enough to compute on every render.

    It hashes the configuration file's content (:func:`analysis.config.config_path`) and,
    for data in files, the name, size and modification time of every file under
    ``data.path`` -- never the data themselves, so a re-render stays fast on large data.
    The synthetic default is made by code already in :func:`project_fingerprint`. A
    database (``data.format: database``) is known only by its connection string: after
    changing the data behind it, render with ``--refresh``.

    A relative ``$NHS_ANALYSIS_CONFIG`` is made absolute here, so the chapters' kernels
    (which run in the chapter's folder) read the same file. Raises :class:`BookError` for
    an invalid configuration, before any chapter runs.
    """
    named = os.environ.get(CONFIG_ENV_VAR)
    if named:
        os.environ[CONFIG_ENV_VAR] = str(Path(named).resolve())
    try:
        path = config_path()
        config = load_config(path)
    except ConfigError as error:
        raise BookError(f"configuration: {error}") from None
    if path is None:
        return DataKey("", hashlib.sha256(b"no configuration file").hexdigest())
    digest = hashlib.sha256(path.read_bytes())
    if config.data.path:
        for file in _data_files(Path(config.data.path)):
            stat = file.stat()
            digest.update(f"{file}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    where = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:10]
    return DataKey(f"{path.stem}-{where}", digest.hexdigest())


def _data_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return []  # missing: loading the data will say so


def _tracked_files(root: Path, folders: list[str]) -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", *folders],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        paths = [Path(p) for p in listed.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        paths = [p.relative_to(root) for f in folders for p in (root / f).rglob("*")]
    return sorted(p for p in paths if (root / p).is_file())


def execute_chapter(
    chapter: Chapter,
    *,
    cache_dir: Path,
    fingerprint: str,
    label: str,
    timeout: int = 1200,
    refresh: bool = False,
) -> ExecutedChapter:
    """Return the outputs of ``chapter`` from the cache when its key matches, else by running it.

    ``fingerprint`` identifies the code and data (:func:`project_fingerprint` and
    :func:`data_key`). ``refresh`` runs the chapter even when the cache matches.
    ``label`` names the chapter in messages (its path relative to the project root).
    Raises :class:`BookError` with the chapter, the cell's line and the traceback when a
    cell raises.
    """
    source = chapter.path.read_bytes()
    key = hashlib.sha256(CACHE_VERSION.encode() + source + fingerprint.encode()).hexdigest()
    cache_file = cache_dir / (label.replace("/", "__") + ".json")
    if cache_file.exists() and not refresh:
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            return ExecutedChapter(cached["cells"], cached["inline"], from_cache=True)
    executed = _run(chapter, label, timeout)
    cache_dir.mkdir(parents=True, exist_ok=True)
    payload = {"key": key, "cells": executed.cell_outputs, "inline": executed.inline_values}
    cache_file.write_text(json.dumps(payload), encoding="utf-8")
    return executed


def _run(chapter: Chapter, label: str, timeout: int) -> ExecutedChapter:
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(SETUP_CODE))
    origins: list[tuple[str, int, int]] = []  # (kind, index, source line) per notebook cell
    cell_index = 0
    inline_count = 0
    for part in chapter.parts:
        if isinstance(part, Markdown):
            for line, text in part.prose_lines():
                for match in INLINE_EXPRESSION.finditer(text):
                    code = f"print(str({match['code'].strip()}), end='')"
                    notebook.cells.append(nbformat.v4.new_code_cell(code))
                    origins.append(("inline", inline_count, line))
                    inline_count += 1
        elif isinstance(part, Cell):
            if part.options.get("eval", True):
                notebook.cells.append(nbformat.v4.new_code_cell(part.code))
                origins.append(("cell", cell_index, part.line))
            cell_index += 1
    cell_outputs: list[list[dict]] = [[] for _ in range(cell_index)]
    inline_values = [""] * inline_count
    if not origins:  # nothing to run: no kernel needed
        return ExecutedChapter(cell_outputs, inline_values, from_cache=False)
    with tempfile.TemporaryDirectory(prefix="book-kernel-") as sockets:
        # Local sockets rather than TCP ports: private to this user, and no kernel warning.
        kernel = KernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets}/kernel")
        client = NotebookClient(
            notebook,
            km=kernel,
            timeout=timeout,
            resources={"metadata": {"path": str(chapter.path.parent)}},
        )
        try:
            _execute_all(client, notebook, origins, label, cell_outputs, inline_values)
        finally:
            if kernel.has_kernel:
                kernel.shutdown_kernel(now=True)
    return ExecutedChapter(cell_outputs, inline_values, from_cache=False)


def _execute_all(client, notebook, origins, label, cell_outputs, inline_values) -> None:
    with client.setup_kernel():
        client.execute_cell(notebook.cells[0], 0)
        for position, (kind, index, line) in enumerate(origins, start=1):
            cell = notebook.cells[position]
            try:
                client.execute_cell(cell, position)
            except CellExecutionError as error:
                what = "inline expression" if kind == "inline" else "cell"
                traceback = ANSI_ESCAPE.sub("", str(error))
                raise BookError(
                    f"{label}:{line}: the {what} starting on line {line} raised an error\n"
                    f"{traceback}"
                ) from None
            outputs = [o for o in map(_normalise, cell.outputs) if o is not None]
            if kind == "inline":
                inline_values[index] = "".join(o["data"] for o in outputs if o["kind"] == "text")
            else:
                cell_outputs[index] = outputs


def _normalise(output: dict) -> dict | None:
    """One kernel output as {"kind": text|html|markdown|image, "data": ...}; stderr -> None."""
    if output["output_type"] == "stream":
        if output["name"] == "stderr":
            return None
        return {"kind": "text", "data": output["text"]}
    if output["output_type"] not in {"display_data", "execute_result"}:
        return None
    data = output["data"]
    if "image/png" in data:
        return {"kind": "image", "data": data["image/png"], "mime": "image/png"}
    if "text/html" in data:
        return {"kind": "html", "data": data["text/html"]}
    if "text/markdown" in data:
        return {"kind": "markdown", "data": data["text/markdown"]}
    if "text/plain" in data:
        return {"kind": "text", "data": data["text/plain"]}
    return None
