"""Who may do what: SECAS admins, and readers (everyone else).

An identity is the door's actor key with its platform: ``slack:<team id>:<user id>`` or
``teams:<tenant id>:<Entra object id>`` (``Actor.user_id`` with ``Actor.platform`` in front); the
shell's is ``shell:<login name>``.

A person is an admin when their identity is named in ``SECBOT_ADMINS``, or when their door found
them in a Slack user group named in ``SECBOT_ADMIN_SLACK_USERGROUPS`` or a Teams team named in
``SECBOT_ADMIN_TEAMS_TEAMS``. Doors look memberships up (``secbot.platforms.slack.memberships``,
``secbot.platforms.teams.memberships``) only when the reply depends on the role (``membership_matters``), keep what
they learn in the process's ``MembershipCache``, and pass the grants they found in ``Actor.groups``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from secbot.settings import Settings

if TYPE_CHECKING:  # secbot.commands imports this module through its admin commands
    from secbot.commands.context import Actor, PlatformWords
    from secbot.commands.registry import Command

log = logging.getLogger(__name__)

ADMIN, READER = "admin", "reader"
# Reader commands whose reply still depends on the asker's role.
_ROLE_AWARE = frozenset({"whoami"})
_SUBSCRIPTION_CHANGES = frozenset({"subscribe", "unsubscribe"})  # admin-only with SECBOT_SUBSCRIPTIONS_ADMIN_ONLY


@dataclass(frozen=True)
class Role:
    name: str  # ADMIN or READER
    reasons: tuple[str, ...] = ()  # why an admin is one: "named in SECBOT_ADMINS", a membership

    @property
    def is_admin(self) -> bool:
        return self.name == ADMIN


def identity(actor: Actor) -> str:
    return f"{actor.platform}:{actor.user_id}"


def role_of(settings: Settings, actor: Actor, words: PlatformWords | None = None) -> Role:
    """``actor``'s role, with the reasons worded as ``words`` (the actor's platform's) words memberships."""
    reasons = []
    if identity(actor).lower() in {admin.strip().lower() for admin in settings.admins}:
        reasons.append("named in SECBOT_ADMINS")
    granted = {*settings.admin_slack_usergroups, *settings.admin_teams_teams}
    describe = words.membership if words else (lambda entry: f"member of {entry}")
    reasons += [describe(entry) for entry in sorted(actor.groups & granted)]
    return Role(ADMIN if reasons else READER, tuple(reasons))


def membership_matters(settings: Settings, command: Command | None) -> bool:
    """Whether answering ``command`` needs the asker's memberships: ordinary questions never do."""
    if command is None:
        return False
    if command.role == ADMIN or command.name in _ROLE_AWARE:
        return True
    return settings.subscriptions_admin_only and command.name in _SUBSCRIPTION_CHANGES


class MembershipCache:
    """Memberships a door looked up, each kept for ``seconds``; one per process (they are only read).

    A lookup that failed (``None``) is not kept, so the next request asks again.
    """

    PRUNE_ABOVE = 4096

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._entries: dict[tuple, tuple[float, Any]] = {}

    async def get(self, key: tuple, load: Callable[[], Awaitable[Any]]) -> Any:
        now = self._clock()
        kept = self._entries.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        value = await load()
        if value is not None and self.seconds > 0:
            if len(self._entries) >= self.PRUNE_ABOVE:
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            self._entries[key] = (now + self.seconds, value)
        return value
