"""Posting rendered messages to one chat channel, with every refusal typed: the ``Sender`` each platform
package subclasses (``secbot.platforms.slack.sender``, ``secbot.platforms.teams.sender``).

``await sender.post(channel_id, messages, posted)`` sends the first message to the channel and the
rest after it (Slack: as replies in its thread; Teams: as further posts, since a bot's posts in a
Teams channel have no thread of their own), and returns the first message's id (Slack: its ``ts``;
Teams: the activity id). ``posted`` collects the ids sent so far: a retry after a failure part-way
continues where it stopped instead of posting the first message again. Every post takes its turn on
the sender's ``Pacer``; a 429 pauses the sender's whole scope before ``RateLimited`` is raised. The
outbox hooks in with ``before`` (its fence, checked when the turn has come, right before the call)
and ``after`` (recording each message as up before the next is sent), and marks each message with
``tag`` (Slack: message metadata) so that ``find`` can tell whether a message whose sender died
mid-call is already in the channel before it is posted again.

``render(reply)`` renders a ``Reply`` (an admin notice, an announcement) for the sender's platform,
``render_digest(replies, chart)`` a digest's messages (its summary and sections as Replies, and its
chart, which a platform may show or leave out: the numbers are in the text too), and
``await sender.update(channel_id, message_id, message)`` replaces a message posted earlier, raising the
same typed refusals (``secbot.delivery.errors``).

A message may also be an ``Image`` (the monthly digest's stage chart), posted after the message before
it by platforms that take images (``takes_images``); others skip it.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from secbot.delivery.errors import RateLimited
from secbot.delivery.pacing import Pacer
from secbot.replies import Reply

log = logging.getLogger(__name__)

FIND_PATIENCE = 300.0  # seconds a look-up may wait out its rate limit before the message is posted again


@dataclass(frozen=True)
class Image:
    """A picture to post after the message before it (in Slack: into its thread)."""

    png: bytes
    filename: str
    title: str
    alt_text: str


@dataclass(frozen=True)
class DigestChart:
    """A digest's chart: the picture, its title, and where secbot serves it (None without a public URL)."""

    png: bytes
    title: str
    filename: str
    url: str | None


Hook = Callable[[int], Awaitable[None]]  # called with the index of the message about to go out


class Sender(abc.ABC):
    """What deliver and notices post through; one per platform and process (it owns the pacing)."""

    platform: str
    takes_images = False

    def __init__(self, interval: float) -> None:
        self.pacer = Pacer(interval)

    async def post(
        self,
        channel_id: str,
        messages: Sequence[Any],
        posted: list[str] | None = None,
        *,
        before: Hook | None = None,
        after: Callable[[list[str]], Awaitable[None]] | None = None,
        tag: Callable[[int], dict[str, Any]] | None = None,
        in_flight: int | None = None,
    ) -> str:
        """Post the messages not yet in ``posted``; the first one's id.

        ``before(n)`` is awaited when message ``n``'s turn has come, just before its call goes out, and
        may raise to stop (the outbox's fence); ``after(posted)`` once each message is up (its record).
        ``tag(n)`` marks message ``n`` where the platform keeps such marks (Slack's message metadata),
        so that message ``in_flight``, which an earlier sender may have posted without recording it,
        is looked for (``find``) before it is posted again.
        """
        if not messages:
            raise ValueError("nothing to post")
        posted = [] if posted is None else posted
        scope, channel = self._where(channel_id)
        for index in range(len(posted), len(messages)):
            message, thread = messages[index], posted[0] if posted else None
            if isinstance(message, Image) and not self.takes_images:
                posted.append("")  # kept in step with ``messages`` so that a retry resumes at the right one
            elif (
                index == in_flight
                and tag is not None
                and (found := await self._look_for(channel_id, index, tag, posted))
            ):
                posted.append(found)
            else:
                async with self.pacer.turn(scope, channel):
                    if before is not None:
                        await before(index)
                    try:
                        posted.append(await self._send(channel_id, message, thread, tag(index) if tag else None))
                    except RateLimited as limited:
                        self.pacer.pause(scope, limited.retry_after)
                        raise
            if after is not None:
                await after(posted)
        return posted[0]

    async def find(self, channel_id: str, tag: dict[str, Any], thread: str | None, after: str | None) -> str | None:
        """The id of a message already in the channel (in ``thread``, newer than ``after``) marked ``tag``;
        None when there is none, or the platform cannot say. ``RateLimited`` when asked to wait."""
        return None

    async def _look_for(self, channel_id: str, index: int, tag, posted: list[str]) -> str | None:
        """``find``, waiting out its rate limit (a tier of its own, not the posts') for up to FIND_PATIENCE
        seconds: beyond that, posting the message again beats holding the channel's digest back."""
        waited = 0.0
        while True:
            try:
                return await self.find(
                    channel_id, tag(index), posted[0] if posted else None, posted[-1] if posted else None
                )
            except RateLimited as limited:
                if waited + limited.retry_after > FIND_PATIENCE:
                    log.info("looking for an earlier post in %s is rate limited: posting it again", channel_id)
                    return None
                waited += limited.retry_after
                await asyncio.sleep(limited.retry_after)

    async def update(self, channel_id: str, message_id: str, message: Any, *, before: Hook | None = None) -> None:
        """Replace a message posted earlier (an announcement's correction or withdrawal) with ``message``."""
        scope, channel = self._where(channel_id)
        async with self.pacer.turn(scope, channel):
            if before is not None:
                await before(0)
            try:
                await self._update(channel_id, message_id, message)
            except RateLimited as limited:
                self.pacer.pause(scope, limited.retry_after)
                raise

    @abc.abstractmethod
    def render(self, reply: Reply) -> Any:
        """``reply`` as one message of this platform (posted: no private-answer buttons)."""

    def render_digest(self, replies: Sequence[Reply], chart: DigestChart | None) -> list[Any]:
        """A digest's messages: its summary and sections (``replies``), and its chart where the platform
        can show one; this default leaves the chart out (its numbers are in the summary's text)."""
        return [self.render(reply) for reply in replies]

    @abc.abstractmethod
    def _where(self, channel_id: str) -> tuple[str, str]:
        """The pacing scope and the channel."""

    @abc.abstractmethod
    async def _send(self, channel_id: str, message: Any, thread: str | None, tag: dict[str, Any] | None) -> str:
        """Post one message (in ``thread`` when the platform has threads, marked ``tag`` where it keeps
        marks); its id."""

    @abc.abstractmethod
    async def _update(self, channel_id: str, message_id: str, message: Any) -> None:
        """Replace the message ``message_id`` in the channel."""
