"""Slack's ``Sender``: posts as secbot's bot with ``chat.postMessage`` (the rest of a digest in the first
message's thread), edits with ``chat.update``, uploads a digest's chart with ``files_upload_v2`` and
judges Slack's answers by its documented error codes.

With OAuth installs each Slack workspace has its own bot token: ``token_for(team id)`` finds it
(``installation_token``), and posts to a workspace secbot is no longer installed in are
``ConversationGone``.

A digest's chart: with ``SECBOT_PUBLIC_URL`` set, Slack fetches it from secbot and it sits in the
summary message itself (an image block); otherwise it is uploaded as the first reply in the summary's
thread. (An image block cannot show a file uploaded privately, and sharing the file as its own message
gives no message ``ts`` to thread the sections under.)

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
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.models.blocks import ImageBlock
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from secbot.delivery.errors import (
    NETWORK_ERRORS,
    ConversationGone,
    DeliveryError,
    DeliveryFailed,
    PostRejected,
    RateLimited,
    retry_after,
)
from secbot.delivery.senders import DigestChart, Image, Sender
from secbot.platforms.slack import blocks as slack_blocks
from secbot.replies import Reply

log = logging.getLogger(__name__)

SLACK_CHANNEL_INTERVAL = 1.0  # Slack: about one message a second per channel
TAG_EVENT = "secbot_post"  # the message metadata event type that marks which outbox post and part a message is
FIND_LIMIT = 15  # messages looked through for an earlier post (Slack's cap for apps on its lowest history tier)

TokenFor = Callable[[str], Awaitable[str | None]]  # Slack team id -> that workspace's bot token

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


def render_digest(replies: Sequence[Reply], chart: DigestChart | None) -> list[Any]:
    """A digest as Slack messages: the summary (with the chart in it when secbot serves the chart), then
    the sections, posted in the summary's thread (an uploaded chart first when it is not served)."""
    messages: list[Any] = [slack_blocks.render_reply(reply, shareable=False) for reply in replies]
    if chart is None or not messages:
        return messages
    if chart.url:  # Slack fetches it from secbot: the chart sits in the summary message itself
        image = ImageBlock(image_url=chart.url, alt_text=chart.title, title=chart.title)
        summary = messages[0]
        messages[0] = replace(summary, blocks=[*summary.blocks[:2], image.to_dict(), *summary.blocks[2:]])
    else:  # uploaded: the first reply in the summary's thread
        messages.insert(1, Image(chart.png, chart.filename, chart.title, chart.title))
    return messages


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

    def render_digest(self, replies: Sequence[Reply], chart: DigestChart | None) -> list[Any]:
        return render_digest(replies, chart)

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
