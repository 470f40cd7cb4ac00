"""Wires settings, store, clock and query layer together for every entry point."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from secbot.clock import Clock
from secbot.commands import Actor, Context, Where, dispatch
from secbot.commands.dispatch import normalise, route
from secbot.commands.registry import REGISTRY
from secbot.replies import Reply
from secbot.roles import MembershipCache, Role, membership_matters, role_of
from secbot.settings import Settings
from secbot.store.db import Store, open_store
from secbot.store.queries import Register

log = logging.getLogger(__name__)


class AnswerCache:
    """A small thread-safe LRU of replies."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._replies: OrderedDict[tuple, Reply] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Reply | None:
        with self._lock:
            reply = self._replies.get(key)
            if reply is not None:
                self._replies.move_to_end(key)
            return reply

    def put(self, key: tuple, reply: Reply) -> None:
        with self._lock:
            self._replies[key] = reply
            self._replies.move_to_end(key)
            while len(self._replies) > self.size:
                self._replies.popitem(last=False)


@dataclass
class App:
    settings: Settings
    store: Store
    register: Register
    answers: AnswerCache = field(default_factory=AnswerCache)
    workers: ThreadPoolExecutor = field(init=False, repr=False)
    memberships: MembershipCache = field(init=False, repr=False)  # admin groups and teams, for the doors
    # Told of each change an admin makes, after it committed (the service posts announcements at once).
    listeners: list[Callable[[str, dict[str, Any]], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # One small pool for every chat door: answering is mostly Python, and more threads only
        # contend for the interpreter lock with the event loop that acknowledges requests.
        self.workers = ThreadPoolExecutor(max_workers=self.settings.answer_threads, thread_name_prefix="secbot-worker")
        self.memberships = MembershipCache(self.settings.admin_membership_cache_seconds)

    async def in_worker(self, fn, *args):
        """Run blocking work (the store is synchronous) on the shared pool, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.workers, fn, *args)

    def context(self, actor: Actor, where: Where, role: Role | None = None) -> Context:
        role = role or role_of(self.settings, actor)
        return Context(
            self.register,
            actor,
            where,
            register_url=self.settings.register_url,
            is_admin=role.is_admin,
            role_reasons=role.reasons,
            subscriptions_admin_only=self.settings.subscriptions_admin_only,
            notify=self.notify,
        )

    def notify(self, action: str, result: dict[str, Any]) -> None:
        for listener in self.listeners:
            listener(action, result)

    def membership_matters(self, text: str) -> bool:
        """Whether the reply to ``text`` depends on the asker's role, so that a door must first look up
        their admin group and team memberships (``Actor.groups``); ordinary questions never do."""
        name, _ = route(text)
        return membership_matters(self.settings, REGISTRY.commands.get(name))

    def answer(self, text: str, actor: Actor, where: Where) -> Reply:
        """What every door calls: the reply to ``text`` typed by ``actor`` in ``where``.

        Answers are the same for everyone with the same role until the register changes, so they are
        kept per (question, register revision, today, role); a new import anywhere changes the
        revision. The role is in the key so that an admin's answer is never served to a reader
        (refusals, and answers that depend on the person, such as ``whoami``, are not cached at all).
        """
        role = role_of(self.settings, actor)
        try:
            key = (normalise(text), self.register.revision(), self.register.today(), role.name)
        except Exception:  # the store is down: dispatch answers with an apology, uncached
            log.exception("could not read the register revision")
            return dispatch(text, self.context(actor, where, role))
        cached = self.answers.get(key)
        if cached is not None:
            return cached
        reply = dispatch(text, self.context(actor, where, role))
        if reply.cacheable:
            self.answers.put(key, reply)
        return reply


def build(settings: Settings, *, load_sample: bool | None = None) -> App:
    store = open_store(
        settings.resolved_database_url, load_sample=settings.load_sample if load_sample is None else load_sample
    )
    clock = Clock(settings.zone, settings.today)
    return App(settings, store, Register(store, clock))
