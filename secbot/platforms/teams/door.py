"""The Microsoft Teams door, on the Microsoft 365 Agents SDK: ``POST /api/messages`` and proactive posts.

It only translates. A personal message ("MP161", "sec MP161"), a channel or group-chat message that
@mentions the bot, or a card button (``Action.Submit`` arrives as a message with a ``value``;
``Action.Execute`` as an ``adaptiveCard/action`` invoke) becomes ``(text, actor, where)``; the
``Reply`` goes back as an Adaptive Card from ``teams_cards``. "More" pages the card in place. A file sent
in a personal chat (a download-info attachment) is fetched from its pre-authorised address and answered by
``App.receive_report``, as a report an admin sends to import. Each activity id is acted on once
(``store.inbound``): a redelivered message is dropped, a replayed invoke gets the card its first
delivery got.

What the door lets through is decided by ``teams_inbound`` before the SDK sees anything: a refused
request gets its status with a one-line reason (or the Universal Actions error), is logged in one
line, and neither the SDK nor the Bot Connector sees it.

When the database is away, a message is still answered (the register's "unavailable" card, through
the connector, which needs no database) and an invoke gets that card as its response: 503 would show
the person nothing. An install or removal event, which nobody sees answered, gets 503 with
``Retry-After``. Each is logged in one line through ``secbot.outages``.

When Entra ID will not give secbot its own token (``OwnTokenUnavailable``: the token service failing
or refusing, not the sender's fault), no activity can be answered: 503 with ``Retry-After`` and one
warning line, no trace; nothing was claimed, so the activity is answered when sent again.

The bot remembers where it may post unprompted (``store.conversations``): when installed in a
team, added to a chat, or first messaged; it forgets on removal. ``post`` and ``update`` send to a
remembered conversation and turn the connector's refusals into ``delivery_errors``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    ChannelAccount,
    ConversationReference,
    RoleTypes,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    ActivityHandler,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    AuthTypes,
    ConnectionManager,
    ConnectorClientBase,
    OutboundHostValidator,
    RestChannelServiceClientFactory,
    TeamsConnectorClient,
    TurnContext,
    UserTokenClientBase,
)
from microsoft_agents.hosting.core.connector.client import connector_client as _sdk_connector_client
from microsoft_agents.hosting.core.connector.client import user_token_client as _sdk_user_token_client
from microsoft_agents.hosting.core.http import HttpResponse

from secbot import inputs, outages
from secbot.app import App
from secbot.commands import Actor, Where, reports
from secbot.commands.common import replaces_card
from secbot.delivery.errors import (
    NETWORK_ERRORS,
    ConversationGone,
    DeliveryFailed,
    PostRejected,
    RateLimited,
    retry_after,
)
from secbot.platforms import downloads
from secbot.platforms.teams import cards as teams_cards
from secbot.platforms.teams import inbound as teams_inbound
from secbot.platforms.teams import memberships
from secbot.platforms.teams.auth import InboundTokenValidator
from secbot.platforms.teams.inbound import Refused, invoke_error
from secbot.replies import Reply
from secbot.settings import Settings
from secbot.store import conversations, inbound
from secbot.store.conversations import SavedConversation

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
MULTI_TENANT_AUTHORITY_TENANT = "botframework.com"
_THREAD_SUFFIX = re.compile(r";messageid=\d+$")
_APOLOGY = "Sorry, something went wrong answering that. Please try again in a minute."
_UNAVAILABLE = "The register is unavailable just now. Please try again in a minute."
_NO_TOKEN = "secbot cannot get its Microsoft token just now. Please try again in a minute."
# A file sent to the bot in a personal chat: its name and a short-lived, pre-authorised download address.
FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
MOST_FILES = 5  # of one message's files read as reports


def connection_manager(settings: Settings) -> ConnectionManager:
    """How secbot gets the token it sends with every outbound call, per SECBOT_TEAMS_APP_TYPE."""
    if settings.teams_auth == "off":
        config = AgentAuthConfiguration(anonymous_allowed=True)
        return ConnectionManager(lambda _config: AnonymousTokenProvider(), {"SERVICE_CONNECTION": config})
    from microsoft_agents.authentication.msal import MsalAuth

    password = settings.teams_app_password.get_secret_value() if settings.teams_app_password else None
    if settings.teams_app_type == "UserAssignedMSI":
        config = AgentAuthConfiguration(AuthTypes.user_managed_identity, settings.teams_app_id)
    elif settings.teams_app_type == "SingleTenant":
        config = AgentAuthConfiguration(
            AuthTypes.client_secret, settings.teams_app_id, settings.teams_tenant_id, password
        )
    else:  # MultiTenant bots get their tokens from the botframework.com tenant
        config = AgentAuthConfiguration(
            AuthTypes.client_secret, settings.teams_app_id, MULTI_TENANT_AUTHORITY_TENANT, password
        )
    return ConnectionManager(
        lambda connection: _TokenFailuresTyped(MsalAuth(connection)), {"SERVICE_CONNECTION": config}
    )


def host_validator(settings: Settings) -> OutboundHostValidator:
    if "*" in settings.teams_service_hosts:
        return OutboundHostValidator(enabled=False)
    return OutboundHostValidator(settings.teams_service_hosts, enabled=True)


class OwnTokenUnavailable(Exception):
    """Entra ID did not give secbot its own token (for the Bot Connector or the SDK's token service).

    An upstream failure, not the sender's: the door answers 503 with Retry-After and a proactive post
    fails as ``DeliveryFailed``, to be tried again.
    """

    def __init__(self, error: BaseException) -> None:
        # MSAL's message carries Entra ID's error code and description, never the secret; on one line.
        why = " ".join(f"{type(error).__name__}: {error}".split())
        super().__init__(f"no token from Entra ID ({inputs.bounded(why, 200)})")
        self.error = error


class _TokenFailuresTyped:
    """secbot's token provider (MSAL), raising ``OwnTokenUnavailable`` when it cannot get a token.

    The SDK gets its tokens at the start of a turn (and of a proactive post), before any handler runs,
    and lets whatever MSAL raised escape the adapter (``MsalServiceError`` for a 5xx, a ``ValueError``
    carrying Entra ID's refusal such as ``invalid_client``, a ``requests`` network error): typed here,
    the door can tell it from a bug of its own.
    """

    def __init__(self, provider: Any) -> None:
        self._provider = provider

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._provider.configuration

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        try:
            return await self._provider.get_access_token(resource_url, scopes, force_refresh)
        except Exception as error:
            raise OwnTokenUnavailable(error) from error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)


class _OwnTokenFailuresLogged(logging.Filter):
    """The SDK logs Entra ID's refusal of a token itself; secbot logs it once, as ``OwnTokenUnavailable``
    (the door's warning for a request, the delivery layer's for a post)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to acquire token")


logging.getLogger("microsoft_agents.authentication.msal.msal_auth").addFilter(_OwnTokenFailuresLogged())

# The SDK names itself in the User-Agent of every client it makes, two a turn, by reading its version
# from the installed packages' metadata: a scan of sys.path each time, a sixth of a turn's time on the
# event loop. The answer cannot change while the process runs.
for _module in (_sdk_connector_client, _sdk_user_token_client):
    _module.get_product_info = functools.cache(_module.get_product_info)


class _ClosingClientFactory(RestChannelServiceClientFactory):
    """The SDK's client factory, with the turn's connector client on a shared pool of connections, and
    closing the turn's user-token client when no connector client can be made.

    The SDK gives each turn's connector client an aiohttp session of its own, so every reply opens (and
    then closes) a connection to the Bot Connector. Here the sessions share one ``TCPConnector``, which
    keeps connections open between turns, as a browser does; each session still carries only its own
    turn's token, and is closed with the turn. (Agentic and Copilot Studio requests, which secbot
    refuses at the door, are left to the SDK as they are.)

    For each turn (and each proactive post) the SDK opens the user-token client, an aiohttp session,
    before it makes the connector client, and only registers it for closing once both exist: when the
    second fails (secbot's own token cannot be had just then) the first would stay open.
    """

    def __init__(self, connection_manager: ConnectionManager) -> None:
        super().__init__(connection_manager)
        self._pool: aiohttp.TCPConnector | None = None
        self._pool_loop: asyncio.AbstractEventLoop | None = None

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        try:
            activity = context.activity if context is not None else None
            if not (service_url and audience) or (activity is not None and _not_for_the_pool(activity)):
                return await super().create_connector_client(
                    context, claims_identity, service_url, audience, scopes, use_anonymous
                )
            # What the SDK's factory does for a Bot Connector client, but for the session it is given.
            provider = (
                self._ANONYMOUS_TOKEN_PROVIDER
                if use_anonymous
                else self._connection_manager.get_token_provider(claims_identity, service_url)
            )
            token = await provider.get_access_token(audience, scopes or claims_identity.get_token_scope())
            endpoint = service_url if service_url.endswith("/") else service_url + "/"
            session = aiohttp.ClientSession(base_url=endpoint, connector=self._connections(), connector_owner=False)
            return TeamsConnectorClient(endpoint=endpoint, token=token, session=session)
        except BaseException:
            user_tokens = context.services.get(UserTokenClientBase) if context is not None else None
            if user_tokens is not None:
                await user_tokens.close()
            raise

    def _connections(self) -> aiohttp.TCPConnector:
        """The pool of connections for this event loop (the service's; a test may run several in turn)."""
        loop = asyncio.get_running_loop()
        if self._pool is None or self._pool.closed or self._pool_loop is not loop:
            self._pool, self._pool_loop = aiohttp.TCPConnector(), loop
        return self._pool

    async def close(self) -> None:
        if self._pool is not None and self._pool_loop is asyncio.get_running_loop():
            await self._pool.close()
        self._pool = self._pool_loop = None


def _not_for_the_pool(activity: Activity) -> bool:
    recipient = activity.recipient
    return bool(activity.is_agentic_request() or (recipient and recipient.role == RoleTypes.connector_user))


class TeamsDoor:
    def __init__(self, app: App) -> None:
        settings = app.settings
        self.app = app
        self.app_id = settings.teams_app_id or ""
        self.hosts = host_validator(settings)
        self.clients = _ClosingClientFactory(connection_manager(settings))
        self.adapter = CloudAdapter(channel_service_client_factory=self.clients, host_validator=self.hosts)
        self.adapter.on_turn_error = self._on_turn_error
        self.validator = (
            InboundTokenValidator(self.app_id, settings.teams_openid_metadata_url)
            if settings.teams_auth == "on"
            else None
        )
        self.agent = _SecbotAgent(self)
        self.render = functools.lru_cache(maxsize=512)(teams_cards.render_reply)
        self._known: set[str] = set()  # conversations this process has already saved
        if self.validator is None:
            log.warning(
                "SECBOT_TEAMS_AUTH=off: Teams requests are NOT authenticated. Use this with a local emulator only."
            )

    async def close(self) -> None:
        """Close the connections kept open to the Bot Connector (when the service stops)."""
        await self.clients.close()

    # -- HTTP ----------------------------------------------------------------------------------
    async def on_request(self, request: web.Request) -> web.StreamResponse:
        try:
            activity, identity = await teams_inbound.admitted(request, self.validator, self.hosts)
        except Refused as refused:
            log.warning("refused a Teams request (%d): %s", refused.status, refused.detail or refused.reason)
            return refused.response()
        what = f"Teams {inputs.bounded(activity.type, 40)} activity"
        try:
            return _aiohttp_response(await self.adapter.process_request(_Admitted(activity, identity), self.agent))
        except DatabaseOutage as outage:
            outages.report(what, outage.error, log)
            return _unavailable(_UNAVAILABLE)
        except OwnTokenUnavailable as failed:
            log.warning("%s not answered: %s", what, failed)
            return _unavailable(_NO_TOKEN)

    # -- answering -----------------------------------------------------------------------------
    async def answer(self, text: str, turn_context: TurnContext) -> teams_cards.TeamsMessage | None:
        """The message answering ``text``, or None when this activity id was answered already."""
        activity = turn_context.activity
        actor, where = await self.with_memberships(text, turn_context, _actor(activity)), _where(activity)

        def work() -> teams_cards.TeamsMessage | None:
            if not inbound.first_delivery(self.app.store, "teams", activity.id):
                return None
            return self.render(self.app.answer(text, actor, where), command=text)

        return await self.app.in_worker(work)

    async def answer_invoke(self, text: str, turn_context: TurnContext) -> dict[str, Any]:
        """The card answering an invoke: a replayed activity id gets the first delivery's card again
        (or one saying it is still being handled), and ``text`` is run once."""
        activity = turn_context.activity
        actor, where = await self.with_memberships(text, turn_context, _actor(activity)), _where(activity)

        def work() -> dict[str, Any]:
            return inbound.answered_once(
                self.app.store,
                "teams",
                activity.id,
                answer=lambda: self.render(self.app.answer(text, actor, where), command=text).card,
                busy=lambda: self.render(inbound.ALREADY_HANDLING).card,
            )

        return await self.app.in_worker(work)

    # -- reports sent as files -----------------------------------------------------------------
    async def receive_files(self, turn_context: TurnContext, files: list[SentFile]) -> list[teams_cards.TeamsMessage]:
        """The answers to the files of one message, each a report sent to the bot (``App.receive_report``);
        none when this activity id was answered already."""
        activity = turn_context.activity
        if not await self.app.in_worker(inbound.first_delivery, self.app.store, "teams", activity.id):
            return []
        actor = await self.with_memberships("ingest", turn_context, _actor(activity))
        where, personal = _where(activity), activity.conversation.conversation_type == "personal"
        return [
            self.render(await self.receive_file(file, actor, where, personal, activity.service_url))
            for file in files[:MOST_FILES]
        ]

    async def receive_file(self, file: SentFile, actor: Actor, where: Where, personal: bool, service_url: str) -> Reply:
        """The core's reply to one file: fetched only when an admin sent what may be a report."""
        if refused := await self.app.in_worker(self.app.report_refusal, file.name, actor, where):
            return refused  # a reader's (audited), or no report: unread
        if not personal:
            return reports.send_in_personal_chat(file.name)
        try:
            fetched = await downloads.download(
                file.download_url,
                allowed=functools.partial(_file_address, service_url),
                limit=self.app.import_max_bytes,
            )
        except downloads.DownloadFailed as failed:
            log.info("could not fetch a Teams file sent to secbot: %s", failed.why)
            return reports.unreadable(file.name, failed.why)
        if fetched.content_type == "text/html":  # a sharing link's page (some clients send one), not the file
            return reports.unreadable(file.name, "Teams gave the address of a web page, not of the file")
        return await self.app.in_worker(self.app.receive_report, file.name, fetched.data, actor, where)

    async def with_memberships(self, text: str, turn_context: TurnContext, actor: Actor) -> Actor:
        """The actor with the admin teams they are a member of, when ``text`` needs a role: asked of the
        connector with the turn's own client (``GET v3/conversations/{team}/members/{from.id}``)."""
        activity = turn_context.activity
        if not (self.app.settings.admin_teams_teams and activity.from_property and self.app.membership_matters(text)):
            return actor
        connector = turn_context.services.get(ConnectorClientBase)
        groups = await memberships.teams_memberships(
            self.app.settings,
            self.app.memberships,
            _team(activity),
            activity.from_property.id,
            connector if isinstance(connector, TeamsConnectorClient) else None,
        )
        return dataclasses.replace(actor, groups=groups)

    async def remember_if_possible(self, activity: Activity) -> None:
        """``remember`` before answering a message: a failure is logged (one line in an outage) and the
        message is answered all the same; the next message tries again."""
        try:
            await self.remember(activity)
        except Exception as error:
            outages.report("saving a Teams conversation reference", error, log)

    async def remember(self, activity: Activity, *, force: bool = False) -> None:
        if not force and activity.conversation and _base_conversation_id(activity) in self._known:
            return
        saved = saved_conversation(activity)
        if saved is None:
            return
        await self.app.in_worker(conversations.save, self.app.store, saved)
        self._known.add(saved.conversation_id)
        log.info("saved the Teams conversation %s (%s)", saved.conversation_id, saved.kind)

    async def forget(self, activity: Activity) -> None:
        team_id = _team(activity).get("id")
        conversation_id = _base_conversation_id(activity)
        if team_id:
            removed = await self.app.in_worker(functools.partial(conversations.forget, self.app.store, team_id=team_id))
        else:
            removed = await self.app.in_worker(
                functools.partial(conversations.forget, self.app.store, conversation_id=conversation_id)
            )
        self._known.discard(conversation_id)
        log.info("forgot %d Teams conversation(s) on removal from %s", removed, team_id or conversation_id)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        """Whatever a turn raised. A message gets a short reply saying what went wrong; any other
        activity that met a database outage is answered 503 by ``on_request``."""
        is_message = context.activity.type == ActivityTypes.message
        if outages.is_outage(error):
            if not is_message:
                raise DatabaseOutage(error) from error
            outages.report("answering a Teams message", error, log)
            await self._tell(context, _UNAVAILABLE)
            return
        if isinstance(error, aiohttp.ClientResponseError):  # the connector refused the reply: not our bug
            log.warning("the Bot Connector refused secbot's reply (HTTP %s)", error.status)
        else:
            log.error("a Teams turn failed: %s", type(error).__name__, exc_info=error)
        if is_message:
            await self._tell(context, _APOLOGY)

    @staticmethod
    async def _tell(context: TurnContext, text: str) -> None:
        try:
            await context.send_activity(text)
        except Exception as error:
            log.warning("could not tell the person either (%s)", type(error).__name__)

    # -- proactive posts -----------------------------------------------------------------------
    async def post(self, conversation_id: str, message: teams_cards.TeamsMessage) -> str:
        """Post ``message`` to a remembered conversation; returns the new message's id."""
        return await self._continue(conversation_id, lambda context: context.send_activity(_activity(message)))

    async def update(self, conversation_id: str, activity_id: str, message: teams_cards.TeamsMessage) -> str:
        """Replace an earlier post (a correction) with ``message``."""

        def send(context: TurnContext):
            activity = _activity(message)
            activity.id = activity_id
            return context.update_activity(activity)

        return await self._continue(conversation_id, send)

    async def _continue(self, conversation_id: str, send) -> str:
        saved = await self.app.in_worker(conversations.get, self.app.store, conversation_id)
        if saved is None:
            raise ConversationGone("teams", conversation_id, "secbot has no reference to this conversation")
        reference = ConversationReference.model_validate(saved.reference)
        outcome: dict[str, Any] = {}

        async def callback(context: TurnContext) -> None:
            # The SDK gives the continuation activity a random id, and a send would "reply" to it;
            # without an id the post starts a new message in the conversation, as a digest should.
            context.activity.id = None
            try:
                response = await send(context)
                outcome["id"] = getattr(response, "id", None) or ""
            except Exception as error:  # judged below, outside the SDK's turn-error handler
                outcome["error"] = error

        try:
            await self.adapter.continue_conversation(self.app_id, reference.get_continuation_activity(), callback)
        except OwnTokenUnavailable as error:  # raised before the callback runs
            raise delivery_error(conversation_id, error) from error
        if "error" in outcome:
            raise delivery_error(conversation_id, outcome["error"]) from outcome["error"]
        return outcome["id"]


def delivery_error(conversation_id: str, error: Exception) -> Exception:
    if isinstance(error, aiohttp.ClientResponseError):
        reason = f"HTTP {error.status}"
        if error.status in (403, 404):
            return ConversationGone("teams", conversation_id, f"{reason}: the bot can no longer post here")
        if error.status == 429:
            return RateLimited("teams", conversation_id, reason, retry_after(error.headers))
        if error.status in (400, 413):  # the activity itself was refused: sending it again will not help
            return PostRejected("teams", conversation_id, reason)
        return DeliveryFailed("teams", conversation_id, reason)
    if isinstance(error, NETWORK_ERRORS):
        return DeliveryFailed("teams", conversation_id, type(error).__name__)
    if isinstance(error, OwnTokenUnavailable):
        return DeliveryFailed("teams", conversation_id, str(error))
    return error


class _SecbotAgent(ActivityHandler):
    """The SDK's activity handler, routing each kind of Teams activity to the door."""

    def __init__(self, door: TeamsDoor) -> None:
        self.door = door

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        await self.door.remember_if_possible(activity)
        command = teams_cards.submitted_command(activity.value if isinstance(activity.value, dict) else None)
        if command is not None:
            await self._card_action(turn_context, command)
            return
        files = sent_files(activity)
        if files:
            for message in await self.door.receive_files(turn_context, files):
                await turn_context.send_activity(_activity(message))
            return
        text = _message_text(turn_context)
        message = await self.door.answer(text, turn_context)
        if message is None:
            log.info("ignoring a repeated Teams activity %s", activity.id)
            return
        await turn_context.send_activity(_activity(message))

    async def _card_action(self, turn_context: TurnContext, command: str) -> None:
        """An Action.Submit: "More", Confirm and Cancel replace the card they were pressed on; anything
        else answers below it."""
        activity = turn_context.activity
        message = await self.door.answer(command, turn_context)
        if message is None:
            return
        if replaces_card(command) and activity.reply_to_id:
            replacement = _activity(message)
            replacement.id = activity.reply_to_id
            try:
                await turn_context.update_activity(replacement)
                return
            except aiohttp.ClientResponseError as error:
                log.info("could not replace card %s (HTTP %s); sending a new one", activity.reply_to_id, error.status)
        await turn_context.send_activity(_activity(message))

    async def on_adaptive_card_invoke(self, turn_context: TurnContext, invoke_value) -> AdaptiveCardInvokeResponse:
        """An Action.Execute: the answer replaces the card, as Universal Actions do. A replay of the same
        activity is answered with the same card and not run again."""
        command = teams_cards.submitted_command(invoke_value.action.data) or ""
        card = await self.door.answer_invoke(command, turn_context)
        return AdaptiveCardInvokeResponse(status_code=200, type="application/vnd.microsoft.card.adaptive", value=card)

    def _create_adaptive_card_invoke_error_response(self, status_code, code: str, message: str):
        # The SDK's own puts an Exception object in the value, which cannot be sent as JSON (a 500).
        return invoke_error(code, message, status_code)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        if _includes_bot(members_added, turn_context.activity):
            await self.door.remember(turn_context.activity, force=True)

    async def on_members_removed_activity(self, members_removed: list[ChannelAccount], turn_context: TurnContext):
        if _includes_bot(members_removed, turn_context.activity):
            await self.door.forget(turn_context.activity)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self.door.remember(turn_context.activity, force=True)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self.door.forget(turn_context.activity)


# -- handing the admitted activity to the SDK ------------------------------------------------
class DatabaseOutage(Exception):
    """A turn that needed the database while it was away; ``on_request`` answers 503."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(type(error).__name__)
        self.error = error


def _unavailable(text: str) -> web.Response:
    return web.Response(
        status=503,
        text=text + "\n",
        headers={"Retry-After": str(outages.RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )


class _Admitted:
    """What the SDK's ``process_request`` reads of a request: here, the activity the door admitted (an
    ``Activity`` already, which the SDK's ``model_validate`` takes as it is)."""

    method = "POST"

    def __init__(self, activity: Activity, identity: Any) -> None:
        self._activity, self._identity = activity, identity
        self.headers: Mapping[str, str] = {}

    async def json(self) -> Activity:
        return self._activity

    def get_claims_identity(self) -> Any:
        return self._identity

    def get_path_param(self, name: str) -> str:
        raise KeyError(name)


def _aiohttp_response(response: HttpResponse) -> web.Response:
    if response.body is not None:
        return web.json_response(response.body, status=response.status_code, headers=response.headers)
    return web.Response(status=response.status_code, headers=response.headers, content_type=response.content_type)


# -- reading Teams activities ------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class SentFile:
    name: str
    download_url: str


def sent_files(activity: Activity) -> list[SentFile]:
    """The files sent with a message (Teams hands a bot those of a personal chat, as download-info
    attachments); each read as possibly malformed, since the SDK leaves an attachment's content as sent."""
    found = []
    for attachment in activity.attachments or []:
        content = attachment.content
        if attachment.content_type != FILE_DOWNLOAD_INFO or not isinstance(content, dict):
            continue
        url, kind = content.get("downloadUrl"), content.get("fileType")
        name = attachment.name if isinstance(attachment.name, str) and attachment.name else "file"
        if "." not in name and isinstance(kind, str) and kind.isalnum():
            name = f"{name}.{kind}"
        found.append(SentFile(name, url if isinstance(url, str) else ""))
    return found


def _file_address(service_url: str, url) -> bool:
    """A file's download address: HTTPS (SharePoint or OneDrive), or the activity's own Bot Connector host
    (which the door already allowed: a local emulator or a test's fake)."""
    return downloads.origin(url)[0] == "https" or downloads.origin(url) == downloads.origin(service_url)


def _message_text(turn_context: TurnContext) -> str:
    activity = turn_context.activity
    text = TurnContext.remove_recipient_mention(activity) if activity.recipient else activity.text
    return re.sub(r"</?at>", "", text or "").strip()


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    if data is None:
        return {}
    if isinstance(data, dict):
        return data
    return data.model_dump(by_alias=True, exclude_none=True) if hasattr(data, "model_dump") else {}


def _team(activity: Activity) -> dict[str, Any]:
    return _channel_data(activity).get("team") or {}


def _tenant_id(activity: Activity) -> str | None:
    return (_channel_data(activity).get("tenant") or {}).get("id") or activity.conversation.tenant_id


def _base_conversation_id(activity: Activity) -> str:
    """A channel thread's id names the channel plus ``;messageid=``: posts go to the channel."""
    return _THREAD_SUFFIX.sub("", activity.conversation.id)


def _includes_bot(members: list[ChannelAccount] | None, activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return any(member.id == bot_id for member in members or [])


def saved_conversation(activity: Activity) -> SavedConversation | None:
    if not activity.conversation or not activity.service_url:
        return None
    conversation_id = _base_conversation_id(activity)
    reference = activity.get_conversation_reference()
    reference.conversation = reference.conversation.model_copy(update={"id": conversation_id})
    reference.activity_id = None
    reference.user = None  # a channel's reference must not carry whoever happened to speak
    team = _team(activity)
    kind = activity.conversation.conversation_type or ("channel" if team else "personal")
    name = team.get("name") or activity.conversation.name
    return SavedConversation(
        conversation_id=conversation_id,
        service_url=activity.service_url,
        tenant_id=_tenant_id(activity),
        team_id=team.get("id"),
        kind=kind,
        name=name,
        reference=reference.model_dump(mode="json", by_alias=True, exclude_none=True),
    )


def _actor(activity: Activity) -> Actor:
    person = activity.from_property
    user_id = (person.aad_object_id or person.id) if person else "-"
    return Actor("teams", f"{_tenant_id(activity) or '-'}:{user_id}", person.name if person else None)


def _where(activity: Activity) -> Where:
    return Where("teams", _base_conversation_id(activity), activity.conversation.id)


def _activity(message: teams_cards.TeamsMessage) -> Activity:
    # The fallback goes in ``summary`` (notifications, clients without cards): as ``text`` Teams would
    # show it, unescaped, above the card.
    return Activity(type=ActivityTypes.message, summary=message.text, attachments=[message.attachment()])
