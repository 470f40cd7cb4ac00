"""One secbot serving Slack and Teams (and the shell, through the same ``App``) against both fakes, and the
people who use it: what each sees after typing something on each door.

Slack is a signed request to secbot's real server with the Web API played by ``FakeSlack``; Teams is a
signed activity with the Bot Connector played by ``FakeTeams``; the shell is ``App.answer``. The
``make_doors`` fixture (tests/conftest.py) builds ``Doors``.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass

import requests

from secbot.app import App
from secbot.commands import Actor, Where
from secbot.platforms.shell.text import render_text
from tests.fakes import slack_requests as slack
from tests.fakes.slack_api import FakeSlack
from tests.fakes.teams_connector import TENANT_ID, FakeTeams
from tests.fakes.workspace import BOT_TOKEN, SIGNING_SECRET, TEAM_ID
from tests.servers import Served
from tests.support.teams_client import TeamsClient, teams_settings

USERGROUP = "S0ADMINS"
TEAM_THREAD = "19:team-general-0001@thread.skype"  # channel_mention.json's team
TEAM_GROUP = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"  # its aadGroupId
SLACK_CHANNEL = "C123"
PERSONAL_CHAT = "a:1personal-chat-with-alex"


@dataclass(frozen=True)
class Person:
    """One person as each door knows them."""

    slack_user: str
    teams_id: str  # Bot Framework's 29: id
    teams_aad: str  # the Entra object id: the Teams identity
    name: str
    login: str  # the shell

    def identity(self, door: str) -> str:
        return {
            "slack": f"slack:{TEAM_ID}:{self.slack_user}",
            "teams": f"teams:{TENANT_ID}:{self.teams_aad}",
            "shell": f"shell:{self.login}",
        }[door]

    def teams_from(self) -> dict:
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.teams_aad}


SAM_ADMIN = Person("UADMIN", "29:sam", "aaaaaaaa-0000-4000-8000-00000000000a", "Sam Admin", "sam")
RAE_READER = Person("UREADER", "29:rae", "bbbbbbbb-0000-4000-8000-00000000000b", "Rae Reader", "rae")
GIL_GROUP = Person("UGROUP", "29:gil", "cccccccc-0000-4000-8000-00000000000c", "Gil Member", "gil")
DOORS = ("slack", "teams", "shell")
WHERE = {"slack": f"{TEAM_ID}:{SLACK_CHANNEL}", "teams": PERSONAL_CHAT, "shell": "local"}


def visible(payload) -> str:
    """Every text a person sees in Block Kit or an Adaptive Card, without markup or escapes."""
    parts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title", "value") and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    return plain("\n".join(parts))


def plain(text: str) -> str:
    text = re.sub(r"\\(.)", r"\1", html.unescape(text))
    return text.replace("*", "").replace("`", "")


class Doors:
    """One secbot serving Slack and Teams (and the shell, through the same ``App``), with both fakes."""

    def __init__(self, app: App, served: Served, slack_fake: FakeSlack, teams_fake: FakeTeams) -> None:
        self.app, self.served, self.slack, self.teams = app, served, slack_fake, teams_fake
        self.teams_client = TeamsClient(served, teams_fake)

    def ask(self, door: str, person: Person, text: str, *, in_team: bool = False) -> str:
        """What ``person`` sees after typing ``text`` in ``door`` (Teams: a personal chat, or the team's channel)."""
        if door == "slack":
            return self._slack(person, text)
        if door == "teams":
            return self._teams(person, text, in_team)
        reply = self.app.answer(text, Actor("shell", person.login), Where("shell", "local"))
        return plain(render_text(reply))

    def _slack(self, person: Person, text: str) -> str:
        token = f"T0001/{time.monotonic_ns()}/r"
        body = slack.slash_command(
            text, response_url=self.slack.response_url(token), user_id=person.slack_user, channel_id=SLACK_CHANNEL
        )
        signed = slack.sign(body, SIGNING_SECRET)
        response = requests.post(f"{self.served.base}/slack/events", data=body.encode(), headers=signed, timeout=20)
        assert response.status_code == 200
        answer = response.json()
        if answer.get("text", "").startswith("Looking that up"):  # a slow machine: the answer follows
            answer = self.slack.answer_to(token).body
        return visible(answer["blocks"])

    def _teams(self, person: Person, text: str, in_team: bool) -> str:
        before = len(self.teams.calls)
        client = self.teams_client
        if in_team:
            activity = client.activity("channel_mention", text=f"<at>secbot</at> {text}")
        else:
            activity = client.activity("personal_message", text=text)
        activity["from"] = person.teams_from()
        assert client.send(activity).status_code in (200, 202)
        call = self.teams.wait_for(before + 1)[before]
        return visible(call.body["attachments"][0]["content"])

    def slack_lookups(self) -> list[str]:
        return [c.body.get("usergroup") for c in self.slack.calls("usergroups.users.list")]


def doors_settings(db_url: str, slack_fake: FakeSlack, teams_fake: FakeTeams, **overrides):
    values = {
        "admins": [SAM_ADMIN.identity(door) for door in DOORS],
        "admin_slack_usergroups": [f"{TEAM_ID}:{USERGROUP}"],
        "admin_teams_teams": [TEAM_GROUP],
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack_fake.api_url,
        **overrides,
    }
    return teams_settings(db_url, teams_fake, **values)
