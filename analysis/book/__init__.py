"""Render the Quarto book: with Quarto where it is installed, otherwise offline.

The offline path renders the same ``.qmd`` sources with a Jupyter kernel, pandoc 3 and
Typst, supporting exactly the syntax the chapters use (see CONTRIBUTING.md). Run it as
``python -m analysis.book`` (what ``scripts/book.sh`` does).
"""

from analysis.book.offline import RenderResult, render_offline
from analysis.book.project import BookError, BookProject, load_project

__all__ = ["BookError", "BookProject", "RenderResult", "load_project", "render_offline"]
