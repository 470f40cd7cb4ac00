"""The database each test gets: a SQLite file, or a schema of its own on the PostgreSQL server named by
``SECBOT_TEST_DATABASE_URL`` (so tests never see each other's rows, and parallel runs are safe).

Three kinds, from the cheapest to make to the most work:

* ``fresh``: an empty database, not yet migrated (what a first start finds);
* ``migrated``: the schema at its head revision and no rows (what ``prepare_store(load_sample=False)`` leaves);
* ``sample``: the bundled sample register imported into that (what a first ``secbot`` start leaves).

Migrating and importing are done once per process into a template; a test's ``migrated`` or ``sample``
database is a copy of it. On SQLite the copy is the template's file copied. On PostgreSQL, where DDL is
what costs (creating ~30 tables takes longer than most tests), a schema a test has finished with is
reused: every row deleted, the template's rows copied in and its sequences set as the template's, after a
check that the test left the schema's structure (tables, columns, indexes, constraints) as it found it.
Otherwise the schema is dropped and a new one migrated.

Every PostgreSQL schema made here is named ``sbt_<owner>_...`` where the owner is this process, which holds
a session advisory lock named after itself for as long as it lives. A process starting sweeps the schemas
whose owner's lock is free (a run that crashed or was killed), so leftovers never pile up, and suites of
other worktrees sharing the server (their own owners, or other names altogether) are left alone.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import threading
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, text

from secbot.store.db import make_engine
from secbot.store.opening import prepare_store

TEST_DATABASE_URL = os.environ.get("SECBOT_TEST_DATABASE_URL", "")
PREFIX = "sbt_"
_LOCK_CLASS = 0x5EC7  # pg_advisory_lock(class, owner): one lock per live test process
KINDS = ("fresh", "migrated", "sample")


def is_postgres() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


def database_url(tmp_path: Path, kind: str = "fresh") -> tuple[str, str | None]:
    """A database of ``kind`` (default: fresh and empty, not yet migrated): a SQLite file, or a PostgreSQL
    schema whose name is returned for ``drop_schema``."""
    lease = databases().lease(kind, tmp_path)
    databases().remember(lease)
    return lease.url, lease.schema


@contextmanager
def leased(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a database of ``kind`` ("fresh", "migrated" or "sample") for the block's length."""
    lease = databases().lease(kind, tmp_path)
    try:
        yield lease.url
    finally:
        lease.release()


def drop_schema(schema: str | None) -> None:
    """Done with what ``database_url`` gave (on PostgreSQL: a fresh schema is dropped, a copy kept for reuse);
    nothing to do for SQLite (``schema`` None)."""
    if schema:
        databases().forget(schema).release()


@dataclass
class Lease:
    """One database handed to a test: its URL; ``release()`` when the test has finished with it (every
    engine on it disposed)."""

    url: str
    kind: str
    schema: str | None = None  # PostgreSQL only
    owner: Databases | None = field(default=None, repr=False)

    def release(self) -> None:
        if self.owner is not None:
            self.owner.give_back(self)
            self.owner = None


def _owner_key(owner: str) -> int:
    """The owner's advisory-lock key: an int4, as pg_advisory_lock(int4, int4) takes."""
    return zlib.crc32(owner.encode()) - 2**31


class Databases:
    """This process's databases: templates made on first use, copies handed out per test."""

    def __init__(self, root: Path | None = None) -> None:
        self._root = root or Path(tempfile.mkdtemp(prefix="secbot-test-databases-"))
        self._made_root = root is None
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._templates: dict[str, str] = {}  # kind -> SQLite file or PostgreSQL schema
        self._postgres = is_postgres()
        self._owner = uuid.uuid4().hex[:12]
        self._admin: Engine | None = None
        self._held = None  # the connection holding this process's advisory lock
        self._free: dict[str, list[str]] = {"migrated": [], "sample": []}  # schemas to reuse
        self._mine: set[str] = set()
        self._outstanding: dict[str, Lease] = {}  # handed out by database_url(), until drop_schema()
        self._shape: str | None = None  # the migrated template's structure
        self._order: list[str] = []  # its tables, each after those it refers to
        if self._postgres:
            self._admin = make_engine(TEST_DATABASE_URL)
            self._held = self._admin.connect()
            key = {"c": _LOCK_CLASS, "k": _owner_key(self._owner)}
            self._held.execute(text("SELECT pg_advisory_lock(:c, :k)"), key)
            self._held.commit()
            self._sweep()

    # -- handing out ---------------------------------------------------------------------------------------

    def lease(self, kind: str, tmp_path: Path) -> Lease:
        """A database of ``kind`` (see the module docstring) for one test; ``tmp_path`` holds a SQLite file."""
        assert kind in KINDS, kind
        if not self._postgres:
            path = tmp_path / f"register-{next(self._numbers)}.db"
            if kind != "fresh":
                shutil.copyfile(self._template(kind), path)
            return Lease(f"sqlite:///{path}", kind)
        if kind == "fresh":
            schema = self._new_schema()
            return Lease(self._url(schema), kind, schema, self)
        template = self._template(kind)
        schema = self._reused(kind, template)
        return Lease(self._url(schema), kind, schema, self)

    def remember(self, lease: Lease) -> None:
        if lease.schema is not None:
            with self._lock:
                self._outstanding[lease.schema] = lease

    def forget(self, schema: str) -> Lease:
        with self._lock:
            return self._outstanding.pop(schema)

    def give_back(self, lease: Lease) -> None:
        """A fresh schema is dropped; a copy is kept for the next test that asks for one of its kind."""
        if lease.schema is None:
            return
        if lease.kind == "fresh":
            self.drop(lease.schema)
        else:
            with self._lock:
                self._free[lease.kind].append(lease.schema)

    def drop(self, schema: str) -> None:
        assert self._admin is not None
        with self._admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        with self._lock:
            self._mine.discard(schema)

    def close(self) -> None:
        """Drop every schema this process made (PostgreSQL), or its template files (SQLite)."""
        if self._postgres and self._admin is not None:
            for schema in sorted(self._mine):
                self.drop(schema)
            if self._held is not None:
                self._held.close()
                self._held = None
            self._admin.dispose()
            self._admin = None
        if self._made_root:
            shutil.rmtree(self._root, ignore_errors=True)

    # -- templates -----------------------------------------------------------------------------------------

    def _template(self, kind: str) -> str:
        with self._lock:
            if kind in self._templates:
                return self._templates[kind]
        if self._postgres:
            made = self._new_schema()
            url = self._url(made)
        else:
            made = str(self._root / f"template-{kind}.db")
            url = f"sqlite:///{made}"
        store = prepare_store(make_engine(url), load_sample=kind == "sample")
        store.engine.dispose()
        if not self._postgres:
            for suffix in ("-wal", "-shm"):  # the last connection closed has checkpointed the WAL
                assert not Path(made + suffix).exists() or Path(made + suffix).stat().st_size == 0, suffix
        elif self._shape is None:
            self._shape, self._order = self._structure(made), self._tables(made)
        with self._lock:
            self._templates.setdefault(kind, made)
            return self._templates[kind]

    # -- PostgreSQL ----------------------------------------------------------------------------------------

    def _url(self, schema: str) -> str:
        separator = "&" if "?" in TEST_DATABASE_URL else "?"
        return f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}"

    def _new_schema(self) -> str:
        assert self._admin is not None
        schema = f"{PREFIX}{self._owner}_{next(self._numbers)}"
        with self._admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        with self._lock:
            self._mine.add(schema)
        return schema

    def _reused(self, kind: str, template: str) -> str:
        """A schema holding a copy of ``template``: one given back, reset, or a new one migrated."""
        while True:
            with self._lock:
                schema = self._free[kind].pop() if self._free[kind] else None
            if schema is None:
                schema = self._new_schema()
                store = prepare_store(make_engine(self._url(schema)), load_sample=False)
                store.engine.dispose()
            if self._structure(schema) != self._shape:
                self.drop(schema)  # the test that had it changed its tables: never reuse it
                continue
            self._copy(template, schema)
            return schema

    def _copy(self, template: str, schema: str) -> None:
        """Make ``schema``'s rows and sequences those of ``template`` (the same structure)."""
        assert self._admin is not None
        # DELETE, not TRUNCATE: TRUNCATE makes new files for every table and index, ten times slower here.
        deletes = [f'DELETE FROM "{schema}"."{table}"' for table in reversed(self._order)]
        inserts = [f'INSERT INTO "{schema}"."{table}" SELECT * FROM "{template}"."{table}"' for table in self._order]
        with self._admin.begin() as connection:
            connection.exec_driver_sql("; ".join(["SET LOCAL lock_timeout = '10s'", *deletes, *inserts]))
            connection.execute(
                text(
                    "SELECT setval(format('%I.%I', CAST(:target AS text), sequencename), "
                    "COALESCE(last_value, start_value), last_value IS NOT NULL) "
                    "FROM pg_sequences WHERE schemaname = :template"
                ),
                {"target": schema, "template": template},
            )

    def _structure(self, schema: str) -> str:
        """The schema's relations, columns (types, nullability, defaults), indexes, constraints and functions,
        as one comparable text (the schema's own name left out)."""
        assert self._admin is not None
        with self._admin.connect() as connection:
            rows = connection.execute(
                text(
                    """
                    SELECT 'r ' || c.relname || ' ' || c.relkind::text || ' ' || a.attname || ' '
                           || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' '
                           || COALESCE(pg_get_expr(d.adbin, d.adrelid), '')
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                     WHERE n.nspname = :s
                    UNION ALL
                    SELECT 'i ' || pg_get_indexdef(i.indexrelid)
                      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                      JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = :s
                    UNION ALL
                    SELECT 'k ' || c.relname || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
                      FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
                      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s
                    UNION ALL
                    SELECT 'p ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = :s
                    """
                ),
                {"s": schema},
            ).scalars()
            return "\n".join(sorted((row or "").replace(schema, "<schema>") for row in rows))

    def _tables(self, schema: str) -> list[str]:
        """The schema's tables, each after every table its foreign keys point to."""
        assert self._admin is not None
        with self._admin.connect() as connection:
            tables = (
                connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema}
                )
                .scalars()
                .all()
            )
            edges = connection.execute(
                text(
                    """
                    SELECT cl.relname, ref.relname FROM pg_constraint co
                      JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_class ref ON ref.oid = co.confrelid
                      JOIN pg_namespace n ON n.oid = cl.relnamespace
                     WHERE co.contype = 'f' AND n.nspname = :s AND cl.oid <> ref.oid
                    """
                ),
                {"s": schema},
            ).all()
        needs = {table: {ref for child, ref in edges if child == table} for table in tables}
        order: list[str] = []
        while needs:
            ready = sorted(table for table, refs in needs.items() if not refs - set(order))
            assert ready, f"foreign keys in a cycle: {needs}"
            order += ready
            for table in ready:
                del needs[table]
        return order

    def _sweep(self) -> None:
        """Drop the schemas of test processes that are gone (their advisory lock is free)."""
        assert self._held is not None
        schemas = (
            self._held.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"), {"p": PREFIX.replace("_", r"\_") + "%"}
            )
            .scalars()
            .all()
        )
        self._held.commit()
        owners = {name[len(PREFIX) :].split("_", 1)[0] for name in schemas}
        for owner in sorted(owners - {self._owner}):
            key = {"c": _LOCK_CLASS, "k": _owner_key(owner)}
            if not self._held.execute(text("SELECT pg_try_advisory_lock(:c, :k)"), key).scalar():
                continue  # that process is still running
            try:
                for name in schemas:
                    if name.startswith(f"{PREFIX}{owner}_"):
                        self._held.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
                        self._held.commit()
            finally:
                self._held.execute(text("SELECT pg_advisory_unlock(:c, :k)"), key)
                self._held.commit()


_databases: Databases | None = None
_databases_lock = threading.Lock()


def databases() -> Databases:
    """This process's ``Databases`` (each pytest-xdist worker is a process of its own)."""
    global _databases
    with _databases_lock:
        if _databases is None:
            _databases = Databases()
            atexit.register(close_databases)
        return _databases


def close_databases() -> None:
    global _databases
    with _databases_lock:
        if _databases is not None:
            _databases.close()
            _databases = None
