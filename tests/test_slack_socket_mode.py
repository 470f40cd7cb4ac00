"""The Slack door over Socket Mode, end to end: secbot opens a websocket to Slack instead of serving
``/slack/events``, Slack pushes envelopes down it and secbot acknowledges them on it.

Slack is faked at its network boundary only: ``FakeSlack`` answers the Web API (including
``apps.connections.open``) over HTTP, ``FakeSocketMode`` is the websocket. secbot's own code runs
as in ``secbot serve``: ``build_web_app`` then the Slack platform's ``start`` on an event loop of its own
(here in a background thread), with slack_sdk's aiohttp Socket Mode client underneath.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from aiohttp import web

from secbot.app import App, build
from secbot.delivery.scheduler import CHARTS_PATH
from secbot.platforms.slack.platform import EVENTS_PATH as SLACK_EVENTS_PATH
from secbot.server import CALENDAR_PATH, PLATFORMS, build_web_app, serve
from secbot.settings import Settings
from tests.fakes import slack_requests as slack
from tests.fakes import socket_mode
from tests.fakes.fixtures import PROXY_VARIABLES
from tests.fakes.slack_api import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode
from tests.fakes.workspace import BOT_TOKEN
from tests.servers import free_port
from tests.support.dates import REPORT_DAY

APP_TOKEN = "xapp-test"
MP161_TITLE = "MP161: Significant Code Review – Retail Code Consolidation"
# The app's answer threads (App.workers): started on first use, idle until the process ends.
WORKER_THREAD_PREFIX = "secbot-worker"


class LoopThread:
    """An asyncio event loop in a background thread, closed the way ``asyncio.run`` closes one."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.errors: list[dict[str, Any]] = []  # what reached the loop's exception handler
        self.loop.set_exception_handler(lambda _loop, context: self.errors.append(context))
        self.thread = threading.Thread(target=self._run, name="secbot-loop", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def tasks(self) -> set[asyncio.Task]:
        """The tasks on the loop now: the Socket Mode connection's own, and whatever is in flight."""

        async def snapshot() -> set[asyncio.Task]:
            return asyncio.all_tasks() - {asyncio.current_task()}

        return self.run(snapshot())

    def settle(self, before: set[asyncio.Task], timeout: float = 30) -> None:
        """Wait until every task started since ``before`` was taken has finished, those it started included:
        what the requests sent since then set going has happened by the time this returns, or never will."""

        async def done() -> None:
            current = asyncio.current_task()
            while pending := [task for task in asyncio.all_tasks() if task is not current and task not in before]:
                await asyncio.wait(pending)

        self.run(done(), timeout)

    def close(self) -> list[str]:
        """Stop the loop; return the tasks still pending by then (they are cancelled), as their coroutines' reprs."""

        async def leftovers() -> list[str]:
            # let tasks that were just cancelled finish cancelling: what is still running after that is left over
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if others:
                await asyncio.wait(others, timeout=5)
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.loop.shutdown_asyncgens()
            await self.loop.shutdown_default_executor()
            return [repr(t.get_coro()) for t in tasks]

        try:
            return self.run(leftovers())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


@dataclass
class SocketModeSecbot:
    app: App
    web_app: web.Application
    handler: Any  # slack_bolt's AsyncSocketModeHandler, as the Slack platform's start opens it
    loop: LoopThread
    fake: FakeSlack
    socket: FakeSocketMode
    closed: bool = False

    def close(self) -> list[str]:
        """Close the Socket Mode handler as ``serve()`` does; return the loop's leftover tasks."""
        if self.closed:
            return []
        self.closed = True
        try:
            self.loop.run(self.handler.close_async())
            self.socket.wait_closed()
            assert self.handler.client.aiohttp_client_session.closed
        finally:
            leftovers = self.loop.close()
        return leftovers


@pytest.fixture
def secbot(sample_db_url, monkeypatch, recwarn, caplog) -> Iterator[SocketModeSecbot]:
    """secbot connected over Socket Mode to the fakes; on the way out, checks that it closed cleanly."""
    for name in PROXY_VARIABLES:  # slack_sdk's Socket Mode client takes a proxy from these, too
        monkeypatch.delenv(name, raising=False)
    caplog.set_level(logging.INFO)
    gc.collect()  # what earlier tests left for the collector warns (and logs) now, not in this test's teardown
    recwarn.clear()
    caplog.clear()  # asyncio's "Unclosed connector" for another test's leftovers is not this test's
    threads_before = set(threading.enumerate())
    with FakeSlack() as fake, FakeSocketMode().attach(fake) as socket:
        settings = Settings(
            database_url=sample_db_url,
            today=REPORT_DAY,
            slack_bot_token=BOT_TOKEN,
            slack_app_token=APP_TOKEN,
            slack_signing_secret=None,
            slack_api_url=fake.api_url,
        )
        app = build(settings)
        loop = LoopThread()

        async def connect() -> tuple[web.Application, Any]:
            web_app = build_web_app(app)
            slack = web_app[PLATFORMS]["slack"]
            await slack.start()
            return web_app, slack.socket_mode

        try:
            web_app, handler = loop.run(connect())
        except BaseException:
            loop.close()
            raise
        running = SocketModeSecbot(app, web_app, handler, loop, fake, socket)
        try:
            yield running
        finally:
            leftovers = running.close()
            app.memory.close()  # as `secbot serve` stops it: the follow-ups' writer, then the database
            app.store.engine.dispose()
    errors = loop.errors
    del running, handler, web_app, loop
    gc.collect()  # so that a coroutine never awaited, say, warns before the checks below

    assert leftovers == [], "tasks still pending after close_async()"
    assert errors == [], "errors reached the event loop's exception handler"
    stray = [
        t.name for t in threading.enumerate() if t not in threads_before and not t.name.startswith(WORKER_THREAD_PREFIX)
    ]
    assert stray == []
    # ResourceWarnings are left out: other tests leak objects (tests/servers.py never closes its event
    # loop; the OAuth test never closes its aiosqlite connection) that may be collected during this
    # one. Ours are checked directly instead: the session is closed, the socket closed, no task left.
    assert [str(w.message) for w in recwarn if not issubclass(w.category, ResourceWarning)] == []
    logged = caplog.get_records("setup") + caplog.get_records("call") + caplog.records  # records: this phase's
    assert [r.getMessage() for r in logged if r.levelno >= logging.WARNING] == []


def texts(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def command(fake: FakeSlack, text: str) -> dict:
    token = f"T0001/{time.monotonic_ns()}/r"
    return socket_mode.slash_commands(slack.slash_command(text, response_url=fake.response_url(token)))


def test_socket_mode_only_serves_no_slack_route_and_connects_with_the_app_token(secbot):
    assert SLACK_EVENTS_PATH not in {resource.canonical for resource in secbot.web_app.router.resources()}
    routes = [r.canonical for r in build_web_app(secbot.app).router.resources()]
    assert routes == ["/healthz", CALENDAR_PATH, f"{CHARTS_PATH}/{{kind}}-{{issue}}.png"]

    connection = secbot.socket.wait_connected()
    [opened] = secbot.fake.calls("apps.connections.open")
    assert opened.token == APP_TOKEN and opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
    assert opened.path == "/api/apps.connections.open"  # through SECBOT_SLACK_API_URL
    assert connection.open and secbot.socket.refused() == []


def test_slash_command_is_answered_in_the_ack(secbot):
    secbot.socket.wait_connected()

    ack = secbot.socket.request(command(secbot.fake, "MP161"))

    assert set(ack) == {"envelope_id", "payload"}
    payload = ack["payload"]
    assert payload["response_type"] == "ephemeral"
    assert MP161_TITLE in texts(payload["blocks"])
    assert secbot.fake.calls("response_url") == []  # answered inline, not through response_url


def test_a_mention_is_acknowledged_then_answered_in_its_thread(secbot):
    secbot.socket.wait_connected()
    mention = slack.app_mention(
        "what's the status of MP161?", channel="C777", ts="1700000000.000200", thread_ts="1700000000.000100"
    )

    ack = secbot.socket.request(socket_mode.events_api(slack.event_callback(mention)))

    assert set(ack) == {"envelope_id"}  # an event's ack carries nothing
    [call] = secbot.fake.wait_for("chat.postMessage")
    assert (call.body["channel"], call.body["thread_ts"]) == ("C777", "1700000000.000100")
    assert call.token == BOT_TOKEN  # the Web API is called with the bot token, not the app token
    assert "Significant Code Review" in texts(call.arg("blocks"))


def test_a_redelivered_event_is_acknowledged_but_answered_once(secbot):
    secbot.socket.wait_connected()
    body = slack.event_callback(slack.app_mention("MP161", ts="1700000000.000300"), event_id="Ev-socket-retry")

    secbot.socket.request(socket_mode.events_api(body))
    secbot.fake.wait_for("chat.postMessage")
    before = secbot.loop.tasks()
    retry = secbot.socket.request(socket_mode.events_api(body, retry_attempt=1, retry_reason="timeout"))

    assert set(retry) == {"envelope_id"}
    secbot.loop.settle(before)  # all the retry set going (nothing, if it was dropped) has finished
    assert len(secbot.fake.calls("chat.postMessage")) == 1


def test_a_button_press_arrives_as_an_interactive_envelope(secbot):
    secbot.socket.wait_connected()
    body = slack.block_actions("secbot_share", "MP161", response_url=secbot.fake.response_url("T0001/1/share"))

    ack = secbot.socket.request(socket_mode.interactive(body))

    assert set(ack) == {"envelope_id"}
    [posted] = secbot.fake.wait_for("response_url")
    assert posted.response_token == "T0001/1/share"
    assert posted.body["response_type"] == "in_channel"
    assert "Significant Code Review" in texts(posted.body["blocks"])


def test_slack_refreshing_the_connection_does_not_lose_requests(secbot):
    first = secbot.socket.wait_connected()

    secbot.socket.send(socket_mode.disconnect("refresh_requested"))
    second = secbot.socket.wait_connected(count=2)
    ack = secbot.socket.request(command(secbot.fake, "MP161"))

    assert MP161_TITLE in texts(ack["payload"]["blocks"])
    assert [c.token for c in secbot.fake.calls("apps.connections.open")] == [APP_TOKEN, APP_TOKEN]
    assert ack in second.received and ack not in first.received
    assert wait_until(lambda: not first.open), "the old socket stays open"  # the client closes it once moved on


def test_closing_the_handler_closes_the_socket_from_secbots_side(secbot):
    connection = secbot.socket.wait_connected()

    assert secbot.close() == []

    assert not connection.open
    assert connection.close_code == 1000  # a normal close, sent by the client
    assert len(secbot.socket.connections()) == 1  # and it did not reconnect
    assert [c.method for c in secbot.fake.calls()] == ["apps.connections.open"]


def test_serve_connects_over_socket_mode_and_closes_it_when_cancelled(sample_db_url, monkeypatch):
    """``secbot serve`` itself: HTTP for /healthz only, Slack over the websocket, all closed on cancel."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    with FakeSlack() as fake, FakeSocketMode().attach(fake) as socket:
        settings = Settings(
            database_url=sample_db_url,
            today=REPORT_DAY,
            host="127.0.0.1",
            port=port,
            slack_bot_token=BOT_TOKEN,
            slack_app_token=APP_TOKEN,
            slack_signing_secret=None,
            slack_api_url=fake.api_url,
        )
        app = build(settings)
        loop = LoopThread()
        try:
            serving = asyncio.run_coroutine_threadsafe(serve(app), loop.loop)
            connection = socket.wait_connected()
            assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json() == {"status": "ok"}
            assert requests.post(f"http://127.0.0.1:{port}{SLACK_EVENTS_PATH}", data="{}", timeout=5).status_code == 404

            ack = socket.request(command(fake, "MP161"))
            assert MP161_TITLE in texts(ack["payload"]["blocks"])

            serving.cancel()
            socket.wait_closed()
            assert connection.close_code == 1000
            with pytest.raises(requests.ConnectionError):
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        finally:
            leftovers = loop.close()
            app.store.engine.dispose()
    assert leftovers == [] and loop.errors == []
