"""The Slack door: slack-bolt listeners that turn Slack requests into ``App.answer`` calls.

It only translates. A slash command, mention, direct message, link, button or App Home visit
becomes ``(text, actor, where)``; the ``Reply`` comes back as Block Kit from ``slack_blocks``.
Answers are computed in a worker thread (the store is synchronous) so the event loop keeps
acknowledging other requests within Slack's three seconds.

Over HTTP, ``slack_gate`` has checked the type of every field read here before bolt sees the request;
Socket Mode has no such gate, so the listeners also read each field as possibly missing, and do
nothing when what they answer to is absent (a button pressed where there is no ``response_url``).

slack-bolt's OAuth flow logs the code of a failed install in a warning; ``OAuthCodeRedaction`` takes
it out (and the text an attacker may have put in its place) before any handler sees the record.
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
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from secbot import inputs, outages
from secbot.app import App
from secbot.commands import Actor, Where, reports
from secbot.commands.common import replaces_card
from secbot.digests.commands.subscriptions import workspace_reply
from secbot.platforms import downloads
from secbot.platforms.slack import blocks as slack_blocks
from secbot.platforms.slack import memberships
from secbot.platforms.web_guard import UNAVAILABLE
from secbot.replies import Reply
from secbot.store import inbound

log = logging.getLogger(__name__)

# Answer inline when ready this soon; otherwise acknowledge and finish through response_url.
INLINE_SECONDS = 2.0
LAST_RETRY = 3  # Slack retries an event three times (X-Slack-Retry-Num 1, 2, 3), then gives up
BROKEN = "Sorry, something went wrong answering that. The problem has been logged; please try again shortly."
SCOPES = [
    "commands",
    "chat:write",
    "files:write",
    "channels:history",  # after a crash, finding a digest message that was in flight (deliver)
    "groups:history",
    "app_mentions:read",
    "im:history",
    "files:read",  # a report an admin sends to the bot as a file
    "links:read",
    "links:write",
]
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_RUN_ACTION = re.compile(rf"^{slack_blocks.RUN_ACTION_PREFIX}")
_LINK_ACTION = re.compile(rf"^{slack_blocks.LINK_ACTION_PREFIX}")
_OAUTH_CODE_WARNING = re.compile(r"^(Failed to fetch oauth\.v2\.access result with code: ).*( - error: )", re.DOTALL)
REDACTED = "[redacted]"
FILES_HOST = "files.slack.com"  # where Slack serves a file's url_private and url_private_download
MOST_FILES = 5  # of one message's files read as reports; Slack allows ten a message


class OAuthCodeRedaction(logging.Filter):
    """bolt's "Failed to fetch oauth.v2.access result with code: <code> - error: …" without the code.

    The code is a secret for its few minutes of life, and on a forged callback it is whatever the
    caller wrote. Everything up to the last " - error: " goes: bolt writes the code before it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _OAUTH_CODE_WARNING.match(message):
            record.msg, record.args = _OAUTH_CODE_WARNING.sub(rf"\g<1>{REDACTED}\g<2>", message), None
        return True


_REDACT_OAUTH_CODE = OAuthCodeRedaction()


def _text(mapping: dict[str, Any], key: str) -> str:
    """``mapping[key]`` if it is text, else "" (missing, null, or not what Slack sends)."""
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def _id(value: Any) -> str | None:
    """The id of a user, team or channel, written by Slack as an object with an ``id`` or as the id alone."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


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
    if slack.oauth_flow is not None:
        # bolt's loggers ("slack_bolt.AsyncApp") take no filters from their parent "slack_bolt", so the
        # filter goes on each logger the OAuth flow writes with.
        for logger in {slack.logger, slack.oauth_flow.logger}:
            logger.addFilter(_REDACT_OAUTH_CODE)
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
        groups = await memberships.slack_memberships(self.app.settings, self.app.memberships, client, team_id, user_id)
        return dataclasses.replace(actor, groups=groups)

    def _claim(self, key: str | None) -> bool:
        """True unless Slack already delivered this request (a retry or a replay)."""
        return inbound.first_delivery(self.app.store, "slack", key)

    def _claim_event(self, key: str | None) -> bool:
        """``_claim`` for an Events API delivery, except that a database outage raises instead of
        claiming in this process's memory: the door answers 503 and Slack delivers the event again."""
        if not key:
            return True
        if inbound.RECENT.holds("slack", key[: inbound.KEY_LENGTH]):  # claimed in memory during an earlier outage
            return False
        claimed = inbound.claim(self.app.store, "slack", key)
        outages.OUTAGES.recovered()
        return claimed

    def register(self) -> None:
        slack = self.slack
        slack.error(self.on_error)
        slack.middleware(self.drop_repeats)
        slack.command(self.command)(self.on_command)
        slack.event("app_mention")(self.on_mention)
        slack.event("message")(self.on_message)
        slack.event("link_shared")(self.on_link_shared)
        slack.event("app_home_opened")(self.on_home_opened)
        slack.action(_RUN_ACTION)(self.on_run_button)
        slack.action(slack_blocks.SHARE_ACTION_ID)(self.on_share_button)
        slack.action(_LINK_ACTION)(self.on_link_button)

    async def drop_repeats(self, body: dict, request: AsyncBoltRequest, next) -> BoltResponse | None:
        """Acknowledge a retried or replayed event or button press without acting on it again.

        Slash commands claim their delivery in ``on_command`` instead, in the same worker call
        that answers them: one thread hand-off per command rather than two. An event that arrives
        while the database is out of reach gets 503 (Slack delivers it again, and the claim made
        then keeps it to one answer), except Slack's last retry, which is claimed in memory and
        answered with the apology: that beats silence, and Slack turns off the event subscriptions
        of an app that fails most deliveries for an hour.
        """
        if "command" in body:
            return await next()
        key = delivery_key(body)
        if body.get("type") == "event_callback" and not _last_retry(request):
            try:
                first = await self.app.in_worker(self._claim_event, key)
            except Exception as error:
                if not outages.is_outage(error):
                    raise
                outages.report("Slack event", error, log)
                return _unavailable_response()
        else:
            first = await self.app.in_worker(self._claim, key)
        if not first:
            log.info("ignoring a repeated Slack delivery %s", key)
            return BoltResponse(status=200, body="")
        return await next()

    async def on_error(self, error: Exception, body: dict, request: AsyncBoltRequest, response) -> BoltResponse | None:
        """Whatever a listener or middleware raised: logged once (one line for a database outage), and
        the person who typed or pressed something told so politely instead of Slack's "dispatch_failed"."""
        outage = outages.report(f"Slack {_kind(body)}", error, log)
        if response is None:  # already acknowledged: nothing more to answer
            return None
        if body.get("type") == "event_callback":
            return _unavailable_response() if outage else BoltResponse(status=500, body="")
        text = UNAVAILABLE if outage else BROKEN
        if "command" in body:
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
        if request.context.response_url:  # a button: tell the presser below the message it was on
            try:
                await request.context.respond(text=text, response_type="ephemeral", replace_original=False)
            except Exception as failed:
                log.warning("could not tell a Slack user about a failure: %s", type(failed).__name__)
        return BoltResponse(status=200, body="")

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
            await ack(
                response_type="ephemeral",
                text=f"Looking that up: `{slack_blocks.escape(inputs.bounded(f'{self.command} {text}', 200))}`…",
            )
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
        channel = _text(event, "channel")
        if not channel:
            return  # nowhere to answer
        thread = _text(event, "thread_ts") or _text(event, "ts") or None
        actor, where = _actor(_text(event, "user"), context.team_id), _where(channel, context.team_id, thread)
        text = _MENTION.sub("", _text(event, "text")).strip()
        files = _files(event)
        # "@secbot MP161" with a screenshot is a question; a file that may be a report is a report
        if files and (not text or any(_maybe_report(file) for file in files)):
            await self.receive_files(files, actor, where, client, channel, thread)
            return
        reply = await self.answer(text, actor, where, client)
        await self._post(client, channel, reply, thread_ts=thread)

    async def on_message(self, event: dict, client: AsyncWebClient, context) -> None:
        subtype = event.get("subtype")
        if event.get("channel_type") != "im" or subtype not in (None, "file_share") or event.get("bot_id"):
            return  # only people writing to the bot directly; channel chatter is not for us
        channel = _text(event, "channel")
        if not channel:
            return  # nowhere to answer
        actor, where = _actor(_text(event, "user"), context.team_id), _where(channel, context.team_id)
        thread = _text(event, "thread_ts") or None
        if subtype == "file_share":
            await self.receive_files(_files(event), actor, where, client, channel, thread)
            return
        reply = await self.answer(_text(event, "text"), actor, where, client)
        await self._post(client, channel, reply, thread_ts=thread)

    # -- reports sent as files --------------------------------------------------------------
    async def receive_files(
        self, files: list[dict], actor: Actor, where: Where, client: AsyncWebClient, channel: str, thread: str | None
    ) -> None:
        """Each file shared with the bot answered as a report sent to it (``App.receive_report``)."""
        actor = await self.with_memberships("ingest", actor, client)
        for file in files[:MOST_FILES]:
            reply = await self.receive_file(file, actor, where, client)
            await self._post(client, channel, reply, thread_ts=thread)

    async def receive_file(self, file: dict, actor: Actor, where: Where, client: AsyncWebClient) -> Reply:
        """The core's reply to one shared file: fetched only when an admin sent what may be a report."""
        name, partial = _file_name(file), file.get("file_access") == "check_file_info"  # partial: only its id
        if refused := await self.app.in_worker(self.app.report_refusal, None if partial else name, actor, where):
            return refused
        if partial:
            try:
                file = await self._file_info(file, client)
            except downloads.DownloadFailed as failed:
                return reports.unreadable(name, failed.why)
            name = _file_name(file)
            if refused := await self.app.in_worker(self.app.report_refusal, name, actor, where):
                return refused
        try:
            data = await self._download(file, client)
        except downloads.DownloadFailed as failed:
            log.info("could not fetch a Slack file shared with secbot: %s", failed.why)
            return reports.unreadable(name, failed.why)
        return await self.app.in_worker(self.app.receive_report, name, data, actor, where)

    async def _file_info(self, file: dict, client: AsyncWebClient) -> dict:
        file_id = _text(file, "id")
        if not file_id:
            raise downloads.DownloadFailed("Slack did not say which file it was")
        try:
            response = await client.files_info(file=file_id)
        except SlackApiError as error:
            raise downloads.DownloadFailed(f"Slack would not describe it: {error.response.get('error')}") from None
        found = response.get("file")
        if not isinstance(found, dict):
            raise downloads.DownloadFailed("Slack would not describe it")
        return found

    async def _download(self, file: dict, client: AsyncWebClient) -> bytes:
        url = _text(file, "url_private_download") or _text(file, "url_private")
        if not url:
            raise downloads.DownloadFailed("Slack gave no address to fetch it from")
        fetched = await downloads.download(
            url,
            allowed=self._slack_file_address,
            limit=self.app.import_max_bytes,
            headers={"Authorization": f"Bearer {client.token}"},
        )
        if fetched.content_type == "text/html":  # Slack's sign-in page: the token may not read files
            raise downloads.DownloadFailed("Slack sent a sign-in page, not the file (is the files:read scope granted?)")
        return fetched.data

    def _slack_file_address(self, url) -> bool:
        """Slack's file host over HTTPS, or the host of the Web API secbot is set to use (a test's fake)."""
        return downloads.origin(url) in {("https", FILES_HOST, 443), downloads.origin(self.app.settings.slack_api_url)}

    async def _post(self, client: AsyncWebClient, channel: str, reply: Reply, **kwargs) -> None:
        message = self.render(reply, shareable=False)
        try:
            await client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks, **kwargs)
        except SlackApiError as error:
            log.warning("chat.postMessage to %s failed: %s", channel, error.response.get("error"))

    # -- link unfurls -----------------------------------------------------------------------
    async def on_link_shared(self, event: dict, client: AsyncWebClient, context) -> None:
        actor = _actor(_text(event, "user"), context.team_id)
        where = _where(_text(event, "channel"), context.team_id)
        links = event.get("links")
        unfurls: dict[str, dict] = {}
        for link in links[:5] if isinstance(links, list) else ():
            if not isinstance(link, dict):
                continue
            url, domain = _text(link, "url"), _text(link, "domain").lower()
            if not url or not any(domain == d or domain.endswith("." + d) for d in self.unfurl_domains):
                continue
            reply = await self.answer(url, actor, where)
            if reply.kind == "card":
                unfurls[url] = slack_blocks.render_unfurl(reply)
        if not unfurls:
            return
        target = (
            {"unfurl_id": _text(event, "unfurl_id"), "source": _text(event, "source")}
            if _text(event, "unfurl_id") and _text(event, "source")
            else {"channel": _text(event, "channel"), "ts": _text(event, "message_ts")}
        )
        try:
            await client.chat_unfurl(unfurls=unfurls, **target)
        except SlackApiError as error:
            log.warning("chat.unfurl failed: %s", error.response.get("error"))

    # -- App Home ---------------------------------------------------------------------------
    async def on_home_opened(self, event: dict, client: AsyncWebClient, context) -> None:
        user = _text(event, "user")
        if event.get("tab", "home") != "home" or not user:
            return  # another tab, or nobody to publish the view to
        actor = _actor(user, context.team_id)
        where = _where(_text(event, "channel"), context.team_id)
        replies = [await self.answer(text, actor, where) for text in ("wg", "consultations")]
        replies.append(await self.app.in_worker(workspace_reply, self.app.store, "slack", context.team_id or ""))
        try:
            await client.views_publish(user_id=user, view=slack_blocks.render_home(replies))
        except SlackApiError as error:
            log.warning("views.publish failed: %s", error.response.get("error"))

    # -- buttons ----------------------------------------------------------------------------
    async def on_run_button(self, ack, body: dict, action: dict, respond, client: AsyncWebClient) -> None:
        await ack()
        text = slack_blocks.action_command(action)
        if text is None or not _can_respond(body):
            return
        actor, where = _actor(_id(body.get("user")), _team(body)), _where(_channel(body), _team(body))
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
        text = _text(action, "value")
        if not _can_respond(body):
            return
        actor, where = _actor(_id(body.get("user")), _team(body)), _where(_channel(body), _team(body))
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


def _files(event: dict) -> list[dict]:
    """The files shared in a message event (objects only: Socket Mode has no gate to check them)."""
    files = event.get("files")
    return [file for file in files if isinstance(file, dict)] if isinstance(files, list) else []


def _maybe_report(file: dict) -> bool:
    """A shared file that may be a report: its name says so, or Slack sent only its id."""
    return file.get("file_access") == "check_file_info" or reports.may_be_report(_file_name(file))


def _file_name(file: dict) -> str:
    """A shared file's name, with the extension its Slack file type implies when the name has none."""
    name = _text(file, "name") or _text(file, "title") or "file"
    extension = {"pdf": ".pdf", "text": ".txt"}.get(_text(file, "filetype"))
    return name if "." in name or extension is None else name + extension


def _last_retry(request: AsyncBoltRequest) -> bool:
    """Whether this is Slack's third and last retry of an event."""
    number = (request.headers.get("x-slack-retry-num") or ["0"])[0]
    return number.isascii() and number.isdigit() and int(number) >= LAST_RETRY


def _unavailable_response() -> BoltResponse:
    return BoltResponse(status=503, body=UNAVAILABLE, headers={"Retry-After": str(outages.RETRY_AFTER_SECONDS)})


def _kind(body: dict) -> str:
    if "command" in body:
        return "command"
    if body.get("type") == "event_callback":
        return f"{(body.get('event') or {}).get('type', 'event')} event"
    return str(body.get("type") or "request")[:40]


def _can_respond(body: dict) -> bool:
    """Whether a button press can be answered: through its ``response_url``, which Slack gives a button
    in a message but not one in a view (App Home, a modal), where secbot puts only link buttons."""
    if _text(body, "response_url"):
        return True
    log.info("a Slack button press with no response_url to answer through: acknowledged only")
    return False


def _team(body: dict) -> str | None:
    return _id(body.get("team"))


def _channel(body: dict) -> str | None:
    return _id(body.get("channel"))
