"""Publish the book atomically: render into a staging folder, check it, then swap it in.

The staging folder is created beside the output folder (so the swap is a rename on one file
system) and starts empty for a whole render, or as a copy of the published book when only
part of it is rendered (``--only``, ``--html-only``, ``--pdf-only``). When the render and the
disclosure check succeed, the staging folder replaces the output folder whole; when anything
fails, the staging folder is removed and the published book is left exactly as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged(output_dir: Path, *, keep_published: bool) -> Iterator[Path]:
    """Return a staging folder for ``output_dir``: swapped in on success, removed on any error.

    ``keep_published`` starts it as a copy of the published book (a partial render adds to
    or replaces some of its files); otherwise it starts empty.
    """
    output_dir = Path(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.staging-", dir=output_dir.parent))
    try:
        if keep_published and output_dir.is_dir():
            shutil.copytree(output_dir, staging, dirs_exist_ok=True)
        yield staging
        swap_in(staging, output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def swap_in(staging: Path, output_dir: Path) -> None:
    """Replace ``output_dir`` by ``staging`` with two renames.

    The old book is deleted only once the new one is in place (and put back if the second
    rename fails).
    """
    retired = None
    if output_dir.exists():
        retired = Path(
            tempfile.mkdtemp(prefix=f".{output_dir.name}.retired-", dir=output_dir.parent)
        )
        retired.rmdir()
        output_dir.rename(retired)
    try:
        staging.rename(output_dir)
    except OSError:
        if retired is not None:
            retired.rename(output_dir)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
