"""Telling SECAS admins something once: a paused subscription, a missed digest.

``tell_admins`` records the notice under its key (insert-or-nothing with RETURNING), and only the
process whose insert took posts it, as a plain notice, to every channel in
``SECBOT_ADMIN_CHANNELS`` (``slack:<team>:<channel>``, ``teams:<conversation id>``). It never
raises: a notice that cannot be recorded or posted is logged. A recorded notice is not posted again,
even if posting it failed: admins are told at most once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from secbot.delivery.outbox import utcnow
from secbot.delivery.senders import Sender
from secbot.replies import Reply
from secbot.settings import Settings
from secbot.store.db import Store, insert_or_nothing
from secbot.store.models import AdminNotice

log = logging.getLogger(__name__)

DEFAULT_TITLE = "secbot: for SECAS admins"


async def tell_admins(
    store: Store, senders: Mapping[str, Sender], settings: Settings, key: str, text: str, *, title: str = DEFAULT_TITLE
) -> bool:
    """Post ``text`` to the admin channels unless a notice with ``key`` was already given; True if this call gave it."""
    try:
        if not await asyncio.to_thread(_record, store, key, text):
            return False
    except Exception:
        log.exception("could not record the admin notice %r", key)
        return False
    reply = Reply(title, kind="notice", summary=text, cacheable=False)
    for target in settings.admin_channels:
        platform, _, channel_id = target.partition(":")
        sender = senders.get(platform)
        if sender is None or not channel_id:
            log.warning("cannot tell admins in %r: no %s sender here", target, platform)
            continue
        try:
            await sender.post(channel_id, [sender.render(reply)])
        except Exception:
            log.exception("could not tell admins in %r: %s", target, text)
    if not settings.admin_channels:
        log.warning("no SECBOT_ADMIN_CHANNELS to tell: %s", text)
    return True


def _record(store: Store, key: str, text: str) -> bool:
    with store.engine.begin() as connection:
        return insert_or_nothing(connection, AdminNotice, AdminNotice.key, key=key[:200], text=text, told_at=utcnow())
