"""Who is asking, where, and the register they are asking about."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from secbot.settings import Settings
from secbot.store.queries import Register

DEFAULT_REGISTER_URL = Settings.model_fields["register_url"].default


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
    # Told of each change an admin made (the action and what its applier returned), after it committed.
    notify: Callable[[str, dict[str, Any]], None] = lambda _action, _result: None
