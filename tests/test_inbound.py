"""Inbound duplicates: a request answered once however often it is delivered.

Through the doors: a Slack request retried while the database is really out of reach (the store's
engine pointed at a file in a missing directory, or at a closed PostgreSQL port) is answered once,
and its retries stay dropped once the database is back; a replayed Teams ``Action.Execute`` invoke
gets the first delivery's card again and is not run twice. Slack and Teams are faked at their HTTP
boundary as in ``test_slack`` and ``test_teams``. Then ``RecentClaims``, the in-memory fallback, on
its own clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from secbot import platforms
from secbot.app import build
from secbot.platforms.teams.cards import SUBMIT_KEY, validate_card
from secbot.settings import Settings
from secbot.store import inbound, subscriptions
from secbot.store.db import Store
from secbot.store.inbound import KEEP, RecentClaims
from secbot.store.models import AuditEntry, InboundDelivery
from secbot.store.subscriptions import Filters
from tests.fakes import slack_requests as slack
from tests.fakes.slack_api import FakeSlack
from tests.fakes.teams_connector import FakeTeams, token_service
from tests.fakes.workspace import BOT_TOKEN, SIGNING_SECRET
from tests.servers import running, serving
from tests.support.block_kit import texts
from tests.support.dates import REPORT_DAY
from tests.support.slack_client import SlackClient
from tests.support.teams_client import PERSONAL, TeamsClient, card_text, first_text, teams_settings

pytestmark = pytest.mark.usefixtures("no_proxy")


@contextmanager
def database_down(store: Store, tmp_path: Path) -> Iterator[None]:
    """The store's database out of reach until the block ends: its engine and sessions point at a
    SQLite file in a directory that does not exist, or at a PostgreSQL port nobody listens on."""
    engine, sessions = store.engine, store.sessions
    if engine.dialect.name == "sqlite":
        unreachable = create_engine(f"sqlite:///{tmp_path / 'missing' / 'register.db'}")
    else:
        unreachable = create_engine(engine.url.set(host="127.0.0.1", port=1), connect_args={"connect_timeout": 5})
    store.engine, store.sessions = unreachable, sessionmaker(unreachable, expire_on_commit=False)
    try:
        yield
    finally:
        store.engine, store.sessions = engine, sessions
        unreachable.dispose()


def claims_in_database(store: Store) -> int:
    with store.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(InboundDelivery))


# --- Slack ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slack_fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def slack_door(sample_db_url, slack_fake) -> Iterator[tuple[SlackClient, object]]:
    slack_fake.reset()
    settings = Settings(
        database_url=sample_db_url,
        today=REPORT_DAY,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_fake.api_url,
    )
    app = build(settings, platforms=platforms.words())
    with running(app) as base:
        yield SlackClient(base, slack_fake), app
    app.store.engine.dispose()


def retry(number: int) -> dict[str, str]:
    return {"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": "http_timeout"}


def seen(client: SlackClient, response: requests.Response, token: str) -> str:
    """What the person who typed the command sees from one delivery of it ("" for nothing)."""
    assert response.status_code == 200
    if not response.text:
        return ""
    answer = response.json()
    if answer.get("text", "").startswith("Looking that up"):  # a slow machine: the answer follows
        answer = client.fake.answer_to(token).body
    return texts(answer.get("blocks") or []) or answer.get("text", "")


def test_a_command_delivered_four_times_while_the_database_is_down_is_answered_once(slack_door, tmp_path, caplog):
    client, app = slack_door
    caplog.set_level(logging.DEBUG)
    body = slack.slash_command("MP161", response_url=client.fake.response_url("outage"))
    with database_down(app.store, tmp_path):
        deliveries = [client.post(body)] + [client.post(body, headers=retry(n)) for n in (1, 2, 3)]
    first, *retries = (seen(client, response, "outage") for response in deliveries)
    assert "The register is unavailable" in first  # the one answer: an apology, since nothing can be read
    assert retries == ["", "", ""]  # Slack's three retries: acknowledged, nothing shown
    assert claims_in_database(app.store) == 0  # the claim was this process's memory, not the database
    # One line for the one failed request (the outage's own summary line aside), without a trace.
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING and "database outage:" not in r.getMessage()]
    [logged] = warned
    assert logged.name == "secbot.outage" and logged.exc_info is None
    assert "OperationalError" in logged.getMessage() and "\n" not in logged.getMessage()
    assert BOT_TOKEN not in caplog.text and SIGNING_SECRET not in caplog.text


def test_a_retry_of_a_command_claimed_during_an_outage_is_dropped_after_the_database_is_back(slack_door, tmp_path):
    client, app = slack_door
    body = slack.slash_command("MP161", response_url=client.fake.response_url("outage"))
    with database_down(app.store, tmp_path):
        first = seen(client, client.post(body), "outage")
    late_retries = [seen(client, client.post(body, headers=retry(n)), "outage") for n in (1, 2)]
    assert "The register is unavailable" in first
    assert late_retries == ["", ""]
    fresh, token = client.command("MP161")  # the database answers again: a new command is answered in full
    assert "Significant Code Review" in seen(client, fresh, token)
    assert claims_in_database(app.store) == 1  # the new command's claim, in the database again


# --- Teams ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def teams_fake() -> Iterator[FakeTeams]:
    with FakeTeams() as fake:
        yield fake


@pytest.fixture
def teams(sample_db_url, teams_fake) -> Iterator[TeamsClient]:
    teams_fake.reset()
    app = build(teams_settings(sample_db_url, teams_fake), platforms=platforms.words())
    with token_service(), serving(app) as served:
        yield TeamsClient(served, teams_fake)
    app.store.engine.dispose()


def execute(teams: TeamsClient, command: str, activity_id: str) -> dict:
    """An ``Action.Execute`` invoke of ``command``, pressed by Alex (a reader) in their personal chat."""
    action = {"type": "Action.Execute", "id": "run", "verb": "secbot", "data": {SUBMIT_KEY: command}}
    return teams.activity("card_execute_invoke", id=activity_id, value={"action": action, "trigger": "manual"})


def invoked(teams: TeamsClient, activity: dict) -> dict:
    """The card an invoke is answered with."""
    response = teams.send(activity)
    assert response.status_code == 200
    body = response.json()
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    return body["value"]


def subscribed(teams: TeamsClient) -> list[str]:
    return [s.kind for s in subscriptions.for_channel(teams.door.app.store, "teams", PERSONAL)]


def test_a_replayed_execute_invoke_gets_the_same_card_and_is_not_run_again(teams):
    store = teams.door.app.store
    subscriptions.subscribe(store, "teams", PERSONAL, ("agenda",), Filters(), by="test")
    invoke = execute(teams, "unsubscribe agenda", "f:1700000000201")
    first = invoked(teams, invoke)
    assert first_text(first) == "Unsubscribed: agenda"
    assert subscribed(teams) == []
    # Subscribed again: were the replay run, it would unsubscribe again.
    subscriptions.subscribe(store, "teams", PERSONAL, ("agenda",), Filters(), by="test")
    assert invoked(teams, invoke) == first
    assert invoked(teams, invoke) == first
    assert subscribed(teams) == ["agenda"]
    assert teams.fake.calls == []  # answered in the invoke responses only


def test_a_replayed_admin_action_is_refused_and_audited_once(teams):
    invoke = execute(teams, "audit MP161", "f:1700000000202")
    first = invoked(teams, invoke)
    assert "Only SECAS admins can use audit" in card_text(first)
    assert invoked(teams, invoke) == first
    with teams.door.app.store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_a_new_invoke_of_the_same_button_is_run_again(teams):
    subscriptions.subscribe(teams.door.app.store, "teams", PERSONAL, ("agenda",), Filters(), by="test")
    assert first_text(invoked(teams, execute(teams, "unsubscribe agenda", "f:1700000000203"))) == (
        "Unsubscribed: agenda"
    )
    assert first_text(invoked(teams, execute(teams, "unsubscribe agenda", "f:1700000000204"))) == (
        "Nothing to unsubscribe"
    )


def test_an_invoke_replayed_while_its_first_delivery_is_being_answered_says_so(teams):
    store = teams.door.app.store
    subscriptions.subscribe(store, "teams", PERSONAL, ("agenda",), Filters(), by="test")
    invoke = execute(teams, "unsubscribe agenda", "f:1700000000205")
    # Another replica took this delivery and has not finished answering it.
    assert inbound.first_delivery(store, "teams", invoke["id"], recent=RecentClaims())
    card = invoked(teams, invoke)
    assert first_text(card) == "Already being handled"
    assert "was not run again" in card_text(card)
    assert validate_card(card) == []
    assert subscribed(teams) == ["agenda"]


def test_an_invoke_replayed_during_an_outage_is_answered_without_running_again(teams, tmp_path):
    store = teams.door.app.store
    invoke = execute(teams, "MP161 timeline", "f:1700000000206")
    with database_down(store, tmp_path):
        first = invoked(teams, invoke)
        replay = invoked(teams, invoke)
    assert "The register is unavailable" in card_text(first)
    assert first_text(replay) == "Already being handled"  # nothing could be kept while the database was away
    assert first_text(invoked(teams, invoke)) == "Already being handled"  # and it stays taken once it is back


# --- the response kept with a claim -----------------------------------------------------------------


def test_a_response_is_kept_beside_its_claim(empty_store):
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Unsubscribed: agenda"}]}
    assert inbound.first_delivery(empty_store, "teams", "f:1", recent=RecentClaims())
    assert inbound.response_of(empty_store, "teams", "f:1") is None  # still being answered
    inbound.remember_response(empty_store, "teams", "f:1", card)
    assert inbound.response_of(empty_store, "teams", "f:1") == card
    assert inbound.response_of(empty_store, "slack", "f:1") is None
    assert inbound.response_of(empty_store, "teams", "f:2") is None


# --- RecentClaims -----------------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


def test_recent_claims_say_yes_once_per_platform_and_key():
    claims = RecentClaims(now=FakeTime())
    assert claims.claim("slack", "Ev1") is True
    assert claims.claim("slack", "Ev1") is False
    assert claims.claim("teams", "Ev1") is True
    assert claims.holds("slack", "Ev1") and not claims.holds("slack", "Ev2")


def test_recent_claims_keep_at_most_size_keys_forgetting_the_oldest():
    claims = RecentClaims(size=3, now=FakeTime())
    for n in range(5):
        assert claims.claim("slack", f"Ev{n}")
    assert len(claims) == 3
    assert [claims.holds("slack", f"Ev{n}") for n in range(5)] == [False, False, True, True, True]
    assert claims.claim("slack", "Ev0") is True  # forgotten, so claimable again
    assert len(claims) == 3


def test_recent_claims_are_bounded_by_default():
    claims = RecentClaims(now=FakeTime())
    for n in range(inbound.MEMORY_SIZE + 5):
        claims.claim("slack", f"Ev{n}")
    assert len(claims) == inbound.MEMORY_SIZE == 10_000
    assert not claims.holds("slack", "Ev0") and claims.holds("slack", f"Ev{inbound.MEMORY_SIZE + 4}")


def test_recent_claims_forget_keys_older_than_keep():
    time = FakeTime()
    claims = RecentClaims(now=time)
    claims.claim("slack", "old")
    time.advance(hours=23)
    claims.claim("slack", "newer")
    assert claims.holds("slack", "old")
    time.advance(hours=1)  # "old" is now KEEP old
    assert dt.timedelta(hours=24) == KEEP
    assert not claims.holds("slack", "old") and claims.holds("slack", "newer")
    assert len(claims) == 1
    assert claims.claim("slack", "old") is True
