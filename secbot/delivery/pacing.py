"""Not hammering a chat platform: posts to one channel spaced out, and a shared pause after a 429.

Slack lets an app post about one message a second to a channel and answers a workspace-wide burst
with 429 and ``Retry-After``; Teams limits posts per conversation and per bot. Each sender owns one
``Pacer``, so every post it makes, to any channel and from any delivery, takes its ``turn``: it
waits while its scope (a Slack workspace, or the Teams bot) is paused, and until the channel's
previous post is ``interval`` behind. A 429 pauses the whole scope, not only the channel that drew
it, because the next post anywhere in that workspace would only draw another.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

_PRUNE_AT = 4096  # channels remembered before the ones long past are forgotten


class Pacer:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._paused_until: dict[str, float] = {}
        self._next: dict[tuple[str, str], float] = {}  # when a channel may next be posted to

    def pause(self, scope: str, seconds: float) -> None:
        """Hold every post in ``scope`` for ``seconds`` (the platform's Retry-After)."""
        until = time.monotonic() + seconds
        self._paused_until[scope] = max(self._paused_until.get(scope, 0.0), until)

    def paused_for(self, scope: str) -> float:
        return max(0.0, self._paused_until.get(scope, 0.0) - time.monotonic())

    @contextlib.asynccontextmanager
    async def turn(self, scope: str, channel: str) -> AsyncIterator[None]:
        """Wait for this channel's turn, then post inside the block."""
        key = (scope, channel)
        while True:
            now = time.monotonic()
            wait = max(self._paused_until.get(scope, 0.0), self._next.get(key, 0.0)) - now
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        self._next[key] = now + self.interval  # taken before the post, so concurrent posts queue
        try:
            yield
        finally:
            # Spaced from the answer too: the platform counts arrivals, and the request took a while.
            self._next[key] = max(self._next[key], time.monotonic() + self.interval)
            if len(self._next) > _PRUNE_AT:
                now = time.monotonic()
                self._next = {k: at for k, at in self._next.items() if at > now}
