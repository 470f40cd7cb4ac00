"""Slack's admin user groups: which of the groups named in ``SECBOT_ADMIN_SLACK_USERGROUPS`` an asker is in
(``usergroups.users.list``), kept in the process's ``MembershipCache``. A failed lookup makes the asker a
reader for that answer, never an error."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from secbot.roles import MembershipCache
from secbot.settings import Settings

log = logging.getLogger(__name__)


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
    try:
        response = await client.usergroups_users_list(usergroup=group)
    except SlackApiError as error:
        log.warning("could not list the Slack user group %s: %s", group, error.response.get("error"))
        return None
    except Exception as error:  # a failed lookup must never stop the answer: the asker is then a reader
        log.warning("could not list the Slack user group %s: %s", group, type(error).__name__)
        return None
    return frozenset(response.get("users") or ())
