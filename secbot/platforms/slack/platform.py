"""Slack as one ``secbot.platforms.Platform``: the bolt app's routes on the service (events and, with
OAuth, install and redirect), its Socket Mode connection when ``SECBOT_SLACK_APP_TOKEN`` is set, and a
``SlackSender`` over the bolt app's client (each workspace's own token with OAuth installs)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from secbot.app import App
from secbot.platforms.slack.door import build_slack_app
from secbot.platforms.slack.gate import Refusal, SlackGate, oauth_query_problem
from secbot.platforms.slack.sender import SlackSender, installation_token

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class SlackPlatform:
    name = "slack"

    def __init__(self, app: App) -> None:
        self.app = app
        self.bolt, self._release = build_slack_app(app)
        self.socket_mode: Any = None  # slack_bolt's AsyncSocketModeHandler, once connected
        self._sender: SlackSender | None = None

    def mount(self, web_app: web.Application) -> None:
        web_app.on_cleanup.append(lambda _web_app: self._release())
        secret = self.app.settings.slack_signing_secret
        if secret:  # Socket Mode alone needs no HTTP route
            _add_routes(web_app, self.bolt, secret.get_secret_value())

    async def start(self) -> None:
        """Receive Slack's requests over Socket Mode (a websocket secbot opens) too, when configured."""
        token = self.app.settings.slack_app_token
        if token is None:
            return
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        # The handler opens the connection through the app's Web API client, so SECBOT_SLACK_API_URL holds.
        self.socket_mode = AsyncSocketModeHandler(self.bolt, app_token=token.get_secret_value())
        await self.socket_mode.connect_async()
        log.info("Slack Socket Mode connected")

    async def close(self) -> None:
        if self.socket_mode is not None:
            await self.socket_mode.close_async()
            self.socket_mode = None

    def sender(self) -> SlackSender:
        if self._sender is None:  # one: it owns Slack's pacing
            oauth = self.app.settings.slack_oauth
            token_for = installation_token(self.bolt.installation_store) if oauth else None
            self._sender = SlackSender(self.bolt.client, token_for=token_for)
        return self._sender


def _add_routes(web_app: web.Application, slack: AsyncApp, signing_secret: str) -> None:
    gate = SlackGate(signing_secret)

    async def events(request: web.Request) -> web.Response:
        admitted = await gate.admit(request)
        if isinstance(admitted, Refusal):
            return admitted.response()
        return await to_aiohttp_response(await slack.async_dispatch(admitted))

    web_app.router.add_post(EVENTS_PATH, events)
    flow = slack.oauth_flow
    if flow is not None:

        async def oauth_request(request: web.Request):
            problem = oauth_query_problem(request.query)
            if problem:
                raise web.HTTPBadRequest(text=problem + "\n")
            return await to_bolt_request(request)

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_installation(await oauth_request(request)))

        async def redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_callback(await oauth_request(request)))

        web_app.router.add_get(flow.install_path, install)
        web_app.router.add_get(flow.redirect_uri_path, redirect)
