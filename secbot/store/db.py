"""Engines, sessions and schema upgrades.

``secbot.store.opening.open_store`` is what every entry point calls: it creates the engine, upgrades the
schema with Alembic (``upgrade`` here) and loads the bundled sample register into an empty database. On
PostgreSQL both steps run under an advisory lock, because several replicas may start at once against one
database.

Most starts find nothing to do, and they should cost little (``secbot ask`` is a process per
question): a schema already at ``SCHEMA_HEAD`` is recognised by one query, without importing
Alembic, and a register that has modifications by another, without the start-up lock or the importer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from secbot.store.index import IndexCache

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision in migrations/versions (a test checks it): a database stamped with it needs no upgrade.
SCHEMA_HEAD = "0009"
_LOCK_KEY = 0x5EC_B07  # pg_advisory_lock key for start-up work


def insert_for(dialect_name: str):
    """The dialect's ``insert``, which has ``on_conflict_do_nothing`` / ``_do_update`` (SQLite and PostgreSQL)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def insert_or_nothing(connection: Connection, model, returning, **values) -> bool:
    """Insert the row unless its key is taken; True when this call inserted it.

    The database says whose insert it was (RETURNING gives a row only to the inserter), not a
    rowcount, so exactly one of any number of concurrent callers gets True.
    """
    statement = _insert_or_nothing(connection.dialect.name, model, returning.key, tuple(values))
    return connection.execute(statement, values).first() is not None


@functools.lru_cache(maxsize=32)
def _insert_or_nothing(dialect_name: str, model, returning: str, names: tuple[str, ...]):
    """``insert_or_nothing``'s statement, with a bound parameter per column, built once: every chat
    request claims its delivery with one, and building it costs more than running it."""
    columns = model.__table__.c
    values = {name: bindparam(name, type_=columns[name].type) for name in names}
    return insert_for(dialect_name)(model).values(values).on_conflict_do_nothing().returning(getattr(model, returning))


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC datetime: SQLite gives back the naive UTC value secbot wrote."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _wal(cursor) -> None:
    """Switch a SQLite database to WAL once. The switch needs the database to itself and SQLite does
    not wait for that (its busy timeout does not apply), so engines opening a new file at the same
    moment retry briefly; a database already in WAL is only read."""
    for attempt in range(50):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.1)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            _wal(cursor)
            # With WAL this is still crash-safe (a power cut may lose the last commits, never corrupt);
            # it halves the cost of the one-row commit that claims each chat request.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


@contextlib.contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serialise start-up work (migrations, sample load) between processes sharing a database."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        import fcntl

        with open(f"{database}.startup-lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
            connection.commit()


def _alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


def _at_schema_head(engine: Engine) -> bool:
    """Whether the database is stamped with ``SCHEMA_HEAD``, asked without Alembic; False when unsure
    (no ``alembic_version`` table yet, or any error: Alembic then looks for itself)."""
    try:
        with engine.connect() as connection:
            stamped = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False
    return stamped == [SCHEMA_HEAD]


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; returns True when something was applied."""
    if _at_schema_head(engine) or current_revision(engine) == head_revision(engine):
        return False
    from alembic import command

    with startup_lock(engine):
        if current_revision(engine) == head_revision(engine):
            return False
        command.upgrade(_alembic_config(engine), "head")
        log.info("database schema upgraded to %s", head_revision(engine))
        return True


@dataclass
class Store:
    """An upgraded database, its session factory, and this process's index of it."""

    engine: Engine
    sessions: sessionmaker[Session]
    index_cache: IndexCache = field(default_factory=IndexCache)
    snapshots: Any = None  # the register as of earlier days (``secbot.store.asof.Snapshots``), made on first use

    def session(self) -> Session:
        return self.sessions()

    def async_engine(self):
        """An asyncio engine on the same database, for libraries that need one (Slack's OAuth stores)."""
        from sqlalchemy.ext.asyncio import create_async_engine

        url = self.engine.url
        driver = "sqlite+aiosqlite" if url.get_backend_name() == "sqlite" else "postgresql+psycopg"
        return create_async_engine(url.set(drivername=driver))
