"""A fake Slack Socket Mode endpoint on 127.0.0.1: the websocket Slack pushes envelopes down.

With Socket Mode, Slack does not POST to the app; the app asks for a websocket address and Slack
sends every slash command, event and interaction down that socket as an *envelope*, which the app
acknowledges on the same socket. ``FakeSocketMode`` plays Slack's side of that socket, served from
a background thread with its own event loop (like ``FakeSlack``), and ``attach`` teaches a
``FakeSlack`` to hand out its address::

    with FakeSlack() as fake, FakeSocketMode().attach(fake) as socket:
        ...                                  # the code under test connects with an xapp- token
        socket.wait_connected()
        ack = socket.request(socket_mode.slash_commands(slack_requests.slash_command("MP161", ...)))
        assert ack["payload"]["response_type"] == "ephemeral"

How slack_sdk 3.47's aiohttp ``SocketModeClient`` (what bolt's ``AsyncSocketModeHandler`` uses)
talks to it (read from ``slack_sdk/socket_mode/aiohttp/__init__.py`` and ``async_client.py``):

* It calls ``apps.connections.open`` through the app's ``AsyncWebClient`` (so at its ``base_url``)
  with the app-level token as ``Authorization: Bearer xapp-...``, and connects to the ``url`` of
  the answer. Slack answers ``{"ok": true, "url": "wss://wss-....slack.com/link/?ticket=...&app_id=..."}``;
  here it is ``ws://127.0.0.1:<port>/link/?ticket=<one-time ticket>&app_id=A0001``. Slack refuses
  bot tokens for this method (``not_allowed_token_type``), and so does ``connections_open``.
* Slack's first message on a new socket is ``hello``. The client has no use for it (it is not an
  envelope: no ``envelope_id``), but it is what Slack sends.
* The client pings as soon as it connects and every ``ping_interval`` after (10 s in bolt's
  handler), and opens the socket with aiohttp's ``heartbeat`` as well, which drops the connection
  if a ping goes unanswered; the client reconnects if pongs stop for 4 intervals. The aiohttp
  server here answers pings by itself (``autoping``), so the connection stays up.
* ``{"type": "disconnect", ...}`` makes the client call ``apps.connections.open`` again, close
  the old socket, then connect to the new address (it closes first so as not to hit Slack's
  ``too_many_websockets``). A close frame from this side makes it reconnect as well. So ``attach``
  must stay in force on the ``FakeSlack`` (``FakeSlack.reset()`` removes it) while the client runs.
* For every envelope (``envelope_id``, ``type``, ``payload``, ``accepts_response_payload``, and for
  ``events_api`` ``retry_attempt``/``retry_reason``) bolt sends back ``{"envelope_id": ...}``, with
  ``"payload": {...}`` when the listener's ``ack()`` carried a body (what an HTTP answer's body would
  have been). Slack's ``payload`` is the JSON *object* an HTTP request would have carried: the
  slash command's form fields, the Events API ``event_callback`` body, the interaction ``payload``.

Everything binds to and is addressed at 127.0.0.1; nothing here ever reaches another address.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes import workspace
from tests.fakes.loop_server import LoopServer

if TYPE_CHECKING:
    from tests.fakes.slack_api import Call, FakeSlack

LINK_PATH = "/link/"
CONNECTIONS_OPEN = "apps.connections.open"

JsonDict = dict[str, Any]

_hosts = itertools.count(1)


# ---------------------------------------------------------------------- what Slack sends


def hello(*, app_id: str = workspace.API_APP_ID, num_connections: int = 1) -> JsonDict:
    """The first message Slack sends on a new Socket Mode connection."""
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {
            "host": f"applink-{next(_hosts)}",
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": app_id},
    }


def disconnect(reason: str = "refresh_requested") -> JsonDict:
    """Slack asking the app to reconnect: ``refresh_requested``, ``warning`` or ``link_disabled``."""
    return {"type": "disconnect", "reason": reason, "debug_info": {"host": f"applink-{next(_hosts)}"}}


def envelope(
    kind: str, payload: JsonDict, *, accepts_response_payload: bool, envelope_id: str | None = None, **extra: Any
) -> JsonDict:
    """Any envelope: Slack's wrapper around one request, which the app acknowledges by ``envelope_id``."""
    return {
        "envelope_id": envelope_id or str(uuid.uuid4()),
        "payload": payload,
        "type": kind,
        "accepts_response_payload": accepts_response_payload,
        **extra,
    }


def slash_commands(form_body: str, *, envelope_id: str | None = None) -> JsonDict:
    """A slash command envelope, from the form body Slack would POST (``slack_requests.slash_command``).

    The ack may carry the response (``accepts_response_payload: true``), as an HTTP answer would.
    """
    payload = dict(parse_qsl(form_body, keep_blank_values=True, strict_parsing=True))
    return envelope("slash_commands", payload, accepts_response_payload=True, envelope_id=envelope_id)


def events_api(
    json_body: str, *, retry_attempt: int = 0, retry_reason: str = "", envelope_id: str | None = None
) -> JsonDict:
    """An Events API envelope, from the ``event_callback`` body Slack would POST (``slack_requests.event_callback``).

    A redelivery carries ``retry_attempt`` > 0 and a ``retry_reason`` (``"timeout"``), where HTTP
    would send ``X-Slack-Retry-Num``/``X-Slack-Retry-Reason``.
    """
    return envelope(
        "events_api",
        json.loads(json_body),
        accepts_response_payload=False,
        envelope_id=envelope_id,
        retry_attempt=retry_attempt,
        retry_reason=retry_reason,
    )


def interactive(form_body: str, *, envelope_id: str | None = None) -> JsonDict:
    """An interaction envelope from the ``payload=<json>`` body Slack would POST (``slack_requests.block_actions``)."""
    [(name, raw)] = parse_qsl(form_body, strict_parsing=True)
    if name != "payload":
        raise ValueError(f"not an interactivity body: {form_body[:60]!r}")
    return envelope("interactive", json.loads(raw), accepts_response_payload=False, envelope_id=envelope_id)


# ---------------------------------------------------------------------- the endpoint


@dataclass
class Connection:
    """One websocket the client opened, in order. ``received`` is every text message it sent, parsed."""

    number: int
    ticket: str
    opened_at: float
    ws: web.WebSocketResponse = field(repr=False)
    received: list[JsonDict] = field(default_factory=list)
    closed_at: float | None = None
    close_code: int | None = None

    @property
    def open(self) -> bool:
        return self.closed_at is None


class FakeSocketMode(LoopServer):
    """Slack's side of Socket Mode websockets, served on 127.0.0.1 from its own thread."""

    name = "FakeSocketMode"

    def __init__(self, *, app_id: str = workspace.API_APP_ID, send_hello: bool = True) -> None:
        super().__init__()
        self.app_id = app_id
        self.send_hello = send_hello
        self._lock = threading.Lock()
        self._tickets: dict[str, str] = {}  # ticket -> the app token it was issued to; used once
        self._connections: list[Connection] = []
        self._refused: list[str] = []  # tickets presented that were unknown or already used

    def attach(self, fake: FakeSlack) -> FakeSocketMode:
        """Make ``fake`` answer ``apps.connections.open`` with this endpoint (starting it if need be)."""
        if not self.running:
            self.start()
        fake.stub(CONNECTIONS_OPEN, self.connections_open)
        return self

    def _web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(LINK_PATH, self._handle_link)
        return app

    async def _before_cleanup(self) -> None:
        """Stopping closes every open socket (code 1001, going away)."""
        for connection in self.connections():
            if connection.open:
                await connection.ws.close(code=1001, message=b"server stopping")

    # ------------------------------------------------------------------ apps.connections.open

    @property
    def url(self) -> str:
        return "ws" + super().url.removeprefix("http")

    def new_url(self, token: str = "xapp-test") -> str:
        """A fresh one-time websocket address, as ``apps.connections.open`` hands out."""
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets[ticket] = token
        return f"{self.url}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"

    def connections_open(self, call: Call) -> JsonDict:
        """A ``FakeSlack`` responder for ``apps.connections.open``: a new address, for app-level tokens only."""
        if not call.token:
            return {"ok": False, "error": "not_authed"}
        if not call.token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.new_url(call.token)}

    # ------------------------------------------------------------------ the websocket

    async def _handle_link(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        with self._lock:
            known = self._tickets.pop(ticket, None) is not None
            if not known:
                self._refused.append(ticket)
        if not known:
            return web.Response(status=401, text="invalid_ticket")
        ws = web.WebSocketResponse()  # autoping: the client's pings are answered with pongs
        await ws.prepare(request)
        with self._lock:
            connection = Connection(len(self._connections) + 1, ticket, time.monotonic(), ws)
            self._connections.append(connection)
        try:
            if self.send_hello:
                await ws.send_json(hello(app_id=self.app_id, num_connections=self._open_count()))
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    try:
                        parsed = json.loads(message.data)
                    except ValueError:
                        parsed = {"_raw": message.data}
                    with self._lock:
                        connection.received.append(parsed if isinstance(parsed, dict) else {"_json": parsed})
        finally:
            with self._lock:
                connection.closed_at = time.monotonic()
                connection.close_code = ws.close_code
        return ws

    def _open_count(self) -> int:
        with self._lock:
            return sum(1 for c in self._connections if c.open)

    # ------------------------------------------------------------------ what the test does

    def connections(self) -> list[Connection]:
        with self._lock:
            return list(self._connections)

    def refused(self) -> list[str]:
        with self._lock:
            return list(self._refused)

    def wait_connected(self, count: int = 1, timeout: float = 5.0) -> Connection:
        """Block until ``count`` connections have been opened in all and the newest is open; return it."""
        deadline = time.monotonic() + timeout
        while True:
            connections = self.connections()
            if len(connections) >= count and connections[-1].open:
                return connections[-1]
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} Socket Mode connection(s) within {timeout}s, "
                    f"got {len(connections)} ({sum(c.open for c in connections)} open)"
                )
            time.sleep(0.01)

    def wait_closed(self, timeout: float = 5.0) -> list[Connection]:
        """Block until no connection is open; return them all."""
        deadline = time.monotonic() + timeout
        while any(c.open for c in self.connections()):
            if time.monotonic() >= deadline:
                raise AssertionError(f"a Socket Mode connection is still open after {timeout}s")
            time.sleep(0.01)
        return self.connections()

    def send(self, message: JsonDict, timeout: float = 5.0) -> None:
        """Send ``message`` (an envelope, ``disconnect()``, ...) down the newest open connection.

        Waits up to ``timeout`` for one: a client may be between closing a socket and opening the next.
        """
        deadline = time.monotonic() + timeout
        while True:
            open_ones = [c for c in self.connections() if c.open]
            if open_ones and self.running:
                break
            if time.monotonic() >= deadline:
                raise AssertionError("no open Socket Mode connection to send on")
            time.sleep(0.01)
        self.call(open_ones[-1].ws.send_json(message), timeout=5)

    def push(self, message: JsonDict) -> str:
        """Send an envelope; return its ``envelope_id``."""
        self.send(message)
        return message["envelope_id"]

    def received(self) -> list[JsonDict]:
        """Everything the client sent, on every connection, in order per connection."""
        with self._lock:
            return [m for c in self._connections for m in c.received]

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> JsonDict:
        """Block until the client acknowledges ``envelope_id``; return the ack (``envelope_id``, maybe ``payload``)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.received():
                if message.get("envelope_id") == envelope_id:
                    return message
            if time.monotonic() >= deadline:
                shown = "\n".join(f"  {json.dumps(m)[:200]}" for m in self.received()) or "  (nothing)"
                raise AssertionError(f"no ack for envelope {envelope_id} within {timeout}s; received:\n{shown}")
            time.sleep(0.01)

    def request(self, message: JsonDict, timeout: float = 5.0) -> JsonDict:
        """Push an envelope and wait for its ack."""
        return self.wait_for_ack(self.push(message), timeout)
