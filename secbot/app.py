"""Wires settings, store, clock and query layer together for every entry point: ``App.answer`` is what
every door calls, over every command (the core's, and the digest layer's, registered by importing
``secbot.digests.commands`` here)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secbot import inputs, outages
from secbot.clock import Clock
from secbot.commands import Actor, Context, Where, dispatch, followups, reports
from secbot.commands.context import PlatformWords
from secbot.commands.dispatch import failed, follows_nothing, route, unavailable
from secbot.commands.registry import REGISTRY
from secbot.commands.understanding import FOLLOW_UP, normalise, understand
from secbot.digests import commands as _digest_commands  # noqa: F401  (registers them)
from secbot.references import find_references
from secbot.replies import Reply
from secbot.roles import MembershipCache, Role, membership_matters, role_of
from secbot.settings import Settings
from secbot.store.db import Store
from secbot.store.importer import limits
from secbot.store.memory import Memory, place_of
from secbot.store.opening import open_store
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
    # How the core speaks of each chat platform (``secbot.platforms.words()``, given by the entry points).
    platforms: dict[str, PlatformWords] = field(default_factory=dict)
    workers: ThreadPoolExecutor = field(init=False, repr=False)
    memberships: MembershipCache = field(init=False, repr=False)  # admin groups and teams, for the doors
    memory: Memory = field(init=False, repr=False)  # what was last asked in each place, for follow-ups
    # Told of each change an admin makes, after it committed (the service posts announcements at once).
    listeners: list[Callable[[str, dict[str, Any]], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # One small pool for every chat door: answering is mostly Python, and more threads only
        # contend for the interpreter lock with the event loop that acknowledges requests.
        self.workers = ThreadPoolExecutor(
            max_workers=self.settings.resolved_answer_threads, thread_name_prefix="secbot-worker"
        )
        self.memberships = MembershipCache(self.settings.admin_membership_cache_seconds)
        self.memory = Memory(self.store)

    async def in_worker(self, fn, *args):
        """Run blocking work (the store is synchronous) on the shared pool, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.workers, fn, *args)

    def context(self, actor: Actor, where: Where, role: Role | None = None) -> Context:
        role = role or self.role_of(actor)
        return Context(
            self.register,
            actor,
            where,
            register_url=self.settings.register_url,
            is_admin=role.is_admin,
            role_reasons=role.reasons,
            subscriptions_admin_only=self.settings.subscriptions_admin_only,
            platforms=self.platforms,
            notify=self.notify,
        )

    def role_of(self, actor: Actor) -> Role:
        return role_of(self.settings, actor, self.platforms.get(actor.platform))

    def notify(self, action: str, result: dict[str, Any]) -> None:
        for listener in self.listeners:
            listener(action, result)

    def membership_matters(self, text: str) -> bool:
        """Whether the reply to ``text`` depends on the asker's role, so that a door must first look up
        their admin group and team memberships (``Actor.groups``); ordinary questions never do."""
        name, _ = route(inputs.gate(text).text)
        return membership_matters(self.settings, REGISTRY.commands.get(name))

    def answer(self, text: str, actor: Actor, where: Where) -> Reply:
        """What every door calls: the reply to ``text`` typed by ``actor`` in ``where``.

        The text first goes through the input gate (``secbot.inputs.gate``): control characters and
        lone surrogates out, at most 4,000 characters read, and a note in the reply's footer when it
        was cut. So do the ids the door passes in, which end up in the audit log and subscriptions.
        """
        question = inputs.gate(text)
        actor, where = _printable_actor(actor), _printable_where(where)
        reply = self._conversing(question.text, actor, where)
        note = question.note()
        if note:  # on a copy: the cached reply, keyed by the text read, stays as it is
            reply = dataclasses.replace(reply, footer=f"{note}\n{reply.footer}" if reply.footer else note)
        return reply

    def receive_report(self, name: str, data: bytes, actor: Actor, where: Where) -> Reply:
        """What every door calls with a file sent to the bot: a SECAS report for an admin to import
        (``secbot.commands.reports``); never cached, never remembered as a question."""
        actor, where = _printable_actor(actor), _printable_where(where)
        context = self.context(actor, where)
        try:
            return reports.receive_report(context, name, data, max_bytes=self.import_max_bytes)
        except Exception as error:  # a user must never see a stack trace
            return failed(f"report {name[:100]!r}", error)

    @property
    def import_max_bytes(self) -> int:
        """The most a register file or a report sent to the bot may hold (``SECBOT_IMPORT_MAX_MB``)."""
        return limits.max_bytes(self.settings.import_max_mb)

    def report_refusal(self, name: str | None, actor: Actor, where: Where) -> Reply | None:
        """What a door asks before fetching a file sent to the bot: the core's reply when it is not to be
        fetched at all (a reader's, audited; not a report), or None (``reports.refusal``; ``name`` None
        when the door does not know it yet)."""
        actor, where = _printable_actor(actor), _printable_where(where)
        try:
            return reports.refusal(self.context(actor, where), name)
        except Exception as error:  # a user must never see a stack trace
            return failed(f"report {(name or '')[:100]!r}", error)

    def receive_report_file(self, path: Path, actor: Actor, where: Where) -> Reply:
        """``receive_report`` for a file on this machine (the local shell's ``ingest <path>``)."""
        try:
            with path.open("rb") as file:
                data = file.read(self.import_max_bytes + 1)
        except OSError as error:
            return reports.unreadable(path.name, error.strerror or type(error).__name__)
        return self.receive_report(path.name, data, actor, where)

    def _conversing(self, text: str, actor: Actor, where: Where) -> Reply:
        """The answer, with what was asked before in the same place: a follow-up ("more", "who raised
        it?") is answered as the command line it stands for, and every question answered is remembered
        there for 30 minutes (``secbot.store.memory``; the database, so any replica follows up)."""
        place = place_of(where.platform, where.channel_id, where.thread_id)
        now = self.register.clock.now()
        understood = understand(text)
        if understood.why == FOLLOW_UP:
            try:
                recalled = self.memory.recall(place, now)
            except Exception as error:  # an outage: the follow-up is answered as if nothing came before
                outages.report("recalling the question before", error, log)
                recalled = None
            line = followups.line_for(understood.args, recalled and recalled.line, recalled and recalled.reference)
            if line is None:
                return follows_nothing(understood.args)
            text, understood = line, understand(line)
        reply = self._answer(text, understood.name, actor, where)
        command = REGISTRY.commands.get(understood.name)
        if command is not None and command.cached and reply.kind != "error":
            about = find_references(understood.args) if understood.name in ("status", "timeline") else []
            self.memory.remember(place, understood.line, about[0].text if about else None, now)
        return reply

    def _answer(self, text: str, name: str, actor: Actor, where: Where) -> Reply:
        """Answers of commands declared ``cached`` (``secbot.commands.registry``) are the same for everyone
        with the same role until the register changes, so they are kept per (question, register
        revision, today, role); a new import anywhere changes the revision. The role is in the key so
        that an admin's answer is never served to a reader. Every other command, and anything not
        understood, is answered afresh; so is a cached command's passing failure (``Reply.cacheable``).
        """
        role = self.role_of(actor)
        try:  # read first for every command: in an outage, one polite reply whatever was asked
            key = (normalise(text), self.register.revision(), self.register.today(), role.name)
        except Exception as error:
            if outages.report("reading the register revision", error, log):
                return unavailable()  # every command needs the store: asking it again only fails again
            return dispatch(text, self.context(actor, where, role))  # a bug here: answer uncached
        cached = self.answers.get(key)  # only replies of commands declared cached are ever kept
        if cached is not None:
            return cached
        command = REGISTRY.commands.get(name)  # the command ``text`` was understood as
        reply = dispatch(text, self.context(actor, where, role))
        if command is not None and command.cached and reply.cacheable:
            self.answers.put(key, reply)
        return reply


def _printable_actor(actor: Actor) -> Actor:
    """The door's actor with printable ids (a display name is someone's own text: at most 200 characters)."""
    user_id, name = inputs.printable(actor.user_id), actor.name and inputs.bounded(actor.name, 200)
    if user_id == actor.user_id and name == actor.name:
        return actor
    return dataclasses.replace(actor, user_id=user_id, name=name or None)


def _printable_where(where: Where) -> Where:
    channel_id, thread_id = inputs.printable(where.channel_id), where.thread_id and inputs.printable(where.thread_id)
    if channel_id == where.channel_id and thread_id == where.thread_id:
        return where
    return dataclasses.replace(where, channel_id=channel_id, thread_id=thread_id or None)


def build(
    settings: Settings, *, load_sample: bool | None = None, platforms: dict[str, PlatformWords] | None = None
) -> App:
    """The App over ``settings``' store; ``platforms`` are how it speaks of each chat platform (the
    entry points pass ``secbot.platforms.words()``)."""
    store = open_store(
        settings.resolved_database_url, load_sample=settings.load_sample if load_sample is None else load_sample
    )
    clock = Clock(settings.zone, settings.today)
    register = Register(store, clock, settings.stale_after_months)
    return App(settings, store, register, platforms=dict(platforms or {}))
