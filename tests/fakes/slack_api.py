"""A fake Slack Web API server on 127.0.0.1, for tests that fake Slack at its HTTP boundary.

``FakeSlack`` is an aiohttp application served from a background thread with its own event loop,
so synchronous pytest code can start and stop it and inspect what it received, while the code
under test talks to it over real HTTP with slack_sdk's ``AsyncWebClient``::

    fake = FakeSlack().start()
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)  # == fake.url + "/api/"
    ...                                    # run the code under test
    [call] = fake.wait_for("chat.postMessage")
    assert call.body["channel"] == "C123"
    fake.stop()

How slack_sdk 3.47 reaches it (read from ``slack_sdk/web/async_base_client.py`` and
``slack_sdk/web/internal_utils.py``):

* The URL is ``urljoin(base_url, method)``, and the client appends a missing trailing ``/`` to
  ``base_url``; so ``base_url=f"{fake.url}/api/"`` (or ``.../api``) gives ``POST /api/chat.postMessage``.
  A ``base_url`` without ``/api`` would give ``/chat.postMessage``, which this fake does not serve.
* The token travels as ``Authorization: Bearer xoxb-...`` (slack_sdk pops a ``token`` argument out
  of the body into that header).
* ``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``, ``chat.unfurl`` and
  ``views.publish`` send a JSON body (``Content-Type: application/json;charset=utf-8``), with
  ``blocks``/``view`` as real JSON arrays/objects.
* ``conversations.info`` and ``users.info`` are ``GET`` with the arguments in the query string;
  ``auth.test`` is a ``POST`` with no body. ``client.api_call(method, data={...})`` sends
  ``application/x-www-form-urlencoded`` (where ``blocks`` would be a JSON *string*). The fake
  accepts all of these, and multipart too, and records the merged arguments as ``Call.body``.
* A response is read as JSON only when its Content-Type is ``application/json``. Anything but
  HTTP 200 with ``"ok": true`` raises ``SlackApiError``; only the 429 retry handler, if the client
  was given one, retries (``AsyncRateLimitErrorRetryHandler``: it sleeps ``Retry-After`` + 0-1 s).
  The default handlers retry connection errors only.

It also serves ``POST /respond/<token>`` for ``response_url`` posts (what bolt's ``respond()``
sends with slack_sdk's ``AsyncWebhookClient``: a JSON body), recorded as method ``"response_url"``.

Files shared with the bot: ``add_file(name, data)`` keeps a file and returns its object as an event
carries it, with ``url_private``/``url_private_download`` on this fake (``GET /files-pri/<team>-<id>/
[download/]<name>``, recorded as method ``"files.download"`` with its bearer token); ``files.info``
describes it. As Slack does, a download without a bot token gets a sign-in page (HTML, 200).

Everything binds to and is addressed at 127.0.0.1; nothing here ever reaches another address.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes import workspace
from tests.fakes.loop_server import LoopServer

RESPONSE_URL_METHOD = "response_url"
UPLOAD_METHOD = "files.upload_url"  # the bytes sent to the upload_url that files.getUploadURLExternal gave
DOWNLOAD_METHOD = "files.download"  # a GET of a file's url_private(_download)

JsonDict = dict[str, Any]
Responder = JsonDict | Callable[["Call"], JsonDict]


@dataclass(frozen=True)
class Call:
    """One request the fake received, in arrival order.

    ``body`` is every argument sent, merged: query string, then form or JSON body (values exactly
    as sent: strings for form and query arguments, native JSON types for JSON bodies).
    ``at`` is ``time.monotonic()`` at arrival, so differences between calls are real durations.
    """

    method: str
    headers: dict[str, str]
    body: JsonDict
    at: float
    http_method: str = "POST"
    path: str = ""
    query: dict[str, str] = field(default_factory=dict)
    token: str | None = None  # the Web API token: the Authorization bearer token, or a token argument
    response_token: str | None = None  # for method "response_url": the <token> of /respond/<token>

    def arg(self, name: str, default: Any = None) -> Any:
        """An argument, with a JSON-encoded string (as form-encoded ``blocks`` are) decoded."""
        value = self.body.get(name, default)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def summary(self) -> str:
        shown = {k: v for k, v in self.body.items() if k not in ("blocks", "view", "attachments", "unfurls")}
        return f"{self.method} {json.dumps(shown, default=str)[:200]}"


@dataclass
class _Failure:
    status: int
    headers: dict[str, str]
    body: JsonDict | str | None
    remaining: int
    channel: str | None = None  # only calls to this channel (their ``channel`` argument) draw it


class FakeSlack(LoopServer):
    """A fake Slack Web API and response_url endpoint, served on 127.0.0.1 from its own thread."""

    name = "FakeSlack"

    def __init__(self, *, first_ts: int = 1_700_000_000_000_100) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._delays: dict[str, float] = {}
        self._holds: dict[str, int] = {}  # method -> how many calls are answered before the rest are held
        self._stubs: dict[str, Responder] = {}
        self._ts = itertools.count(first_ts, 100)  # microseconds since the epoch, 100 apart
        self._file_ids = itertools.count(1)
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes uploaded (files_upload_v2)
        self.files: dict[str, tuple[JsonDict, bytes]] = {}  # file id -> (its object, its bytes): add_file
        self._view_ids = itertools.count(1)
        self.messages: dict[str, list[JsonDict]] = {}  # channel -> the messages posted there, oldest first
        self.usergroups: dict[str, list[str]] = {}  # user group id -> its members' user ids (usergroups.users.list)

    def _web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/respond/{token:.+}", self._handle_response_url)  # tokens may hold "/"
        app.router.add_post("/upload/{file_id}", self._handle_upload)  # files.getUploadURLExternal's upload_url
        app.router.add_get("/files-pri/{team_file}/download/{name}", self._handle_download)
        app.router.add_get("/files-pri/{team_file}/{name}", self._handle_download)
        return app

    # ------------------------------------------------------------------ addresses

    @property
    def api_url(self) -> str:
        """The ``base_url`` to give ``AsyncWebClient``."""
        return f"{self.url}/api/"

    def response_url(self, token: str = "T0001/1/response-token") -> str:
        """A ``response_url`` that posts back to this fake, recorded with ``response_token=token``."""
        return f"{self.url}/respond/{token}"

    def web_client(self, token: str = workspace.BOT_TOKEN, **kwargs: Any) -> Any:
        """An ``AsyncWebClient`` pointed at this fake (keyword arguments pass through)."""
        from slack_sdk.web.async_client import AsyncWebClient

        return AsyncWebClient(token=token, base_url=self.api_url, **kwargs)

    def add_file(self, name: str, data: bytes, *, filetype: str | None = None, mimetype: str | None = None) -> JsonDict:
        """Keep a file someone shared; its object as a ``file_share`` event's ``files`` carries it
        (reference/objects/file-object), served at its ``url_private(_download)`` and by ``files.info``."""
        file_id = f"F{next(self._file_ids):010d}"
        suffix = name.rpartition(".")[2].lower() if "." in name else ""
        filetype = filetype or {"txt": "text"}.get(suffix, suffix or "binary")
        mimetype = mimetype or {"pdf": "application/pdf", "text": "text/plain"}.get(
            filetype, "application/octet-stream"
        )
        base = f"{self.url}/files-pri/{workspace.TEAM_ID}-{file_id}"
        file: JsonDict = {
            "id": file_id,
            "created": 1_700_000_000,
            "timestamp": 1_700_000_000,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": "U123",
            "user_team": workspace.TEAM_ID,
            "editable": False,
            "size": len(data),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{base}/{name}",
            "url_private_download": f"{base}/download/{name}",
            "permalink": f"{workspace.TEAM_URL}files/U123/{file_id}/{name}",
            "is_starred": False,
            "has_rich_preview": False,
            "file_access": "visible",
        }
        with self._lock:
            self.files[file_id] = (file, data)
        return dict(file)

    # ------------------------------------------------------------------ what arrived

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self._calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` have arrived; return them (all of them, in order).

        Raises AssertionError listing every call that did arrive. Don't call this from a coroutine
        that shares its event loop with the code under test: use ``wait_for_async`` there.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(self._not_arrived(method, count, timeout, found))
            time.sleep(0.01)

    def answer_to(self, token: str, timeout: float = 20.0) -> Call:
        """Block until secbot has posted to the ``response_url`` made with ``token``; that one post.

        Other response_url posts (earlier requests') do not count, however many there are."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls(RESPONSE_URL_METHOD) if c.response_token == token]
            if found:
                assert len(found) == 1, f"{len(found)} posts to response_url {token}"
                return found[0]
            if time.monotonic() >= deadline:
                raise AssertionError(self._not_arrived(RESPONSE_URL_METHOD, 1, timeout, found))
            time.sleep(0.01)

    async def wait_for_async(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """``wait_for`` for coroutines: yields to the caller's event loop while it waits."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(self._not_arrived(method, count, timeout, found))
            await asyncio.sleep(0.01)

    def _not_arrived(self, method: str, count: int, timeout: float, found: list[Call]) -> str:
        arrived = self.calls()
        listing = "\n".join(f"  {c.summary()}" for c in arrived) or "  (nothing)"
        return f"expected {count} {method} call(s) within {timeout}s, got {len(found)}; all calls:\n{listing}"

    # ------------------------------------------------------------------ scripting

    def fail(
        self,
        method: str,
        status: int = 429,
        headers: dict[str, str] | None = None,
        body: JsonDict | str | None = None,
        times: int = 1,
        *,
        error: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this instead (they are still recorded).

        ``status=429`` defaults to ``Retry-After: 1`` and ``{"ok": false, "error": "ratelimited"}``
        as Slack sends them; ``status=200, error="channel_not_found"`` gives Slack's usual
        ``{"ok": false, "error": "channel_not_found"}``; a ``str`` body is sent as text/plain.
        Several ``fail`` calls queue up in order. With ``channel``, only calls whose ``channel``
        argument is that channel draw this failure (the others pass it by).
        """
        if body is None:
            if error is None:
                error = {429: "ratelimited", 200: "fatal_error"}.get(status, "internal_error")
            body = {"ok": False, "error": error}
        if headers is None:
            headers = {"Retry-After": "1"} if status == 429 else {}
        with self._lock:
            self._failures.setdefault(method, []).append(_Failure(status, dict(headers), body, times, channel))

    def delay(self, method: str, seconds: float) -> None:
        """Hold every later answer to ``method`` for ``seconds`` (0 removes the delay)."""
        with self._lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def hold(self, method: str, after: int = 0) -> None:
        """Leave every call of ``method`` after the first ``after`` unanswered (but recorded) until
        ``release``: a call in flight for as long as a test needs, e.g. when its caller is killed."""
        with self._lock:
            self._holds[method] = after

    def release(self) -> None:
        """Answer the held calls (as they would have been answered) and hold no more."""
        with self._lock:
            self._holds.clear()

    def stub(self, method: str, response: Responder | None) -> None:
        """Answer ``method`` with this ok-body (or ``fn(call) -> body``) instead of the default.

        Also works for methods the fake does not know. ``None`` restores the default answer.
        """
        with self._lock:
            if response is None:
                self._stubs.pop(method, None)
            else:
                self._stubs[method] = response

    def reset(self) -> None:
        """Forget recorded calls and every fail/delay/stub script."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._delays.clear()
            self._holds.clear()
            self._stubs.clear()
            self.usergroups.clear()
            self.uploads.clear()
            self.files.clear()
            self.messages.clear()

    def next_ts(self) -> str:
        """A fresh message timestamp, later than every one handed out before: "1700000000.000100"."""
        with self._lock:
            micros = next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # ------------------------------------------------------------------ HTTP handlers

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        body = await _read_arguments(request)
        headers = dict(request.headers)
        call = Call(
            method=method,
            headers=headers,
            body=body,
            at=time.monotonic(),
            http_method=request.method,
            path=request.path,
            query=dict(request.query),
            token=_bearer(headers) or _str_or_none(body.get("token")),
        )
        with self._lock:
            held = method in self._holds and len([c for c in self._calls if c.method == method]) >= self._holds[method]
        failure, delay, stub = self._record(call)
        posted = None
        if method == "chat.postMessage" and failure is None and stub is None and call.token is not None:
            posted = self._keep_message(call)  # in the channel from now on, whether or not the answer arrives
        while held and method in self._holds:
            await asyncio.sleep(0.01)
        if delay:
            await asyncio.sleep(delay)
        if failure is not None:
            return _failure_response(failure)
        if stub is not None:
            return web.json_response(stub(call) if callable(stub) else stub)
        answer = self._answers.get(method)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if call.token is None:
            return web.json_response({"ok": False, "error": "not_authed"})
        if posted is not None:
            return web.json_response(
                {"ok": True, "channel": call.body.get("channel", ""), "ts": posted["ts"], "message": posted}
            )
        return web.json_response(answer(self, call))

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        """The upload step of ``files_upload_v2``: the file's bytes, kept in ``uploads`` by file id."""
        content = await request.read()
        call = Call(
            method=UPLOAD_METHOD,
            headers=dict(request.headers),
            body={"file_id": request.match_info["file_id"], "length": len(content)},
            at=time.monotonic(),
            path=request.path,
        )
        failure, _delay, _stub = self._record(call)
        if failure is not None:
            return _failure_response(failure)
        with self._lock:
            self.uploads[request.match_info["file_id"]] = content
        return web.Response(text="OK - 200")

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        """A GET of a file's ``url_private(_download)``: its bytes, for a bot token."""
        call = Call(
            method=DOWNLOAD_METHOD,
            headers=dict(request.headers),
            body={"file": request.match_info["team_file"].partition("-")[2]},
            at=time.monotonic(),
            http_method=request.method,
            path=request.path,
            token=_bearer(dict(request.headers)),
        )
        failure, _delay, _stub = self._record(call)
        if failure is not None:
            return _failure_response(failure)
        with self._lock:
            kept = self.files.get(call.body["file"])
        if kept is None:
            return web.Response(status=404, text="file not found")
        if not (call.token or "").startswith("xoxb-"):
            return web.Response(
                text="<!DOCTYPE html><html><body>Sign in to Slack</body></html>", content_type="text/html"
            )
        file, data = kept
        return web.Response(body=data, content_type=file["mimetype"])

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        text = await request.text()
        try:
            body = json.loads(text) if text else {}
        except ValueError:
            body = {"_raw": text}
        call = Call(
            method=RESPONSE_URL_METHOD,
            headers=dict(request.headers),
            body=body if isinstance(body, dict) else {"_json": body},
            at=time.monotonic(),
            path=request.path,
            query=dict(request.query),
            response_token=request.match_info["token"],
        )
        failure, delay, _ = self._record(call)
        if delay:
            await asyncio.sleep(delay)
        if failure is not None:
            return _failure_response(failure)
        # Slack answers a good response_url post with a bare text "ok", as incoming webhooks do.
        return web.Response(text="ok", content_type="text/plain")

    def _record(self, call: Call) -> tuple[_Failure | None, float, Responder | None]:
        with self._lock:
            self._calls.append(call)
            queue = self._failures.get(call.method, [])
            channel = call.body.get("channel")
            index = next((i for i, f in enumerate(queue) if f.channel is None or f.channel == channel), None)
            failure = None if index is None else queue[index]
            if failure is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    del queue[index]
            return failure, self._delays.get(call.method, 0.0), self._stubs.get(call.method)

    # ------------------------------------------------------------------ default answers
    # Shapes follow the "Example response" of each method's page on docs.slack.dev
    # (reference/methods/<method>), trimmed to the fields a bot token gets back.

    def _auth_test(self, call: Call) -> JsonDict:
        return {
            "ok": True,
            "url": workspace.TEAM_URL,
            "team": workspace.TEAM_NAME,
            "user": workspace.BOT_USER_NAME,
            "team_id": workspace.TEAM_ID,
            "user_id": workspace.BOT_USER_ID,
            "bot_id": workspace.BOT_ID,
            "is_enterprise_install": False,
        }

    def _bot_message(self, call: Call, ts: str) -> JsonDict:
        message: JsonDict = {
            "user": workspace.BOT_USER_ID,
            "type": "message",
            "ts": ts,
            "bot_id": workspace.BOT_ID,
            "app_id": workspace.API_APP_ID,
            "text": call.body.get("text", ""),
            "team": workspace.TEAM_ID,
            "bot_profile": {
                "id": workspace.BOT_ID,
                "app_id": workspace.API_APP_ID,
                "name": workspace.BOT_USER_NAME,
                "deleted": False,
                "team_id": workspace.TEAM_ID,
            },
        }
        for name in ("blocks", "attachments", "metadata"):
            if name in call.body:
                message[name] = call.arg(name)
        if call.body.get("thread_ts"):
            message["thread_ts"] = call.body["thread_ts"]
        return message

    def _chat_post_message(self, call: Call) -> JsonDict:
        ts = self.next_ts()
        channel = call.body.get("channel", "")
        return {"ok": True, "channel": channel, "ts": ts, "message": self._bot_message(call, ts)}

    def _keep_message(self, call: Call) -> JsonDict:
        """A posted message, kept in its channel (with its metadata) for conversations.history / .replies."""
        message = self._bot_message(call, self.next_ts())
        if isinstance(call.arg("metadata"), dict):
            message["metadata"] = call.arg("metadata")
        with self._lock:
            self.messages.setdefault(str(call.body.get("channel", "")), []).append(message)
        return message

    def _conversations_history(self, call: Call) -> JsonDict:
        """The channel's top-level messages, newest first (``limit``, default 100); metadata only when asked."""
        with self._lock:
            kept = [m for m in self.messages.get(str(call.body.get("channel", "")), []) if not m.get("thread_ts")]
        return {"ok": True, "messages": _listed(call, kept[::-1]), "has_more": False}

    def _conversations_replies(self, call: Call) -> JsonDict:
        """A thread: its parent, then its replies, oldest first."""
        thread = str(call.body.get("ts", ""))
        with self._lock:
            kept = self.messages.get(str(call.body.get("channel", "")), [])
            found = [m for m in kept if m["ts"] == thread] + [m for m in kept if m.get("thread_ts") == thread]
        if not found:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": _listed(call, found), "has_more": False}

    def _chat_update(self, call: Call) -> JsonDict:
        # chat.update answers with the *updated* message's ts (the one it was given), not a new one.
        ts = _str_or_none(call.body.get("ts")) or self.next_ts()
        message = self._bot_message(call, ts)
        message.pop("ts")
        message.pop("bot_profile")
        return {
            "ok": True,
            "channel": call.body.get("channel", ""),
            "ts": ts,
            "text": call.body.get("text", ""),
            "message": message,
        }

    def _chat_post_ephemeral(self, call: Call) -> JsonDict:
        # Slack's documented answer carries only message_ts: no channel, ts or message.
        return {"ok": True, "message_ts": self.next_ts()}

    def _ok(self, call: Call) -> JsonDict:
        return {"ok": True}

    def _views_publish(self, call: Call) -> JsonDict:
        view = call.arg("view") or {}
        view_id = f"V{next(self._view_ids):010d}"
        return {
            "ok": True,
            "view": {
                "id": view_id,
                "team_id": workspace.TEAM_ID,
                "type": view.get("type", "home"),
                "blocks": view.get("blocks", []),
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{hashlib.sha1(view_id.encode()).hexdigest()[:8]}",
                "title": view.get("title", {"type": "plain_text", "text": "View Title"}),
                "clear_on_close": False,
                "notify_on_close": False,
                "close": None,
                "submit": None,
                "previous_view_id": None,
                "root_view_id": view_id,
                "app_id": workspace.API_APP_ID,
                "external_id": view.get("external_id", ""),
                "app_installed_team_id": workspace.TEAM_ID,
                "bot_id": workspace.BOT_ID,
            },
        }

    def _conversations_info(self, call: Call) -> JsonDict:
        channel_id = str(call.body.get("channel", "C123"))
        if channel_id.startswith("D"):
            channel: JsonDict = {
                "id": channel_id,
                "created": 1_600_000_000,
                "is_archived": False,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": workspace.TEAM_ID,
                "updated": 1_600_000_000_000,
                "user": "U123",
                "last_read": "0000000000.000000",
                "latest": None,
                "unread_count": 0,
                "unread_count_display": 0,
                "is_open": True,
                "priority": 0,
            }
        else:
            name = f"secbot-{channel_id.lower()}"
            channel = {
                "id": channel_id,
                "name": name,
                "is_channel": True,
                "is_group": False,
                "is_im": False,
                "is_mpim": False,
                "is_private": channel_id.startswith("G"),
                "created": 1_600_000_000,
                "is_archived": False,
                "is_general": False,
                "unlinked": 0,
                "name_normalized": name,
                "is_shared": False,
                "is_org_shared": False,
                "is_pending_ext_shared": False,
                "pending_shared": [],
                "context_team_id": workspace.TEAM_ID,
                "updated": 1_600_000_000_000,
                "parent_conversation": None,
                "creator": "U123",
                "is_ext_shared": False,
                "shared_team_ids": [workspace.TEAM_ID],
                "pending_connected_team_ids": [],
                "is_member": True,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
                "previous_names": [],
            }
        return {"ok": True, "channel": channel}

    def _users_info(self, call: Call) -> JsonDict:
        user_id = str(call.body.get("user", "U123"))
        is_bot = user_id == workspace.BOT_USER_ID
        name = workspace.BOT_USER_NAME if is_bot else f"user.{user_id.lower()}"
        real_name = "Secbot" if is_bot else f"Test User {user_id}"
        profile: JsonDict = {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "fields": None,
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "avatar_hash": "g0000000000a",
            "first_name": real_name.split()[0],
            "last_name": " ".join(real_name.split()[1:]),
            "image_24": "https://a.slack-edge.com/80588/img/avatars/ava_0001-24.png",
            "image_48": "https://a.slack-edge.com/80588/img/avatars/ava_0001-48.png",
            "image_72": "https://a.slack-edge.com/80588/img/avatars/ava_0001-72.png",
            "team": workspace.TEAM_ID,
        }
        if is_bot:
            profile.update({"bot_id": workspace.BOT_ID, "api_app_id": workspace.API_APP_ID, "always_active": True})
        else:
            profile["email"] = f"{name}@example.com"
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": workspace.TEAM_ID,
                "name": name,
                "deleted": False,
                "color": "9f69e7",
                "real_name": real_name,
                "tz": "Europe/London",
                "tz_label": "Greenwich Mean Time",
                "tz_offset": 0,
                "profile": profile,
                "is_admin": False,
                "is_owner": False,
                "is_primary_owner": False,
                "is_restricted": False,
                "is_ultra_restricted": False,
                "is_bot": is_bot,
                "is_app_user": False,
                "updated": 1_600_000_000,
                "is_email_confirmed": not is_bot,
                "who_can_share_contact_card": "EVERYONE",
            },
        }

    def _files_get_upload_url(self, call: Call) -> JsonDict:
        file_id = f"F{next(self._file_ids):010d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, call: Call) -> JsonDict:
        files = call.arg("files") or []
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _files_info(self, call: Call) -> JsonDict:
        with self._lock:
            kept = self.files.get(str(call.body.get("file", "")))
        if kept is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": dict(kept[0]), "comments": [], "response_metadata": {"next_cursor": ""}}

    def _usergroups_users_list(self, call: Call) -> JsonDict:
        with self._lock:
            users = self.usergroups.get(str(call.body.get("usergroup", "")))
        if users is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(users)}

    _answers: ClassVar[dict[str, Callable[[FakeSlack, Call], JsonDict]]] = {
        "auth.test": _auth_test,
        "chat.postMessage": _chat_post_message,
        "chat.update": _chat_update,
        "chat.postEphemeral": _chat_post_ephemeral,
        "chat.unfurl": _ok,
        "views.publish": _views_publish,
        "conversations.info": _conversations_info,
        "conversations.history": _conversations_history,
        "conversations.replies": _conversations_replies,
        "users.info": _users_info,
        "usergroups.users.list": _usergroups_users_list,
        "files.getUploadURLExternal": _files_get_upload_url,
        "files.completeUploadExternal": _files_complete_upload,
        "files.info": _files_info,
    }


# ---------------------------------------------------------------------- helpers


async def _read_arguments(request: web.Request) -> JsonDict:
    """Every argument of a Web API call: query string, then the body in whatever encoding it came."""
    arguments: JsonDict = dict(request.query)
    if not request.can_read_body:
        return arguments
    content_type = request.content_type
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, str):
                arguments[name] = value
            else:  # an uploaded file
                content = value.file.read()
                arguments[name] = f"<file {value.filename!r}, {len(content)} bytes>"
        return arguments
    text = await request.text()
    if not text:
        return arguments
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = dict(parse_qsl(text, keep_blank_values=True))
    if isinstance(parsed, dict):
        arguments.update(parsed)
    else:
        arguments["_json"] = parsed
    return arguments


def _listed(call: Call, messages: list[JsonDict]) -> list[JsonDict]:
    limit = int(call.body.get("limit") or 100)
    with_metadata = str(call.body.get("include_all_metadata", "")).lower() in ("1", "true")
    return [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in messages[:limit]]


def _failure_response(failure: _Failure) -> web.StreamResponse:
    if isinstance(failure.body, str):
        return web.Response(status=failure.status, headers=failure.headers, text=failure.body)
    return web.json_response(failure.body, status=failure.status, headers=failure.headers)


def _bearer(headers: dict[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "authorization" and value.startswith("Bearer "):
            return value[len("Bearer ") :].strip() or None
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
