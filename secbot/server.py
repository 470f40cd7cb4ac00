"""The HTTP service: one aiohttp application, one event loop, for every chat platform.

Routes: ``GET /healthz``; with Slack configured, ``POST /slack/events`` (slash commands, events and
interactivity all arrive here) and, for OAuth installs, ``/slack/install`` and
``/slack/oauth_redirect``. With ``SECBOT_SLACK_APP_TOKEN`` Slack uses Socket Mode instead of
``/slack/events``. With Teams configured, ``POST /api/messages`` (the Bot Framework messaging
endpoint of the Azure Bot registration). Always ``GET /calendar.ics[?ref=MP161]``: the register's
meetings, consultations and releases as an iCalendar feed; and ``GET /charts/<kind>-<issue>.png``,
a posted digest's chart, which Slack fetches for the image in the monthly summary.

``secbot serve`` runs this service whenever ``Settings.serves_http`` (a chat platform on, or
``SECBOT_HOST``/``SECBOT_PORT`` set): in the foreground (``serve``), or, for the shell door in a
terminal, on a thread of its own beside it (``serving_beside``).

Every route is wrapped by ``secbot.web_guard.safety_net``: no response carries a stack trace, and a
database outage is answered 503 with ``Retry-After``. Slack requests are checked on their raw bytes
by ``secbot.chat.slack_gate`` (signature, then shape) before bolt parses them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text

from secbot import outages
from secbot.app import App
from secbot.commands.common import not_found
from secbot.delivery.scheduler import CHARTS_PATH
from secbot.digests.calendar import UnknownReference, build_calendar
from secbot.web_charts import chart_handler
from secbot.web_guard import quiet_protocol_errors, safety_net, usable_text

log = logging.getLogger(__name__)

SECBOT = web.AppKey("secbot", App)
SLACK = web.AppKey("slack", AsyncApp)
TEAMS = web.AppKey("teams", object)  # secbot.chat.teams.TeamsDoor, imported only when Teams is on

SLACK_EVENTS_PATH = "/slack/events"
CALENDAR_PATH = "/calendar.ics"
REFERENCE_LIMIT = 200  # a reference, or the address of a modification's page on the SECAS site
# /charts/<kind>-<issue>.png, the issue as the outbox names it: 2021-06, 2026-W48 or 2026-11-23
CHART_ROUTE = CHARTS_PATH + "/{kind:[a-z]+}-{issue:[0-9]{4}-(?:W[0-9]{2}|[0-9]{2}(?:-[0-9]{2})?)}.png"


def build_web_app(app: App) -> web.Application:
    quiet_protocol_errors()
    web_app = web.Application(middlewares=[safety_net])
    web_app[SECBOT] = app

    async def healthz(_request: web.Request) -> web.Response:
        try:
            await asyncio.to_thread(_ping, app)
        except Exception as error:
            outages.report("health check", error, log)
            return web.json_response(
                {"status": "unavailable", "database": "down"},
                status=503,
                headers={"Retry-After": str(outages.RETRY_AFTER_SECONDS)},
            )
        outages.OUTAGES.recovered()
        return web.json_response({"status": "ok"})

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get(CALENDAR_PATH, _calendar_handler(app))
    web_app.router.add_get(CHART_ROUTE, chart_handler(app))
    if app.settings.slack_enabled:
        from secbot.chat.slack import build_slack_app

        slack, close_slack = build_slack_app(app)
        web_app[SLACK] = slack
        web_app.on_cleanup.append(lambda _web_app: close_slack())
        if app.settings.slack_signing_secret:  # Socket Mode alone needs no HTTP route
            _add_slack_routes(web_app, slack, app.settings.slack_signing_secret.get_secret_value())
    if app.settings.teams_enabled:
        from secbot.chat.teams import MESSAGES_PATH, TeamsDoor

        teams = TeamsDoor(app)
        web_app[TEAMS] = teams
        web_app.on_cleanup.append(lambda _web_app: teams.close())
        web_app.router.add_post(MESSAGES_PATH, teams.on_request)
    return web_app


def _calendar_handler(app: App):
    """``GET /calendar.ics[?ref=MP161]``: the register's meetings, consultations and releases as iCalendar."""

    async def calendar(request: web.Request) -> web.Response:
        reference = request.query.get("ref", "").strip() or None
        if reference is not None and not usable_text(reference, REFERENCE_LIMIT):
            raise web.HTTPBadRequest(
                text="ref= takes a modification reference, such as MP161 or SECMP0161; that is not one.\n"
            )
        try:
            body = await asyncio.to_thread(build_calendar, app.register, reference)
        except UnknownReference as unknown:
            return web.Response(status=404, text=not_found(unknown.resolution).summary + "\n")
        return web.Response(body=body, content_type="text/calendar", charset="utf-8")

    return calendar


def _ping(app: App) -> None:
    with app.store.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _add_slack_routes(web_app: web.Application, slack: AsyncApp, signing_secret: str) -> None:
    from secbot.chat.slack_gate import Refusal, SlackGate, oauth_query_problem

    gate = SlackGate(signing_secret)

    async def events(request: web.Request) -> web.Response:
        admitted = await gate.admit(request)
        if isinstance(admitted, Refusal):
            return admitted.response()
        return await to_aiohttp_response(await slack.async_dispatch(admitted))

    web_app.router.add_post(SLACK_EVENTS_PATH, events)
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


async def connect_socket_mode(slack: AsyncApp, app: App):
    """Receive Slack's requests over Socket Mode (a websocket secbot opens) instead of HTTP."""
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    # The handler opens the connection through the app's Web API client, so SECBOT_SLACK_API_URL holds.
    handler = AsyncSocketModeHandler(slack, app_token=app.settings.slack_app_token.get_secret_value())
    await handler.connect_async()
    log.info("Slack Socket Mode connected")
    return handler


def digest_senders(app: App, web_app: web.Application) -> dict:
    """A sender per chat platform that is on, for scheduled digests and admin notices."""
    from secbot.delivery.senders import SlackSender, TeamsSender, installation_token

    senders: dict = {}
    if SLACK in web_app:
        slack = web_app[SLACK]
        token_for = installation_token(slack.installation_store) if app.settings.slack_oauth else None
        senders["slack"] = SlackSender(slack.client, token_for=token_for)
    if TEAMS in web_app:
        senders["teams"] = TeamsSender(web_app[TEAMS])
    return senders


class CannotListen(Exception):
    """The service could not open its port (in use, not allowed, no such address); the text says which."""


async def serve(app: App, *, started: threading.Event | None = None) -> None:
    """Run the HTTP service (and Slack's Socket Mode connection when configured), and post scheduled
    digests, until cancelled. ``started`` is set once it listens and its jobs are running."""
    from secbot.delivery.scheduler import DigestScheduler

    settings = app.settings
    web_app = build_web_app(app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        reason = os.strerror(error.errno).lower() if error.errno else str(error)
        where = f"{settings.host}:{settings.port}"
        raise CannotListen(f"cannot listen on {where}: {reason} (SECBOT_HOST, SECBOT_PORT)") from None
    log.info(
        "secbot listening on http://%s:%s (Slack %s, Teams %s)",
        settings.host,
        settings.port,
        "on" if SLACK in web_app else "off",
        "on" if TEAMS in web_app else "off",
    )
    socket_mode = None
    if SLACK in web_app and settings.slack_app_token:
        socket_mode = await connect_socket_mode(web_app[SLACK], app)
    digests = DigestScheduler(app, digest_senders(app, web_app))
    digests.start()
    stop_index = threading.Event()
    threading.Thread(
        target=app.store.index_cache.keep_fresh, args=(app.store.sessions, stop_index), daemon=True, name="secbot-index"
    ).start()
    if started is not None:
        started.set()
    try:
        await asyncio.Event().wait()
    finally:
        stop_index.set()
        digests.stop()
        if socket_mode is not None:
            await socket_mode.close_async()
        await runner.cleanup()


@contextmanager
def serving_beside(app: App) -> Iterator[None]:
    """Run ``serve(app)`` on an event loop in a thread of its own until the block ends, so that the shell
    door keeps the main thread (and Ctrl-C). Raises ``CannotListen`` (or whatever else stopped it) when
    it could not start."""
    started = threading.Event()
    running: dict = {}
    failed: list[BaseException] = []

    async def main() -> None:
        running["loop"], running["task"] = asyncio.get_running_loop(), asyncio.current_task()
        await serve(app, started=started)

    def thread() -> None:
        try:
            asyncio.run(main())
        except asyncio.CancelledError:
            pass
        except BaseException as error:  # handed to the caller, or logged if it comes after the start
            failed.append(error)
            if started.is_set():
                log.error("the HTTP service stopped", exc_info=error)
        finally:
            started.set()

    worker = threading.Thread(target=thread, name="secbot-http")
    worker.start()
    started.wait()
    if failed:
        worker.join()
        raise failed[0]
    try:
        yield
    finally:
        with contextlib.suppress(RuntimeError):  # the loop is closed already: the service stopped by itself
            running["loop"].call_soon_threadsafe(running["task"].cancel)
        worker.join()
