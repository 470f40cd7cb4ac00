"""The Slack door: slack-bolt listeners that turn Slack requests into ``App.answer`` calls.

It only translates. A slash command, mention, direct message, link, button or App Home visit
becomes ``(text, actor, where)``; the ``Reply`` comes back as Block Kit from ``slack_blocks``.
Answers are computed in a worker thread (the store is synchronous) so the event loop keeps
acknowledging other requests within Slack's three seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from secbot import roles
from secbot.app import App
from secbot.chat import slack_blocks
from secbot.commands import Actor, Where
from secbot.commands.common import replaces_card
from secbot.commands.subscriptions import workspace_reply
from secbot.replies import Reply
from secbot.store import inbound

log = logging.getLogger(__name__)

# Answer inline when ready this soon; otherwise acknowledge and finish through response_url.
INLINE_SECONDS = 2.0
SCOPES = [
    "commands",
    "chat:write",
    "files:write",
    "channels:history",  # after a crash, finding a digest message that was in flight (deliver)
    "groups:history",
    "app_mentions:read",
    "im:history",
    "links:read",
    "links:write",
]
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_RUN_ACTION = re.compile(rf"^{slack_blocks.RUN_ACTION_PREFIX}")
_LINK_ACTION = re.compile(rf"^{slack_blocks.LINK_ACTION_PREFIX}")


def delivery_key(body: dict[str, Any]) -> str | None:
    """Slack's own id for one request: the event id, or the trigger id of a command or button."""
    return body.get("event_id") or body.get("trigger_id")


def _actor(user_id: str | None, team_id: str | None) -> Actor:
    return Actor("slack", f"{team_id or '-'}:{user_id or '-'}")


def _where(channel_id: str | None, team_id: str | None, thread: str | None = None) -> Where:
    return Where("slack", f"{team_id or '-'}:{channel_id or '-'}", thread)


def build_slack_app(app: App) -> tuple[AsyncApp, Callable[[], Awaitable[None]]]:
    """The bolt app with secbot's listeners, and a coroutine function that releases what it holds."""
    settings = app.settings
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    bot_token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    if settings.slack_oauth:
        from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
        from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

        engine = async_engine = app.store.async_engine()
        client_id = settings.slack_client_id
        slack = AsyncApp(
            signing_secret=signing_secret,
            client=AsyncWebClient(base_url=settings.slack_api_url),
            oauth_settings=AsyncOAuthSettings(
                client_id=client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                scopes=SCOPES + (["usergroups:read"] if settings.admin_slack_usergroups else []),
                installation_store=AsyncSQLAlchemyInstallationStore(client_id, engine),
                state_store=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine),
            ),
        )
    else:
        async_engine = None
        slack = AsyncApp(
            signing_secret=signing_secret,
            client=AsyncWebClient(token=bot_token, base_url=settings.slack_api_url),
        )
    door = SlackDoor(app, slack)
    door.register()

    async def close() -> None:
        if async_engine is not None:
            await async_engine.dispose()

    return slack, close


class SlackDoor:
    def __init__(self, app: App, slack: AsyncApp) -> None:
        self.app = app
        self.slack = slack
        self.command = app.settings.slack_command
        self.unfurl_domains = tuple(d.lower() for d in app.settings.slack_unfurl_domains)
        # Replies are cached objects (see App.answer), so their Block Kit can be kept with them.
        self.render = functools.lru_cache(maxsize=512)(slack_blocks.render_reply)

    async def answer(self, text: str, actor: Actor, where: Where, client: AsyncWebClient | None = None) -> Reply:
        actor = await self.with_memberships(text, actor, client)
        return await self.app.in_worker(self.app.answer, text, actor, where)

    async def with_memberships(self, text: str, actor: Actor, client: AsyncWebClient | None) -> Actor:
        """The actor with the admin user groups they are in, when ``text`` needs a role (``client``
        is the request's own: for OAuth installs it carries that workspace's token)."""
        if client is None or not self.app.settings.admin_slack_usergroups or not self.app.membership_matters(text):
            return actor
        team_id, _, user_id = actor.user_id.partition(":")
        groups = await roles.slack_memberships(self.app.settings, self.app.memberships, client, team_id, user_id)
        return dataclasses.replace(actor, groups=groups)

    def _claim(self, key: str | None) -> bool:
        """True unless Slack already delivered this request (a retry or a replay)."""
        return inbound.first_delivery(self.app.store, "slack", key)

    def register(self) -> None:
        slack = self.slack
        slack.middleware(self.drop_repeats)
        slack.command(self.command)(self.on_command)
        slack.event("app_mention")(self.on_mention)
        slack.event("message")(self.on_message)
        slack.event("link_shared")(self.on_link_shared)
        slack.event("app_home_opened")(self.on_home_opened)
        slack.action(_RUN_ACTION)(self.on_run_button)
        slack.action(slack_blocks.SHARE_ACTION_ID)(self.on_share_button)
        slack.action(_LINK_ACTION)(self.on_link_button)

    async def drop_repeats(self, body: dict, next, logger) -> BoltResponse | None:
        """Acknowledge a retried or replayed event or button press without acting on it again.

        Slash commands claim their delivery in ``on_command`` instead, in the same worker call
        that answers them: one thread hand-off per command rather than two.
        """
        if "command" not in body and not await self.app.in_worker(self._claim, delivery_key(body)):
            log.info("ignoring a repeated Slack delivery %s", delivery_key(body))
            return BoltResponse(status=200, body="")
        return await next()

    # -- /sec ------------------------------------------------------------------------------
    async def on_command(self, ack, respond, command: dict, client: AsyncWebClient) -> None:
        text = command.get("text", "")
        where = _where(command.get("channel_id"), command.get("team_id"))

        def work(actor: Actor) -> slack_blocks.SlackMessage | None:
            if not self._claim(delivery_key(command)):
                return None
            return self.render(self.app.answer(text, actor, where), command=text)

        async def answer() -> slack_blocks.SlackMessage | None:
            actor = _actor(command.get("user_id"), command.get("team_id"))
            return await self.app.in_worker(work, await self.with_memberships(text, actor, client))

        task = asyncio.ensure_future(answer())
        try:
            message = await asyncio.wait_for(asyncio.shield(task), INLINE_SECONDS)
        except TimeoutError:
            await ack(response_type="ephemeral", text=f"Looking that up: `{self.command} {text}`…")
            message = await task
            if message is not None:
                await respond(
                    response_type="ephemeral", replace_original=True, text=message.text, blocks=message.blocks
                )
            return
        if message is None:
            log.info("ignoring a repeated Slack command %s", delivery_key(command))
            await ack()
            return
        await ack(response_type="ephemeral", text=message.text, blocks=message.blocks)

    # -- mentions and direct messages -------------------------------------------------------
    async def on_mention(self, event: dict, client: AsyncWebClient, context) -> None:
        text = _MENTION.sub("", event.get("text", "")).strip()
        thread = event.get("thread_ts") or event.get("ts")
        reply = await self.answer(
            text,
            _actor(event.get("user"), context.team_id),
            _where(event.get("channel"), context.team_id, thread),
            client,
        )
        await self._post(client, event["channel"], reply, thread_ts=thread)

    async def on_message(self, event: dict, client: AsyncWebClient, context) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # only people writing to the bot directly; channel chatter is not for us
        reply = await self.answer(
            event.get("text", ""),
            _actor(event.get("user"), context.team_id),
            _where(event.get("channel"), context.team_id),
            client,
        )
        await self._post(client, event["channel"], reply, thread_ts=event.get("thread_ts"))

    async def _post(self, client: AsyncWebClient, channel: str, reply: Reply, **kwargs) -> None:
        message = self.render(reply, shareable=False)
        try:
            await client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks, **kwargs)
        except SlackApiError as error:
            log.warning("chat.postMessage to %s failed: %s", channel, error.response.get("error"))

    # -- link unfurls -----------------------------------------------------------------------
    async def on_link_shared(self, event: dict, client: AsyncWebClient, context) -> None:
        actor = _actor(event.get("user"), context.team_id)
        where = _where(event.get("channel"), context.team_id)
        unfurls: dict[str, dict] = {}
        for link in event.get("links", [])[:5]:
            url, domain = link.get("url", ""), link.get("domain", "").lower()
            if not any(domain == d or domain.endswith("." + d) for d in self.unfurl_domains):
                continue
            reply = await self.answer(url, actor, where)
            if reply.kind == "card":
                unfurls[url] = slack_blocks.render_unfurl(reply)
        if not unfurls:
            return
        target = (
            {"unfurl_id": event["unfurl_id"], "source": event["source"]}
            if event.get("unfurl_id") and event.get("source")
            else {"channel": event.get("channel"), "ts": event.get("message_ts")}
        )
        try:
            await client.chat_unfurl(unfurls=unfurls, **target)
        except SlackApiError as error:
            log.warning("chat.unfurl failed: %s", error.response.get("error"))

    # -- App Home ---------------------------------------------------------------------------
    async def on_home_opened(self, event: dict, client: AsyncWebClient, context) -> None:
        if event.get("tab", "home") != "home":
            return
        actor = _actor(event.get("user"), context.team_id)
        where = _where(event.get("channel"), context.team_id)
        replies = [await self.answer(text, actor, where) for text in ("wg", "consultations")]
        replies.append(await self.app.in_worker(workspace_reply, self.app.store, "slack", context.team_id or ""))
        try:
            await client.views_publish(user_id=event["user"], view=slack_blocks.render_home(replies))
        except SlackApiError as error:
            log.warning("views.publish failed: %s", error.response.get("error"))

    # -- buttons ----------------------------------------------------------------------------
    async def on_run_button(self, ack, body: dict, action: dict, respond, client: AsyncWebClient) -> None:
        await ack()
        text = slack_blocks.action_command(action)
        if text is None:
            return
        actor, where = _actor(body["user"]["id"], _team(body)), _where(_channel(body), _team(body))
        reply = await self.answer(text, actor, where, client)
        message = self.render(reply, command=text)
        # Paging, Confirm and Cancel replace the card in place; other buttons answer below it.
        await respond(
            response_type="ephemeral",
            replace_original=replaces_card(text),
            text=message.text,
            blocks=message.blocks,
        )

    async def on_share_button(self, ack, body: dict, action: dict, respond, client: AsyncWebClient) -> None:
        await ack()
        text = action.get("value", "")
        actor, where = _actor(body["user"]["id"], _team(body)), _where(_channel(body), _team(body))
        reply = await self.answer(text, actor, where, client)
        message = self.render(reply, shareable=False)
        await respond(
            response_type="in_channel",
            replace_original=False,
            delete_original=True,
            text=message.text,
            blocks=message.blocks,
        )

    async def on_link_button(self, ack) -> None:
        await ack()  # the browser opens the address; Slack still expects an acknowledgement


def _team(body: dict) -> str | None:
    return (body.get("team") or {}).get("id")


def _channel(body: dict) -> str | None:
    return (body.get("channel") or {}).get("id")
