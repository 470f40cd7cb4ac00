"""Wires settings, store, clock and query layer together for every entry point."""

from __future__ import annotations

from dataclasses import dataclass

from secbot.clock import Clock
from secbot.commands import Context
from secbot.settings import Settings
from secbot.store.db import Store, open_store
from secbot.store.queries import Register


@dataclass
class App:
    settings: Settings
    store: Store
    register: Register

    def context(self) -> Context:
        return Context(self.register, register_url=self.settings.register_url)


def build(settings: Settings, *, load_sample: bool | None = None) -> App:
    store = open_store(
        settings.resolved_database_url, load_sample=settings.load_sample if load_sample is None else load_sample
    )
    clock = Clock(settings.zone, settings.today)
    return App(settings, store, Register(store, clock))
