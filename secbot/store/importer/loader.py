"""The register import's public API: validate everything, then write everything or nothing.

``import_paths`` reads the files (``readers``, each bounded by ``limits``: a file over the size cap is
refused unread), validates every row (``validation``, which uses ``schema``), and applies all of
them in ONE transaction (``apply``). Any problem -- a file too large or not readable, a bad value,
an unknown reference or source, the same natural key twice from one source, a database error --
rolls everything back and raises ``ImportFailed`` whose lines each name the file, the row, the field
and the value. Every pass runs even when an earlier one found problems (a syntax error in one file
does not hide a bad value or an unknown reference in another), so one run reports them all.

Rows are upserted by their natural keys and kept as statements of their sources. When sources
disagree, the later source wins field by field (``apply``), so importing the same files in any order
gives the same register (``docs/import-format.md`` has the exact rule).

An import that changes something bumps ``RegisterState.revision`` (atomically, so importers in
several processes never lose an increment) and leaves an ``ImportRecord``; an import that changes
nothing writes nothing and says so.

``sample_paths``, ``import_sample`` and ``load_sample_if_empty`` import the bundled sample register.
``ImportFailed``, ``ImportResult`` and ``TableCounts`` (from ``results``) are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from secbot import outages
from secbot.store.db import Store
from secbot.store.importer import apply, limits, readers, validation
from secbot.store.importer.results import ImportFailed, ImportResult, TableCounts
from secbot.store.importer.schema import SourceIn
from secbot.store.models import ImportRecord, Modification

__all__ = [
    "ImportFailed",
    "ImportResult",
    "TableCounts",
    "import_paths",
    "import_sample",
    "load_sample_if_empty",
    "sample_paths",
]

log = logging.getLogger(__name__)


def import_paths(
    store: Store,
    paths: list[Path],
    *,
    source: SourceIn | None = None,
    before_commit: Callable[[Session, ImportResult], None] | None = None,
    max_mb: float = limits.DEFAULT_MAX_MB,
    relative_to: Path | None = None,
) -> ImportResult:
    """Import register files (YAML, CSV, XLSX or directories of them) as one all-or-nothing change.

    ``source`` is the default source for files that do not name their own (every CSV and XLSX file,
    YAML files without ``source:``); without it a CSV/XLSX file's rows get the source
    ``import:<file name>``. Raises ``ImportFailed`` and writes nothing when anything is wrong.

    ``before_commit(session, result)`` is called in the import's transaction just before a change is
    committed (never when nothing changed), so that rows it adds (an audit entry) commit or roll
    back with the import.

    ``max_mb`` is the size cap of each file (``SECBOT_IMPORT_MAX_MB``; callers pass the setting):
    a larger file, or a workbook that unpacks to more, is refused before it is read.

    Problem lines name each file relative to ``relative_to`` (by default the current directory) when
    it is under it, else by its absolute path (``readers.shown_path``), and so do the summary's
    warnings; the summary's first line and the import record name files by their bare names.
    """
    read = validated(store, paths, source=source, max_mb=max_mb, relative_to=relative_to)
    raws, plan, names, shown = read.raws, read.plan, read.names, read.shown
    result = ImportResult(names, warnings=read.warnings)
    session = store.sessions()
    try:
        session.begin()
        apply.lock(session)
        applier = apply.Applier(session, plan)
        applier.run()
        if applier.errors:
            raise ImportFailed(applier.errors)
        result.counts = applier.counts()
        # New statements alone are a change: the register as it stood on an earlier day is built from them.
        result.changed = applier.statements_changed or any(c.added or c.updated for c in result.counts.values())
        if result.changed:
            now = dt.datetime.now(dt.UTC)
            result.revision = apply.bump_revision(session, now)
            digest, files = apply.digest(raws)
            session.add(
                ImportRecord(at=now, name=", ".join(names), sha256=digest, summary={**result.as_dict(), "files": files})
            )
            if before_commit is not None:
                before_commit(session, result)
            session.commit()
            store.index_cache.invalidate()  # this process sees its own import at once
        else:
            result.revision = apply.current_revision(session)
            session.rollback()  # nothing changed: write nothing at all
    except ImportFailed:
        session.rollback()
        raise
    except SQLAlchemyError as error:
        session.rollback()
        log.warning("import of %s failed: %s", shown, error)
        raise ImportFailed([f"{', '.join(shown)}: {apply.database_error(error)}"]) from error
    finally:
        session.close()
    log.info("%s", result.summary_text())
    return result


@dataclass(frozen=True)
class Validated:
    """Files read and every row validated, nothing written yet."""

    raws: list
    plan: validation.Plan
    names: list[str]  # the files' bare names
    shown: list[str]  # the files as problem lines name them
    warnings: list[str]


def validated(
    store: Store | None,
    paths: list[Path],
    *,
    source: SourceIn | None = None,
    max_mb: float = limits.DEFAULT_MAX_MB,
    relative_to: Path | None = None,
) -> Validated:
    """``paths`` read and validated as ``import_paths`` does first; ``ImportFailed`` naming every problem
    (with ``store``, also the sources and references the database does not hold)."""
    if not paths:
        raise ImportFailed(["nothing to import: no files were given"])
    reading = readers.read_paths([Path(p) for p in paths], limits.max_bytes(max_mb), relative_to)
    raws = reading.raws
    shown = [raw.shown for raw in raws]
    plan = validation.validate(raws, source, reading.missing)
    plan.errors[:0] = reading.errors
    if plan.errors:
        raise ImportFailed(plan.errors + (_database_problems(store, plan, shown) if store else []))
    warnings = [warning for raw in raws for warning in raw.warnings]
    return Validated(raws, plan, [raw.name for raw in raws], shown, warnings)


def _database_problems(store: Store, plan: validation.Plan, names: list[str]) -> list[str]:
    """For a plan that already failed: the unknown sources and references too, so that one run
    reports every problem. Only reads, in a transaction that is rolled back. ``names``: the files as
    problem lines name them."""
    session = store.sessions()
    try:
        applier = apply.Applier(session, plan)
        applier.check()
        return applier.errors
    except SQLAlchemyError as error:
        outages.report(f"checking the sources and references of {', '.join(names)}", error, log)
        shown = ", ".join(names) or "the import"
        return [f"{shown}: sources and references could not be checked: {apply.database_error(error)}"]
    finally:
        session.rollback()
        session.close()


def _issued(path: Path) -> dt.date:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        issued = document["source"]["issued"]
    except (yaml.YAMLError, OSError, KeyError, TypeError):
        return dt.date.min
    if isinstance(issued, dt.date):
        return issued
    try:
        return dt.date.fromisoformat(str(issued))
    except ValueError:
        return dt.date.min


def sample_paths() -> list[Path]:
    """The bundled sample register files, oldest source first."""
    folder = Path(str(resources.files("secbot.store").joinpath("sample")))
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix in readers.YAML_SUFFIXES]
    return sorted(files, key=lambda p: (_issued(p), p.name))


def import_sample(store: Store) -> ImportResult:
    """Import the bundled sample register (all its files as one import)."""
    return import_paths(store, sample_paths())


def load_sample_if_empty(store: Store) -> ImportResult | None:
    """Load the sample register into a store that has no modifications yet; else do nothing."""
    with store.sessions() as session:
        if session.scalar(select(Modification.id).limit(1)) is not None:
            return None
    if not sample_paths():
        log.warning("no bundled sample register files found; the register stays empty")
        return None
    return import_sample(store)
