"""What Teams sends to secbot's /api/messages (activities shaped as Teams sends them, with a Bot Connector
token), the settings that turn the Teams door on against ``FakeTeams``, and how a test reads a card."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import requests

from secbot.server import PLATFORMS
from secbot.settings import Settings
from tests.fakes.teams_connector import APP_ID, APP_PASSWORD, TENANT_ID, FakeTeams
from tests.servers import Served
from tests.support.dates import REPORT_DAY

PAYLOADS = Path(__file__).parent.parent / "fakes" / "teams_payloads"
MP161_TITLE = "MP161: Significant Code Review – Retail Code Consolidation"
TEAM_CHANNEL = "19:team-general-0001@thread.skype"
PERSONAL = "a:1personal-chat-with-alex"
# The channels the ``teams`` fixture (tests/conftest.py) has secbot know: one the connector says is gone.
TEAMS_GONE = "19:team-general-0001@thread.skype"
TEAMS_FINE = "19:second-channel@thread.skype"
TEAMS_ADMINS = "19:secas-admins@thread.skype"
_ids = iter(range(1_800_000_000_000, 1_900_000_000_000))


class TeamsClient:
    """Sends what Teams would send to secbot's /api/messages, with a Bot Connector token."""

    def __init__(self, served: Served, fake: FakeTeams) -> None:
        self.served, self.fake = served, fake

    @property
    def door(self):
        return self.served.web_app[PLATFORMS]["teams"].door

    def activity(self, name: str, **changes) -> dict:
        body = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
        body["serviceUrl"] = self.fake.service_url
        if body["type"] == "message":
            body["id"] = str(next(_ids))  # a new activity unless a test repeats one on purpose
        body.update(copy.deepcopy(changes))
        return body

    def send(self, activity: dict, *, token: str | None = "good", headers: dict | None = None) -> requests.Response:
        if token == "good":
            token = self.fake.token()
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(
            f"{self.served.base}/api/messages", json=activity, headers={**auth, **(headers or {})}, timeout=20
        )


def teams_settings(db_url: str, fake: FakeTeams, **overrides) -> Settings:
    values = {
        "database_url": db_url,
        "today": REPORT_DAY,
        "teams_app_id": APP_ID,
        "teams_app_password": APP_PASSWORD,
        "teams_tenant_id": TENANT_ID,
        "teams_openid_metadata_url": fake.metadata_url,
        "teams_service_hosts": ["*"],
        **overrides,
    }
    return Settings(**values)


def card_of(body: dict) -> dict:
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def card_text(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


def first_text(card: dict) -> str:
    return next(element["text"] for element in card["body"] if element.get("type") == "TextBlock")
