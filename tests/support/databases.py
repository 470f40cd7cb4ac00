"""The database each test gets: a SQLite file, or a schema of its own on the PostgreSQL server named by
``SECBOT_TEST_DATABASE_URL`` (so tests never see each other's rows, and parallel runs are safe)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import text

from secbot.store.db import make_engine

TEST_DATABASE_URL = os.environ.get("SECBOT_TEST_DATABASE_URL", "")


def is_postgres() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


def database_url(tmp_path: Path) -> tuple[str, str | None]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL schema (name returned)."""
    if not is_postgres():
        return f"sqlite:///{tmp_path / 'register.db'}", None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}", schema


def drop_schema(schema: str | None) -> None:
    """Drop what ``database_url`` made on PostgreSQL; nothing to do for SQLite (``schema`` None)."""
    if schema:
        admin = make_engine(TEST_DATABASE_URL)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
