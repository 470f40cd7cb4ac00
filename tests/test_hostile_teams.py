"""The Teams door against hostile and broken requests, over a real socket.

Every odd activity (not JSON, the wrong shape, ids that are not text, a ``serviceUrl`` secbot must not
send its token to, odd card values, too big, the wrong content type) is refused by the door with a
short plain-text reason (or the invoke response the protocol prescribes), never a 500 or a traceback,
and nothing reaches the Bot Connector; a good message is answered afterwards. With the token check
on, a request without a good token is refused 401 before its body is read. No aiohttp session is
left open, whether a reply is posted, refused or never made. When the database is away
(``tests.fakes.db_outage``: the SQLite file's directory gone, or the TCP proxy in front of PostgreSQL
cut), a message is still answered, politely, and an install event gets 503 with Retry-After. Teams is faked at its HTTP
boundary (``tests.fakes.teams_connector``).
"""

from __future__ import annotations

import copy
import gc
import itertools
import json
import logging
import re
import warnings
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import aiohttp
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from secbot import outages
from secbot.app import build
from secbot.delivery.errors import DeliveryFailed
from secbot.platforms.teams.cards import SUBMIT_KEY
from secbot.platforms.teams.inbound import MAX_BODY_BYTES
from secbot.store import conversations
from secbot.store.models import InboundDelivery
from tests.fakes.db_outage import outage_database
from tests.fakes.teams_connector import FakeTeams, token_service
from tests.servers import serving
from tests.support.databases import database_url, drop_schema, leased
from tests.support.teams_client import (
    MP161_TITLE,
    PERSONAL,
    TEAM_CHANNEL,
    TeamsClient,
    card_of,
    first_text,
    teams_settings,
)

pytestmark = pytest.mark.usefixtures("no_proxy")

TRACE_MARKERS = ("Traceback", 'File "', "Error:", "<html")
INVOKE_ERROR = "application/vnd.microsoft.error"


# --- servers ------------------------------------------------------------------------------------------


class Door(TeamsClient):
    """A Teams client that can also send raw bytes, and whose token (with the check on) is minted for
    whatever ``serviceUrl`` the activity names, as if Microsoft itself had sent the odd activity."""

    def __init__(self, served, fake: FakeTeams, *, authenticated: bool) -> None:
        super().__init__(served, fake)
        self.authenticated = authenticated

    @property
    def url(self) -> str:
        return f"{self.served.base}/api/messages"

    def token_for(self, body) -> str | None:
        if not self.authenticated:
            return None
        service_url = body.get("serviceUrl") if isinstance(body, dict) else None
        return self.fake.token(service_url=service_url if isinstance(service_url, str) and service_url else None)

    def post(self, body, *, raw: bytes | None = None, headers: dict | None = None) -> requests.Response:
        token = self.token_for(body)
        sent = {"Content-Type": "application/json"}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        data = raw if raw is not None else json.dumps(body).encode("utf-8")
        return requests.post(self.url, data=data, headers=sent, timeout=20)

    def footprint(self) -> tuple[set[str], int]:
        """What an activity leaves behind: the conversations saved and the deliveries claimed."""
        store = self.door.app.store
        with store.engine.connect() as connection:
            claims = connection.scalar(select(func.count()).select_from(InboundDelivery))
        return {saved.conversation_id for saved in conversations.all_saved(store)}, claims

    def good_message_is_answered(self) -> None:
        self.fake.reset()
        response = self.post(self.activity("personal_message", text="MP161"))
        assert response.status_code in (200, 202)
        [call] = self.fake.wait_for(1)
        assert MP161_TITLE in first_text(card_of(call.body))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTeams]:
    with FakeTeams() as server:
        yield server


@contextmanager
def module_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the sample register for a module-scoped door."""
    with leased("sample", tmp_path_factory.mktemp("hostile-teams")) as url:
        yield url


@contextmanager
def door(url: str, fake: FakeTeams, *, authenticated: bool, **overrides) -> Iterator[Door]:
    if authenticated:
        settings_ = teams_settings(url, fake, **overrides)
    else:
        settings_ = teams_settings(url, fake, teams_auth="off", teams_app_id=None, teams_app_password=None, **overrides)
    app = build(settings_)
    try:
        with token_service(), serving(app) as served:
            yield Door(served, fake, authenticated=authenticated)
    finally:
        app.store.engine.dispose()


@pytest.fixture(scope="module", params=["emulator", "token check on"])
def doors(request, tmp_path_factory, fake) -> Iterator[Door]:
    """The door in emulator mode (SECBOT_TEAMS_AUTH=off) and with the token check on, once per module."""
    with module_database(tmp_path_factory) as url, door(url, fake, authenticated=request.param != "emulator") as d:
        yield d


@pytest.fixture
def teams_door(doors) -> Door:
    doors.fake.reset()
    return doors


# --- the odd-activity corpus -------------------------------------------------------------------------


def message(client: Door, **changes) -> dict:
    return client.activity("personal_message", **changes)


def without(client: Door, name: str, *keys: str) -> dict:
    body = client.activity(name)
    for key in keys:
        body.pop(key)
    return body


def nested(depth: int):
    value: object = "MP161"
    for _ in range(depth):
        value = {"v": value}
    return value


_invoke_ids = itertools.count(1)


def invoke(client: Door, value=..., **changes) -> dict:
    body = client.activity("card_execute_invoke", **changes)
    body["id"] = f"f:hostile-{next(_invoke_ids)}"
    if value is ...:
        return body
    if value is None:
        body.pop("value")
    else:
        body["value"] = value
    return body


def execute(data) -> dict:
    return {"action": {"type": "Action.Execute", "verb": "secbot", "data": data}, "trigger": "manual"}


# (body builder, expected status in emulator mode, expected status with the token check on when it differs)
ODD_BODIES: dict[str, tuple[Callable[[Door], dict], int, int | None]] = {
    # the activity's type
    "no type": (lambda c: without(c, "personal_message", "type"), 400, None),
    "type a number": (lambda c: message(c, type=5), 400, None),
    "type empty": (lambda c: message(c, type=""), 400, None),
    # who and where
    "no conversation": (lambda c: without(c, "personal_message", "conversation"), 400, None),
    "conversation without id": (lambda c: message(c, conversation={"conversationType": "personal"}), 400, None),
    "conversation a string": (lambda c: message(c, conversation=PERSONAL), 400, None),
    "no from": (lambda c: without(c, "personal_message", "from"), 400, None),
    "no recipient": (lambda c: without(c, "personal_message", "recipient"), 400, None),
    "id a number": (lambda c: message(c, id=17), 400, None),
    "from.id a list": (lambda c: message(c, **{"from": {"id": ["29:x"], "name": "A"}}), 400, None),
    "recipient.id a number": (lambda c: message(c, recipient={"id": 28}), 400, None),
    "conversation.id with a NUL": (lambda c: message(c, conversation={"id": "a:1\x00x"}), 400, None),
    "conversation.id with a lone surrogate": (lambda c: message(c, conversation={"id": "a:1\ud800"}), 400, None),
    "from.name with a line break": (lambda c: message(c, **{"from": {"id": "29:x", "name": "A\nB"}}), 400, None),
    "conversation.id 1,000 characters": (lambda c: message(c, conversation={"id": "a:" + "x" * 1000}), 400, None),
    "conversation.tenantId 100 characters": (
        lambda c: message(c, conversation={"id": PERSONAL, "tenantId": "t" * 100}),
        400,
        None,
    ),
    "recipient an agentic identity": (
        lambda c: message(c, recipient={"id": "28:x", "role": "agenticAppInstance"}),
        400,
        None,
    ),
    "from a connector user": (lambda c: message(c, **{"from": {"id": "29:x", "role": "connectoruser"}}), 400, None),
    "channelId a number": (lambda c: message(c, channelId=5), 400, 401),  # the key is endorsed for msteams only
    # where the reply (and secbot's token) would go
    "no serviceUrl": (lambda c: without(c, "personal_message", "serviceUrl"), 400, 401),
    "serviceUrl a number": (lambda c: message(c, serviceUrl=443), 400, 401),
    "serviceUrl ftp": (lambda c: message(c, serviceUrl="ftp://127.0.0.1/uk/"), 400, None),
    "serviceUrl javascript": (lambda c: message(c, serviceUrl="javascript:alert(1)"), 400, None),
    "serviceUrl without a host": (lambda c: message(c, serviceUrl="http://"), 400, None),
    "serviceUrl empty": (lambda c: message(c, serviceUrl=""), 400, 401),
    # what was said
    "text a number": (lambda c: message(c, text=161), 400, None),
    "text a list": (lambda c: message(c, text=["MP161"]), 400, None),
    "text an object": (lambda c: message(c, text={"MP": 161}), 400, None),
    "attachments a string": (lambda c: message(c, attachments="card"), 400, None),
    "attachments of numbers": (lambda c: message(c, attachments=[1, 2]), 400, None),
    "attachment contentType a number": (lambda c: message(c, attachments=[{"contentType": 5}]), 400, None),
    "entities a string": (lambda c: message(c, entities="mention"), 400, None),
    "mention of a string": (lambda c: message(c, entities=[{"type": "mention", "mentioned": "bot"}]), 400, None),
    "timestamp not a time": (lambda c: message(c, timestamp="yesterday"), 400, None),
    # a card's Action.Submit (message-back) value
    "value a string": (lambda c: message(c, value="MP161"), 400, None),
    "value a list": (lambda c: message(c, value=["MP161"]), 400, None),
    "value.secbot a number": (lambda c: message(c, value={SUBMIT_KEY: 161}), 400, None),
    "value.secbot a list": (lambda c: message(c, value={SUBMIT_KEY: ["MP161"]}), 400, None),
    # channelData
    "channelData a string": (lambda c: message(c, channelData="msteams"), 400, None),
    "channelData a list": (lambda c: message(c, channelData=[1]), 400, None),
    "channelData.tenant a string": (lambda c: message(c, channelData={"tenant": "72f988bf"}), 400, None),
    "channelData.tenant.id a number": (lambda c: message(c, channelData={"tenant": {"id": 72}}), 400, None),
    "channelData.team a string": (lambda c: message(c, channelData={"team": TEAM_CHANNEL}), 400, None),
    "channelData.team.id an object": (lambda c: message(c, channelData={"team": {"id": {}}}), 400, None),
    "channelData.team.name a number": (lambda c: message(c, channelData={"team": {"name": 5}}), 400, None),
    # events
    "membersAdded a string": (lambda c: without(c, "bot_added_to_team") | {"membersAdded": "bot"}, 400, None),
    "membersAdded of numbers": (lambda c: without(c, "bot_added_to_team") | {"membersAdded": [1]}, 400, None),
    "installationUpdate action a number": (lambda c: without(c, "installation_add_team") | {"action": 1}, 400, None),
    # structure
    "nested 100 deep": (lambda c: message(c, value={SUBMIT_KEY: "MP161", "deep": nested(100)}), 400, None),
    "a sub-channel that contradicts its productInfo": (
        lambda c: message(c, channelId="msteams:one", entities=[{"type": "ProductInfo", "id": "two"}]),
        400,
        401,
    ),
}

# Action.Execute invokes whose value is not one: the Universal Actions error response, with HTTP 400.
ODD_INVOKES: dict[str, tuple[Callable[[Door], dict], str]] = {
    "no value": (lambda c: invoke(c, None), "BadRequest"),
    "value a string": (lambda c: invoke(c, "MP161 timeline"), "BadRequest"),
    "value a list": (lambda c: invoke(c, [execute({SUBMIT_KEY: "MP161"})]), "BadRequest"),
    "value without an action": (lambda c: invoke(c, {"trigger": "manual"}), "BadRequest"),
    "action a string": (lambda c: invoke(c, {"action": "Action.Execute"}), "BadRequest"),
    "action.type a number": (lambda c: invoke(c, {"action": {"type": 5}}), "BadRequest"),
    "data a list": (lambda c: invoke(c, execute([SUBMIT_KEY, "MP161"])), "BadRequest"),
    "data.secbot a number": (lambda c: invoke(c, execute({SUBMIT_KEY: 161})), "BadRequest"),
    "data.secbot an object": (lambda c: invoke(c, execute({SUBMIT_KEY: {"MP": 161}})), "BadRequest"),
    "authentication a string": (
        lambda c: invoke(c, execute({SUBMIT_KEY: "MP161"}) | {"authentication": "yes"}),
        "BadRequest",
    ),
    "an Action.Submit invoked": (
        lambda c: invoke(c, {"action": {"type": "Action.Submit", "data": {SUBMIT_KEY: "MP161"}}}),
        "NotSupported",
    ),
}

# Bodies that are not an activity at all: (bytes, headers, expected status)
ODD_BYTES: dict[str, tuple[bytes, dict[str, str], int]] = {
    "not JSON": (b"MP161", {}, 400),
    "empty": (b"", {}, 400),
    "a JSON list": (b"[1, 2]", {}, 400),
    "a JSON string": (b'"message"', {}, 400),
    "JSON null": (b"null", {}, 400),
    "not UTF-8": (b'{"type": "message", "text": "\xff\xfe"}', {}, 400),
    "a byte-order mark": (b'\xef\xbb\xbf{"type": "message"}', {}, 400),
    "NaN": (b'{"type": "message", "value": NaN}', {}, 400),
    "a 5,000-digit number": (b'{"type": "message", "value": ' + b"9" * 5000 + b"}", {}, 400),
    "nested 5,000 deep": (b"[" * 5000 + b"]" * 5000, {}, 400),
    "text/plain": (b'{"type": "message"}', {"Content-Type": "text/plain"}, 415),
    "a form": (b"type=message&text=MP161", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    "JSON in Latin-1": (b'{"type": "message"}', {"Content-Type": "application/json; charset=latin-1"}, 415),
    "larger than the cap": (b'{"text": "' + b"x" * MAX_BODY_BYTES + b'"}', {}, 413),
}


def assert_plain_refusal(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    assert 0 < len(response.text) < 300 and response.text.count("\n") == 1
    assert not any(marker in response.text for marker in TRACE_MARKERS)


@pytest.mark.parametrize("case", list(ODD_BODIES))
def test_an_odd_activity_is_refused_with_a_reason_and_nothing_is_posted(teams_door, case):
    build_body, status, with_token = ODD_BODIES[case]
    expected = with_token if teams_door.authenticated and with_token else status
    before = teams_door.footprint()
    response = teams_door.post(build_body(teams_door))
    assert_plain_refusal(response, expected)
    assert teams_door.fake.calls == []
    assert teams_door.footprint() == before
    teams_door.good_message_is_answered()


@pytest.mark.parametrize("case", list(ODD_INVOKES))
def test_an_odd_action_execute_gets_the_universal_actions_error(teams_door, case):
    build_body, code = ODD_INVOKES[case]
    before = teams_door.footprint()
    response = teams_door.post(build_body(teams_door))
    assert teams_door.footprint() == before
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["statusCode"] == 400 and body["type"] == INVOKE_ERROR
    assert body["value"]["code"] == code and body["value"]["message"]
    assert not any(marker in response.text for marker in TRACE_MARKERS)
    assert teams_door.fake.calls == []
    teams_door.good_message_is_answered()


@pytest.mark.parametrize("case", list(ODD_BYTES))
def test_a_body_that_is_not_an_activity_is_refused(teams_door, case):
    raw, headers, status = ODD_BYTES[case]
    # With the token check on, the token names the fake's service URL: good, so the body decides.
    response = teams_door.post({}, raw=raw, headers=headers)
    assert_plain_refusal(response, status)
    assert teams_door.fake.calls == []
    teams_door.good_message_is_answered()


def test_a_chunked_body_past_the_cap_is_refused_413(teams_door):
    def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 8):
            yield b" " * 1024  # JSON allows the whitespace; the size alone refuses it

    token = teams_door.token_for({})
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    response = requests.post(teams_door.url, data=chunks(), headers=headers, timeout=20)
    assert_plain_refusal(response, 413)
    teams_door.good_message_is_answered()


def test_an_unknown_activity_type_is_accepted_and_ignored(teams_door):
    response = teams_door.post(message(teams_door, type="somethingNew"))
    assert response.status_code in (200, 202)
    assert teams_door.fake.calls == []


# Invokes secbot has no handler for (its manifest declares no message extension, task module or sign-in):
# the SDK would answer them 501 Not Implemented; the door refuses them first.
UNHANDLED_INVOKES = [
    None,
    "task/fetch",
    "task/submit",
    "signin/verifyState",
    "signin/tokenExchange",
    "composeExtension/query",
    "config/fetch",
    "\x00fuzz/odd",
]


@pytest.mark.parametrize("name", UNHANDLED_INVOKES, ids=repr)
def test_an_invoke_secbot_does_not_handle_is_refused_400_with_a_reason(teams_door, name):
    body = invoke(teams_door, execute({SUBMIT_KEY: "MP161"}))
    if name is None:
        body.pop("name")
    else:
        body["name"] = name
    before = teams_door.footprint()
    response = teams_door.post(body)
    assert_plain_refusal(response, 400)
    assert response.text == "name: secbot does not handle this invoke (only adaptiveCard/action)\n"
    assert teams_door.fake.calls == []
    assert teams_door.footprint() == before
    teams_door.good_message_is_answered()


def test_a_good_action_execute_still_gets_its_card(teams_door):
    response = teams_door.post(invoke(teams_door))
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive" and "timeline" in first_text(body["value"]).lower()


# --- with the token check on -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def secured(tmp_path_factory, fake) -> Iterator[Door]:
    with module_database(tmp_path_factory) as url, door(url, fake, authenticated=True) as d:
        yield d


@pytest.mark.parametrize(
    ("case", "raw", "headers"),
    [
        ("not JSON", b"MP161", {}),
        ("a JSON list", b"[1]", {}),
        ("not UTF-8", b"\xff\xfe{", {}),
        ("text/plain", b"MP161", {"Content-Type": "text/plain"}),
        ("too large, said up front", b"x" * (MAX_BODY_BYTES + 1), {}),
        ("an odd activity", json.dumps({"type": 5, "conversation": "x"}).encode(), {}),
    ],
)
@pytest.mark.parametrize("token", ["none", "garbage", "Basic"])
def test_without_a_good_token_garbage_is_refused_401_before_its_body_is_read(secured, case, raw, headers, token):
    secured.fake.reset()
    authorization = {"none": {}, "garbage": {"Authorization": "Bearer a.b.c"}, "Basic": {"Authorization": "Basic eA=="}}
    sent = {"Content-Type": "application/json", **headers, **authorization[token]}
    response = requests.post(secured.url, data=raw, headers=sent, timeout=20)
    assert_plain_refusal(response, 401)
    assert response.text.startswith("unauthorized")
    assert secured.fake.calls == []


def test_a_token_for_another_service_url_is_refused_401(secured):
    secured.fake.reset()
    activity = message(secured)
    token = secured.fake.token(service_url="https://evil.example.com/uk/")
    response = requests.post(secured.url, json=activity, headers={"Authorization": f"Bearer {token}"}, timeout=20)
    assert_plain_refusal(response, 401)
    assert secured.fake.calls == []


def test_a_service_url_outside_the_allowed_hosts_is_refused_401(tmp_path, fake):
    """Microsoft's hosts only (the default): an activity naming another host, even with a token minted
    for it, never makes secbot send its token there."""
    fake.reset()
    url, schema = database_url(tmp_path, "sample")
    try:
        with door(url, fake, authenticated=True, teams_service_hosts=[]) as d:
            evil = "https://evil.example.com/uk/"
            response = d.post(message(d, serviceUrl=evil))
            assert_plain_refusal(response, 401)
            assert "serviceUrl" in response.text
            assert fake.calls == []
            assert conversations.all_saved(d.door.app.store) == []
    finally:
        drop_schema(schema)


# --- ids that would leave their place in the connector's URL ---------------------------------------------
# The Agents SDK puts ids into the Bot Connector's URL paths as they are: conversation.id and the activity
# id (a reply: POST v3/conversations/{conversation}/activities/{id}), replyToId (a "More" page: PUT
# …/activities/{replyToId}), channelData.team.id and from.id (a membership lookup: GET
# v3/conversations/{team}/members/{from}).

ADMIN_TEAM_GROUP = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"  # channel_mention.json's team
NO_MEMBERSHIP_CACHE = {"admin_membership_cache_seconds": 0}  # every whoami asks the connector
CONNECTOR_PATH = r"/uk/v3/conversations/[^/?#]+/(activities(/[^/?#]+)?|members/[^/?#]+)"

HOSTILE_IDS = {
    "up and out, with a query": "../../fz1/../x?y=#z",
    "a slash": "a:1abc/../../x",
    "a query": "a:1abc?x=1",
    "a fragment": "a:1abc#x",
    "a percent-encoded slash": "a:1abc%2F..%2Fx",
    "a backslash": "a:1abc\\..\\x",
    "a space": "a:1abc x",
    "a no-break space": "a:1abc\u00a0x",
    "an ideographic space": "a:1abc\u3000x",
    "dot-dot": "..",
    "dot": ".",
}


def _with_id(client: Door, position: str, value: str) -> dict:
    """An activity whose id at ``position`` is ``value``, of a kind that puts that id into a connector URL."""
    if position == "conversation.id":
        return message(client, text="MP161", conversation={"conversationType": "personal", "id": value})
    if position == "id":
        return message(client, text="MP161", id=value)
    if position == "replyToId":
        return client.activity("card_submit", value={SUBMIT_KEY: "phase refinement page 2"}, replyToId=value)
    body = client.activity("channel_mention", text="<at>secbot</at> whoami")  # a role matters: ask the connector
    if position == "from.id":
        body["from"]["id"] = value
    else:
        body["channelData"]["team"]["id"] = value
    return body


GOOD_IDS = {
    "conversation.id": "a:1uXeJCh8pszLr03e8EayFzty_vd2rgcCkuaKMuUcJ2xIKMRyzprSmYau8igGItJVNahtF6LsikGSsk-ainUlDJ",
    "id": "1712345678901",
    "replyToId": "1712345678902",
    "from.id": "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw",
    "channelData.team.id": "19:3a9f0b7c1d2e4f5a8b6c7d8e9f0a1b2c@thread.tacv2",
}


@pytest.fixture(scope="module")
def admin_teams_door(tmp_path_factory, fake) -> Iterator[Door]:
    """Emulator mode, with an admin team named by its Entra group id, so that every ``whoami`` in that
    team's channel makes secbot look the sender up at the connector."""
    with (
        module_database(tmp_path_factory) as url,
        door(url, fake, authenticated=False, admin_teams_teams=[ADMIN_TEAM_GROUP], **NO_MEMBERSHIP_CACHE) as d,
    ):
        yield d


def _connector_paths(fake: FakeTeams) -> list[str]:
    with fake._changed:
        return [path for _method, path in fake.received if not path.startswith("/botframework/")]


def _reaches(fake: FakeTeams, position: str, value: str) -> bool:
    """Whether the connector was called with ``value`` where ``position`` goes in the URL."""
    with fake._changed:
        calls, lookups = list(fake.calls), list(fake.member_lookups)
    if position == "conversation.id":
        return any(call.conversation_id == value for call in calls)
    if position in ("id", "replyToId"):
        return any(call.activity_id == value for call in calls)
    if position == "from.id":
        return any(lookup.activity_id == value for lookup in lookups)
    return any(lookup.conversation_id == value for lookup in lookups)


@pytest.mark.parametrize("position", list(GOOD_IDS))
@pytest.mark.parametrize("case", list(HOSTILE_IDS))
def test_an_id_that_would_change_the_connector_path_is_refused_and_the_connector_is_not_called(
    admin_teams_door, position, case
):
    d = admin_teams_door
    d.fake.reset()
    before = d.footprint()
    response = d.post(_with_id(d, position, HOSTILE_IDS[case]))
    assert_plain_refusal(response, 400)
    assert response.text.startswith(f"{position}: is not an id")
    assert _connector_paths(d.fake) == []  # no request at all, so none at a path it should not reach
    assert d.footprint() == before

    # The same activity with an id as Teams writes it reaches the connector at the path it names, and only there.
    good = GOOD_IDS[position] + (str(next(_invoke_ids)) if position == "id" else "")  # each id is answered once
    assert d.post(_with_id(d, position, good)).status_code in (200, 202)
    d.fake.wait_for(1)
    assert _reaches(d.fake, position, good)
    paths = _connector_paths(d.fake)
    assert paths and all(re.fullmatch(CONNECTOR_PATH, path) for path in paths), paths


# Ids as Teams, Bot Framework channels and the emulators write them.
REAL_CONVERSATIONS = [
    "a:1uXeJCh8pszLr03e8EayFzty_vd2rgcCkuaKMuUcJ2xIKMRyzprSmYau8igGItJVNahtF6LsikGSsk-ainUlDJGAMDWMUN-IVBjnz_ot2Yc",
    "19:3a9f0b7c1d2e4f5a8b6c7d8e9f0a1b2c@thread.tacv2;messageid=1712345678901",
    "19:meeting_MjdhNjM4YzUtYzExZi00OTFkLTkzZTAtNTVlNmZmMDhkNGU2@thread.v2",
    "40f7b490-2609-11ed-a12d-37cd6a1cd89f|livechat",
]
REAL_ACTIVITY_IDS = ["1712345678901", "f:6c1f0a3e-8d4b-4b8e-9f7a-2b1c3d4e5f60", "C3mWVhjQ8Ik4Ww5FfYtcaB-us|0000000"]


@pytest.mark.parametrize("activity_id", REAL_ACTIVITY_IDS)
@pytest.mark.parametrize("conversation_id", REAL_CONVERSATIONS)
def test_ids_as_teams_and_the_emulators_write_them_are_answered_at_their_own_path(
    teams_door, conversation_id, activity_id
):
    body = message(teams_door, text="MP161", id=f"{activity_id}{next(_invoke_ids)}")
    body["conversation"]["id"] = conversation_id
    assert teams_door.post(body).status_code in (200, 202)
    [call] = teams_door.fake.wait_for(1)
    assert (call.conversation_id, call.activity_id) == (conversation_id, body["id"])
    assert MP161_TITLE in first_text(card_of(call.body))


# --- a property: any JSON around a good activity ----------------------------------------------------

JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
ALLOWED = {200, 201, 202, 400, 401, 413, 415}


def _paths(value, prefix=()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated_activities(draw, bases: list[dict]) -> dict:
    """One of ``bases`` (good activities) with a few of its parts replaced, removed or added."""
    base = copy.deepcopy(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(base)[1:]))
        parent = base
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "remove" and isinstance(parent, dict):
            parent.pop(path[-1])
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(JSON_VALUES)
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    return base


@pytest.fixture(scope="module")
def emulator(tmp_path_factory, fake) -> Iterator[Door]:
    with module_database(tmp_path_factory) as url, door(url, fake, authenticated=False) as d:
        yield d


def test_any_json_around_a_good_activity_gets_an_expected_status_and_no_trace(emulator):
    bases = [emulator.activity(name) for name in ("personal_message", "card_submit", "installation_add_team")]
    bases.append(invoke(emulator))

    @settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(mutated_activities(bases))
    def sent(activity):
        response = emulator.post(activity)
        assert response.status_code in ALLOWED, (response.status_code, response.text, activity)
        assert not any(marker in response.text for marker in TRACE_MARKERS)

    sent()
    emulator.good_message_is_answered()


# --- no aiohttp session is left open ------------------------------------------------------------------


def live_sessions() -> list[aiohttp.ClientSession]:
    return [o for o in gc.get_objects() if isinstance(o, aiohttp.ClientSession)]


@contextmanager
def no_session_left_open(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails when an aiohttp ClientSession opened inside the block is still open after it: one still
    referenced (a logged traceback keeps its frames alive), or one garbage-collected unclosed (aiohttp
    then warns with a ResourceWarning and logs "Unclosed client session" through its loop)."""
    before = weakref.WeakSet(live_sessions())
    caplog.set_level(logging.ERROR, logger="asyncio")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    unclosed = [repr(s) for s in live_sessions() if s not in before and not s.closed]
    unclosed += [str(w.message) for w in caught if "client session" in str(w.message).lower()]
    unclosed += [r.getMessage() for r in caplog.records if "Unclosed client session" in r.getMessage()]
    assert unclosed == []


def test_no_session_is_left_open_by_answers_refusals_failed_replies_or_shutdown(tmp_path, fake, caplog):
    fake.reset()
    url, schema = database_url(tmp_path, "sample")
    try:
        with no_session_left_open(caplog):
            with door(url, fake, authenticated=False) as d:
                d.good_message_is_answered()  # a reply posted
                fake.reset()
                fake.fail(PERSONAL, 502, times=2)  # the reply and the apology both refused
                assert d.post(message(d)).status_code == 202
                assert len(fake.wait_for(2)) == 2
                for refused in ("no serviceUrl", "recipient an agentic identity", "serviceUrl ftp"):
                    assert d.post(ODD_BODIES[refused][0](d)).status_code == 400
            fake.reset()
            with door(url, fake, authenticated=True) as d:
                d.good_message_is_answered()
                d.served.call(d.door.remember(_installed(d), force=True))
                d.served.call(d.door.post(TEAM_CHANNEL, _digest()))  # a proactive post
                assert len(fake.wait_for(2)) == 2
            # both servers have shut down here: nothing they opened may still be open
    finally:
        drop_schema(schema)


def test_no_session_is_left_open_when_secbot_cannot_get_its_own_token(tmp_path, fake, caplog):
    """Entra ID grants the token for the turn's user-token client and then refuses the connector's:
    the SDK had opened the first client's session and would leave it open."""
    fake.reset()
    url, schema = database_url(tmp_path, "sample")
    app = build(teams_settings(url, fake))
    try:
        with no_session_left_open(caplog), token_service(grants=iter([True, False])), serving(app) as served:
            client = Door(served, fake, authenticated=True)
            response = client.post(message(client))
            assert response.status_code == 503  # secbot could not reply: not the sender's fault
            assert response.headers["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
            assert not any(marker in response.text for marker in TRACE_MARKERS)
            assert fake.calls == []
    finally:
        app.store.engine.dispose()
        drop_schema(schema)


# --- Entra ID not giving secbot its own token ------------------------------------------------------------


class EntraId:
    """What ``token_service`` answers every token request with, until changed: True grants a token, False
    answers 503 ``temporarily_unavailable``, an OAuth error code answers 400 with it."""

    def __init__(self, answer: bool | str) -> None:
        self.answer = answer

    def grants(self) -> Iterator[bool | str]:
        while True:
            yield self.answer


@pytest.fixture
def entra_door(tmp_path, fake) -> Iterator[tuple[Door, EntraId]]:
    fake.reset()
    entra = EntraId(False)
    url, schema = database_url(tmp_path, "sample")
    app = build(teams_settings(url, fake))
    try:
        with token_service(grants=entra.grants()), serving(app) as served:
            yield Door(served, fake, authenticated=True), entra
    finally:
        app.store.engine.dispose()
        drop_schema(schema)


@pytest.mark.parametrize(
    ("refusal", "logged"), [(False, "HTTP Error: 503"), ("invalid_client", "AADSTS7000215: invalid_client")]
)
def test_without_a_token_from_entra_id_a_message_gets_503_and_one_log_line_then_is_answered_when_sent_again(
    tmp_path, fake, caplog, refusal, logged
):
    fake.reset()
    entra = EntraId(refusal)
    url, schema = database_url(tmp_path, "sample")
    # Two replicas on one database: MSAL replays Entra ID's 503 to its own process for a few seconds.
    first, second = build(teams_settings(url, fake)), build(teams_settings(url, fake))
    try:
        with token_service(grants=entra.grants()):
            with serving(first) as served:
                d = Door(served, fake, authenticated=True)
                caplog.set_level(logging.INFO)
                caplog.clear()
                sent = message(d, text="MP161")
                response = d.post(sent)
                warnings_ = [r for r in caplog.records if r.levelno >= logging.WARNING]
                saved = conversations.all_saved(first.store)
            entra.answer = True
            with serving(second) as served:  # the Bot Connector sending it again, once Entra ID answers
                again = Door(served, fake, authenticated=True).post(sent)
                [reply] = fake.wait_for(1)
    finally:
        first.store.engine.dispose()
        second.store.engine.dispose()
        drop_schema(schema)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert response.text == "secbot cannot get its Microsoft token just now. Please try again in a minute.\n"
    assert [r.name for r in warnings_] == ["secbot.platforms.teams.door"], [r.getMessage() for r in warnings_]
    [line] = warnings_
    assert "Teams message activity not answered: no token from Entra ID" in line.getMessage()
    assert logged in line.getMessage() and "\n" not in line.getMessage()  # what Entra ID answered
    assert line.exc_info is None and "Traceback" not in caplog.text
    assert saved == []  # nothing was done with it, and nothing claimed: sent again, it is answered
    assert again.status_code == 202
    assert reply.conversation_id == PERSONAL and MP161_TITLE in first_text(card_of(reply.body))


def test_without_a_token_from_entra_id_an_invoke_and_an_install_get_503_too(entra_door):
    d, _entra = entra_door
    for body in (invoke(d), d.activity("installation_add_team")):
        response = d.post(body)
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert d.fake.calls == []


def test_without_a_token_from_entra_id_a_proactive_post_fails_to_be_tried_again(entra_door):
    d, _entra = entra_door
    d.served.call(d.door.remember(_installed(d), force=True))  # saved in the database: no token needed
    with pytest.raises(DeliveryFailed, match="no token from Entra ID"):
        d.served.call(d.door.post(TEAM_CHANNEL, _digest()))
    assert d.fake.calls == []


def _installed(d: Door):
    from microsoft_agents.activity import Activity

    return Activity.model_validate(d.activity("installation_add_team"))


def _digest():
    from secbot.platforms.teams.cards import render_reply
    from secbot.replies import Reply

    return render_reply(Reply("Working Group: 7 July 2021", summary="Agenda: MP161"))


# --- the database away ----------------------------------------------------------------------------------


def test_with_the_database_away_a_message_is_answered_politely_and_an_install_gets_503(tmp_path, fake, caplog):
    fake.reset()
    caplog.set_level(logging.INFO)
    with outage_database(tmp_path, "sample") as database, door(database.url, fake, authenticated=True) as d:
        store = d.door.app.store
        database.cut(store)
        caplog.clear()

        answered = d.post(message(d, text="MP161"))
        installed = d.post(d.activity("installation_add_team"))
        invoked = d.post(invoke(d))
        [reply] = fake.wait_for(1)

        database.restore()
        after = d.post(message(d, text="MP161"))
        installed_after = d.post(d.activity("installation_add_team"))
        saved_after = {saved.conversation_id for saved in conversations.all_saved(store)}

    # The message: answered through the connector (which needs no database), saying why.
    assert answered.status_code == 202
    assert reply.conversation_id == PERSONAL and "unavailable" in json.dumps(reply.body).lower()
    # The install event, which nobody sees answered: 503, to be sent again later.
    assert installed.status_code == 503
    assert installed.headers["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert installed.text == "The register is unavailable just now. Please try again in a minute.\n"
    # The Action.Execute: its response is what the person sees, so it says why.
    assert invoked.status_code == 200 and "unavailable" in json.dumps(invoked.json()).lower()
    # Logged in single lines, never a trace; then everything works again.
    outage_lines = [r for r in caplog.records if r.name == "secbot.outage"]
    assert outage_lines and all("\n" not in r.getMessage() for r in outage_lines)
    assert [r.getMessage() for r in caplog.records if r.exc_info and r.name.startswith("secbot")] == []
    assert "Teams installationUpdate activity: the database is unavailable" in caplog.text
    assert after.status_code == 202 and installed_after.status_code in (200, 202)
    assert {PERSONAL, TEAM_CHANNEL} <= saved_after
    answer = fake.wait_for(2)[1]
    assert MP161_TITLE in first_text(card_of(answer.body))
