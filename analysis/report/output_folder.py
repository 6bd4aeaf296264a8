"""An output folder written all at once: checked first, locked, staged and swapped in complete.

A command that writes a folder of results (``python -m analysis.indicators --out DIR``) uses
:func:`staged_output`:

1. **Checked before any work.** ``DIR`` must be a folder (or not exist yet) that this kind of
   command wrote before -- it holds a ``manifest.json`` -- or an empty one, and the folder
   beside it must be writable. The folder is replaced as a whole, so a folder of other files
   (``--out .`` by mistake) is refused rather than deleted.
2. **Locked.** A lock file beside ``DIR`` (``.DIR.lock``, an exclusive ``flock`` released by the
   operating system if the process dies) makes a second run into the same folder fail at once
   with :class:`OutputError`, naming the process that holds it.
3. **Staged.** Everything is written into ``.DIR.staging-PID`` beside ``DIR``. Only when the
   run is complete is the old ``DIR`` moved aside and the staging folder renamed to ``DIR``
   (two renames in the same folder), and the old one deleted. An error or Ctrl-C
   (``KeyboardInterrupt``) before that deletes the staging folder and leaves ``DIR`` as it was.
   Debris of a run killed outright (``kill -9``, a power cut) is cleared by the next run: a
   staging folder is deleted, and an old folder is put back if ``DIR`` itself is missing.

So ``DIR`` always holds the complete output of one run, never a mixture of two.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The file that marks a folder as written by a run (and describes the run).
MANIFEST = "manifest.json"


class OutputError(Exception):
    """The output folder cannot be used; the message says why and what to do."""


def check_output_folder(out: Path) -> None:
    """Raise :class:`OutputError` unless ``out`` can be (re)written as a whole.

    Parameters
    ----------
    out
        The output folder: it may be missing, empty, or a folder this command wrote before
        (one holding a manifest).

    Raises
    ------
    OutputError
        When ``out`` is a file, holds files the command did not write, or cannot be created or
        written; the message says what to do.

    Examples
    --------
    >>> check_output_folder(Path(__file__))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.report.output_folder.OutputError: the output folder ... is a file; name a folder
    """
    if out.exists() and not out.is_dir():
        raise OutputError(f"the output folder {out} is a file; name a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise OutputError(
            f"{out} holds files that this command did not write (it has no {MANIFEST}); the "
            "command replaces its output folder as a whole, so name a new or empty folder"
        )
    existing = out.resolve().parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"cannot create {out}: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {out}: no permission to write in {existing}")


@contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """Lock ``out``, give a staging folder to write into, and swap it in on success.

    The staging folder is deleted, and ``out`` left untouched, if the block raises
    (including ``KeyboardInterrupt``).

    Parameters
    ----------
    out
        The output folder (:func:`check_output_folder`).

    Returns
    -------
    Iterator of Path
        For a ``with`` block: the staging folder, beside ``out``.

    Raises
    ------
    OutputError
        When ``out`` cannot be used, or another run is writing it.
    """
    out = Path(out)
    check_output_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        _clear_debris(out)
        staging = _beside(out, f"staging-{os.getpid()}")
        staging.mkdir()
        try:
            yield staging
            _swap(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _beside(out: Path, what: str) -> Path:
    return out.parent / f".{out.name}.{what}"


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    path = _beside(out, "lock")
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(handle, 64).decode(errors="replace").strip() or "unknown"
            os.close(handle)
            raise OutputError(
                f"another run is writing {out} (process {holder}); wait for it to finish or "
                "name another output folder"
            ) from None
        try:
            same = os.stat(path).st_ino == os.fstat(handle).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(handle)  # the file was removed by a run that just finished: lock the new one
    os.ftruncate(handle, 0)
    os.write(handle, f"{os.getpid()}\n".encode())
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(handle)


def _clear_debris(out: Path) -> None:
    """Remove what runs killed outright left beside ``out`` (we hold the lock)."""
    for staging in out.parent.glob(f".{out.name}.staging-*"):
        shutil.rmtree(staging, ignore_errors=True)
    for old in sorted(out.parent.glob(f".{out.name}.old-*")):
        if not out.exists():
            old.rename(out)  # killed between the two renames of a swap: put it back
        else:
            shutil.rmtree(old, ignore_errors=True)


def _swap(staging: Path, out: Path) -> None:
    old = _beside(out, f"old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        if old.exists() and not out.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
