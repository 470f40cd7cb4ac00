"""Posting consultation announcements to subscribed channels, and editing every copy when one changes.

``Announcer.publish(id)`` brings one announcement's channels up to date:

1. while it is active, it is posted through the outbox (kind ``announcement``, period ``A<id>``) to
   every channel subscribed to consultations whose filters let its modification through, once per
   channel however many processes publish it (``deliver``'s claim);
2. every copy already posted that shows an older version (a correction, or the withdrawal) is edited
   in place with the platform's update (Slack ``chat.update``, Teams' activity update);
3. when nothing is left pending and every copy shows the current version, the announcement is settled.

It runs at once in the process where the admin pressed Confirm (``App.listeners``), and every minute in
every process for announcements changed within ``CATCH_UP`` that are not settled: a process that
died part-way, a rate limit or a network failure is made good by the next pass. An edit that can never
succeed (the message was deleted, the channel is gone) is logged and that copy is left as it is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Mapping
from typing import Any

from secbot.app import App
from secbot.delivery.deliver import DEFAULT_POLICY, LeaseLost, Now, Policy, deliver, new_holder
from secbot.delivery.errors import ConversationGone, DeliveryFailed, PostRejected, RateLimited
from secbot.delivery.senders import Sender
from secbot.digests.announcement import announcement_reply, wanted_by
from secbot.store import announcements, outbox, subscriptions
from secbot.store.announcements import AnnouncementView
from secbot.store.subscriptions import SubscriptionView

log = logging.getLogger(__name__)

CATCH_UP = dt.timedelta(days=7)


class Announcer:
    def __init__(
        self,
        app: App,
        senders: Mapping[str, Sender],
        *,
        policy: Policy = DEFAULT_POLICY,
        worker: str | None = None,
        now: Now = outbox.utcnow,
    ) -> None:
        self.app, self.senders, self.policy, self.worker, self.now = app, senders, policy, worker, now
        self.lease = policy.lease_seconds(app.settings)
        self.holder = new_holder(worker)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._locks: dict[int, asyncio.Lock] = {}

    def listen(self, loop: asyncio.AbstractEventLoop) -> None:
        """Publish each announcement as soon as an admin's change to it commits in this process."""
        self.loop = loop
        self.app.listeners.append(self.notify)

    def notify(self, action: str, result: dict[str, Any]) -> None:
        """Called in the worker thread that made the change."""
        number = result.get("announcement")
        if number is not None and self.loop is not None and not self.loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.publish(int(number)), self.loop)

    async def publish_outstanding(self) -> None:
        since = self.now() - CATCH_UP
        try:
            for number in await asyncio.to_thread(announcements.unsettled, self.app.store, since):
                await self.publish(number)
        except Exception:  # the next minute tries again
            log.exception("could not publish the outstanding announcements")

    async def publish(self, number: int) -> bool:
        """Bring every channel's copy of announcement ``number`` up to date; True when settled."""
        lock = self._locks.setdefault(number, asyncio.Lock())
        async with lock:
            try:
                return await self._publish(number)
            except Exception:
                log.exception("could not publish announcement %d", number)
                return False

    async def _publish(self, number: int) -> bool:
        store = self.app.store
        view = await asyncio.to_thread(announcements.get, store, number)
        if view is None:
            return True
        if not view.withdrawn:
            shown: dict[int, int] = {}
            await deliver(
                store,
                self.senders,
                announcements.KIND,
                announcements.period(number),
                self.render_for(number, shown),
                settings=self.app.settings,
                worker=self.worker,
                policy=self.policy,
                subscribed=announcements.SUBSCRIBED_KIND,
                now=self.now,
            )
            await asyncio.to_thread(announcements.mark_rendered_for, store, number, shown)
        view = await asyncio.to_thread(announcements.get, store, number)  # a correction may have come meanwhile
        settled = await self._edit_copies(view)
        if settled and not await asyncio.to_thread(announcements.waiting, store, number):
            await asyncio.to_thread(announcements.settle, store, number, view.version)
            return True
        return False

    def render_for(self, number: int, shown: dict[int, int] | None = None):
        """The render ``deliver`` (and the outbox's resume) calls for one subscription: the announcement
        as it stood when the first channel was rendered (read once, rendered once per platform), or
        nothing when it is withdrawn or the channel's filters leave it out. A correction made meanwhile
        is caught by the copies' versions (``_edit_copies``)."""
        read_once = functools.cache(lambda: announcements.get(self.app.store, number))
        rendered: dict[str, Any] = {}

        def render(sub: SubscriptionView) -> list[Any] | None:
            view = read_once()
            if view is None or view.withdrawn or not wanted_by(sub, self.app.register, view.reference):
                return None
            if shown is not None:
                shown[sub.id] = view.version
            return [self._message(sub.platform, view, rendered)]

        return render

    def _message(self, platform: str, view: AnnouncementView, rendered: dict[str, Any]) -> Any:
        """The announcement for ``platform``, rendered once per pass (``rendered`` keeps it)."""
        if platform not in rendered:
            reply = announcement_reply(view, self.app.register.today(), self.app.settings.register_url)
            rendered[platform] = self.senders[platform].render(reply)
        return rendered[platform]

    async def _edit_copies(self, view: AnnouncementView) -> bool:
        """Edit each copy showing an older version, one editor per copy across processes (the outbox's
        fenced edit claim); False while some edit must be tried again later."""
        store, settled, rendered = self.app.store, True, {}
        for copy in await asyncio.to_thread(announcements.copies, store, view.id):
            if copy.rendered_version is not None and copy.rendered_version >= view.version:
                continue
            sub = await asyncio.to_thread(subscriptions.get, store, copy.subscription_id)
            sender = self.senders.get(sub.platform) if sub else None
            if sub is None or sender is None:
                settled = settled and sub is None  # a deleted subscription has nothing left to edit
                continue
            claim = await asyncio.to_thread(
                outbox.claim_edit, store, copy.post_id, view.version, self.holder, lease=self.lease, now=self.now()
            )
            if claim is None:  # another process is editing it, or has just done so: the next pass looks again
                settled = False
                continue
            settled = await self._edit(view, sub, sender, copy.message_id, claim, rendered) and settled
        return settled

    async def _edit(
        self, view: AnnouncementView, sub: SubscriptionView, sender: Sender, message_id: str, claim, rendered
    ) -> bool:
        """One copy brought to the current version under its edit claim; False when it must wait."""
        store = self.app.store

        async def fence(_index: int) -> None:
            if not await asyncio.to_thread(outbox.fence, store, claim, self.lease, self.now(), status=outbox.SENT):
                raise LeaseLost

        try:
            await sender.update(sub.channel_id, message_id, self._message(sub.platform, view, rendered), before=fence)
        except LeaseLost:
            return False
        except (RateLimited, DeliveryFailed) as error:
            log.info("announcement %d: editing the copy in %s waits: %s", view.id, sub.channel_id, error)
            await asyncio.to_thread(outbox.release_edit, store, claim)
            return False
        except (ConversationGone, PostRejected) as error:
            log.warning("announcement %d: the copy in %s cannot be edited: %s", view.id, sub.channel_id, error)
        return await asyncio.to_thread(outbox.mark_edited, store, claim, view.version)
