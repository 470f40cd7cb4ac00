"""The HTTP service: one aiohttp application, one event loop, for every chat platform.

Routes: ``GET /healthz``; ``GET /calendar.ics[?ref=MP161]``: the register's meetings, consultations and
releases as an iCalendar feed; ``GET /charts/<kind>-<issue>.png``, a posted digest's chart (Slack
fetches it for the image in the monthly summary); and each platform that is on mounts its own
(``secbot.platforms``: Slack ``POST /slack/events`` and its OAuth pages, Teams ``POST /api/messages``),
starts what it needs beyond HTTP (Slack's Socket Mode) and gives the scheduler its ``Sender``.

``secbot serve`` runs this service whenever ``Settings.serves_http`` (a chat platform on, or
``SECBOT_HOST``/``SECBOT_PORT`` set): in the foreground (``serve``), or, for the shell door in a
terminal, on a thread of its own beside it (``serving_beside``).

Every route is wrapped by ``secbot.platforms.web_guard.safety_net``: no response carries a stack trace, and a
database outage is answered 503 with ``Retry-After``.
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
from sqlalchemy import text

from secbot import outages, platforms
from secbot.app import App
from secbot.commands.common import not_found
from secbot.delivery.scheduler import CHARTS_PATH
from secbot.digests.calendar import UnknownReference, build_calendar
from secbot.platforms.web_guard import quiet_protocol_errors, safety_net, usable_text
from secbot.web_charts import chart_handler

log = logging.getLogger(__name__)

SECBOT = web.AppKey("secbot", App)
PLATFORMS = web.AppKey("platforms", dict)  # name -> secbot.platforms.Platform, for each platform that is on

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
    web_app[PLATFORMS] = platforms.build(app)
    for platform in web_app[PLATFORMS].values():
        platform.mount(web_app)
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


def digest_senders(web_app: web.Application) -> dict:
    """A sender per chat platform that is on (and can post), for scheduled digests and admin notices."""
    senders = {name: platform.sender() for name, platform in web_app[PLATFORMS].items()}
    return {name: sender for name, sender in senders.items() if sender is not None}


class CannotListen(Exception):
    """The service could not open its port (in use, not allowed, no such address); the text says which."""


async def serve(app: App, *, started: threading.Event | None = None) -> None:
    """Run the HTTP service (and what each platform starts beside it), and post scheduled
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
    served = web_app[PLATFORMS]
    log.info(
        "secbot listening on http://%s:%s (chat platforms: %s)",
        settings.host,
        settings.port,
        ", ".join(served) or "none",
    )
    for platform in served.values():
        await platform.start()
    digests = DigestScheduler(app, digest_senders(web_app))
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
        for platform in served.values():
            await platform.close()
        await runner.cleanup()
        await app.in_worker(app.memory.close)  # what was last asked where, for follow-ups on any replica


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
