"""Who may do what: SECAS admins, and readers (everyone else).

An identity is the door's actor key with its platform: ``slack:<team id>:<user id>`` or
``teams:<tenant id>:<Entra object id>`` (``Actor.user_id`` with ``Actor.platform`` in front); the
shell's is ``shell:<login name>``.

A person is an admin when their identity is named in ``SECBOT_ADMINS``, or when their door found
them in a Slack user group named in ``SECBOT_ADMIN_SLACK_USERGROUPS`` or a Teams team named in
``SECBOT_ADMIN_TEAMS_TEAMS``. Doors look memberships up (``slack_memberships``,
``teams_memberships``) only when the reply depends on the role (``membership_matters``), keep what
they learn in the process's ``MembershipCache``, and pass the grants they found in ``Actor.groups``.

Teams entries are matched against the activity's ``channelData.team.aadGroupId``: the team's Entra
group id is what an operator can see (Teams admin centre, Entra, the ``groupId`` of a team link) and
it never changes, while the team's ``19:…`` thread id is Bot Framework's own. The connector, though,
knows a team only by that thread id, so the membership is asked of ``channelData.team.id``. A group
id can therefore only be checked in that team's channels; an entry written as the thread id
(``19:…@thread.tacv2``, also in a team link) is checked from any conversation, personal chats too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from secbot.settings import Settings

if TYPE_CHECKING:  # secbot.commands imports this module through its admin commands
    from secbot.commands.context import Actor
    from secbot.commands.registry import Command

log = logging.getLogger(__name__)

ADMIN, READER = "admin", "reader"
# Reader commands whose reply still depends on the asker's role.
_ROLE_AWARE = frozenset({"whoami"})
_SUBSCRIPTION_CHANGES = frozenset({"subscribe", "unsubscribe"})  # admin-only with SECBOT_SUBSCRIPTIONS_ADMIN_ONLY
_TEAM_THREAD_PREFIX = "19:"


@dataclass(frozen=True)
class Role:
    name: str  # ADMIN or READER
    reasons: tuple[str, ...] = ()  # why an admin is one: "named in SECBOT_ADMINS", a membership

    @property
    def is_admin(self) -> bool:
        return self.name == ADMIN


def identity(actor: Actor) -> str:
    return f"{actor.platform}:{actor.user_id}"


def role_of(settings: Settings, actor: Actor) -> Role:
    reasons = []
    if identity(actor).lower() in {admin.strip().lower() for admin in settings.admins}:
        reasons.append("named in SECBOT_ADMINS")
    granted = {*settings.admin_slack_usergroups, *settings.admin_teams_teams}
    reasons += [_membership(actor.platform, entry) for entry in sorted(actor.groups & granted)]
    return Role(ADMIN if reasons else READER, tuple(reasons))


def is_admin(settings: Settings, actor: Actor) -> bool:
    return role_of(settings, actor).is_admin


def _membership(platform: str, entry: str) -> str:
    if platform == "slack":
        return f"member of the Slack user group {entry.rpartition(':')[2]}"
    return f"member of the Teams team {entry}"


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


# -- Slack ------------------------------------------------------------------------------------------
def slack_grants(settings: Settings, team_id: str) -> list[tuple[str, str]]:
    """(setting entry, user group id) for each admin user group that applies in workspace ``team_id``."""
    found = []
    for entry in settings.admin_slack_usergroups:
        team, _, group = entry.strip().rpartition(":")
        if group and team in ("", team_id):
            found.append((entry, group))
    return found


async def slack_memberships(
    settings: Settings, cache: MembershipCache, client: Any, team_id: str, user_id: str
) -> frozenset[str]:
    """The admin user groups (setting entries) that ``user_id`` is in; ``client`` is the workspace's."""
    found = set()
    for entry, group in slack_grants(settings, team_id):
        members = await cache.get(("slack", team_id, group), lambda group=group: _usergroup_members(client, group))
        if members and user_id in members:
            found.add(entry)
    return frozenset(found)


async def _usergroup_members(client: Any, group: str) -> frozenset[str] | None:
    from slack_sdk.errors import SlackApiError  # here, not at the top: only Slack's door needs the SDK

    try:
        response = await client.usergroups_users_list(usergroup=group)
    except SlackApiError as error:
        log.warning("could not list the Slack user group %s: %s", group, error.response.get("error"))
        return None
    except Exception as error:  # a failed lookup must never stop the answer: the asker is then a reader
        log.warning("could not list the Slack user group %s: %s", group, type(error).__name__)
        return None
    return frozenset(response.get("users") or ())


# -- Teams ------------------------------------------------------------------------------------------
def teams_grants(settings: Settings, team: dict[str, Any]) -> list[tuple[str, str]]:
    """(setting entry, the team's thread id to ask the connector about) for an activity's ``team``."""
    group_id = (team.get("aadGroupId") or "").lower()
    found = []
    for entry in settings.admin_teams_teams:
        wanted = entry.strip()
        if wanted.startswith(_TEAM_THREAD_PREFIX):
            found.append((entry, wanted))
        elif group_id and wanted.lower() == group_id and team.get("id"):
            found.append((entry, team["id"]))
    return found


async def teams_memberships(
    settings: Settings, cache: MembershipCache, team: dict[str, Any], user_id: str, connector: Any
) -> frozenset[str]:
    """The admin teams (setting entries) that ``user_id`` (the activity's ``from.id``) is a member of.

    ``connector`` is the turn's Teams connector client, or None when the turn has none.
    """
    found = set()
    for entry, thread_id in teams_grants(settings, team):
        member = await cache.get(
            ("teams", thread_id, user_id), lambda thread_id=thread_id: _team_member(connector, thread_id, user_id)
        )
        if member:
            found.add(entry)
    return frozenset(found)


async def _team_member(connector: Any, thread_id: str, user_id: str) -> bool | None:
    if connector is None:
        return None
    try:
        await connector.get_conversation_member(thread_id, user_id)
    except Exception as error:  # 404: not a member; anything else must not stop the answer either
        status = getattr(error, "status", None)
        if status == 404:
            return False
        log.warning("could not check membership of the Teams team %s: %s", thread_id, status or type(error).__name__)
        return None
    return True
