"""Delivery under faults: is every channel's digest posted once, whole and threaded, when leases run out,
replicas resume each other's rows and processes die mid-run?

Each scenario posts the synthetic register's monthly digest (``DigestRenders`` over the 10,000-
modification register, ``public_url`` set so that the chart is an image block: 6 ``chat.postMessage``
a channel, the summary and 5 replies in its thread) to every subscribed channel through a fake Slack
in its own process: ``RateLimitedSlack`` from bench/digests.py (1 post a channel a second, a workspace
burst of 100 then 50 a second, 429 + Retry-After in whole seconds beyond), extended to record, for
each post it takes, which process made it (each process posts with its own token, read from the
Authorization header), which message it is (a hash of its text) and when, and optionally to hold
every answer back a while (a slow Slack). It also answers ``conversations.history`` / ``.replies``
(with each message's metadata), through which a resumer may look for a message whose call was in
flight when its sender died, each limited as Slack's Tier 3 (a burst of 50, then 50 a minute, per
method; 429 + Retry-After beyond; ``--history-per-minute 1`` for Tier 1, the limit since 2025 for
commercially distributed apps not in the Slack Marketplace).

(a) ``deliver`` at the default lease (``Policy()``, 300 s) to 3,500 channels, while a second replica in
    the same process (its own engine, sender and renders) runs ``resume_stale`` every 3 s against the
    same SQLite file, as the scheduler's outbox:resume job does.
(b) a 5 s lease and a slow Slack (every answer held 0.3-1 s), so that each channel's post outlasts
    the lease; a second process runs ``resume_stale`` every second.
(c) ``deliver`` in a child process SIGKILLed after a random number of posts (seeded); a fresh process
    then does what ``secbot serve`` does on start (``resume_stale``, the digest's ``deliver``, then
    ``resume_stale`` every second until every channel is done), with a 5 s lease.
(d) two processes on PostgreSQL (a fresh schema in database ``test``) each ``deliver`` the same digest
    at once, then ``resume_stale`` every second until every channel is done; one, chosen by the seed,
    is SIGKILLed after a random number of its own posts. 5 s lease. (The outbox and subscriptions are
    in PostgreSQL; the register the digest is built from is read from the SQLite file.)

Counted from what the fake received, never from secbot's reports, per channel:

- lost: the channel is missing one of the digest's 6 messages;
- twice: the summary (the post without thread_ts) arrived more than once;
- extra: posts beyond 6; max/ch the most in one channel;
- surv+: (c, d) posts by the process that lived on that copy a message already in the channel,
  except one repost, after the kill, of the killed process's last post there (the one message whose
  call may have been in flight when it died, which no one can know was taken);
- threads: channels where a reply is not in the thread of a summary of that channel, replies sit in
  different threads, or the messages' first copies are out of order.

Elapsed is from the fake's first chat.postMessage to its last accepted post, as a ratio of the floor
the rate limits impose on the messages required (``floor_seconds`` from bench/digests.py). Targets:
lost 0 and twice 0 and threads 0 everywhere; extra 0 in (a) and (b); at most 1 a channel in (c);
surv+ 0 in (d); (a) within 1.2 × the floor. A failed target is explained below the table (the
channel's posts, its outbox row, the log lines naming it) and the exit status is 1; the work directory
(databases, each process's log, what the fake took as {scenario}-posts.json) is then kept.

Usage: python bench/delivery_faults.py [--channels-a 3500] [--channels-b 600] [--channels-c 300]
       [--channels-d 400] [--only a,b,c,d] [--seed N] [--pg-url URL] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import random
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench.digests import TEAM, RateLimitedSlack, floor_seconds

log = logging.getLogger("bench.delivery_faults")

BURST, RATE, INTERVAL = 100, 50.0, 1.0
KIND, ISSUE, DAY = "monthly", "2024-06", dt.date(2024, 6, 11)
LONDON = ZoneInfo("Europe/London")
PUBLIC_URL = "https://secbot.example.org"
TOKEN_PREFIX = "xoxb-bench-"
PER_CHANNEL = 6
SHORT_LEASE = 5.0
SLOW = (0.3, 1.0)  # (b): seconds every answer is held back, uniformly drawn
TARGET_RATIO = 1.2
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
LOG_FORMAT = "%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"


def fingerprint(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


# -- the fake Slack (its own process: --fake-slack PORT DELAY_MIN DELAY_MAX SEED HISTORY_PER_MINUTE) -----------
class Bucket:
    """A token bucket: ``burst`` at once, then ``per_second``."""

    def __init__(self, burst: float, per_second: float) -> None:
        self.burst, self.per_second = burst, per_second
        self.tokens, self.refilled = burst, time.monotonic()

    def wait(self) -> float:
        """0 when a call may go now (and takes its token), else the seconds until one may."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.refilled) * self.per_second)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


class RecordingSlack(RateLimitedSlack):
    """``RateLimitedSlack`` that records who made each post it took, which message it was and when, and
    holds every answer (taken or refused) back ``delay`` seconds, drawn uniformly; and that keeps each
    channel's messages, with their metadata, for ``conversations.history`` / ``.replies``."""

    def __init__(self, delay: tuple[float, float] = (0.0, 0.0), seed: int = 0, history_per_minute: float = 50) -> None:
        super().__init__(BURST, RATE, INTERVAL)
        self.delay, self.rng = delay, random.Random(seed)
        self.taken: list[list] = []  # [channel, ts, thread_ts, tag, fingerprint, time.time()]
        self.by_tag: Counter[str] = Counter()
        self.first_request: float | None = None
        self.messages: dict[str, list[dict]] = defaultdict(list)  # channel -> its messages, oldest first
        self.lookup_limits = {
            method: Bucket(history_per_minute, history_per_minute / 60) for method in ("history", "replies")
        }
        self.lookups: Counter[str] = Counter()  # "history", "replies", "history 429", "replies 429"

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/count", lambda _request: web.json_response(self.by_tag))
        for method in ("history", "replies"):
            handler = functools.partial(self.lookup, method)
            app.router.add_route("*", f"/api/conversations.{method}", handler)
        return app

    async def post_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        arrived = time.time()
        self.first_request = self.first_request or arrived
        response = await super().post_message(request)
        if response.status == 200:  # taken: the base class has just added it to self.posts
            channel = body["channel"]
            ts, thread_ts = self.posts[channel][-1]
            tag = request.headers.get("Authorization", "").removeprefix(f"Bearer {TOKEN_PREFIX}")
            self.taken.append([channel, ts, thread_ts, tag, fingerprint(body.get("text") or ""), arrived])
            self.by_tag[tag] += 1
            metadata = body.get("metadata")
            metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
            self.messages[channel].append({"type": "message", "ts": ts, "thread_ts": thread_ts, "metadata": metadata})
        if self.delay[1] > 0:
            await asyncio.sleep(self.rng.uniform(*self.delay))
        return response

    async def lookup(self, method: str, request: web.Request) -> web.Response:
        """conversations.history (a channel's top-level messages, newest first) or .replies (a thread's
        parent, then its replies, oldest first); metadata only with include_all_metadata."""
        args = dict(request.query)
        if request.method == "POST":
            args.update(await request.json() if request.content_type == "application/json" else await request.post())
        wait = self.lookup_limits[method].wait()
        if wait > 0:
            self.lookups[f"{method} 429"] += 1
            return self._limited(f"conversations.{method}", wait)
        self.lookups[method] += 1
        kept = self.messages.get(str(args.get("channel")), [])
        if method == "history":
            found = [message for message in reversed(kept) if not message["thread_ts"]]
        else:
            thread = str(args.get("ts"))
            found = [m for m in kept if m["ts"] == thread] + [m for m in kept if m["thread_ts"] == thread]
            if not found:
                return web.json_response({"ok": False, "error": "thread_not_found"})
        found = found[: int(args.get("limit") or 100)]
        if str(args.get("include_all_metadata", "")).lower() not in ("1", "true"):
            found = [{key: value for key, value in m.items() if key != "metadata"} for m in found]
        return web.json_response({"ok": True, "messages": found, "has_more": False})

    async def stats(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"taken": self.taken, "refused": self.refused, "first_request": self.first_request, "lookups": self.lookups}
        )


def run_fake_slack(port: int, delay: tuple[float, float], seed: int, history_per_minute: float) -> None:
    fake = RecordingSlack(delay, seed, history_per_minute)
    web.run_app(fake.app(), host="127.0.0.1", port=port, access_log=None, print=None)


# -- a replica: one secbot process's view (its own engine, sender, renders), in a child or in this process --
@dataclass
class ReplicaSpec:
    tag: str  # names its posts (its token), its claims (worker) and its log
    job: str  # deliver | resume | deliver+resume | restart (resume once, deliver, resume until done)
    db_url: str
    register_url: str
    api_url: str
    channels: int
    lease: float | None = None  # None: Policy()'s default (the settings' 300 s)
    every: float = 1.0  # seconds between resume_stale passes
    deadline: float = 900.0  # seconds the job may take in all
    ready: str | None = None  # a file to create once prepared
    go: str | None = None  # a file to wait for before starting


def bench_settings():
    from secbot.settings import Settings

    return Settings(_env_file=None, admin_channels=[], public_url=PUBLIC_URL)


def open_store(url: str):
    from secbot.store.db import make_engine
    from secbot.store.opening import prepare_store

    return prepare_store(make_engine(url), load_sample=False)


class Replica:
    def __init__(self, spec: ReplicaSpec) -> None:
        from slack_sdk.web.async_client import AsyncWebClient

        from secbot.app import App
        from secbot.clock import Clock
        from secbot.delivery.deliver import Policy
        from secbot.delivery.scheduler import DigestRenders
        from secbot.platforms.slack.sender import SlackSender
        from secbot.store.queries import Register

        self.spec = spec
        self.settings = bench_settings()
        self.store = open_store(spec.db_url)
        register = self.store if spec.register_url == spec.db_url else open_store(spec.register_url)
        client = AsyncWebClient(token=TOKEN_PREFIX + spec.tag, base_url=spec.api_url)
        self.senders = {"slack": SlackSender(client, interval=INTERVAL)}
        self.renders = DigestRenders(
            App(self.settings, register, Register(register, Clock(LONDON, DAY))), KIND, ISSUE, DAY, self.senders
        )
        digest(self.renders)  # built and rendered before the clock starts, as bench/digests.py does
        self.policy = Policy() if spec.lease is None else Policy(lease=spec.lease)

    async def run(self) -> bool:
        """The job; False when it ran out of time."""
        job = self.spec.job
        try:
            async with asyncio.timeout(self.spec.deadline):
                if job == "restart":
                    await self.resume()
                if job in ("deliver", "deliver+resume", "restart"):
                    await self.deliver()
                if job in ("resume", "deliver+resume", "restart"):
                    await self.resume_until_done()
        except TimeoutError:
            log.error("%s: %s did not finish within %.0f s", self.spec.tag, job, self.spec.deadline)
            return False
        return True

    async def deliver(self):
        from secbot.delivery.deliver import deliver

        report = await deliver(
            self.store,
            self.senders,
            KIND,
            ISSUE,
            self.renders,
            settings=self.settings,
            worker=self.spec.tag,
            policy=self.policy,
        )
        log.info("%s: deliver: %s", self.spec.tag, report.summary())
        return report

    async def resume(self):
        from secbot.delivery.deliver import resume_stale

        report = await resume_stale(
            self.store,
            self.senders,
            lambda _kind, _issue: self.renders,
            settings=self.settings,
            worker=self.spec.tag,
            policy=self.policy,
        )
        if report.sent or report.lost or report.failed:
            log.info("%s: resume_stale: %s", self.spec.tag, report.summary())
        return report

    async def resume_until_done(self) -> None:
        passes = 0
        try:
            while await asyncio.to_thread(finished, self.store) < self.spec.channels:
                await self.resume()
                passes += 1
                await asyncio.sleep(self.spec.every)
        finally:
            log.info("%s: %d resume_stale passes", self.spec.tag, passes)


def digest(renders) -> list[Any]:
    """The digest's messages for a channel with no filters (every channel here)."""
    from secbot.store.subscriptions import SubscriptionView

    return renders(SubscriptionView(0, "slack", f"{TEAM}:C00000", KIND))


def finished(store) -> int:
    """Outbox rows of this digest no longer pending."""
    from sqlalchemy import func, select

    from secbot.store.models import OutboxPost

    statement = select(func.count()).where(
        OutboxPost.kind == KIND, OutboxPost.period == ISSUE, OutboxPost.status != "pending"
    )
    with store.engine.connect() as connection:
        return connection.execute(statement).scalar_one()


def run_child_replica(spec: ReplicaSpec) -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    replica = Replica(spec)
    if spec.ready:
        Path(spec.ready).touch()
    if spec.go and not wait_for_file(Path(spec.go), 120):
        log.error("%s: never told to go", spec.tag)
        return 2
    return 0 if asyncio.run(replica.run()) else 1


def wait_for_file(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# -- the parent's plumbing ------------------------------------------------------------------------------------
@dataclass
class Bench:
    work: Path
    register: Path  # the synthetic register's SQLite file, copied into each scenario's database
    expected: list[str]  # the fingerprints of the digest's messages, in order
    rng: random.Random
    pg_url: str
    history_per_minute: float


def sqlite_for(bench: Bench, name: str, channels: int) -> str:
    """A SQLite file holding the register and ``channels`` subscriptions to the monthly digest."""
    path = bench.work / f"{name}.db"
    shutil.copy(bench.register, path)
    url = f"sqlite:///{path}"
    subscribe(url, channels)
    return url


@contextlib.contextmanager
def postgres_schema(pg_url: str, channels: int) -> Iterator[str]:
    """A fresh schema on PostgreSQL, migrated, with the subscriptions; dropped on the way out."""
    from sqlalchemy import text

    from secbot.store.db import make_engine

    schema = f"bench_faults_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{schema}"
    try:
        subscribe(url, channels)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def subscribe(url: str, channels: int) -> None:
    from secbot.store import subscriptions
    from secbot.store.subscriptions import Filters

    store = open_store(url)
    for n in range(channels):
        subscriptions.subscribe(store, "slack", channel_key(n), (KIND,), Filters(), by="bench")
    store.engine.dispose()


def channel_key(n: int) -> str:
    return f"{TEAM}:C{n:05d}"


@contextlib.asynccontextmanager
async def fake_slack(children: harness.Children, bench: Bench, name: str, delay=(0.0, 0.0), seed: int = 0):
    """Start the fake in its own process; yields its base URL (the Web API is under /api/)."""
    port = harness.free_port()
    limit = str(bench.history_per_minute)
    children.python(name, __file__, "--fake-slack", str(port), str(delay[0]), str(delay[1]), str(seed), limit)
    url = f"http://127.0.0.1:{port}"
    await harness.wait_until_up(
        harness.Target(name, f"{url}/api/auth.test", lambda _rng: (b"", {}), child=name), children
    )
    yield url


async def fake_get(url: str, path: str):
    async with harness.session() as client, client.get(f"{url}{path}") as response:
        return await response.json()


def start_replica(children: harness.Children, spec: ReplicaSpec) -> None:
    children.python(spec.tag, __file__, "--replica", json.dumps(asdict(spec)))


async def start_together(children: harness.Children, bench: Bench, specs: list[ReplicaSpec]) -> None:
    """Start the replicas, wait until each has built its digest, then let them all go at once."""
    go = bench.work / f"go-{uuid.uuid4().hex[:6]}"
    for spec in specs:
        spec.ready, spec.go = str(bench.work / f"{spec.tag}.ready"), str(go)
        start_replica(children, spec)
    deadline = time.monotonic() + 120
    while not all(Path(spec.ready).exists() for spec in specs):
        for spec in specs:
            children.check(spec.tag)
        if time.monotonic() > deadline:
            raise harness.ServerFailed("the replicas did not get ready within 120 s")
        await asyncio.sleep(0.1)
    go.touch()


async def wait_exit(children: harness.Children, tag: str, seconds: float) -> int | None:
    """The child's exit status, or None if it is still running after ``seconds``."""
    process = children.processes[tag]
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return process.poll()


@dataclass
class Kill:
    tag: str
    after: int  # posts of its own the fake had taken when the signal was sent
    at: float  # time.time()


async def kill_after(children: harness.Children, tag: str, fake_url: str, posts: int, seconds: float) -> Kill | None:
    """SIGKILL the child ``tag`` once the fake has taken ``posts`` posts from it; None if it ended first or
    time ran out."""
    process = children.processes[tag]
    deadline = time.monotonic() + seconds
    async with harness.session() as client:
        while process.poll() is None and time.monotonic() < deadline:
            async with client.get(f"{fake_url}/count") as response:
                taken = (await response.json()).get(tag, 0)
            if taken >= posts:
                process.kill()
                at = time.time()
                process.wait(10)
                return Kill(tag, taken, at)
            await asyncio.sleep(0.02)
    return None


def outbox_rows(url: str) -> dict[str, dict]:
    """The digest's outbox rows by channel (Slack channel id, as the fake knows it)."""
    from sqlalchemy import select

    from secbot.store.db import make_engine
    from secbot.store.models import OutboxPost, Subscription

    columns = (
        Subscription.channel_id,
        OutboxPost.id,
        OutboxPost.subscription_id,
        OutboxPost.status,
        OutboxPost.claimed_by,
        OutboxPost.claim_token,
        OutboxPost.parts,
        OutboxPost.attempts,
        OutboxPost.error,
    )
    statement = (
        select(*columns)
        .join(Subscription, Subscription.id == OutboxPost.subscription_id)
        .where(OutboxPost.kind == KIND, OutboxPost.period == ISSUE)
    )
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = {row.channel_id.rpartition(":")[2]: dict(row._mapping) for row in connection.execute(statement)}
    engine.dispose()
    return rows


# -- what the fake received, judged -----------------------------------------------------------------------------
class Post(NamedTuple):
    channel: str
    ts: str
    thread: str | None
    tag: str
    fp: str
    at: float


@dataclass
class Outcome:
    scenario: str
    title: str
    channels: int
    posts: dict[str, list[Post]]  # by channel, in the order the fake took them
    refused: dict[str, int]
    elapsed: float
    floor: float
    kill: Kill | None = None
    survivor: str | None = None  # the process that lived on (c, d)
    rows: dict[str, dict] = field(default_factory=dict)
    logs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # filled by judge()
    lost: list[str] = field(default_factory=list)
    twice: list[str] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)  # channel -> posts beyond PER_CHANNEL
    survivor_extra: dict[str, list[Post]] = field(default_factory=dict)
    bad_threads: dict[str, str] = field(default_factory=dict)  # channel -> what is wrong

    @property
    def ratio(self) -> float:
        return self.elapsed / self.floor if self.floor else float("nan")


def gather(stats: dict, channels: int) -> tuple[dict[str, list[Post]], float]:
    """Posts by channel (every subscribed channel, posted to or not) and the elapsed time."""
    posts: dict[str, list[Post]] = {f"C{n:05d}": [] for n in range(channels)}
    for record in stats["taken"]:
        posts.setdefault(record[0], []).append(Post(*record))
    for sent in posts.values():
        sent.sort(key=lambda post: post.ts)  # the fake's ts counts up in the order it took them
    last = max((record[5] for record in stats["taken"]), default=0.0)
    return posts, (last - stats["first_request"]) if stats["first_request"] else 0.0


def judge(outcome: Outcome, expected: list[str]) -> Outcome:
    """Fill in what went wrong in each channel, from its posts."""
    for channel, sent in outcome.posts.items():
        fps = [post.fp for post in sent]
        if not set(expected) <= set(fps):
            outcome.lost.append(channel)
        if sum(post.thread is None for post in sent) > 1:
            outcome.twice.append(channel)
        if len(sent) > PER_CHANNEL:
            outcome.extra[channel] = len(sent) - PER_CHANNEL
        if sent and (wrong := thread_fault(sent, expected)):
            outcome.bad_threads[channel] = wrong
        if outcome.survivor and (beyond := survivor_copies(sent, outcome.survivor, outcome.kill)):
            outcome.survivor_extra[channel] = beyond
    return outcome


def thread_fault(sent: list[Post], expected: list[str]) -> str | None:
    """What is wrong with the channel's thread, or None."""
    summaries = {post.ts for post in sent if post.thread is None}
    replies = [post for post in sent if post.thread is not None]
    roots = {post.thread for post in replies}
    if any(post.fp != expected[0] for post in sent if post.thread is None):
        return "a reply posted as a top-level message"
    if any(post.fp == expected[0] for post in replies):
        return "the summary posted as a reply"
    if len(roots) > 1:
        return f"replies in {len(roots)} threads"
    if roots - summaries:
        return "replies threaded under a message that is not this channel's summary"
    first = list(dict.fromkeys(post.fp for post in sent))
    if first != [fp for fp in expected if fp in first]:
        return "messages out of order"
    return None


def survivor_copies(sent: list[Post], survivor: str, kill: Kill | None) -> list[Post]:
    """The survivor's posts that copy a message already in the channel, but for one repost (after the
    kill) of the killed process's last post there: the call that may have been in flight."""
    killed_last = next((post for post in reversed(sent) if kill and post.tag == kill.tag), None)
    seen: dict[str, Post] = {}
    beyond, excused = [], False
    for post in sent:
        first = seen.setdefault(post.fp, post)
        if first is post or post.tag != survivor:
            continue
        if not excused and first is killed_last and kill and post.at >= kill.at:
            excused = True
        else:
            beyond.append(post)
    return beyond


# -- the scenarios ------------------------------------------------------------------------------------------------
async def finish(
    bench: Bench, scenario: str, title: str, channels: int, fake_url: str, db_url: str, **extra
) -> Outcome:
    stats = await fake_get(fake_url, "/stats")
    (bench.work / f"{scenario}-posts.json").write_text(json.dumps(stats))  # kept with the logs when a target fails
    posts, elapsed = gather(stats, channels)
    floor = floor_seconds(channels * PER_CHANNEL, PER_CHANNEL, BURST, RATE, INTERVAL)
    logs = sorted(bench.work.glob(f"{scenario}-*.log"))
    outcome = Outcome(
        scenario, title, channels, posts, stats["refused"], elapsed, floor, rows=outbox_rows(db_url), logs=logs, **extra
    )
    by_tag = Counter(post.tag for sent in posts.values() for post in sent)
    outcome.notes.append("posts taken, by process: " + ", ".join(f"{tag} {n}" for tag, n in sorted(by_tag.items())))
    refused = stats["refused"]
    outcome.notes.append(f"429s: {refused.get('workspace', 0)} workspace, {refused.get('channel', 0)} per channel")
    spans = [sent[-1].at - sent[0].at for sent in posts.values() if sent]
    outcome.notes.append(f"longest a channel's posts took, first to last: {max(spans, default=0):.1f} s")
    status = Counter(row["status"] for row in outcome.rows.values())
    outcome.notes.append(
        f"outbox rows: {len(outcome.rows)} ({', '.join(f'{n} {s}' for s, n in sorted(status.items()))})"
    )
    replicas = [path for path in logs if not path.stem.endswith("-fake")]
    takeovers = ", ".join(f"{path.stem} {count_lines(path, 'was taken over')}" for path in replicas)
    outcome.notes.append(f"'taken over' log lines: {takeovers or 'no logs'}")
    passes = [line.split(" INFO ", 1)[-1] for path in replicas for line in grep(path, "resume_stale passes")]
    outcome.notes.append(f"resume_stale passes: {', '.join(passes) or 'none'}")
    lookups = stats["lookups"]
    outcome.notes.append(
        "conversations.history / .replies answered: "
        f"{lookups.get('history', 0)} / {lookups.get('replies', 0)}, refused with 429: "
        f"{lookups.get('history 429', 0)} / {lookups.get('replies 429', 0)}"
    )
    for path in replicas:
        if troubles := grep(path, " WARNING ") + grep(path, " ERROR "):
            outcome.notes.append(f"{path.name}: {len(troubles)} warning/error lines, the first: {troubles[0][:200]}")
    judge(outcome, bench.expected)
    if outcome.kill is not None:
        outcome.notes.append(reposts_after_kill(outcome, bench.expected[0]))
    return outcome


def reposts_after_kill(outcome: Outcome, summary: str) -> str:
    """How many of the killed process's last posts were posted again, and how long before the kill the fake
    had taken them (the window in which a message is up but not yet recorded as up)."""
    kill = outcome.kill
    before = []  # (seconds before the kill, was it the summary)
    for sent in outcome.posts.values():
        last = next((post for post in reversed(sent) if post.tag == kill.tag), None)
        if last and any(post.fp == last.fp and post.tag != kill.tag and post.at >= kill.at for post in sent):
            before.append((kill.at - last.at, last.fp == summary))
    if not before:
        return "none of the killed process's posts was posted again"
    gaps = sorted(gap for gap, _ in before)
    return (
        f"posted again after the kill: {len(before)} of the killed process's last posts "
        f"({sum(s for _, s in before)} of them summaries), taken by the fake from {gaps[0] * 1000:.0f} to "
        f"{gaps[-1] * 1000:.0f} ms (median {gaps[len(gaps) // 2] * 1000:.0f} ms) before the kill (negative: after)"
    )


def grep(path: Path, needle: str) -> list[str]:
    return [line for line in path.read_text(errors="replace").splitlines() if needle in line]


def count_lines(path: Path, needle: str) -> int:
    return len(grep(path, needle))


@contextlib.contextmanager
def log_to(path: Path) -> Iterator[None]:
    """This process's log (secbot's, the replicas') to ``path`` for the scenario run here."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()


def deadline_for(channels: int, slow: float = 1.0) -> float:
    return 3 * slow * floor_seconds(channels * PER_CHANNEL, PER_CHANNEL, BURST, RATE, INTERVAL) + 180


async def scenario_a(bench: Bench, channels: int) -> Outcome:
    """The default lease; a second replica in this process resuming every 3 s."""
    url = sqlite_for(bench, "a", channels)
    with harness.Children(bench.work) as children, log_to(bench.work / "a-replicas.log"):
        async with fake_slack(children, bench, "a-fake") as fake_url:
            common = dict(db_url=url, register_url=url, api_url=f"{fake_url}/api/", channels=channels)
            deadline = deadline_for(channels)
            deliverer = Replica(ReplicaSpec("a-deliver", "deliver", deadline=deadline, **common))
            resumer = Replica(ReplicaSpec("a-resume", "resume", every=3.0, deadline=deadline, **common))
            lease = deliverer.policy.lease or deliverer.settings.outbox_lease_seconds
            done = await asyncio.gather(deliverer.run(), resumer.run())
            outcome = await finish(bench, "a", f"(a) lease {lease:g} s, resume every 3 s", channels, fake_url, url)
    if not all(done):
        outcome.notes.append("a replica ran out of time (see a-replicas.log)")
    return outcome


async def scenario_b(bench: Bench, channels: int) -> Outcome:
    """A 5 s lease and a slow Slack; a second process resuming every second."""
    url = sqlite_for(bench, "b", channels)
    deadline = deadline_for(channels, slow=2.0)
    with harness.Children(bench.work) as children:
        async with fake_slack(children, bench, "b-fake", SLOW, bench.rng.randrange(2**31)) as fake_url:
            common = dict(
                db_url=url,
                register_url=url,
                api_url=f"{fake_url}/api/",
                channels=channels,
                lease=SHORT_LEASE,
                deadline=deadline,
            )
            specs = [
                ReplicaSpec("b-deliver", "deliver", **common),
                ReplicaSpec("b-resume", "resume", every=1.0, **common),
            ]
            await start_together(children, bench, specs)
            statuses = [await wait_exit(children, spec.tag, deadline + 60) for spec in specs]
            title = f"(b) lease {SHORT_LEASE:g} s, answers {SLOW[0]:g}-{SLOW[1]:g} s, resume 1 s"
            outcome = await finish(bench, "b", title, channels, fake_url, url)
    outcome.notes.append(f"exit statuses: {dict(zip([s.tag for s in specs], statuses, strict=True))}")
    return outcome


async def scenario_c(bench: Bench, channels: int) -> Outcome:
    """kill -9 mid-run; a fresh process restarts and finishes."""
    url = sqlite_for(bench, "c", channels)
    total = channels * PER_CHANNEL
    kill_at = bench.rng.randint(total // 10, total * 9 // 10)
    deadline = deadline_for(channels)
    with harness.Children(bench.work) as children:
        async with fake_slack(children, bench, "c-fake") as fake_url:
            common = dict(
                db_url=url,
                register_url=url,
                api_url=f"{fake_url}/api/",
                channels=channels,
                lease=SHORT_LEASE,
                deadline=deadline,
            )
            await start_together(children, bench, [ReplicaSpec("c-first", "deliver", **common)])
            kill = await kill_after(children, "c-first", fake_url, kill_at, deadline)
            start_replica(children, ReplicaSpec("c-restart", "restart", every=1.0, **common))
            status = await wait_exit(children, "c-restart", deadline + 60)
            title = f"(c) kill -9 after {kill.after if kill else kill_at} posts, restart, lease {SHORT_LEASE:g} s"
            outcome = await finish(bench, "c", title, channels, fake_url, url, kill=kill, survivor="c-restart")
    outcome.notes.append(describe_kill(kill, kill_at) + f"; the restart exited with {status}")
    return outcome


async def scenario_d(bench: Bench, channels: int) -> Outcome:
    """Two replicas on PostgreSQL deliver at once; one is killed, the other finishes."""
    total = channels * PER_CHANNEL
    kill_at = bench.rng.randint(total // 20, total * 3 // 10)  # of the victim's own posts, about half of all
    victim, survivor = bench.rng.sample(["d-one", "d-two"], 2)
    deadline = deadline_for(channels)
    with postgres_schema(bench.pg_url, channels) as url, harness.Children(bench.work) as children:
        async with fake_slack(children, bench, "d-fake") as fake_url:
            common = dict(
                db_url=url,
                register_url=f"sqlite:///{bench.register}",
                api_url=f"{fake_url}/api/",
                channels=channels,
                lease=SHORT_LEASE,
                deadline=deadline,
            )
            specs = [ReplicaSpec(tag, "deliver+resume", every=1.0, **common) for tag in ("d-one", "d-two")]
            await start_together(children, bench, specs)
            kill = await kill_after(children, victim, fake_url, kill_at, deadline)
            status = await wait_exit(children, survivor, deadline + 60)
            title = f"(d) PostgreSQL, 2 replicas, {victim} killed after {kill.after if kill else kill_at} posts"
            outcome = await finish(bench, "d", title, channels, fake_url, url, kill=kill, survivor=survivor)
    outcome.notes.append(describe_kill(kill, kill_at) + f"; {survivor} exited with {status}")
    return outcome


def describe_kill(kill: Kill | None, planned: int) -> str:
    if kill is None:
        return f"NOT KILLED: the process ended (or time ran out) before the fake had {planned} posts"
    return f"SIGKILLed {kill.tag} when the fake had taken {kill.after} of its posts (planned: {planned})"


# -- the table ------------------------------------------------------------------------------------------------------
COLUMNS = [
    ("channels", 8),
    ("lost", 9),
    ("twice", 9),
    ("extra", 9),
    ("max/ch", 9),
    ("surv+", 9),
    ("threads", 9),
    ("elapsed", 8),
    ("floor", 7),
    ("×floor", 10),
]
TITLE_WIDTH = 58


def numbers(outcome: Outcome) -> dict[str, str]:
    survivor = sum(map(len, outcome.survivor_extra.values())) if outcome.survivor else None
    return {
        "channels": str(outcome.channels),
        "lost": str(len(outcome.lost)),
        "twice": str(len(outcome.twice)),
        "extra": str(sum(outcome.extra.values())),
        "max/ch": str(max(outcome.extra.values(), default=0)),
        "surv+": "–" if survivor is None else str(survivor),
        "threads": str(len(outcome.bad_threads)),
        "elapsed": f"{outcome.elapsed:.1f}s",
        "floor": f"{outcome.floor:.1f}s",
        "×floor": f"{outcome.ratio:.2f}",
    }


def targets(outcome: Outcome) -> dict[str, tuple[str, bool]]:
    """column -> (the target, met?) for the targets that apply to this scenario."""
    s = outcome.scenario
    found = {
        "lost": ("=0", not outcome.lost),
        "twice": ("=0", not outcome.twice),
        "threads": ("=0", not outcome.bad_threads),
    }
    if s in "ab":
        found["extra"] = ("=0", not outcome.extra)
    if s == "c":
        found["max/ch"] = ("≤1", max(outcome.extra.values(), default=0) <= 1)
    if s == "d":
        found["surv+"] = ("=0", not outcome.survivor_extra)
    if s == "a":
        found["×floor"] = (f"≤{TARGET_RATIO:g}", outcome.ratio <= TARGET_RATIO)
    if outcome.scenario in "cd" and outcome.kill is None:
        found["lost"] = ("killed", False)  # the scenario did not happen as designed
    return found


def print_table(outcomes: list[Outcome]) -> bool:
    head = f"{'scenario':{TITLE_WIDTH}}" + "".join(f"{name:>{width}}" for name, width in COLUMNS)
    print(head)
    print("-" * len(head))
    ok = True
    for outcome in outcomes:
        values, goals = numbers(outcome), targets(outcome)
        print(f"{outcome.title:{TITLE_WIDTH}}" + "".join(f"{values[name]:>{width}}" for name, width in COLUMNS))
        cells = {name: f"{goal} {'PASS' if met else 'FAIL'}" for name, (goal, met) in goals.items()}
        print(f"{'  target':{TITLE_WIDTH}}" + "".join(f"{cells.get(name, ''):>{width}}" for name, width in COLUMNS))
        ok &= all(met for _, met in goals.values())
    return ok


def print_details(outcome: Outcome, expected: list[str]) -> None:
    print(f"{outcome.title}:")
    for note in outcome.notes:
        print(f"  {note}")
    failing = {column for column, (_, met) in targets(outcome).items() if not met}
    if not failing:
        return
    index = {fp: n for n, fp in enumerate(expected)}
    t0 = min((post.at for sent in outcome.posts.values() for post in sent), default=0.0)
    explain = {
        "lost": ("lost", outcome.lost),
        "twice": ("summary posted twice", outcome.twice),
        "threads": ("threads wrong", list(outcome.bad_threads)),
        "extra": ("extra posts", list(outcome.extra)),
        "max/ch": ("more than one extra post", [c for c, n in outcome.extra.items() if n > 1]),
        "surv+": ("survivor's copies", list(outcome.survivor_extra)),
    }
    if outcome.kill:
        print(f"  the kill: {outcome.kill.tag} at +{outcome.kill.at - t0:.3f} s")
    for column in sorted(failing & explain.keys()):
        what, channels = explain[column]
        print(f"  FAIL {column}: {len(channels)} channel(s) with {what}; the first of them:")
        for channel in channels[:4]:
            print_channel(outcome, channel, index, t0)
    if "×floor" in failing:
        print(f"  FAIL ×floor: {outcome.elapsed:.1f} s against a floor of {outcome.floor:.1f} s")


def print_channel(outcome: Outcome, channel: str, index: dict[str, int], t0: float) -> None:
    sent = outcome.posts[channel]
    row = outcome.rows.get(channel)
    fault = outcome.bad_threads.get(channel)
    print(f"    {channel}: {len(sent)} posts" + (f"; {fault}" if fault else ""))
    for post in sent:
        where = "summary" if post.thread is None else f"reply in {post.thread}"
        which = index.get(post.fp, "?")
        print(f"      message #{which} ts {post.ts} {where:27} by {post.tag:10} at +{post.at - t0:.3f} s")
    if row is None:
        print("      outbox: no row")
        return
    print(
        f"      outbox row {row['id']} (subscription {row['subscription_id']}): {row['status']}, claimed_by "
        f"{row['claimed_by']}, token {row['claim_token']}, attempts {row['attempts']}, parts {row['parts']}"
        + (f", error {row['error']!r}" if row["error"] else "")
    )
    sub = row["subscription_id"]
    pattern = re.compile(rf"\bto {sub}\b|subscription {sub}\b|{TEAM}:{channel}\b")
    for path in outcome.logs:
        for line in path.read_text(errors="replace").splitlines():
            if pattern.search(line):
                print(f"      {path.name}: {line[:220]}")


# -- main -------------------------------------------------------------------------------------------------------------
SCENARIOS: dict[str, Callable] = {"a": scenario_a, "b": scenario_b, "c": scenario_c, "d": scenario_d}


def prepare(args: argparse.Namespace, work: Path) -> Bench:
    """The synthetic register, and the digest checked to be 6 distinct posts a channel."""
    url = harness.build_register(args.mods, work)
    from secbot.app import App
    from secbot.clock import Clock
    from secbot.delivery.scheduler import DigestRenders
    from secbot.store.queries import Register

    store = open_store(url)
    from slack_sdk.web.async_client import AsyncWebClient

    from secbot.platforms.slack.sender import SlackSender

    slack = {"slack": SlackSender(AsyncWebClient(token=TOKEN_PREFIX))}  # renders only: it posts nothing
    renders = DigestRenders(App(bench_settings(), store, Register(store, Clock(LONDON, DAY))), KIND, ISSUE, DAY, slack)
    messages = digest(renders)
    store.engine.dispose()
    expected = [fingerprint(message.text) for message in messages]
    if len(messages) != PER_CHANNEL or len(set(expected)) != PER_CHANNEL:
        raise SystemExit(f"the digest is {len(messages)} messages ({len(set(expected))} distinct), not {PER_CHANNEL}")
    register = Path(url.removeprefix("sqlite:///"))
    return Bench(work, register, expected, random.Random(args.seed), args.pg_url, args.history_per_minute)


async def run(args: argparse.Namespace, work: Path) -> int:
    bench = prepare(args, work)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    sizes = {"a": args.channels_a, "b": args.channels_b, "c": args.channels_c, "d": args.channels_d}
    print(
        f"Delivery under faults: the monthly digest ({PER_CHANNEL} Slack posts a channel) through a fake Slack "
        f"allowing 1 post a channel every {INTERVAL:g} s, a workspace burst of {BURST} then {RATE:g}/s "
        f"(429 + Retry-After beyond); seed {args.seed}"
    )
    outcomes = []
    for name in chosen:
        started = time.monotonic()
        outcomes.append(await SCENARIOS[name](bench, sizes[name]))
        outcomes[-1].notes.append(f"scenario wall time {time.monotonic() - started:.0f} s")
    print()
    ok = print_table(outcomes)
    print()
    for outcome in outcomes:
        print_details(outcome, bench.expected)
    print()
    print("ALL TARGETS PASS" if ok else f"SOME TARGETS FAIL (logs and databases kept in {work})")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels-a", type=int, default=3500)
    parser.add_argument("--channels-b", type=int, default=600)
    parser.add_argument("--channels-c", type=int, default=300)
    parser.add_argument("--channels-d", type=int, default=400)
    parser.add_argument("--only", default="a,b,c,d", help="scenarios to run, e.g. a,c")
    parser.add_argument("--seed", type=int, default=random.SystemRandom().randrange(1_000_000))
    parser.add_argument("--mods", type=int, default=10_000, help="modifications in the synthetic register")
    parser.add_argument("--pg-url", default=PG_URL, help="PostgreSQL database for (d); a schema is made and dropped")
    parser.add_argument(
        "--history-per-minute",
        type=float,
        default=50,
        help="the fake's limit on conversations.history and on .replies: 50 Slack's Tier 3, 1 its Tier 1",
    )
    parser.add_argument("--keep", action="store_true", help="keep the logs and databases even when every target passes")
    args = parser.parse_args()
    if unknown := set(s.strip() for s in args.only.split(",") if s.strip()) - SCENARIOS.keys():
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    for name in harness.PROXY_VARIABLES:  # slack_sdk reads HTTPS_PROXY; the fake is on 127.0.0.1
        os.environ.pop(name, None)
        os.environ.pop(name.upper(), None)
    work = Path(tempfile.mkdtemp(prefix="secbot-faults-bench-"))
    status = harness.run(run(args, work), "delivery_faults")
    if status == 0 and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    elif status != 0:
        print(f"work directory kept: {work}", file=sys.stderr)
    return status


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fake-slack"]:
        port, low, high, seed, history_per_minute = sys.argv[2:7]
        run_fake_slack(int(port), (float(low), float(high)), int(seed), float(history_per_minute))
    elif sys.argv[1:2] == ["--replica"]:
        sys.exit(run_child_replica(ReplicaSpec(**json.loads(sys.argv[2]))))
    else:
        sys.exit(main())
