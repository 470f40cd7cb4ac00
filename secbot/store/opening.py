"""Opening the store: the schema upgraded (``secbot.store.db.upgrade``) and, on a first start, the bundled
sample register loaded by the importer under the start-up lock, so that several replicas starting at once
load it once. Here rather than in ``db``, which the importer itself builds on."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from secbot.store.db import Store, make_engine, startup_lock, upgrade
from secbot.store.models import Modification


def open_store(url: str, *, load_sample: bool = True) -> Store:
    return prepare_store(make_engine(url), load_sample=load_sample)


def prepare_store(engine: Engine, *, load_sample: bool = True) -> Store:
    upgrade(engine)
    store = Store(engine, sessionmaker(engine, expire_on_commit=False))
    if load_sample and not _has_modifications(store):
        from secbot.store.importer.loader import load_sample_if_empty  # a first start only: `ask` need not pay

        with startup_lock(engine):
            load_sample_if_empty(store)  # asks again, under the lock: another process may have loaded it
    return store


def _has_modifications(store: Store) -> bool:
    with store.sessions() as session:
        return session.scalar(select(Modification.id).limit(1)) is not None
