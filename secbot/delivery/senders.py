"""Posting rendered messages to one Slack or Teams channel, with every refusal typed.

``await sender.post(channel_id, messages, posted)`` sends the first message to the channel and the
rest after it (Slack: as replies in its thread; Teams: as further posts, since a bot's posts in a
Teams channel have no thread of their own), and returns the first message's id (Slack: its ``ts``;
Teams: the activity id). ``posted`` collects the ids sent so far: a retry after a failure part-way
continues where it stopped instead of posting the first message again. Every post takes its turn on
the sender's ``Pacer``; a 429 pauses the sender's whole scope before ``RateLimited`` is raised. The
outbox hooks in with ``before`` (its fence, checked when the turn has come, right before the call)
and ``after`` (recording each message as up before the next is sent), and marks each message with
``tag`` (Slack: message metadata, event type ``secbot_post``) so that ``find`` can tell whether a
message whose sender died mid-call is already in the channel before it is posted again.

``render(reply)`` renders a ``Reply`` (an admin notice, an announcement) for the sender's platform, and
``await sender.update(channel_id, message_id, message)`` replaces a message posted earlier (Slack
``chat.update``, Teams' activity update), raising the same typed refusals; a Slack message that can no
longer be edited (deleted, edit window closed) is ``PostRejected``.

A message may also be an ``Image`` (the monthly digest's stage chart): Slack uploads it into the
thread with ``files_upload_v2``. (An image block would put it in the summary message itself, but
an image block cannot show a file uploaded privately; and sharing the file as its own message gives
no message ``ts`` to thread the sections under.) Teams has no image upload for bots in channels, and
a chart inlined as a data URI would take Teams' 28 KB card limit, so ``TeamsSender`` skips it: the
numbers are in the summary's text on both platforms.

With OAuth installs each Slack workspace has its own bot token: ``token_for(team id)`` finds it
(``installation_token``), and posts to a workspace secbot is no longer installed in are
``ConversationGone``.

How Slack's answers are judged (``chat.postMessage``'s documented errors):

- ``RateLimited``: HTTP 429, or ``ratelimited`` / ``rate_limited``; Retry-After (default 1 s).
- ``ConversationGone``: the codes in ``SLACK_GONE``: the channel is deleted, archived, read-only, or
  secbot is not in it or no longer installed in the workspace. Retrying never helps.
- ``PostRejected``: the codes in ``SLACK_REJECTED``: this post can never be sent as it is (too
  long, malformed) or secbot's own token is refused (``invalid_auth``, ``missing_scope``…). Failing
  the post without pausing the channel means fixing secbot's message or token fixes the next one.
- ``DeliveryFailed``: everything else: 5xx, ``fatal_error``, ``internal_error``,
  ``service_unavailable``, ``request_timeout``, a workspace in migration, codes not listed here,
  and network errors and timeouts.

Teams' answers are judged by ``TeamsDoor.post`` (403/404 gone, 429 rate-limited, 400/413 rejected,
other failures passing).
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from secbot.chat import slack_blocks, teams_cards
from secbot.chat.delivery_errors import (
    NETWORK_ERRORS,
    ConversationGone,
    DeliveryError,
    DeliveryFailed,
    PostRejected,
    RateLimited,
    retry_after,
)
from secbot.delivery.pacing import Pacer
from secbot.replies import Reply

log = logging.getLogger(__name__)

SLACK_CHANNEL_INTERVAL = 1.0  # Slack: about one message a second per channel
TEAMS_CHANNEL_INTERVAL = 0.25  # Teams: at most 8 messages in 2 s per conversation
TEAMS_SCOPE = "teams"  # Teams' 429s are not said to be per conversation: pause every post
TAG_EVENT = "secbot_post"  # the message metadata event type that marks which outbox post and part a message is
FIND_LIMIT = 15  # messages looked through for an earlier post (Slack's cap for apps on its lowest history tier)
FIND_PATIENCE = 300.0  # seconds a look-up may wait out its rate limit before the message is posted again

SLACK_GONE = {
    "channel_not_found": "the channel does not exist or secbot cannot see it",
    "not_in_channel": "secbot is not a member of the channel",
    "is_archived": "the channel is archived",
    "restricted_action": "a workspace setting stops secbot posting there",
    "restricted_action_read_only_channel": "the channel is read-only",
    "restricted_action_thread_only_channel": "the channel takes thread replies only",
    "restricted_action_non_threadable_channel": "the channel takes no thread replies",
    "ekm_access_denied": "the workspace's administrators have suspended posting",
    "no_permission": "secbot has no permission to post there",
    "access_denied": "access to the channel is denied",
    "team_access_not_granted": "secbot has no access to the channel's workspace",
    "account_inactive": "secbot is no longer installed in the workspace",
    "token_revoked": "secbot is no longer installed in the workspace",
}
SLACK_REJECTED = {
    # this message can never be sent as it is
    "msg_too_long",
    "no_text",
    "invalid_blocks",
    "invalid_blocks_format",
    "too_many_attachments",
    "invalid_arguments",
    "invalid_arg_name",
    "invalid_charset",
    "invalid_form_data",
    "invalid_post_type",
    "missing_post_type",
    "as_user_not_supported",
    # secbot's own credentials are refused: a configuration error, the channel is fine
    "invalid_auth",
    "not_authed",
    "missing_scope",
    "not_allowed_token_type",
    "token_expired",
}
SLACK_RATE_LIMITED = {"ratelimited", "rate_limited"}
# chat.update: this message can no longer be edited (the channel itself may be fine)
SLACK_UNEDITABLE = {
    "message_not_found": "the message was deleted",
    "cant_update_message": "secbot may not edit the message",
    "edit_window_closed": "the workspace no longer allows the message to be edited",
}


@dataclass(frozen=True)
class Image:
    """A picture to post after the message before it (in Slack: into its thread)."""

    png: bytes
    filename: str
    title: str
    alt_text: str


TokenFor = Callable[[str], Awaitable[str | None]]  # Slack team id -> that workspace's bot token
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
    def render(self, reply: Reply) -> Any: ...

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


class SlackSender(Sender):
    """Posts as secbot's bot; ``channel_id`` is ``"<team id>:<channel id>"`` (a bare channel id works).

    One workspace: the client's own token. OAuth installs: ``token_for`` gives each workspace's.
    """

    platform = "slack"
    takes_images = True

    def __init__(
        self, client: AsyncWebClient, *, interval: float = SLACK_CHANNEL_INTERVAL, token_for: TokenFor | None = None
    ) -> None:
        super().__init__(interval)
        self.client = client
        self.token_for = token_for

    def render(self, reply: Reply) -> slack_blocks.SlackMessage:
        return slack_blocks.render_reply(reply, shareable=False)

    def _where(self, channel_id: str) -> tuple[str, str]:
        team, _, channel = channel_id.rpartition(":")
        return team, channel

    async def _send(
        self, channel_id: str, message: slack_blocks.SlackMessage | Image, thread: str | None, tag: dict | None
    ) -> str:
        team, channel = self._where(channel_id)
        token = await self._token(channel_id, team)
        auth = {"token": token} if token else {}  # else the client's own
        try:
            if isinstance(message, Image):
                response = await self.client.files_upload_v2(
                    **auth,
                    channel=channel,
                    thread_ts=thread,
                    content=message.png,
                    filename=message.filename,
                    title=message.title,
                    alt_txt=message.alt_text,
                )
                return response["file"]["id"]
            response = await self.client.chat_postMessage(
                **auth,
                channel=channel,
                text=message.text,
                blocks=message.blocks or None,
                thread_ts=thread,
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": TAG_EVENT, "event_payload": tag} if tag else None,
            )
        except SlackApiError as error:
            raise slack_error(channel_id, error) from error
        except SlackRequestError as error:  # files_upload_v2's upload step answered other than 200
            raise DeliveryFailed("slack", channel_id, str(error)[:200]) from error
        except NETWORK_ERRORS as error:
            raise DeliveryFailed("slack", channel_id, type(error).__name__) from error
        return response["ts"]

    async def find(self, channel_id: str, tag: dict[str, Any], thread: str | None, after: str | None) -> str | None:
        """Looks among the channel's newest messages (or the thread's replies after ``after``) for one
        secbot marked ``tag``. Needs ``channels:history`` (``groups:history`` for private channels);
        without it, None."""
        team, channel = self._where(channel_id)
        try:
            token = await self._token(channel_id, team)
            auth = {"token": token} if token else {}
            if thread is None:
                response = await self.client.conversations_history(
                    **auth, channel=channel, limit=FIND_LIMIT, include_all_metadata=True
                )
            else:
                response = await self.client.conversations_replies(
                    **auth, channel=channel, ts=thread, oldest=after, limit=FIND_LIMIT, include_all_metadata=True
                )
        except SlackApiError as error:
            refusal = slack_error(channel_id, error)
            if isinstance(refusal, RateLimited):
                raise refusal from error
            log.info("could not look for an earlier post in %s (%s): posting it", channel_id, refusal.reason)
            return None
        except (DeliveryError, *NETWORK_ERRORS) as error:
            log.info("could not look for an earlier post in %s (%s): posting it", channel_id, type(error).__name__)
            return None
        for found in response.get("messages") or []:
            metadata = found.get("metadata") or {}
            if metadata.get("event_type") == TAG_EVENT and metadata.get("event_payload") == tag:
                return found.get("ts")
        return None

    async def _update(self, channel_id: str, message_id: str, message: slack_blocks.SlackMessage) -> None:
        team, channel = self._where(channel_id)
        token = await self._token(channel_id, team)
        auth = {"token": token} if token else {}
        try:
            await self.client.chat_update(
                **auth, channel=channel, ts=message_id, text=message.text, blocks=message.blocks or None
            )
        except SlackApiError as error:
            code = (error.response.data or {}).get("error") if isinstance(error.response.data, dict) else None
            if code in SLACK_UNEDITABLE:
                raise PostRejected("slack", channel_id, f"{code}: {SLACK_UNEDITABLE[code]}") from error
            raise slack_error(channel_id, error) from error
        except NETWORK_ERRORS as error:
            raise DeliveryFailed("slack", channel_id, type(error).__name__) from error

    async def _token(self, channel_id: str, team: str) -> str | None:
        if self.token_for is None:
            return None  # the client's own
        try:
            token = await self.token_for(team)
        except (*NETWORK_ERRORS, SQLAlchemyError) as error:  # the store is shared: a blip is retried
            raise DeliveryFailed("slack", channel_id, f"installation lookup: {type(error).__name__}") from error
        if not token:
            raise ConversationGone("slack", channel_id, SLACK_GONE["account_inactive"])
        return token


def installation_token(installation_store) -> TokenFor:
    """``token_for`` over slack_sdk's installation store (the ``slack_bots`` table that OAuth fills)."""

    async def token_for(team: str) -> str | None:
        bot = await installation_store.async_find_bot(enterprise_id=None, team_id=team or None)
        return bot.bot_token if bot is not None else None

    return token_for


def slack_error(channel_id: str, error: SlackApiError) -> DeliveryError:
    response = error.response
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or f"HTTP {response.status_code}")
    if response.status_code == 429 or code in SLACK_RATE_LIMITED:
        return RateLimited("slack", channel_id, code, retry_after(response.headers))
    if code in SLACK_GONE:
        return ConversationGone("slack", channel_id, f"{code}: {SLACK_GONE[code]}")
    if code in SLACK_REJECTED:
        return PostRejected("slack", channel_id, code)
    return DeliveryFailed(
        "slack", channel_id, code if code.startswith("HTTP") else f"{code} (HTTP {response.status_code})"
    )


class TeamsSender(Sender):
    """Posts through a ``TeamsDoor`` to a conversation it remembers; ``channel_id`` is the conversation id."""

    platform = "teams"

    def __init__(self, door, *, interval: float = TEAMS_CHANNEL_INTERVAL) -> None:
        super().__init__(interval)
        self.door = door

    def render(self, reply: Reply) -> teams_cards.TeamsMessage:
        return teams_cards.render_reply(reply)

    def _where(self, channel_id: str) -> tuple[str, str]:
        return TEAMS_SCOPE, channel_id

    async def _send(
        self, channel_id: str, message: teams_cards.TeamsMessage, thread: str | None, tag: dict | None
    ) -> str:
        return await self.door.post(channel_id, message)

    async def _update(self, channel_id: str, message_id: str, message: teams_cards.TeamsMessage) -> None:
        await self.door.update(channel_id, message_id, message)
