"""Who is asking, where, and the register they are asking about."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from secbot.settings import Settings
from secbot.store.queries import Register

DEFAULT_REGISTER_URL = Settings.model_fields["register_url"].default


@dataclass(frozen=True)
class PlatformWords:
    """How the core speaks of one chat platform, and what its places can do. Each platform package
    declares its own (``WORDS``); the entry points hand them to the App (``secbot.platforms.words()``),
    so that no command names a platform. One the App was not told of is spoken of by its name and takes
    no subscriptions (nothing would post them).
    """

    name: str
    label: str = ""  # as a person names it ("Slack"); the name when empty
    digests: bool = True  # its channels can subscribe to digests
    # Why someone there is not an admin beyond SECBOT_ADMINS ("not in an admin Slack user group").
    not_a_member: str | None = None
    # One admin membership the platform's door found, given its SECBOT_ADMIN_* setting entry.
    membership: Callable[[str], str] = lambda entry: f"member of {entry}"

    @property
    def called(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class Actor:
    platform: str  # shell | slack | teams
    user_id: str
    name: str | None = None
    # Admin grants the door found this person in: the setting entries of the Slack user groups or
    # Teams teams they are a member of (looked up only when the command needs a role).
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Where:
    platform: str
    channel_id: str
    thread_id: str | None = None


@dataclass
class Context:
    register: Register
    actor: Actor = field(default_factory=lambda: Actor("shell", "local"))
    where: Where = field(default_factory=lambda: Where("shell", "local"))
    register_url: str = DEFAULT_REGISTER_URL
    page_size: int = 10
    is_admin: bool = False
    role_reasons: tuple[str, ...] = ()  # why an admin is one (``secbot.roles.Role.reasons``)
    subscriptions_admin_only: bool = False
    platforms: Mapping[str, PlatformWords] = field(default_factory=dict)  # by name: those the App was told of
    # Told of each change an admin made (the action and what its applier returned), after it committed.
    notify: Callable[[str, dict[str, Any]], None] = lambda _action, _result: None

    def as_of(self, day: dt.date) -> Context:
        """This context asking about the register as it stood on ``day``."""
        return dataclasses.replace(self, register=self.register.as_of(day))

    def words(self, platform: str | None = None) -> PlatformWords:
        """How to speak of ``platform`` (where the question was asked, by default)."""
        name = platform or self.where.platform
        return self.platforms.get(name) or PlatformWords(name, digests=False)

    def digest_platforms(self) -> list[PlatformWords]:
        """The platforms whose channels can subscribe to digests, of those the App was told of."""
        return [words for words in self.platforms.values() if words.digests]
