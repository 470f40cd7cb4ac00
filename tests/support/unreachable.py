"""A database that cannot be reached: a local port nothing listens on, and an App over such a database."""

from __future__ import annotations

import socket

from sqlalchemy.orm import sessionmaker

from secbot.app import App
from secbot.clock import Clock
from secbot.settings import Settings
from secbot.store.db import Store, make_engine
from secbot.store.queries import Register
from tests.support.dates import LONDON, REPORT_DAY


def closed_port() -> int:
    """A local port nothing listens on: bound, then closed again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_app(url: str) -> App:
    """An app over a database that cannot be reached (as ``build`` makes it, less the start-up upgrade,
    which would fail first)."""
    engine = make_engine(url)
    store = Store(engine, sessionmaker(engine, expire_on_commit=False))
    return App(Settings(database_url=url, load_sample=False), store, Register(store, Clock(LONDON, REPORT_DAY)))
