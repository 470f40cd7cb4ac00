"""One post (a digest issue, an announcement, an admin notice) delivered to every channel it is for, each once.

For each channel a job takes a send slot, claims the channel's outbox row (``outbox.claim``, which
hands out a fencing token), renders the messages for that channel (filters differ per channel),
posts them through the platform's ``Sender`` and marks the row, all under the claim:

- just before each message goes out (its channel's turn has come) the claim is fenced: a
  compare-and-set on (row, token) that also extends the lease over the call. A job whose row was
  taken over stops there, before posting (``LeaseLost``);
- each message of a multi-message post is recorded as up (its Slack ``ts`` / Teams activity id)
  before the next is sent, so whoever resumes the row goes on with the next message in the same
  thread and never posts the summary again;
- while a job holds a row (waiting for its channel's pacing, a rate limit, the workspace's burst)
  a heartbeat renews the lease of every row this run holds, every third of a lease.

So a post is never sent twice while its claimant lives, however long the run outlasts the lease and
however many replicas resume. A claimant killed mid-post leaves at most the one message whose call
was in flight (``Claim.in_flight``: fenced, not recorded); neither platform takes an idempotency key
for a new post, so the resumer first looks for it: in Slack every message carries its (post, part) in
its metadata, found with ``conversations.history`` / ``.replies`` and adopted instead of posted again.
Teams, which has no such look-up for a bot, may show that one message twice.

What each refusal does:

- ``RateLimited``: the sender has paused every post to that Slack workspace (or to Teams) for
  Retry-After; the job waits its next turn, holding the row. No failed attempt.
- ``DeliveryFailed``: the row is released until a back-off has passed (``retry_base`` doubled per
  failure, capped, with jitter), then claimed again; after ``max_attempts`` failures it is failed.
- ``ConversationGone``: failed; a subscription is paused with the reason, and whichever process
  paused it tells the admins, once.
- ``PostRejected`` (this post can never be sent, or secbot's token is refused): failed at once; the
  subscription stays, so that fixing secbot fixes the next period.
- The database unreachable: the row is left pending; its lease runs out and it is resumed.

A render that returns None or nothing marks the row sent with no message id: there is nothing for
that channel this period. ``resume_stale`` finishes rows whose lease ran out (their claimant died,
or its retry fell due and it is gone). Time for leases comes from ``now`` (the scheduler's clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import secrets
import socket
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from secbot.delivery import notices
from secbot.delivery.errors import ConversationGone, DeliveryFailed, PostRejected, RateLimited
from secbot.delivery.senders import Sender
from secbot.formatting import plural
from secbot.replies import Reply
from secbot.settings import Settings
from secbot.store import outbox, subscriptions
from secbot.store.db import Store
from secbot.store.subscriptions import SubscriptionView

log = logging.getLogger(__name__)

Render = Callable[[SubscriptionView], Sequence[Any] | None]  # the messages for one channel, for its platform
RenderFor = Callable[[str, str], Render]  # (kind, period) -> its Render, for resuming
Now = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Policy:
    lease: float | None = None  # seconds a claim holds; None: SECBOT_OUTBOX_LEASE_SECONDS
    max_attempts: int = 5  # failed attempts (5xx, network) before a post is failed
    concurrency: int = 100  # channels being posted to at once
    retry_base: float = 2.0  # seconds before the first retry; doubled each failure
    retry_cap: float = 300.0
    renew_every: float | None = None  # seconds between the heartbeat's lease renewals; None: a third of the lease

    def lease_seconds(self, settings: Settings) -> float:
        return float(settings.outbox_lease_seconds if self.lease is None else self.lease)


DEFAULT_POLICY = Policy()


class LeaseLost(Exception):
    """Another process took the post over: this one stops before posting anything more."""


@dataclass(frozen=True)
class Destination:
    """Where one outbox row goes: a subscribed channel, or a channel named directly (``target``, with
    the ``body`` to post there, as admin notices are)."""

    platform: str
    channel_id: str
    subscription: SubscriptionView | None = None
    target: str | None = None
    body: dict[str, Any] | None = None

    @classmethod
    def subscribed(cls, sub: SubscriptionView) -> Destination:
        return cls(sub.platform, sub.channel_id, sub)

    @classmethod
    def named(cls, target: str, body: dict[str, Any] | None) -> Destination:
        platform, _, channel_id = target.partition(":")
        return cls(platform, channel_id, target=target, body=body)

    @property
    def key(self) -> int | str:
        """How the report names it: the subscription's id, or the target."""
        return self.subscription.id if self.subscription is not None else str(self.target)


@dataclass
class DeliveryReport:
    """What happened to each destination, by subscription id (or target, for a channel named directly)."""

    sent: list[int | str] = field(default_factory=list)
    empty: list[int | str] = field(default_factory=list)  # nothing to post there this period
    skipped: list[int | str] = field(default_factory=list)  # done or being done elsewhere, or no sender here
    failed: dict[int | str, str] = field(default_factory=dict)
    paused: list[int | str] = field(default_factory=list)  # also in ``failed``
    lost: list[int | str] = field(default_factory=list)  # taken over by another process part-way
    left: list[int | str] = field(default_factory=list)  # left pending (the database did not answer): resumed later

    def summary(self) -> str:
        return (
            f"{len(self.sent)} sent, {len(self.empty)} with nothing to post, {len(self.skipped)} skipped, "
            f"{len(self.failed)} failed ({len(self.paused)} paused), {len(self.lost)} taken over, "
            f"{len(self.left)} left for later"
        )


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def new_holder(worker: str | None) -> str:
    """Who holds a run's claims: this process, and a run of its own (renewing by holder renews them all)."""
    return f"{(worker or default_worker())[:90]}/{secrets.token_hex(4)}"


async def deliver(
    store: Store,
    senders: Mapping[str, Sender],
    kind: str,
    period: str,
    render: Render,
    *,
    settings: Settings,
    worker: str | None = None,
    policy: Policy = DEFAULT_POLICY,
    subscribed: str | None = None,
    now: Now = outbox.utcnow,
) -> DeliveryReport:
    """Post ``kind`` for ``period`` to every active subscription of ``kind`` (or of ``subscribed``: an
    announcement goes to the consultations subscribers) that has not had it."""
    active = await asyncio.to_thread(subscriptions.active, store, subscribed or kind)
    run = _Run(store, senders, settings, kind, period, render, worker, policy, now)
    await run.all(Destination.subscribed(sub) for sub in active)
    log.info("%s for %s: %s", kind, period, run.report.summary())
    return run.report


async def deliver_named(
    store: Store,
    senders: Mapping[str, Sender],
    kind: str,
    period: str,
    targets: Iterable[tuple[str, dict[str, Any]]],
    *,
    settings: Settings,
    worker: str | None = None,
    policy: Policy = DEFAULT_POLICY,
    now: Now = outbox.utcnow,
) -> DeliveryReport:
    """Post each (target, body) enqueued with ``outbox.enqueue``: a notice to each admin channel."""
    run = _Run(store, senders, settings, kind, period, None, worker, policy, now)
    await run.all(Destination.named(target, body) for target, body in targets)
    return run.report


async def resume_stale(
    store: Store,
    senders: Mapping[str, Sender],
    render_for: RenderFor,
    *,
    settings: Settings,
    worker: str | None = None,
    policy: Policy = DEFAULT_POLICY,
    now: Now = outbox.utcnow,
) -> DeliveryReport:
    """Send the posts left pending with their lease run out, by whichever process claims each first."""
    waiting: dict[tuple[str, str], list[outbox.StalePost]] = defaultdict(list)
    for post in await asyncio.to_thread(outbox.stale, store, now()):
        waiting[(post.kind, post.period)].append(post)
    report = DeliveryReport()
    for (kind, period), posts in waiting.items():
        found = await asyncio.to_thread(_destinations, store, posts)
        subscribed = any(d.subscription is not None for d in found)  # else no digest to build: notices only
        render = render_for(kind, period) if subscribed else None
        await _Run(store, senders, settings, kind, period, render, worker, policy, now, report).all(found)
    if waiting:
        log.info("resumed %d stale post(s): %s", sum(map(len, waiting.values())), report.summary())
    return report


async def tell_admins(
    store: Store,
    senders: Mapping[str, Sender],
    settings: Settings,
    key: str,
    text: str,
    *,
    title: str = notices.DEFAULT_TITLE,
    now: Now = outbox.utcnow,
) -> bool:
    """Tell the admin channels ``text`` unless a notice with ``key`` was given before; True if this call gave it.

    Never raises: a notice that cannot be recorded is logged; one recorded but not posted yet is in the
    outbox, posted by this call or, should this process die, by any replica's resume.
    """
    reachable = []
    for target in settings.admin_channels:
        platform, _, channel_id = target.partition(":")
        if platform in senders and channel_id:
            reachable.append(target)
        else:
            log.warning("cannot tell admins in %r: no %s sender here", target, platform)
    if not settings.admin_channels:
        log.warning("no SECBOT_ADMIN_CHANNELS to tell: %s", text)
    try:
        posts = await asyncio.to_thread(notices.record, store, key, text, title, reachable, now())
    except SQLAlchemyError as error:
        log.warning("could not record the admin notice %r (%s): %s", key, type(error).__name__, text)
        return False
    if posts is None:
        return False
    if posts:
        await deliver_named(store, senders, notices.KIND, notices.period(key), posts, settings=settings, now=now)
    return True


def notice_reply(body: dict[str, Any]) -> Reply:
    """What a post to a channel named directly shows (an admin notice's title and text)."""
    return Reply(body.get("title") or "secbot", kind="notice", summary=body.get("text") or "", cacheable=False)


def _destinations(store: Store, posts: Iterable[outbox.StalePost]) -> list[Destination]:
    found = []
    for post in posts:
        if post.target is not None:
            found.append(Destination.named(post.target, post.body))
        elif (sub := subscriptions.get(store, post.subscription_id)) is not None:
            found.append(Destination.subscribed(sub))
    return found


@dataclass
class _Run:
    store: Store
    senders: Mapping[str, Sender]
    settings: Settings
    kind: str
    period: str
    render: Render | None  # for subscribed channels; a channel named directly is sent its body
    worker: str | None
    policy: Policy
    now: Now
    report: DeliveryReport = field(default_factory=DeliveryReport)

    def __post_init__(self) -> None:
        self.lease = self.policy.lease_seconds(self.settings)
        self.slots = asyncio.Semaphore(self.policy.concurrency)
        self.holder = new_holder(self.worker)

    async def all(self, destinations: Iterable[Destination]) -> None:
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            await asyncio.gather(*(self._one(destination) for destination in destinations))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _heartbeat(self) -> None:
        every = self.policy.renew_every or self.lease / 3
        while True:
            await asyncio.sleep(every)
            try:
                await self._db(outbox.renew, self.holder, self.lease, self.now())
            except SQLAlchemyError as error:  # the fence before each post still keeps a lost row from being sent
                log.warning("could not renew the leases of %s: %s", self.holder, type(error).__name__)

    async def _one(self, destination: Destination) -> None:
        key = destination.key
        try:
            await self._deliver(destination)
        except LeaseLost:
            log.info("the %s for %s to %s was taken over by another process", self.kind, self.period, key)
            self.report.lost.append(key)
        except SQLAlchemyError as error:
            log.warning(
                "the %s for %s to %s is left for later: the database said %s",
                self.kind,
                self.period,
                key,
                type(error).__name__,
            )
            self.report.left.append(key)
        except Exception as error:  # a bug here must not stop the other channels
            log.exception("could not deliver the %s to %s", self.kind, key)
            self.report.failed[key] = repr(error)

    async def _db(self, fn, *args, **kwargs):
        return await asyncio.to_thread(fn, self.store, *args, **kwargs)

    async def _claim(self, destination: Destination, not_before: dt.datetime | None = None) -> outbox.Claim | None:
        now = self.now() if not_before is None else max(self.now(), not_before)
        sub = destination.subscription
        return await self._db(
            outbox.claim,
            sub.id if sub is not None else None,
            self.kind,
            self.period,
            self.holder,
            lease=self.lease,
            now=now,
            target=destination.target,
        )

    async def _deliver(self, destination: Destination) -> None:
        sender = self.senders.get(destination.platform)
        if sender is None:
            log.warning("no %s sender here: not posting to %s", destination.platform, destination.key)
            self.report.skipped.append(destination.key)
            return
        messages: list[Any] | None = None
        retry_at: dt.datetime | None = None
        failures = 0
        while True:
            async with self.slots:
                claim = await self._claim(destination, retry_at)
                if claim is None:
                    self.report.skipped.append(destination.key)
                    return
                if messages is None:
                    messages = await self._messages(destination, claim)
                    if messages is None:
                        return
                retry_at, failures = await self._send(sender, destination, claim, messages, failures)
            if retry_at is None:
                return
            await asyncio.sleep(max(0.0, (retry_at - self.now()).total_seconds()))

    async def _messages(self, destination: Destination, claim: outbox.Claim) -> list[Any] | None:
        """What to post there, or None when the row is already finished with."""
        sub = destination.subscription
        if sub is not None and sub.paused:
            await self._fail(destination, claim, f"the subscription is paused: {sub.paused_reason}")
            return None
        try:
            messages = await asyncio.to_thread(self._render, destination)
        except Exception as error:
            log.exception("could not render the %s for %s", self.kind, destination.key)
            await self._fail(destination, claim, f"could not render: {error!r}")
            return None
        if not messages:
            await self._finish(claim, outbox.mark_sent, claim, None, self.now())
            self.report.empty.append(destination.key)
            return None
        return list(messages)

    def _render(self, destination: Destination) -> Sequence[Any] | None:
        if destination.target is not None:
            return [self.senders[destination.platform].render(notice_reply(destination.body or {}))]
        return self.render(destination.subscription) if self.render is not None else None

    async def _send(
        self, sender: Sender, destination: Destination, claim: outbox.Claim, messages: list[Any], failures: int
    ) -> tuple[dt.datetime | None, int]:
        """Post what is not yet up of ``messages`` under ``claim``; (when to try again or None, failures so far)."""
        parts = list(claim.parts)  # what an earlier claimant already posted: go on from there

        async def fence(index: int) -> None:
            if not await self._db(outbox.fence, claim, self.lease, self.now(), sending=index):
                raise LeaseLost

        async def record(posted: list[str]) -> None:
            if len(posted) < len(messages):  # the last one is recorded with the row's ending
                await self._finish(claim, outbox.record_part, claim, posted, self.lease, self.now())

        while True:
            try:
                message_id = await sender.post(
                    destination.channel_id,
                    messages,
                    parts,
                    before=fence,
                    after=record,
                    tag=lambda index: {"post": claim.id, "part": index},
                    in_flight=claim.in_flight,
                )
            except RateLimited:  # the sender paused the workspace: the next turn waits Retry-After out
                await self._finish(claim, outbox.not_sent, claim)
                continue
            except DeliveryFailed as error:
                failures += 1
                return await self._retry_later(destination, claim, str(error), failures), failures
            except ConversationGone as error:
                await self._gone(destination, claim, error)
            except PostRejected as error:
                await self._fail(destination, claim, str(error))
            except (LeaseLost, SQLAlchemyError):
                raise
            except Exception as error:  # a bug: failed, not left pending for every later resume to trip on
                log.exception("posting the %s to %s failed unexpectedly", self.kind, destination.key)
                await self._fail(destination, claim, f"unexpected: {error!r}")
            else:
                await self._finish(claim, outbox.mark_sent, claim, message_id, self.now(), parts)
                self.report.sent.append(destination.key)
            return None, failures

    async def _finish(self, claim: outbox.Claim, fn, *args) -> None:
        """A compare-and-set on the claim; LeaseLost when the row is no longer this run's."""
        if not await self._db(fn, *args):
            raise LeaseLost

    async def _retry_later(
        self, destination: Destination, claim: outbox.Claim, reason: str, failures: int
    ) -> dt.datetime | None:
        """Let the post go until its retry is due; when to claim it again (None: it has failed for good)."""
        at = self.now() + dt.timedelta(seconds=self._backoff(failures))
        attempts = await self._db(outbox.release_for_retry, claim, at, reason)
        if attempts is None:
            raise LeaseLost
        if attempts >= self.policy.max_attempts:
            await self._fail(destination, claim, f"{reason} (after {plural(attempts, 'attempt')})")
            return None
        return at

    def _backoff(self, failures: int) -> float:
        delay = min(self.policy.retry_cap, self.policy.retry_base * 2 ** (failures - 1))
        return delay * random.uniform(0.5, 1.0)  # channels that failed together do not retry together

    async def _fail(self, destination: Destination, claim: outbox.Claim, reason: str) -> None:
        log.warning("the %s for %s could not go to %s: %s", self.kind, self.period, destination.key, reason)
        await self._finish(claim, outbox.mark_failed, claim, reason)
        self.report.failed[destination.key] = reason

    async def _gone(self, destination: Destination, claim: outbox.Claim, error: ConversationGone) -> None:
        await self._fail(destination, claim, str(error))
        sub = destination.subscription
        if sub is None:
            return
        self.report.paused.append(sub.id)
        if await self._db(subscriptions.pause, sub.id, error.reason):
            text = (
                f"secbot stopped posting the {sub.kind} digest to {sub.platform} channel {sub.channel_id}: "
                f"{error.reason}. Subscribing that channel again resumes it."
            )
            key = f"paused:{sub.id}:{self.kind}:{self.period}"
            await tell_admins(
                self.store,
                self.senders,
                self.settings,
                key,
                text,
                title="A digest subscription was paused",
                now=self.now,
            )
