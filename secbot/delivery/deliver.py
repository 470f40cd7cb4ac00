"""One digest firing (kind, period) delivered to every channel subscribed to it, each exactly once.

For each active subscription a job claims its outbox row (``outbox.claim``), renders the messages
for that subscription (filters differ per channel), posts them through the platform's ``Sender``
and marks the row. Jobs run concurrently, at most ``Policy.concurrency`` at work at a time; a job
gives its slot up while it waits to retry. What each refusal does:

- ``RateLimited``: wait Retry-After, then try again; no failed attempt. The sender has already paused
  every post to that Slack workspace (or to Teams) for as long, so the other jobs wait too.
- ``DeliveryFailed``: the row is released until a back-off has passed (``retry_base`` doubled per
  failure, capped, with jitter), then claimed again; after ``max_attempts`` failures it is failed.
- ``ConversationGone``: failed; the subscription is paused with the reason, and whichever process
  paused it tells the admins, once.
- ``PostRejected`` (this post can never be sent, or secbot's token is refused): failed at once; the
  subscription stays, so that fixing secbot fixes the next period.

A render that returns None or nothing marks the row sent with no message id: there is nothing for
that channel this period, and a second run does not render it again. A claimed row holds a lease;
the job renews it by releasing and claiming again before a wait would outlast it. ``resume_stale``
finishes rows whose lease ran out (their claimant died, or its retry fell due and it is gone).

Sending is at least once at its edge: a process that dies after the platform accepted a post but
before ``mark_sent`` leaves a row that is sent again when resumed (neither platform takes an
idempotency key for a new post).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import socket
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from secbot.chat.delivery_errors import ConversationGone, DeliveryFailed, PostRejected, RateLimited
from secbot.delivery import outbox
from secbot.delivery.notices import tell_admins
from secbot.delivery.senders import Sender
from secbot.settings import Settings
from secbot.store import subscriptions
from secbot.store.db import Store
from secbot.store.subscriptions import SubscriptionView

log = logging.getLogger(__name__)

Render = Callable[[SubscriptionView], Sequence[Any] | None]  # the messages for one channel, for its platform
RenderFor = Callable[[str, str], Render]  # (kind, period) -> its Render, for resuming


@dataclass(frozen=True)
class Policy:
    lease: float | None = None  # seconds a claim holds; None: SECBOT_OUTBOX_LEASE_SECONDS
    max_attempts: int = 5  # failed attempts (5xx, network) before a post is failed
    concurrency: int = 50  # jobs at work at once
    retry_base: float = 2.0  # seconds before the first retry; doubled each failure
    retry_cap: float = 300.0


DEFAULT_POLICY = Policy()


@dataclass
class DeliveryReport:
    """What happened to each subscription, by id."""

    sent: list[int] = field(default_factory=list)
    empty: list[int] = field(default_factory=list)  # nothing to post there this period
    skipped: list[int] = field(default_factory=list)  # done or being done elsewhere, or no sender here
    failed: dict[int, str] = field(default_factory=dict)
    paused: list[int] = field(default_factory=list)  # also in ``failed``

    def summary(self) -> str:
        return (
            f"{len(self.sent)} sent, {len(self.empty)} with nothing to post, {len(self.skipped)} skipped, "
            f"{len(self.failed)} failed ({len(self.paused)} paused)"
        )


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


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
) -> DeliveryReport:
    """Post ``kind`` for ``period`` to every active subscription of ``kind`` (or of ``subscribed``: an
    announcement goes to the consultations subscribers) that has not had it."""
    active = await asyncio.to_thread(subscriptions.active, store, subscribed or kind)
    run = _Run(store, senders, settings, kind, period, render, worker or default_worker(), policy)
    await run.all(active)
    log.info("%s digest for %s: %s", kind, period, run.report.summary())
    return run.report


async def resume_stale(
    store: Store,
    senders: Mapping[str, Sender],
    render_for: RenderFor,
    *,
    settings: Settings,
    worker: str | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> DeliveryReport:
    """Send the posts left pending with their lease run out, by whichever process claims each first."""
    waiting: dict[tuple[str, str], list[int]] = defaultdict(list)
    for post in await asyncio.to_thread(outbox.stale, store):
        waiting[(post.kind, post.period)].append(post.subscription_id)
    report, worker = DeliveryReport(), worker or default_worker()
    for (kind, period), ids in waiting.items():
        found = await asyncio.to_thread(_subscriptions, store, ids)
        await _Run(store, senders, settings, kind, period, render_for(kind, period), worker, policy, report).all(found)
    if waiting:
        log.info("resumed %d stale post(s): %s", sum(map(len, waiting.values())), report.summary())
    return report


def _subscriptions(store: Store, ids: Iterable[int]) -> list[SubscriptionView]:
    return [found for i in ids if (found := subscriptions.get(store, i)) is not None]


@dataclass
class _Run:
    store: Store
    senders: Mapping[str, Sender]
    settings: Settings
    kind: str
    period: str
    render: Render
    worker: str
    policy: Policy
    report: DeliveryReport = field(default_factory=DeliveryReport)

    def __post_init__(self) -> None:
        lease = self.policy.lease
        self.lease = float(self.settings.outbox_lease_seconds if lease is None else lease)
        self.slots = asyncio.Semaphore(self.policy.concurrency)

    async def all(self, subs: Iterable[SubscriptionView]) -> None:
        await asyncio.gather(*(self._one(sub) for sub in subs))

    async def _one(self, sub: SubscriptionView) -> None:
        try:
            await self._deliver(sub)
        except Exception as error:  # a bug or a database outage here must not stop the other channels
            log.exception("could not deliver the %s digest to subscription %d", self.kind, sub.id)
            self.report.failed[sub.id] = repr(error)

    async def _db(self, fn, *args, **kwargs):
        return await asyncio.to_thread(fn, self.store, *args, **kwargs)

    async def _claim(self, sub: SubscriptionView) -> int | None:
        post_id = await self._db(outbox.claim, sub.id, self.kind, self.period, self.worker, lease=self.lease)
        if post_id is None:
            self.report.skipped.append(sub.id)
        return post_id

    async def _deliver(self, sub: SubscriptionView) -> None:
        sender = self.senders.get(sub.platform)
        if sender is None:
            log.warning("no %s sender here: not posting to subscription %d", sub.platform, sub.id)
            self.report.skipped.append(sub.id)
            return
        async with self.slots:
            post_id = await self._claim(sub)
            if post_id is None:
                return
            if sub.paused:
                await self._fail(sub, post_id, f"the subscription is paused: {sub.paused_reason}")
                return
            try:
                messages = await asyncio.to_thread(self.render, sub)
            except Exception as error:
                log.exception("could not render the %s digest for subscription %d", self.kind, sub.id)
                await self._fail(sub, post_id, f"could not render: {error!r}")
                return
            if not messages:
                await self._db(outbox.mark_sent, post_id, None)
                self.report.empty.append(sub.id)
                return
        await self._send(sender, sub, post_id, list(messages))

    async def _send(self, sender: Sender, sub: SubscriptionView, post_id: int, messages: list[Any]) -> None:
        posted: list[str] = []  # ids of the messages already up, so that a retry goes on from there
        failures = 0
        lease_ends = time.monotonic() + self.lease
        while True:
            try:
                async with self.slots:
                    message_id = await sender.post(sub.channel_id, messages, posted)
            except RateLimited as error:
                wait, counted, reason = error.retry_after, False, str(error)
            except DeliveryFailed as error:
                failures += 1
                wait, counted, reason = self._backoff(failures), True, str(error)
            except ConversationGone as error:
                await self._gone(sub, post_id, error)
                return
            except PostRejected as error:
                await self._fail(sub, post_id, str(error))
                return
            except Exception as error:  # a bug: failed, not left pending for every later resume to trip on
                log.exception("posting the %s digest to subscription %d failed unexpectedly", self.kind, sub.id)
                await self._fail(sub, post_id, f"unexpected: {error!r}")
                return
            else:
                await self._db(outbox.mark_sent, post_id, message_id)
                self.report.sent.append(sub.id)
                return
            if counted or time.monotonic() + wait > lease_ends - self.lease / 10:
                post_id = await self._retry_later(sub, post_id, wait, reason, counted)
                if post_id is None:
                    return
                lease_ends = time.monotonic() + self.lease
            else:
                await asyncio.sleep(wait)

    async def _retry_later(
        self, sub: SubscriptionView, post_id: int, wait: float, reason: str, counted: bool
    ) -> int | None:
        """Let the post go until its retry is due, then claim it again; None when it is over here."""
        at = outbox.utcnow() + dt.timedelta(seconds=wait)
        attempts = await self._db(outbox.release_for_retry, post_id, at, reason, counted=counted)
        if attempts is None:  # finished by another process that took it over
            self.report.skipped.append(sub.id)
            return None
        if counted and attempts >= self.policy.max_attempts:
            await self._fail(sub, post_id, f"{reason} (after {attempts} attempts)")
            return None
        while (left := (at - outbox.utcnow()).total_seconds()) > 0:
            await asyncio.sleep(left)
        return await self._claim(sub)

    def _backoff(self, failures: int) -> float:
        delay = min(self.policy.retry_cap, self.policy.retry_base * 2 ** (failures - 1))
        return delay * random.uniform(0.5, 1.0)  # channels that failed together do not retry together

    async def _fail(self, sub: SubscriptionView, post_id: int, reason: str) -> None:
        log.warning("the %s digest for %s could not go to subscription %d: %s", self.kind, self.period, sub.id, reason)
        await self._db(outbox.mark_failed, post_id, reason)
        self.report.failed[sub.id] = reason

    async def _gone(self, sub: SubscriptionView, post_id: int, error: ConversationGone) -> None:
        await self._fail(sub, post_id, str(error))
        self.report.paused.append(sub.id)
        if await self._db(subscriptions.pause, sub.id, error.reason):
            text = (
                f"secbot stopped posting the {sub.kind} digest to {sub.platform} channel {sub.channel_id}: "
                f"{error.reason}. Subscribing that channel again resumes it."
            )
            key = f"paused:{sub.id}:{self.kind}:{self.period}"
            await tell_admins(
                self.store, self.senders, self.settings, key, text, title="A digest subscription was paused"
            )
