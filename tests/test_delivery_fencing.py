"""A delivery that outlives its lease, in one process with two runs (the scheduler's digest run and the
outbox's resume, as in any replica): the heartbeat keeps what is being sent, a run whose post was taken
over stops before posting, and an admin notice left in the outbox by a dead process is sent once.
Leases run on a clock the test moves; Slack is FakeSlack over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select

from secbot.delivery import notices
from secbot.delivery.deliver import DeliveryReport, Policy, deliver, resume_stale, tell_admins
from secbot.platforms.slack.blocks import SlackMessage
from secbot.platforms.slack.sender import SlackSender
from secbot.settings import Settings
from secbot.store import outbox, subscriptions
from secbot.store.models import OutboxPost
from secbot.store.subscriptions import Filters
from tests.fakes.workspace import TEAM_ID

pytestmark = pytest.mark.usefixtures("no_proxy")

KIND, PERIOD = "monthly", "2021-06"
LEASE = 300.0
PARTS = 6
ADMINS = "CADMIN"
SETTINGS = Settings(admin_channels=[f"slack:{TEAM_ID}:{ADMINS}"])


class Clock:
    def __init__(self) -> None:
        self.moment = dt.datetime(2021, 6, 11, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.moment

    def move(self, seconds: float) -> None:
        self.moment += dt.timedelta(seconds=seconds)


def six_parts(sub) -> list[SlackMessage]:
    return [SlackMessage(text=f"Part {n} of {PARTS}") for n in range(1, PARTS + 1)]


def subscribe(store) -> int:
    [sub] = subscriptions.subscribe(store, "slack", f"{TEAM_ID}:C001", (KIND,), Filters(), by="test")
    return sub.id


def in_thread(coroutine_fn) -> tuple[threading.Thread, list]:
    """Run a delivery on an event loop of its own, as another task of the process would."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(coroutine_fn())))
    thread.start()
    return thread, result


def resume(store, fake, clock, token: str = "xoxb-resumer") -> DeliveryReport:
    senders = {"slack": SlackSender(fake.web_client(token=token), interval=0.01)}
    return asyncio.run(resume_stale(store, senders, lambda kind, period: six_parts, settings=SETTINGS, now=clock))


def texts(fake, token: str | None = None) -> list[str]:
    return [
        c.body["text"]
        for c in fake.calls("chat.postMessage")
        if (token is None or c.token == token) and c.body.get("channel") == "C001"
    ]


def test_the_heartbeat_keeps_a_run_that_outlives_its_lease_and_nobody_else_sends(empty_store, fake):
    sub_id = subscribe(empty_store)
    clock = Clock()
    fake.hold("chat.postMessage", after=1)  # the summary goes; the next message hangs in flight
    policy = Policy(lease=LEASE, renew_every=0.02)
    sender = SlackSender(fake.web_client(), interval=0.01)
    thread, result = in_thread(
        lambda: deliver(
            empty_store, {"slack": sender}, KIND, PERIOD, six_parts, settings=SETTINGS, policy=policy, now=clock
        )
    )
    fake.wait_for("chat.postMessage", 2, timeout=10)
    clock.move(10 * LEASE)  # the run has outlived its lease many times over

    [post_id] = [row.id for row in rows(empty_store)]
    deadline = time.monotonic() + 10
    while (outbox.lease_left(empty_store, post_id, clock()) or 0) <= 0:  # until the heartbeat has renewed it
        assert time.monotonic() < deadline, "the heartbeat never renewed the lease"
        time.sleep(0.01)
    resumed = resume(empty_store, fake, clock)
    assert resumed.sent == [] and texts(fake, "xoxb-resumer") == []

    fake.release()
    thread.join(30)
    [report] = result
    assert report.sent == [sub_id]
    assert texts(fake) == [f"Part {n} of {PARTS}" for n in range(1, PARTS + 1)]  # each once, in order


def test_a_run_whose_post_was_taken_over_stops_before_posting_again(empty_store, fake):
    sub_id = subscribe(empty_store)
    clock = Clock()
    limited = threading.Event()
    seen: list[str] = []

    def second_call_is_rate_limited(call):
        seen.append(call.body["text"])
        if len(seen) == 2:  # the first run's second message: it waits Retry-After (1 s), holding its claim
            limited.set()
            return {"ok": False, "error": "ratelimited"}
        return {"ok": True, "channel": call.body["channel"], "ts": fake.next_ts()}

    fake.stub("chat.postMessage", second_call_is_rate_limited)
    sender = SlackSender(fake.web_client(), interval=0.01)
    thread, result = in_thread(
        lambda: deliver(
            empty_store, {"slack": sender}, KIND, PERIOD, six_parts, settings=SETTINGS, policy=Policy(), now=clock
        )
    )
    assert limited.wait(10)
    clock.move(2 * LEASE)  # as if the first run had stalled past its lease: the resume takes the post over
    resumed = resume(empty_store, fake, clock)
    thread.join(30)
    [first] = result

    assert resumed.sent == [sub_id] and first.lost == [sub_id] and first.sent == []
    # The first run posted part 1 and was refused part 2; the resume went on from part 2; the first
    # run, its Retry-After over, found the post no longer its own and posted nothing more.
    assert seen == [f"Part {n} of {PARTS}" for n in (1, 2, *range(2, PARTS + 1))]
    assert texts(fake, "xoxb-resumer") == [f"Part {n} of {PARTS}" for n in range(2, PARTS + 1)]  # on from part 2
    summary_ts = rows(empty_store)[0].message_id
    replies = [c for c in fake.calls("chat.postMessage") if c.body.get("thread_ts")]
    assert {c.body["thread_ts"] for c in replies} == {summary_ts}


def test_an_admin_notice_left_by_a_dead_process_is_posted_once_by_any_resume(empty_store, fake):
    clock = Clock()
    # A process recorded the notice, with its post to each admin channel, and died before posting.
    key, text = "missed:monthly:2021-06", "secbot was not running when the monthly digest fell due"
    assert notices.record(empty_store, key, text, "A digest was missed", [f"slack:{TEAM_ID}:{ADMINS}"], clock())
    senders = {"slack": SlackSender(fake.web_client(), interval=0.01)}

    async def told_again() -> bool:
        return await tell_admins(empty_store, senders, SETTINGS, key, text, now=clock)

    assert asyncio.run(told_again()) is False  # recorded already: this call does not post it
    report = resume(empty_store, fake, clock)
    assert report.sent == [f"slack:{TEAM_ID}:{ADMINS}"]
    assert resume(empty_store, fake, clock).sent == []
    [notice] = [c for c in fake.calls("chat.postMessage") if c.body["channel"] == ADMINS]
    assert "A digest was missed" in notice.body["text"] and text in str(notice.body["blocks"])


def rows(store) -> list[OutboxPost]:
    with store.session() as session:
        return list(session.scalars(select(OutboxPost)))


@pytest.mark.parametrize("history", ["readable", "rate_limited_once", "missing_scope"])
def test_the_part_a_dead_sender_had_in_flight_is_adopted_if_slack_has_it(empty_store, fake, history):
    """A claimant posted the summary, fenced part 2 and posted it, then died before recording it. The
    resumer finds part 2 in the thread by its metadata (waiting out a 429 on the look-up) and goes on
    from part 3; without the history scope it cannot look, and part 2 is posted once more (the one
    message the guarantee allows)."""
    sub_id = subscribe(empty_store)
    clock = Clock()
    claim = outbox.claim(empty_store, sub_id, KIND, PERIOD, "dead", lease=LEASE, now=clock())
    dead = SlackSender(fake.web_client(), interval=0.01)

    async def post_two_parts_and_die() -> None:
        parts: list[str] = []
        tags = lambda index: {"post": claim.id, "part": index}  # noqa: E731
        await dead.post(f"{TEAM_ID}:C001", six_parts(None)[:1], parts, tag=tags)
        assert outbox.record_part(empty_store, claim, parts, LEASE, clock())
        assert outbox.fence(empty_store, claim, LEASE, clock(), sending=1)
        await dead.post(f"{TEAM_ID}:C001", six_parts(None)[:2], parts, tag=tags)  # up, but never recorded

    asyncio.run(post_two_parts_and_die())
    if history == "missing_scope":
        fake.fail("conversations.replies", 200, error="missing_scope")
    elif history == "rate_limited_once":
        fake.fail("conversations.replies", 429, headers={"Retry-After": "0"})
    clock.move(LEASE + 1)
    assert resume(empty_store, fake, clock).sent == [sub_id]

    posted = texts(fake)
    again = 1 if history == "missing_scope" else 0
    assert posted == [f"Part {n} of {PARTS}" for n in (1, 2, *[2] * again, 3, 4, 5, 6)]
    looked = 2 if history == "rate_limited_once" else 1  # for the one part in flight (again after a 429)
    assert len(fake.calls("conversations.replies")) == looked
    assert fake.calls("conversations.history") == []
    [row] = rows(empty_store)
    assert row.status == "sent" and len(row.parts) == PARTS
