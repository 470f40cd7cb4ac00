"""The one command registry: every command's name, usage, help text and handler.

Handlers are registered with ``@command`` in the family modules of this package; ``help`` is
generated from here, so it cannot drift from what the dispatcher accepts.

A command registered with ``role=ADMIN`` is refused to readers by ``dispatch`` before its handler
runs, and the refused attempt is written to the audit log; its handler only ever sees admins.

A command registered with ``cached=True`` declares that its reply depends on nothing but what was typed,
the register (its revision), today and the asker's role, so ``App.answer`` may keep it in the answer
cache. Caching is opt-in: a command that reads anything else (the channel, the person, the audit log,
subscriptions, pending changes) is simply not declared, and is answered afresh every time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from secbot.roles import ADMIN as ADMIN  # re-exported for @command(role=ADMIN)
from secbot.roles import READER

if TYPE_CHECKING:
    from secbot.commands.context import Context
    from secbot.replies import Reply

Handler = Callable[["Context", str], "Reply"]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    details: str = ""
    role: str = READER  # or ADMIN: SECAS admins only
    cached: bool = False  # its reply depends only on (text, register revision, today, role)


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)

    def add(self, cmd: Command) -> None:
        for name in (cmd.name, *cmd.aliases):
            if name in self._names:
                raise ValueError(f"command word {name!r} registered twice")
            self._names[name] = cmd.name
        self.commands[cmd.name] = cmd

    def find(self, word: str) -> Command | None:
        name = self._names.get(word.lower())
        return self.commands[name] if name else None

    def match(self, text: str) -> tuple[Command, str] | None:
        """The command ``text`` starts with, and the rest: a two-word name ("wg add") before one word ("wg")."""
        words = text.split(None, 2)
        if len(words) >= 2 and (found := self.find(f"{words[0]} {words[1]}")):
            return found, words[2].strip() if len(words) > 2 else ""
        if words and (found := self.find(words[0])):
            return found, text.strip()[len(words[0]) :].strip()
        return None

    def __iter__(self):
        return iter(self.commands.values())

    def for_role(self, role: str) -> list[Command]:
        return [c for c in self.commands.values() if c.role == role]


REGISTRY = Registry()


def command(
    name: str,
    usage: str,
    summary: str,
    *,
    aliases: tuple[str, ...] = (),
    examples: tuple[str, ...] = (),
    details: str = "",
    role: str = READER,
    cached: bool = False,
):
    def register(handler: Handler) -> Handler:
        REGISTRY.add(Command(name, usage, summary, handler, aliases, examples, details, role, cached))
        return handler

    return register
