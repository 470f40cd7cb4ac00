"""Teams' admin teams: whether an asker is a member of a team named in ``SECBOT_ADMIN_TEAMS_TEAMS``, asked
of the turn's connector and kept in the process's ``MembershipCache``.

Teams entries are matched against the activity's ``channelData.team.aadGroupId``: the team's Entra
group id is what an operator can see (Teams admin centre, Entra, the ``groupId`` of a team link) and
it never changes, while the team's ``19:…`` thread id is Bot Framework's own. The connector, though,
knows a team only by that thread id, so the membership is asked of ``channelData.team.id``. A group
id can therefore only be checked in that team's channels; an entry written as the thread id
(``19:…@thread.tacv2``, also in a team link) is checked from any conversation, personal chats too.
"""

from __future__ import annotations

import logging
from typing import Any

from secbot.roles import MembershipCache
from secbot.settings import Settings

log = logging.getLogger(__name__)

_TEAM_THREAD_PREFIX = "19:"


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
