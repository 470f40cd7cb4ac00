"""The store itself: migrations on SQLite and PostgreSQL, and several processes starting at once."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, inspect, select

from secbot.store.db import current_revision, head_revision, make_engine, upgrade
from secbot.store.models import Modification, Source
from secbot.store.opening import prepare_store


def test_migrations_create_every_table_and_are_idempotent(db_url):
    engine = make_engine(db_url)
    assert upgrade(engine) is True
    assert upgrade(engine) is False
    assert current_revision(engine) == head_revision(engine)
    tables = set(inspect(engine).get_table_names())
    assert {
        "modifications",
        "earlier_titles",
        "conversions",
        "events",
        "meetings",
        "agenda_items",
        "consultations",
        "assessments",
        "votes",
        "decisions",
        "releases",
        "release_scope",
        "sources",
        "register_state",
        "imports",
        "inbound_deliveries",
        "slack_installations",
        "slack_bots",
        "slack_oauth_states",
    } <= tables


def test_the_migrations_build_exactly_what_the_models_describe(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from secbot.store.models import Base

    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_sample_loads_once_when_several_processes_start_together(db_url):
    code = "import sys; from secbot.store.opening import open_store; open_store(sys.argv[1])"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE, text=True) for _ in range(3)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    engine = make_engine(db_url)
    with engine.connect() as conn:
        mods = conn.scalar(select(func.count()).select_from(Modification))
        distinct = conn.scalar(select(func.count(func.distinct(Modification.reference))))
        sources = conn.scalar(select(func.count()).select_from(Source))
    assert mods == distinct >= 70
    assert sources == 3


def test_sample_loads_once_with_threads_in_one_process(db_url):
    with ThreadPoolExecutor(3) as pool:
        stores = list(pool.map(lambda _: prepare_store(make_engine(db_url)), range(3)))
    with stores[0].session() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 3
