"""What SECAS admins are told (a paused subscription, a missed digest, a failed sync), recorded once.

``record`` keeps the notice under its key (insert-or-nothing with RETURNING) and, in the same
transaction, puts one outbox post (kind ``notice``) for each admin channel in ``SECBOT_ADMIN_CHANNELS``
(``slack:<team>:<channel>``, ``teams:<conversation id>``) that this process can post to. Only the call
whose insert took gets the posts back to send (``deliver.tell_admins``); a process that dies before
sending them leaves them pending in the outbox, where any replica's resume sends them. So each admin
channel is told each notice once, by the same rules as digests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from secbot.store import outbox
from secbot.store.db import Store, insert_or_nothing
from secbot.store.models import AdminNotice

log = logging.getLogger(__name__)

KIND = "notice"
DEFAULT_TITLE = "secbot: for SECAS admins"


def period(key: str) -> str:
    """The outbox period of a notice: its key, hashed to fit."""
    return "N" + hashlib.sha256(key.encode()).hexdigest()[:31]


def record(
    store: Store, key: str, text: str, title: str, targets: Iterable[str], now: dt.datetime
) -> list[tuple[str, dict[str, Any]]] | None:
    """The (target, body) posts to send, when this call recorded the notice; None when it was told before."""
    body = {"title": title, "text": text}
    with store.engine.begin() as connection:
        if not insert_or_nothing(connection, AdminNotice, AdminNotice.key, key=key[:200], text=text, told_at=now):
            return None
        posts = [(target, body) for target in targets]
        for target, _ in posts:
            outbox.enqueue(connection, target, KIND, period(key), body, now)
    return posts
