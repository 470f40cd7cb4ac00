"""Roles on every door: who is an admin (named in settings, a Slack user group, a Teams team) and who a
reader, as ``whoami`` tells them; memberships looked up only when they matter, and cached.

Slack is a signed request to secbot's real server with the Web API played by ``FakeSlack``; Teams is a
signed activity with the Bot Connector played by ``FakeTeams``; the shell is ``App.answer`` (and
``shell.ask``). ``Doors`` (tests/support/doors.py) and its ``make_doors`` fixture are shared with
``test_audit`` and ``test_announcements``.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
import requests

from secbot.commands import Actor, Where
from secbot.commands.registry import ADMIN, REGISTRY, Command
from secbot.platforms.shell import door as shell
from secbot.replies import Reply
from secbot.roles import MembershipCache
from secbot.store import subscriptions
from tests.fakes import slack_requests as slack
from tests.fakes.teams_connector import OUTBOUND_TOKEN
from tests.fakes.workspace import BOT_TOKEN, SIGNING_SECRET, TEAM_ID
from tests.support.doors import (
    DOORS,
    GIL_GROUP,
    RAE_READER,
    SAM_ADMIN,
    TEAM_GROUP,
    TEAM_THREAD,
    USERGROUP,
    WHERE,
    Doors,
    visible,
)

pytestmark = pytest.mark.usefixtures("no_proxy")


@pytest.fixture
def doors(make_doors) -> Doors:
    return make_doors()


# --- whoami ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_whoami_admin_named_in_settings(doors, door):
    seen = doors.ask(door, SAM_ADMIN, "whoami")
    assert "You are a SECAS admin" in seen
    assert SAM_ADMIN.identity(door) in seen
    assert "named in SECBOT_ADMINS" in seen
    assert "audit [<reference> | user <identity> | since <date>]" in seen  # what an admin can do


@pytest.mark.parametrize("door", DOORS)
def test_whoami_reader(doors, door):
    seen = doors.ask(door, RAE_READER, "who am I?")
    assert "You are a reader" in seen
    assert f"ask a SECAS admin to add {RAE_READER.identity(door)} to SECBOT_ADMINS" in seen
    assert "What SECAS admins can do" in seen


def test_whoami_admin_by_slack_usergroup(doors):
    seen = doors.ask("slack", GIL_GROUP, "whoami")
    assert "You are a SECAS admin" in seen
    assert "member of the Slack user group S0ADMINS" in seen
    [call] = doors.slack.calls("usergroups.users.list")
    assert call.body["usergroup"] == USERGROUP and call.token == BOT_TOKEN


@pytest.mark.parametrize(
    ("entry", "admin"), [(USERGROUP, True), (f"{TEAM_ID}:{USERGROUP}", True), (f"T9999:{USERGROUP}", False)]
)
def test_a_usergroup_entry_applies_in_its_own_workspace_or_any_when_bare(make_doors, entry, admin):
    doors = make_doors(admin_slack_usergroups=[entry])
    seen = doors.ask("slack", GIL_GROUP, "whoami")
    assert ("You are a SECAS admin" in seen) is admin
    assert doors.slack_lookups() == ([USERGROUP] if admin else [])


def test_whoami_admin_by_teams_team_in_its_channel(doors):
    seen = doors.ask("teams", GIL_GROUP, "whoami", in_team=True)
    assert "You are a SECAS admin" in seen
    assert f"member of the Teams team {TEAM_GROUP}" in seen
    [lookup] = doors.teams.member_lookups
    assert (lookup.conversation_id, lookup.activity_id) == (TEAM_THREAD, GIL_GROUP.teams_id)
    assert lookup.token == OUTBOUND_TOKEN  # secbot's own connector token, through the SDK's client


def test_someone_in_the_channel_but_not_in_the_team_is_a_reader(doors):
    seen = doors.ask("teams", RAE_READER, "whoami", in_team=True)
    assert "You are a reader" in seen
    assert "not found in an admin Teams team" in seen
    assert len(doors.teams.member_lookups) == 1  # asked, and the connector said 404


def test_a_team_named_by_group_id_is_checked_only_in_its_own_channels(doors):
    seen = doors.ask("teams", GIL_GROUP, "whoami")  # a personal chat carries no team
    assert "You are a reader" in seen
    assert doors.teams.member_lookups == []


def test_a_team_named_by_thread_id_is_checked_from_a_personal_chat(make_doors):
    doors = make_doors(admin_teams_teams=[TEAM_THREAD])
    seen = doors.ask("teams", GIL_GROUP, "whoami")
    assert "You are a SECAS admin" in seen
    assert f"member of the Teams team {TEAM_THREAD}" in seen


def test_the_shell_user_is_the_login(make_doors):
    doors = make_doors(admins=[f"shell:{shell.SHELL_USER.user_id}"])
    text, reply = shell.ask(doors.app, "whoami")
    assert reply.title == "You are a SECAS admin"
    assert f"shell:{shell.SHELL_USER.user_id}" in text


# --- when memberships are looked up ---------------------------------------------------------------


def test_ordinary_questions_look_up_no_memberships(doors):
    assert "Significant Code Review" in doors.ask("slack", GIL_GROUP, "MP161")
    assert "Significant Code Review" in doors.ask("teams", GIL_GROUP, "MP161", in_team=True)
    assert doors.slack_lookups() == []
    assert doors.teams.member_lookups == []


def test_memberships_are_cached_per_group_and_team(doors):
    for _ in range(2):
        assert "You are a SECAS admin" in doors.ask("slack", GIL_GROUP, "whoami")
        assert "You are a SECAS admin" in doors.ask("teams", GIL_GROUP, "whoami", in_team=True)
    assert "Audit log" in doors.ask("slack", GIL_GROUP, "audit")
    assert "You are a reader" in doors.ask("slack", RAE_READER, "whoami")  # the same group's list
    assert doors.slack_lookups() == [USERGROUP]
    assert len(doors.teams.member_lookups) == 1


def test_a_failed_lookup_makes_a_reader_and_is_not_cached(doors):
    del doors.slack.usergroups[USERGROUP]  # Slack answers no_such_subteam
    assert "You are a reader" in doors.ask("slack", GIL_GROUP, "whoami")
    doors.slack.usergroups[USERGROUP] = [GIL_GROUP.slack_user]
    assert "You are a SECAS admin" in doors.ask("slack", GIL_GROUP, "whoami")
    assert doors.slack_lookups() == [USERGROUP, USERGROUP]


def test_a_slack_button_press_looks_up_memberships_too(doors):
    token = f"T0001/{time.monotonic_ns()}/button"
    body = slack.block_actions(
        "secbot_run_0", "audit", response_url=doors.slack.response_url(token), user_id=GIL_GROUP.slack_user
    )
    assert requests.post(
        f"{doors.served.base}/slack/events", data=body.encode(), headers=slack.sign(body, SIGNING_SECRET), timeout=10
    ).ok
    answer = doors.slack.answer_to(token)
    assert "Audit log" in visible(answer.body["blocks"])


def test_admin_only_subscriptions_accept_a_usergroup_admin(make_doors):
    doors = make_doors(subscriptions_admin_only=True)
    assert "Only SECAS admins may change subscriptions" in doors.ask("slack", RAE_READER, "subscribe agenda")
    assert "Subscribed: agenda" in doors.ask("slack", GIL_GROUP, "subscribe agenda")
    [stored] = subscriptions.for_channel(doors.app.store, "slack", WHERE["slack"])
    assert stored.kind == "agenda"


def test_the_cache_forgets_after_its_time():
    now = [0.0]
    cache = MembershipCache(300, clock=lambda: now[0])
    loads = []

    async def load():
        loads.append(now[0])
        return frozenset({"U1"})

    for moment in (0.0, 299.0, 300.0):
        now[0] = moment
        assert asyncio.run(cache.get(("slack", "T1", "S1"), load)) == {"U1"}
    assert loads == [0.0, 300.0]


# --- the answer cache and help ---------------------------------------------------------------------


def test_an_admins_audit_reply_is_never_served_to_a_reader(doors):
    assert "Audit log" in doors.ask("slack", SAM_ADMIN, "audit")
    seen = doors.ask("slack", RAE_READER, "audit")
    assert "Only SECAS admins can use audit" in seen
    assert "Audit log" not in seen


@pytest.fixture
def cacheable_admin_command():
    """An admin command whose reply may be cached, registered for one test (as later admin commands may be)."""
    cmd = Command(
        "secret-stats",
        "secret-stats",
        "Figures for admins",
        lambda ctx, args: Reply("Admin figures"),
        role=ADMIN,
        cached=True,
    )
    REGISTRY.add(cmd)
    yield cmd
    del REGISTRY.commands[cmd.name]
    del REGISTRY._names[cmd.name]


@pytest.fixture
def channel_command():
    """A reader command that reads the channel it is asked in and does not declare itself cached."""
    cmd = Command("where-am-i", "where-am-i", "This channel", lambda ctx, args: Reply(f"In {ctx.where.channel_id}"))
    REGISTRY.add(cmd)
    yield cmd
    del REGISTRY.commands[cmd.name]
    del REGISTRY._names[cmd.name]


def test_a_command_not_declared_cached_is_answered_afresh_every_time(doors, channel_command):
    reader = Actor("shell", RAE_READER.login)
    assert doors.app.answer("where-am-i", reader, Where("shell", "one")).title == "In one"
    assert doors.app.answer("where-am-i", reader, Where("shell", "two")).title == "In two"  # not one's answer
    status = doors.app.answer("MP161", reader, Where("shell", "one"))
    assert doors.app.answer("MP161", reader, Where("shell", "two")) is status  # status is declared cached


def test_the_role_is_part_of_the_answer_cache_key(doors, cacheable_admin_command):
    admin, reader = Actor("shell", SAM_ADMIN.login), Actor("shell", RAE_READER.login)
    first = doors.app.answer("secret-stats", admin, Where("shell", "local"))
    assert first.title == "Admin figures"
    assert doors.app.answer("secret-stats", admin, Where("shell", "local")) is first  # cached for admins
    refused = doors.app.answer("secret-stats", reader, Where("shell", "local"))
    assert refused.title == "Only SECAS admins can use secret-stats"


def test_a_reader_sees_reader_commands_and_an_admin_sees_admin_commands_apart(doors):
    reader = doors.ask("shell", RAE_READER, "help")
    assert "• subscribe" in reader and "For SECAS admins only" not in reader
    assert "audit [" not in reader and "• set <reference>" not in reader and "• record" not in reader
    assert "audit is for SECAS admins only" in doors.ask("shell", RAE_READER, "help audit")

    admin = doors.ask("shell", SAM_ADMIN, "help")
    admin_part = admin.split("For SECAS admins only")[1]
    assert "audit [<reference> | user <identity> | since <date>]" in admin_part
    assert "• subscribe" not in admin_part and "• subscribe" in admin.split("For SECAS admins only")[0]
    assert "• announce consultation" in admin_part and "• set <reference>" in admin_part
    assert re.search(r"Who:\s+SECAS admins only", doors.ask("shell", SAM_ADMIN, "help audit"))
