"""The Quarto path: ``quarto render`` with this environment's Python."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from analysis.book.project import BookError, BookProject


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def render_with_quarto(
    project: BookProject, *, only: list[str] | None = None, to: str | None = None
) -> None:
    """Run ``quarto render`` (all chapters, or ``only``; all formats, or ``to``)."""
    command = ["quarto", "render", *(only or [])]
    if to:
        command += ["--to", to]
    env = {**os.environ, "QUARTO_PYTHON": sys.executable}
    if subprocess.run(command, cwd=project.root, env=env).returncode != 0:
        raise BookError(f"quarto render failed (command: {' '.join(command)})")
