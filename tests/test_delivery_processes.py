"""Delivery across processes ('spawn': each child its own interpreter and database connections): a
claimant killed between claim and send, one killed part-way through a six-message digest, and two
processes firing the same digest at once. Leases run on a clock the test sets, never waited out."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
import signal
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from secbot.delivery.deliver import Policy, deliver, resume_stale
from secbot.platforms.slack.sender import SlackSender
from secbot.settings import Settings
from secbot.store import outbox, subscriptions
from secbot.store.db import make_engine
from secbot.store.models import OutboxPost
from secbot.store.opening import prepare_store
from secbot.store.subscriptions import Filters
from tests.fakes.slack_api import FakeSlack
from tests.fakes.workspace import BOT_TOKEN, TEAM_ID
from tests.support.databases import TEST_DATABASE_URL

pytestmark = pytest.mark.usefixtures("no_proxy")

SPAWN = multiprocessing.get_context("spawn")
KIND, PERIOD = "monthly", "2021-06"
SETTINGS = Settings(admin_channels=[])
POLICY = Policy(retry_base=0.01)
T0 = dt.datetime(2021, 6, 11, 9, 0, tzinfo=dt.UTC)
LEASE = 300.0
PARTS = 6  # the monthly digest in Slack: the summary, then five thread replies


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
    from secbot.platforms.slack.blocks import SlackMessage

    return [SlackMessage(text=f"Monthly status digest for {sub.channel_id}")]


def render_parts(sub):
    from secbot.platforms.slack.blocks import SlackMessage

    return [SlackMessage(text=f"Part {n} of {PARTS} for {sub.channel_id}") for n in range(1, PARTS + 1)]


def sender(api_url: str, interval: float = 1.0, token: str = BOT_TOKEN) -> SlackSender:
    from slack_sdk.web.async_client import AsyncWebClient

    return SlackSender(AsyncWebClient(token=token, base_url=api_url), interval=interval)


def run_child(target, *args) -> int:
    child = SPAWN.Process(target=target, args=args)
    child.start()
    child.join(60)
    return child.exitcode


# --- in the children -----------------------------------------------------------------------------------


def claim_and_die(db_url: str, subscription_id: int) -> None:
    store = prepare_store(make_engine(db_url), load_sample=False)
    claimed = outbox.claim(store, subscription_id, KIND, PERIOD, f"doomed:{os.getpid()}", lease=LEASE, now=T0)
    assert claimed is not None
    os._exit(1)  # dies between claim and send: no mark, no cleanup


def deliver_parts(db_url: str, api_url: str) -> None:
    """Delivers the six-part digest until the test kills it (the fake holds the calls after some)."""
    store = prepare_store(make_engine(db_url), load_sample=False)
    policy = Policy(lease=LEASE, retry_base=0.01)
    asyncio.run(
        deliver(
            store,
            {"slack": sender(api_url, 0.01)},
            KIND,
            PERIOD,
            render_parts,
            settings=SETTINGS,
            worker="doomed",
            policy=policy,
            now=lambda: T0,
        )
    )


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


RESUMER = "xoxb-resumer"  # the token of the process that resumes, to tell its posts from the dead one's


def resume_at(store, api_url: str, moment: dt.datetime, render_=render):
    senders = {"slack": sender(api_url, 0.01, RESUMER)}
    return asyncio.run(
        resume_stale(store, senders, lambda kind, period: render_, settings=SETTINGS, policy=POLICY, now=lambda: moment)
    )


def test_a_claim_whose_process_died_is_sent_once_after_its_lease(migrated_db_url, empty_store, fake):
    [sub_id] = subscribe(empty_store, 1)
    assert run_child(claim_and_die, migrated_db_url, sub_id) == 1
    just_before = T0 + dt.timedelta(seconds=LEASE - 1)

    # While the dead claimant's lease runs nobody sends the post: for all anyone knows it is being sent.
    senders = {"slack": sender(fake.api_url)}
    early = asyncio.run(
        deliver(empty_store, senders, KIND, PERIOD, render, settings=SETTINGS, policy=POLICY, now=lambda: just_before)
    )
    assert early.skipped == [sub_id] and early.sent == []
    assert resume_at(empty_store, fake.api_url, just_before).sent == []
    assert fake.calls("chat.postMessage") == []

    expired = T0 + dt.timedelta(seconds=LEASE)
    assert resume_at(empty_store, fake.api_url, expired).sent == [sub_id]
    assert [c.body["channel"] for c in fake.calls("chat.postMessage")] == ["C000"]
    with empty_store.session() as session:
        row = session.scalars(select(OutboxPost)).one()
    assert (row.status, row.claim_token) == ("sent", 2) and row.message_id

    assert resume_at(empty_store, fake.api_url, expired + dt.timedelta(hours=1)).sent == []
    assert len(fake.calls("chat.postMessage")) == 1


def test_a_delivery_killed_mid_digest_resumes_each_channel_at_its_next_message(migrated_db_url, empty_store, fake):
    ids = subscribe(empty_store, 8)
    answered = 13  # then every call is held in flight, as if Slack were slow, until the process is killed
    fake.hold("chat.postMessage", after=answered)
    child = SPAWN.Process(target=deliver_parts, args=(migrated_db_url, fake.api_url))
    child.start()
    fake.wait_for("chat.postMessage", answered + 1, timeout=60)
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    fake.release()

    # Nothing is taken over while the dead run's lease could still be running.
    assert resume_at(empty_store, fake.api_url, T0 + dt.timedelta(seconds=LEASE - 1), render_parts).sent == []
    # The restart does what `secbot serve` does on start: resume abandoned rows, then fire the digest
    # (still due), which reaches any channel the dead run had not claimed yet.
    later = T0 + dt.timedelta(seconds=LEASE + 1)
    report = resume_at(empty_store, fake.api_url, later, render_parts)
    fired = asyncio.run(
        deliver(
            empty_store,
            {"slack": sender(fake.api_url, 0.01, RESUMER)},
            KIND,
            PERIOD,
            render_parts,
            settings=SETTINGS,
            policy=POLICY,
            now=lambda: later,
        )
    )
    assert sorted(report.sent + fired.sent) == sorted(ids) and not report.failed and not fired.failed

    parts = [f"Part {p} of {PARTS}" for p in range(1, PARTS + 1)]
    calls = fake.calls("chat.postMessage")
    for n in range(8):
        channel = f"C{n:03d}"
        mine = [(c.body["text"].split(" for ")[0], c) for c in calls if c.body["channel"] == channel]
        dead = [text for text, c in mine if c.token != RESUMER]
        resumed = [text for text, c in mine if c.token == RESUMER]
        assert dead == parts[: len(dead)], channel  # in order, each once, while the process lived
        # The resumer goes on with the next part. The part the dead process had in flight (fenced, not
        # recorded) is looked for in the channel by its metadata and adopted, not posted again.
        assert dead + resumed == parts, channel
        summaries = [c for _, c in mine if not c.body.get("thread_ts")]
        assert len(summaries) == 1, channel
        with empty_store.session() as session:
            summary_ts = session.scalars(
                select(OutboxPost.message_id).where(OutboxPost.subscription_id == ids[n])
            ).one()
        assert {c.body["thread_ts"] for _, c in mine if c.body.get("thread_ts")} == {summary_ts}, channel
    assert len(calls) == 8 * PARTS
    looked = fake.calls("conversations.history") + fake.calls("conversations.replies")
    assert 0 < len(looked) <= 8 and {c.token for c in looked} == {RESUMER}  # only where a call was in flight


@pytest.mark.postgres
@pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"),
    reason="two processes sharing one database need PostgreSQL: set SECBOT_TEST_DATABASE_URL",
)
@pytest.mark.parametrize("fire", [deliver_at_once, tick_at_once], ids=["deliver", "scheduler-tick"])
def test_two_processes_firing_the_same_digest_post_to_each_channel_once(migrated_db_url, empty_store, fake, fire):
    ids = subscribe(empty_store, 20)
    fake.delay("chat.postMessage", 0.05)  # keeps both processes in flight together
    start, results = SPAWN.Barrier(2), SPAWN.Queue()
    children = [SPAWN.Process(target=fire, args=(migrated_db_url, fake.api_url, start, results)) for _ in "ab"]
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
