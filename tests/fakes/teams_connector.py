"""A fake of Microsoft's side of a Teams bot, on 127.0.0.1: Bot Framework's signing keys and the
Bot Connector service that a bot posts its replies to.

``FakeTeams`` is an aiohttp application served from a background thread with its own event loop
(like ``slack_api.FakeSlack``). It serves:

* ``GET /botframework/v1/.well-known/openidconfiguration`` and ``GET /botframework/v1/.well-known/keys``:
  the OpenID metadata and JWKS (an RSA key endorsed for ``msteams``) that ``SECBOT_TEAMS_OPENID_METADATA_URL``
  points secbot at. ``token()`` signs what the Bot Connector would send (issuer
  ``https://api.botframework.com``, audience the app id, a ``serviceurl`` claim), or a bad variant.
* The connector API under the service URL ``{url}/uk/`` (what Teams puts in ``activity.serviceUrl``):
  ``POST v3/conversations/{id}/activities`` (send), ``POST v3/conversations/{id}/activities/{activityId}``
  (reply) and ``PUT v3/conversations/{id}/activities/{activityId}`` (update). Each call is recorded
  with its bearer token; ``fail()`` makes a conversation answer an error status a number of times.
  ``GET v3/conversations/{teamId}/members/{userId}`` answers a member of a team named in
  ``add_team_member()`` (by ``from.id`` or Entra object id) and 404 for anyone else; these lookups are
  recorded in ``member_lookups``, apart from ``calls``.
* ``GET /files/{id}/{name}``: a file someone sent the bot in a personal chat, kept by ``add_file()``,
  which returns the pre-authorised ``downloadUrl`` Teams would give (SharePoint's, here on 127.0.0.1);
  each download is recorded in ``downloads`` with its Authorization header (there should be none).
* Every request it receives, at any path (one it does not serve too, answered 404), is recorded in
  ``received`` as (method, path with query string, as sent): a test can tell that secbot called no
  path it should not.

The token secbot fetches for its outbound calls (from Entra ID, through MSAL and ``requests``) is
faked with ``responses`` by ``token_service()``.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jwt
import responses
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.loop_server import HOST, LoopServer

APP_ID = "00000000-0000-4000-8000-00000000a11d"
APP_PASSWORD = "not-a-real-app-password"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT_ID = f"28:{APP_ID}"
ISSUER = "https://api.botframework.com"
OUTBOUND_TOKEN = "outbound-token-from-the-fake-token-service"
KEY_ID = "fake-bot-framework-key"


@dataclass(frozen=True)
class ConnectorCall:
    http_method: str
    conversation_id: str
    activity_id: str | None  # the activity replied to or updated
    body: dict[str, Any]
    token: str | None
    at: float


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeTeams(LoopServer):
    name = "FakeTeams"

    def __init__(self) -> None:
        super().__init__()
        self.key = _private_key()
        self.other_key = _private_key()  # signs tokens that must be refused
        self.calls: list[ConnectorCall] = []
        self.member_lookups: list[ConnectorCall] = []
        self.received: list[tuple[str, str]] = []
        self._team_members: dict[str, set[str]] = {}
        self._files: dict[str, tuple[bytes, str, int]] = {}  # id -> (bytes, content type, status)
        self.downloads: list[tuple[str, str | None]] = []  # (path, Authorization header) of each file fetched
        self._failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self._ids = itertools.count(1)
        self._changed = threading.Condition()

    # -- addresses -------------------------------------------------------------------------------
    @property
    def service_url(self) -> str:
        return f"{self.url}/uk/"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/botframework/v1/.well-known/openidconfiguration"

    # -- tokens ------------------------------------------------------------------------------------
    def token(
        self,
        *,
        audience: str = APP_ID,
        issuer: str = ISSUER,
        service_url: str | None = None,
        expires_in: int = 3600,
        signed_by: rsa.RSAPrivateKey | None = None,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url or self.service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + expires_in,
        }
        return jwt.encode(claims, signed_by or self.key, algorithm="RS256", headers={"kid": KEY_ID})

    # -- behaviour ---------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._changed:
            self.calls.clear()
            self._failures.clear()
            self.member_lookups.clear()
            self.received.clear()
            self._team_members.clear()
            self._files.clear()
            self.downloads.clear()

    def add_team_member(self, team_id: str, *user_ids: str) -> None:
        """Make ``user_ids`` (a ``29:`` id or an Entra object id) members of the team ``19:…`` ``team_id``."""
        with self._changed:
            self._team_members.setdefault(team_id, set()).update(user_ids)

    def add_file(
        self, name: str, data: bytes, *, content_type: str = "application/octet-stream", status: int = 200
    ) -> str:
        """Keep a file sent to the bot; its download address (answered with ``status``: 200, or a failure)."""
        file_id = f"{next(self._ids):012d}"
        with self._changed:
            self._files[file_id] = (data, content_type, status)
        return f"{self.url}/files/{file_id}/{name}?tempauth=not-a-real-credential"

    def fail(self, conversation_id: str, status: int, *, times: int = 1, headers: dict[str, str] | None = None) -> None:
        with self._changed:
            self._failures.setdefault(conversation_id, []).extend([(status, headers or {})] * times)

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[ConnectorCall]:
        """Wait until at least ``count`` connector calls arrived; returns them all."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.calls) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} connector call(s), got {len(self.calls)}: {self.calls}")
                self._changed.wait(left)
            return list(self.calls)

    # -- the server --------------------------------------------------------------------------------
    def _web_app(self) -> web.Application:
        app = web.Application(middlewares=[self._record_every_request])
        app.router.add_get("/botframework/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/botframework/v1/.well-known/keys", self._keys)
        app.router.add_route("*", "/uk/v3/conversations/{conversation}/activities", self._connector)
        app.router.add_route("*", "/uk/v3/conversations/{conversation}/activities/{activity}", self._connector)
        app.router.add_get("/uk/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/files/{id}/{name}", self._file)
        return app

    @web.middleware
    async def _record_every_request(self, request: web.Request, handler) -> web.StreamResponse:
        with self._changed:
            self.received.append((request.method, request.raw_path))
        return await handler(request)

    async def _metadata(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": f"{self.url}/botframework/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": KEY_ID, "use": "sig", "endorsements": ["msteams", "emulator"]})
        return web.json_response({"keys": [jwk]})

    async def _connector(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        activity_id = request.match_info.get("activity")
        body = await request.json()
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        with self._changed:
            self.calls.append(ConnectorCall(request.method, conversation, activity_id, body, token, time.monotonic()))
            failures = self._failures.get(conversation)
            failure = failures.pop(0) if failures else None
            self._changed.notify_all()
        if failure is not None:
            status, headers = failure
            return web.json_response(
                {"error": {"code": "Failed", "message": f"HTTP {status}"}}, status=status, headers=headers
            )
        if request.method == "PUT":
            return web.json_response({"id": activity_id})
        return web.json_response({"id": f"1{next(self._ids):012d}"})

    async def _file(self, request: web.Request) -> web.Response:
        with self._changed:
            self.downloads.append((request.path, request.headers.get("Authorization")))
            kept = self._files.get(request.match_info["id"])
            self._changed.notify_all()
        if kept is None:
            return web.Response(status=404, text="not found")
        data, content_type, status = kept
        if status != 200:
            return web.Response(status=status, text="the file server failed")
        return web.Response(body=data, content_type=content_type)

    async def _member(self, request: web.Request) -> web.Response:
        team, member = request.match_info["conversation"], request.match_info["member"]
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        with self._changed:
            self.member_lookups.append(ConnectorCall("GET", team, member, {}, token, time.monotonic()))
            found = member in self._team_members.get(team, set())
        if not found:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation", "message": "The member was not found."}}, status=404
            )
        account = {"id": member, "name": "Team Member", "userRole": "user", "tenantId": TENANT_ID}
        if not member.startswith("29:"):
            account["aadObjectId"] = member
        return web.json_response(account)


@contextmanager
def token_service(grants: Iterator[bool | str] | None = None) -> Iterator[responses.RequestsMock]:
    """Entra ID's token endpoint, as MSAL (on ``requests``) reaches it, answering a fixed token.

    With ``grants``, each token request takes the next of them: True grants a token that is about to
    expire (so MSAL asks again next time), False answers 503 ``temporarily_unavailable``, and a string
    answers 400 with that OAuth error code (``invalid_client``: a wrong or expired client secret).
    Everything else ``requests`` sends (tests talking to 127.0.0.1) passes through untouched.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(re.compile(rf"http://{re.escape(HOST)}(:\d+)?/"))
        mock.add_callback(
            responses.GET,
            re.compile(r"https://login\.microsoftonline\.com/[^/]+/v2\.0/\.well-known/openid-configuration"),
            callback=_openid_configuration,
        )
        mock.add(
            responses.GET,
            re.compile(r"https://login\.microsoftonline\.com/common/discovery/instance.*"),
            json={
                "tenant_discovery_endpoint": "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
                # MSAL reads the aliases after Entra ID refused a token (to look for one cached under another)
                "api-version": "1.1",
                "metadata": [
                    {
                        "preferred_network": "login.microsoftonline.com",
                        "preferred_cache": "login.windows.net",
                        "aliases": ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com"],
                    }
                ],
            },
        )
        token_url = re.compile(r"https://login\.microsoftonline\.com/[^/]+/oauth2/v2\.0/token")
        if grants is None:
            mock.add(
                responses.POST,
                token_url,
                json={"token_type": "Bearer", "expires_in": 3600, "access_token": OUTBOUND_TOKEN},
            )
        else:
            mock.add_callback(responses.POST, token_url, callback=lambda _request: _grant(next(grants, False)))
        yield mock


def _grant(granted: bool | str) -> tuple[int, dict, str]:
    import json

    if isinstance(granted, str):
        body = {"error": granted, "error_description": f"AADSTS7000215: {granted}.", "error_codes": [7000215]}
        return 400, {"Content-Type": "application/json"}, json.dumps(body)
    if granted:  # MSAL does not reuse a token within five minutes of its expiry
        body = {"token_type": "Bearer", "expires_in": 60, "access_token": OUTBOUND_TOKEN}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)
    body = {"error": "temporarily_unavailable", "error_description": "The token service is busy."}
    return 503, {"Content-Type": "application/json"}, json.dumps(body)


def _openid_configuration(request) -> tuple[int, dict, str]:
    import json

    tenant = request.url.split("/")[3]
    base = f"https://login.microsoftonline.com/{tenant}"
    body = {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
    }
    return 200, {"Content-Type": "application/json"}, json.dumps(body)
