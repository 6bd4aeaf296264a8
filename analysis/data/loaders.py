"""Loading person-level data from CSV, Parquet or DuckDB, and the default synthetic dataset.

Your own data: put one file per table (``areas``, ``practices``, ``people``, ``deaths``,
``cancers``, ``admissions``; see ``data/README.md``) in a folder as CSV or Parquet, or the
tables of the same names in a DuckDB database, and call :func:`load_dataset`. Columns with
other names are mapped with ``columns={"people": {"patient_id": "person_id"}}``. Every table
is validated (:func:`analysis.data.validate.validate_dataset`) unless ``validate=False``.
"""

from __future__ import annotations

import ast
import codecs
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from analysis.data import parameters as P
from analysis.data.dataset import TABLES, Dataset, dataset_checksum
from analysis.data.synthetic import generate_population
from analysis.data.validate import validate_dataset
from analysis.validation import InputError

OPTIONAL_TABLES = ("people_truth",)
SYNTHETIC_DIR_ENV_VAR = "NHS_SYNTHETIC_DIR"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Modules whose source defines the synthetic data: a change to any of them makes the stored
#: default dataset stale.
_GENERATOR_MODULES = (
    "parameters",
    "places",
    "people",
    "conditions",
    "events",
    "sampling",
    "synthetic",
)
_MANIFEST = "manifest.json"


#: Byte-order marks and the encoding each one announces (checked longest first).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHUNK = 1 << 20


def text_encoding(path: str | Path, encoding: str = "utf-8") -> str:
    r"""Return the encoding to read the text file ``path`` with, after checking that it decodes.

    A byte-order mark at the start decides (UTF-8, UTF-16 or UTF-32 with a BOM); otherwise
    ``encoding`` (``data.encoding``, default UTF-8) is used. The whole file is decoded in
    chunks (a streaming check: memory stays at one chunk); the first byte that does not decode
    raises :class:`InputError` naming the file, the line and the encoding to set, e.g. a
    Latin-1 export read as UTF-8.

    Parameters
    ----------
    path
        The text file.
    encoding
        The encoding to use when the file has no byte-order mark.

    Returns
    -------
    str
        The encoding to read the file with (``"utf-8-sig"``, ``"utf-16"``, ``"utf-32"`` for a
        byte-order mark, else ``encoding``).

    Raises
    ------
    InputError
        When ``encoding`` is not a known encoding, or the file does not decode in the
        encoding chosen.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     csv = pathlib.Path(folder) / "people.csv"
    ...     _ = csv.write_bytes("name\nJos\xe9\n".encode("latin-1"))
    ...     text_encoding(csv, "latin-1")
    'latin-1'
    """
    path = Path(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(
            f"data.encoding {encoding!r} is not a known text encoding "
            "(e.g. utf-8, latin-1, cp1252, utf-16)"
        ) from None
    with path.open("rb") as file:
        head = file.read(4)
        chosen = next((name for bom, name in _BOMS if head.startswith(bom)), encoding)
        file.seek(0)
        decoder = codecs.getincrementaldecoder(chosen)()
        line = 1
        while chunk := file.read(_CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as err:
                line += chunk[: err.start].count(b"\n")
                raise InputError(
                    f"{path}: line {line} is not valid {chosen} (byte {chunk[err.start]:#04x}); "
                    "set data.encoding to the file's encoding, e.g. latin-1 or cp1252 for "
                    "an export from Excel or an older system"
                ) from None
            line += text.count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputError(f"{path}: the file ends inside a {chosen} character") from None
    return chosen


def _read_file_table(
    folder: Path, name: str, fmt: str | None, encoding: str
) -> tuple[pd.DataFrame, str] | None:
    candidates = [fmt] if fmt else ["parquet", "csv"]
    for ext in candidates:
        path = folder / f"{name}.{ext}"
        if path.exists():
            if ext == "parquet":
                return pd.read_parquet(path), str(path)
            chosen = text_encoding(path, encoding)
            return pd.read_csv(path, encoding=chosen, keep_default_na=True), str(path)
    return None


def _read_duckdb_table(
    con: duckdb.DuckDBPyConnection, name: str
) -> tuple[pd.DataFrame, str] | None:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    if not found or found[0] == 0:
        return None
    return con.execute(f'SELECT * FROM "{name}"').df(), f"DuckDB table {name}"


def load_dataset(
    source: str | Path | duckdb.DuckDBPyConnection,
    *,
    format: str | None = None,
    columns: Mapping[str, Mapping[str, str]] | None = None,
    validate: bool = True,
    years: Sequence[int] | None = None,
    encoding: str = "utf-8",
) -> Dataset:
    """Load the person-level tables from a folder of CSV/Parquet files or a DuckDB database.

    ``source`` is a folder (files ``people.csv`` or ``people.parquet`` and so on), a DuckDB
    database file (``.duckdb``/``.db``) or an open DuckDB connection. ``format`` forces
    ``"csv"`` or ``"parquet"`` for a folder. ``columns`` maps your column names to ours, per
    table. CSV files are read in ``encoding`` (``data.encoding``; a byte-order mark
    overrides it; see :func:`text_encoding`). The tables are validated by the schema's rules
    (:func:`~analysis.data.validate.validate_dataset`; CSV values as text, Parquet and DuckDB
    by their stored types; event years within ``years`` when given). A missing table, a file
    that does not decode or an invalid value raises :class:`InputError` naming the file.

    Parameters
    ----------
    source
        A folder of files, a DuckDB database file or an open DuckDB connection.
    format
        ``"csv"`` or ``"parquet"``: the files read from a folder (default: each table's
        Parquet file, else its CSV file).
    columns
        Per table, your column names mapped to ours.
    validate
        Check the tables against the schema (``False``: load them as they are).
    years
        With ``validate``, event years must lie within them (default: not checked).
    encoding
        The text encoding of CSV files.

    Returns
    -------
    Dataset
        The tables, with our column names and types.

    Raises
    ------
    InputError
        When the source is not found, a table is missing, a file does not decode or (with
        ``validate``) a value breaks the schema.
    """
    columns = columns or {}
    if isinstance(source, duckdb.DuckDBPyConnection):
        read = lambda name: _read_duckdb_table(source, name)  # noqa: E731
        con = None
    else:
        path = Path(source)
        if path.is_dir():
            read = lambda name: _read_file_table(path, name, format, encoding)  # noqa: E731
            con = None
        elif path.suffix in (".duckdb", ".db") and path.exists():
            con = duckdb.connect(str(path), read_only=True)
            read = lambda name: _read_duckdb_table(con, name)  # noqa: E731
        else:
            raise InputError(
                f"data source {str(path)!r} not found: give a folder of CSV/Parquet files "
                "or a DuckDB database file (.duckdb)"
            )
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    try:
        for name in (*TABLES, *OPTIONAL_TABLES):
            found = read(name)
            if found is None:
                if name in OPTIONAL_TABLES:
                    continue
                raise InputError(f"table {name!r} not found in {source!r}")
            df, sources[name] = found
            tables[name] = df.rename(columns=dict(columns.get(name, {})))
    finally:
        if con is not None:
            con.close()
    dataset = Dataset(**tables)
    if not validate:
        return dataset
    text = [name for name, where in sources.items() if where.endswith(".csv")]
    return validate_dataset(dataset, years=years, text_tables=text, sources=sources)


def save_dataset(dataset: Dataset, folder: str | Path, *, format: str = "parquet") -> list[Path]:
    """Write every table of ``dataset`` to ``folder`` as ``<table>.parquet`` (or ``.csv``).

    Parameters
    ----------
    dataset
        The tables.
    folder
        The folder written into (created if missing); files of the same names are replaced.
    format
        ``"parquet"`` (zstd-compressed) or ``"csv"``.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    InputError
        For another format.
    """
    if format not in ("parquet", "csv"):
        raise InputError(f"format must be 'parquet' or 'csv', got {format!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in dataset.tables().items():
        path = folder / f"{name}.{format}"
        if format == "parquet":
            df.to_parquet(path, index=False, compression="zstd")
        else:
            df.to_csv(path, index=False)
        paths.append(path)
    return paths


def generator_fingerprint() -> str:
    """SHA-256 of the generator's code: stored data made by other code are stale.

    The code is read as its syntax tree without docstrings (comments are not in the tree), so
    editing documentation does not make stored populations stale; any change to what the code
    does -- a statement, a name, a number -- does.

    Returns
    -------
    str
        The hexadecimal digest over the generator modules, in a fixed order.
    """
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for module in _GENERATOR_MODULES:
        h.update(_code_without_docstrings(here / f"{module}.py").encode())
    return h.hexdigest()


def _code_without_docstrings(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_directory() -> Path:
    """Where the default dataset lives: ``$NHS_SYNTHETIC_DIR``, else ``data/synthetic`` in the project, else a user cache folder (for an installed package)."""
    if os.environ.get(SYNTHETIC_DIR_ENV_VAR):
        return Path(os.environ[SYNTHETIC_DIR_ENV_VAR])
    if (_PROJECT_ROOT / "pyproject.toml").exists():
        return _PROJECT_ROOT / "data" / "synthetic"
    return Path.home() / ".cache" / "nhs-inequalities" / "synthetic"


def _stored_is_current(folder: Path, n_people: int, seed: int) -> bool:
    manifest_path = folder / _MANIFEST
    if not manifest_path.exists():
        return False
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        return (
            manifest["fingerprint"] == generator_fingerprint()
            and manifest["n_people"] == n_people
            and manifest["seed"] == seed
            and all(_file_sha256(folder / f) == h for f, h in manifest["files"].items())
        )
    except (OSError, KeyError, ValueError, TypeError):
        return False


def _generate_into(folder: Path, n_people: int, seed: int) -> None:
    population = generate_population(n_people, seed)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".synthetic-", dir=folder.parent))
    paths = save_dataset(population, staging)
    manifest = {
        "fingerprint": generator_fingerprint(),
        "generator_version": P.GENERATOR_VERSION,
        "n_people": n_people,
        "seed": seed,
        "checksum": dataset_checksum(population),
        "files": {p.name: _file_sha256(p) for p in paths},
    }
    (staging / _MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    if folder.exists() and not _stored_is_current(folder, n_people, seed):
        shutil.rmtree(folder, ignore_errors=True)
    try:
        staging.rename(folder)
    except OSError:  # another process stored the same data first
        shutil.rmtree(staging, ignore_errors=True)


def stored_synthetic(
    *,
    n_people: int = P.DEFAULT_N_PEOPLE,
    seed: int = P.DEFAULT_SEED,
    directory: str | Path | None = None,
) -> Path:
    """Return the folder holding the synthetic tables as Parquet (``people.parquet`` ...), generated first if missing, stale or damaged (see :func:`default_dataset`).

    Engines that read files lazily (Spark) use it instead of copying the tables out of
    memory.

    Parameters
    ----------
    n_people
        The number of residents.
    seed
        The random seed; the same number and seed give the same data.
    directory
        The folder of the stored tables (default: :func:`default_directory`).

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(directory) if directory is not None else default_directory()
    if not _stored_is_current(folder, n_people, seed):
        _generate_into(folder, n_people, seed)
    return folder


def default_dataset(
    *,
    n_people: int = P.DEFAULT_N_PEOPLE,
    seed: int = P.DEFAULT_SEED,
    directory: str | Path | None = None,
) -> Dataset:
    """Return the default synthetic dataset (about a million residents), generated on first use.

    The tables are stored as Parquet in :func:`default_directory` with a manifest of the
    generator's fingerprint and each file's SHA-256; stale or damaged files are regenerated,
    otherwise they are just read (deterministic: same data on every machine).

    Parameters
    ----------
    n_people
        The number of residents.
    seed
        The random seed; the same number and seed give the same data.
    directory
        The folder of the stored tables (default: :func:`default_directory`).

    Returns
    -------
    Dataset
        The synthetic tables, with ``truth`` (the planted effects) filled in.
    """
    folder = stored_synthetic(n_people=n_people, seed=seed, directory=directory)
    tables = {
        name: pd.read_parquet(folder / f"{name}.parquet") for name in (*TABLES, *OPTIONAL_TABLES)
    }
    return Dataset(**tables, truth=P.planted_truth())
