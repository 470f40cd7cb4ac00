"""The chat platforms, one package each (``slack``, ``teams``, ``shell``): the only code that knows a
platform. Each package owns its inbound side (its door: the platform's requests in, ``App.answer``,
the ``Reply`` out in its own format), its outbound side (a ``Sender`` for digests, notices and
announcements, with its own error mapping), its renderers and its membership look-ups for roles; only
it imports its chat SDK. Parsing, answering and wording live once, in the core.

A package declares how the core speaks of it (``WORDS``: its name for people, whether its channels
take digests, how to word its admin memberships; the entry points give ``words()`` to the App), says
whether it is on (``enabled(settings)``) and builds its ``Platform`` (``build(app)``), importing its SDK
only then; ``render_digest(replies, chart)`` and ``to_json(messages)`` render a digest without serving
(``secbot digest --format <platform>``). The service, the scheduler and the CLI loop over
``available()``; adding a platform is adding a package here.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from aiohttp import web

    from secbot.app import App
    from secbot.commands.context import PlatformWords
    from secbot.delivery.senders import Sender
    from secbot.settings import Settings


class Platform(Protocol):
    """One chat platform, as the service sees it."""

    name: str

    def mount(self, web_app: web.Application) -> None:
        """Add the platform's routes (and what it must release at cleanup) to the HTTP service."""

    async def start(self) -> None:
        """Open what the platform needs beyond HTTP (Slack's Socket Mode connection); often nothing."""

    async def close(self) -> None:
        """Close what ``start`` opened."""

    def sender(self) -> Sender | None:
        """What posts digests, notices and announcements there (each ``Sender`` renders a ``Reply`` and a
        digest for its platform); None when the platform cannot post unprompted. The same one every
        time: it owns the platform's pacing."""


@functools.cache
def available() -> tuple[str, ...]:
    """The platform packages, by name."""
    return tuple(sorted(info.name for info in pkgutil.iter_modules(__path__) if info.ispkg))


def package(name: str) -> ModuleType:
    if name not in available():
        raise ValueError(f"no chat platform called {name!r} (there are {', '.join(available())})")
    return importlib.import_module(f"{__name__}.{name}")


def words() -> dict[str, PlatformWords]:
    """How the core speaks of each platform (its package's ``WORDS``), for ``secbot.app.build``."""
    return {name: package(name).WORDS for name in available()}


def enabled(settings: Settings) -> list[str]:
    """The platforms the service serves, by the settings (chat credentials) that turn them on."""
    return [name for name in available() if package(name).enabled(settings)]


def build(app: App) -> dict[str, Platform]:
    """A ``Platform`` for each platform that is on."""
    return {name: package(name).build(app) for name in enabled(app.settings)}
