"""The Quarto path: ``quarto render`` with this environment's Python."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from analysis.book.project import BookError, BookProject
from analysis.config import CONFIG_ENV_VAR


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def render_with_quarto(
    project: BookProject, *, only: list[str] | None = None, to: str | None = None
) -> None:
    """Run ``quarto render`` (all chapters, or ``only``; all formats, or ``to``) into
    ``project.output_dir``, on the configured data (a relative ``$NHS_ANALYSIS_CONFIG`` is
    made absolute, since chapters run in their own folders)."""
    command = ["quarto", "render", *(only or []), "--output-dir", str(project.output_dir)]
    if to:
        command += ["--to", to]
    env = {**os.environ, "QUARTO_PYTHON": sys.executable}
    if env.get(CONFIG_ENV_VAR):
        env[CONFIG_ENV_VAR] = os.path.abspath(env[CONFIG_ENV_VAR])
    if subprocess.run(command, cwd=project.root, env=env).returncode != 0:
        raise BookError(f"quarto render failed (command: {' '.join(command)})")
