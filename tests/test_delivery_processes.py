"""Delivery across processes ('spawn': each child its own interpreter and database connections): a
claimant killed between claim and send, and two processes firing the same digest at once."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from secbot.delivery import outbox
from secbot.delivery.deliver import Policy, deliver, resume_stale
from secbot.delivery.senders import SlackSender
from secbot.settings import Settings
from secbot.store import subscriptions
from secbot.store.db import as_utc, make_engine, prepare_store
from secbot.store.models import OutboxPost
from secbot.store.subscriptions import Filters
from tests.conftest import TEST_DATABASE_URL
from tests.fakes.slack_api import FakeSlack
from tests.fakes.workspace import BOT_TOKEN, TEAM_ID

pytestmark = pytest.mark.usefixtures("no_proxy")

SPAWN = multiprocessing.get_context("spawn")
KIND, PERIOD = "monthly", "2021-06"
SETTINGS = Settings(admin_channels=[])
POLICY = Policy(retry_base=0.01)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def subscribe(store, count: int) -> list[int]:
    return [
        subscriptions.subscribe(store, "slack", f"{TEAM_ID}:C{n:03d}", (KIND,), Filters(), by="test")[0].id
        for n in range(count)
    ]


def render(sub):
    from secbot.chat.slack_blocks import SlackMessage

    return [SlackMessage(text=f"Monthly status digest for {sub.channel_id}")]


def sender(api_url: str) -> SlackSender:
    from slack_sdk.web.async_client import AsyncWebClient

    return SlackSender(AsyncWebClient(token=BOT_TOKEN, base_url=api_url))


def run_child(target, *args) -> int:
    child = SPAWN.Process(target=target, args=args)
    child.start()
    child.join(60)
    return child.exitcode


# --- in the children -----------------------------------------------------------------------------------


def claim_and_die(db_url: str, subscription_id: int, lease: float) -> None:
    store = prepare_store(make_engine(db_url), load_sample=False)
    assert outbox.claim(store, subscription_id, KIND, PERIOD, f"doomed:{os.getpid()}", lease=lease) is not None
    os._exit(1)  # dies between claim and send: no mark, no cleanup


def deliver_at_once(db_url: str, api_url: str, start, results) -> None:
    store = prepare_store(make_engine(db_url), load_sample=False)
    start.wait(30)
    report = asyncio.run(
        deliver(store, {"slack": sender(api_url)}, KIND, PERIOD, render, settings=SETTINGS, policy=POLICY)
    )
    results.put((os.getpid(), report.sent, report.skipped, report.failed))


def tick_at_once(db_url: str, api_url: str, start, results) -> None:
    """What each replica's scheduler does when the monthly job fires: tick, on the same minute."""
    from zoneinfo import ZoneInfo

    from secbot.app import App
    from secbot.clock import Clock
    from secbot.delivery.scheduler import DigestScheduler
    from secbot.digests.schedule import Schedule
    from secbot.store.queries import Register

    store = prepare_store(make_engine(db_url), load_sample=False)
    london = ZoneInfo("Europe/London")
    app = App(SETTINGS, store, Register(store, Clock(london)))
    at_nine = {KIND: Schedule(KIND, cron={"hour": 9, "minute": 0})}
    due = dt.datetime(2021, 6, 11, 9, 0, 5, tzinfo=london)
    digests = DigestScheduler(app, {"slack": sender(api_url)}, schedules=at_nine, now=lambda: due, policy=POLICY)
    start.wait(30)
    [report] = asyncio.run(digests.tick(KIND))
    results.put((os.getpid(), report.sent, report.skipped, report.failed))


# --- the tests -------------------------------------------------------------------------------------------


def lease_left(store) -> float:
    with store.session() as session:
        until = session.scalars(select(OutboxPost.lease_until)).one()
    return (as_utc(until) - outbox.utcnow()).total_seconds()


def test_a_claim_whose_process_died_is_sent_once_after_its_lease(db_url, empty_store, fake):
    [sub_id] = subscribe(empty_store, 1)
    assert run_child(claim_and_die, db_url, sub_id, 3.0) == 1
    senders = {"slack": sender(fake.api_url)}

    def resume():
        return asyncio.run(resume_stale(empty_store, senders, lambda kind, period: render, settings=SETTINGS))

    # While the dead claimant's lease runs nobody sends the post: for all anyone knows it is being sent.
    early = asyncio.run(deliver(empty_store, senders, KIND, PERIOD, render, settings=SETTINGS, policy=POLICY))
    assert early.skipped == [sub_id] and early.sent == []
    assert resume().sent == []
    assert lease_left(empty_store) > 0 and fake.calls("chat.postMessage") == []

    time.sleep(lease_left(empty_store) + 0.05)
    assert resume().sent == [sub_id]
    assert [c.body["channel"] for c in fake.calls("chat.postMessage")] == ["C000"]
    with empty_store.session() as session:
        row = session.scalars(select(OutboxPost)).one()
    assert row.status == "sent" and row.message_id and not row.claimed_by.startswith("doomed")

    assert resume().sent == [] and len(fake.calls("chat.postMessage")) == 1


@pytest.mark.postgres
@pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"),
    reason="two processes sharing one database need PostgreSQL: set SECBOT_TEST_DATABASE_URL",
)
@pytest.mark.parametrize("fire", [deliver_at_once, tick_at_once], ids=["deliver", "scheduler-tick"])
def test_two_processes_firing_the_same_digest_post_to_each_channel_once(db_url, empty_store, fake, fire):
    ids = subscribe(empty_store, 20)
    fake.delay("chat.postMessage", 0.05)  # keeps both processes in flight together
    start, results = SPAWN.Barrier(2), SPAWN.Queue()
    children = [SPAWN.Process(target=fire, args=(db_url, fake.api_url, start, results)) for _ in "ab"]
    for child in children:
        child.start()
    reports = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(30)
        assert child.exitcode == 0

    digests = [c for c in fake.calls("chat.postMessage") if not c.body.get("thread_ts")]  # threads are their parts
    assert Counter(c.body["channel"] for c in digests) == {f"C{n:03d}": 1 for n in range(20)}
    # Every subscription was sent by one process and found taken by the other.
    assert sorted(sub_id for _, sent, _, _ in reports for sub_id in sent) == sorted(ids)
    assert sorted(sub_id for _, _, skipped, _ in reports for sub_id in skipped) == sorted(ids)
    assert [failed for *_, failed in reports] == [{}, {}]
    with empty_store.session() as session:
        assert {row.status for row in session.scalars(select(OutboxPost))} == {"sent"}
