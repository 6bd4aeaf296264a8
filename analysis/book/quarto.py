"""The Quarto path: ``quarto render`` with this environment's Python, published atomically.

The site and each PDF document are rendered by their own ``quarto render`` (``--profile``
for a book with profiles, see :mod:`.project`) into a staging folder; the disclosure check
reads everything there -- with ``--pdf-only`` too, whose tables it reads from an HTML render
kept aside -- and only a clean book replaces the published one (:mod:`.publish`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from analysis.book.disclosure_check import check_published
from analysis.book.project import BookError, BookProject
from analysis.book.publish import staged
from analysis.config import CONFIG_ENV_VAR


def quarto_available() -> bool:
    """Whether the ``quarto`` command is on the PATH."""
    return shutil.which("quarto") is not None


def render_with_quarto(
    project: BookProject,
    *,
    only: list[str] | None = None,
    html_output: bool = True,
    pdf_output: bool = True,
) -> list[Path]:
    """Render the site (all chapters, or ``only``) and the PDFs with Quarto, check them and publish them in ``project.output_dir``.

    Return the files published (site index, PDFs).
    """
    partial = bool(only) or not (html_output and pdf_output)
    published: list[Path] = []
    with staged(project.output_dir, keep_published=partial) as staging:
        with tempfile.TemporaryDirectory(prefix="book-html-", dir=staging.parent) as aside:
            site_dir = staging if html_output else Path(aside)
            _quarto(project, project.site_profile, "html", only, site_dir)
            if not html_output:  # the PDFs' tables are checked on their HTML pages
                check_published(project, site_dir)
        if html_output:
            published.append(project.output_dir / project.html_page(project.chapters[0]))
        for document in project.pdfs if pdf_output else ():
            chosen = [c for c in only or document.chapters if c in document.chapters]
            if not chosen:
                continue
            with tempfile.TemporaryDirectory(prefix="book-pdf-", dir=staging.parent) as out:
                _quarto(project, document.profile, "typst", only and chosen, Path(out))
                made = Path(out) / document.file_name
                if not made.is_file():
                    raise BookError(f"quarto render wrote no {document.file_name}")
                shutil.move(made, staging / document.file_name)
            published.append(project.output_dir / document.file_name)
        for intermediate in staging.rglob("*.typ"):
            intermediate.unlink()
        print(check_published(project, staging))
    return published


def _quarto(
    project: BookProject, profile: str, to: str, only: list[str] | None, output_dir: Path
) -> None:
    """One ``quarto render`` of ``profile`` to format ``to`` into ``output_dir``, on the configured data (a relative ``$NHS_ANALYSIS_CONFIG`` is made absolute, since chapters run in their own folders)."""
    command = ["quarto", "render", *(only or []), "--to", to, "--output-dir", str(output_dir)]
    if profile:
        command += ["--profile", profile]
    env = {**os.environ, "QUARTO_PYTHON": sys.executable}
    if env.get(CONFIG_ENV_VAR):
        env[CONFIG_ENV_VAR] = os.path.abspath(env[CONFIG_ENV_VAR])
    if subprocess.run(command, cwd=project.root, env=env).returncode != 0:
        raise BookError(f"quarto render failed (command: {' '.join(command)})")
