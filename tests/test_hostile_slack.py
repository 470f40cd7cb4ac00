"""Hostile and unlucky requests to the Slack door, over a real socket to secbot's aiohttp service, with
Slack's Web API and response_url played by ``FakeSlack``.

A body is checked on its raw bytes before slack-bolt parses it: unsigned, wrongly signed or stale
gets 401; signed but malformed (JSON nested too deep, a field secbot reads that is not of the type
Slack gives it) gets 400 (413 when too large); a body not encoded as its ``Content-Encoding`` says
gets 400 and one log line; never 500 and never a stack trace, and the door still answers afterwards.
A failed OAuth install never puts its code in the log. While the database is away (``tests.fakes.db_outage``), an
Events API delivery gets 503 with Retry-After, so that Slack delivers it again, and is answered once
when it does; a slash command or button gets a polite answer at 200.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse

import pytest
import requests
from sqlalchemy import func, select

from secbot import outages
from secbot.app import App, build
from secbot.platforms.slack.gate import MAX_NESTING
from secbot.platforms.web_guard import UNREADABLE
from secbot.settings import Settings
from secbot.store.models import InboundDelivery
from tests.fakes import slack_requests as slack
from tests.fakes.db_outage import OutageDatabase, outage_database
from tests.fakes.slack_api import FakeSlack
from tests.fakes.workspace import BOT_TOKEN, SIGNING_SECRET, TEAM_ID
from tests.servers import running
from tests.support.block_kit import texts
from tests.support.dates import REPORT_DAY
from tests.support.slack_client import SlackClient

pytestmark = pytest.mark.usefixtures("no_proxy")

FORM, JSON = slack.FORM, slack.JSON
EVENTS = "/slack/events"


def signed_headers(raw: bytes, content_type: str, *, secret: str = SIGNING_SECRET, timestamp=None) -> dict[str, str]:
    """What Slack sends with ``raw``, which (unlike ``slack_requests.sign``) need not be UTF-8."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def event_json(**fields) -> bytes:
    return json.dumps(fields).encode()


def payload_form(payload) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def mention_with(**event) -> bytes:
    """An ``app_mention`` delivery with ``event``'s fields put in (or replaced)."""
    return slack.event_callback({**slack.app_mention("MP161"), **event}).encode()


def event_with(event: dict, **envelope) -> bytes:
    """The Events API delivery of ``event``, with ``envelope``'s fields put in (or replaced)."""
    return json.dumps({**json.loads(slack.event_callback(event)), **envelope}).encode()


def press_with(**payload) -> bytes:
    """A button press (``block_actions``) with ``payload``'s fields put in (or replaced)."""
    return payload_form({**slack.block_actions_payload("secbot_run_0", "MP161", response_url="https://x/"), **payload})


def nested_list(depth: int) -> str:
    return "[" * depth + "]" * depth


BUTTON = {"action_id": "secbot_run_0", "block_id": "b", "value": "MP161", "type": "button"}
MALFORMED = {
    "not JSON": (b"{x", JSON),
    "a JSON list": (b"[]", JSON),
    "a JSON list of events": (json.dumps([json.loads(slack.url_verification("c"))]).encode(), JSON),
    "a JSON string": (b'"event_callback"', JSON),
    "JSON null": (b"null", JSON),
    "a JSON number": (b"42", JSON),
    "JSON cut short": (slack.url_verification("c")[:-5].encode(), JSON),
    "a payload that is not JSON": (b"payload=not-json", FORM),
    "a payload that is a JSON list": (urlencode({"payload": "[1, 2]"}).encode(), FORM),
    "a payload that is a JSON string": (urlencode({"payload": '"block_actions"'}).encode(), FORM),
    "a form that is not UTF-8": (b"command=%2Fsec&text=\xff\xfe\xfa", FORM),
    "JSON that is not UTF-8": (b'{"type": "event_callback", "x": "\xc0\x80"}', JSON),
    "a slash command sent as JSON": (slack.slash_command("MP161", response_url="https://x/").encode(), JSON),
    "an empty body": (b"", FORM),
    "only blanks": (b"  \r\n ", JSON),
    "a form of nonsense": (b"a=%ZZ&&&=", FORM),
    "bytes that are not text": (bytes(range(256)), "application/octet-stream"),
    "a form with neither command nor payload": (b"text=MP161&user_id=U123", FORM),
    "JSON without a type": (event_json(token="x", event={"type": "app_mention"}), JSON),
    "a type that is not text": (event_json(type=5), JSON),
    "an event callback without an event": (event_json(type="event_callback", event_id="Ev1"), JSON),
    "an event that is text": (event_json(type="event_callback", event="app_mention"), JSON),
    "an event without a type": (event_json(type="event_callback", event={"text": "MP161", "channel": "C1"}), JSON),
    "an event id that is an object": (
        event_json(type="event_callback", event_id={"id": 1}, event={"type": "app_mention"}),
        JSON,
    ),
    "authorizations that are text": (
        event_json(type="event_callback", event={"type": "app_mention"}, authorizations="x"),
        JSON,
    ),
    "a team that is a number": (event_json(type="event_callback", event={"type": "app_mention"}, team=5), JSON),
    "an enterprise that is a number": (
        event_json(type="event_callback", event={"type": "app_mention"}, enterprise=7),
        JSON,
    ),
    "a url_verification without a challenge": (event_json(type="url_verification"), JSON),
    "buttons that are text": (payload_form({"type": "block_actions", "actions": "x", "user": {"id": "U1"}}), FORM),
    "no buttons": (payload_form({"type": "block_actions", "actions": [], "user": {"id": "U1"}}), FORM),
    "a button without an action id": (
        payload_form({"type": "block_actions", "actions": [{"value": "MP161"}], "user": {"id": "U1"}}),
        FORM,
    ),
    "a button whose value is a number": (
        payload_form({"type": "block_actions", "actions": [{**BUTTON, "value": 161}], "user": {"id": "U1"}}),
        FORM,
    ),
    "a button press without a user": (payload_form({"type": "block_actions", "actions": [BUTTON]}), FORM),
    "a trigger id that is a list": (
        payload_form({"type": "block_actions", "actions": [BUTTON], "user": {"id": "U1"}, "trigger_id": [1]}),
        FORM,
    ),
    "a payload without a type": (payload_form({"actions": [BUTTON], "user": {"id": "U1"}}), FORM),
    # Nested past the recursion limit of json (and of anything that walks the body after it) or past Slack's own.
    "a JSON list nested 2,000 deep": (nested_list(2_000).encode(), JSON),
    "a JSON list nested 100,000 deep": (nested_list(100_000).encode(), JSON),
    "a JSON object nested 100,000 deep": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, JSON),
    "a payload nested 100,000 deep": (urlencode({"payload": '{"a":' + nested_list(100_000) + "}"}).encode(), FORM),
    "a mention with a field nested 500 deep": (mention_with(x=json.loads(nested_list(500))), JSON),
    # Fields a listener reads, not of the type Slack gives them.
    "a button press whose user is text": (press_with(user="U1"), FORM),
    "a button press whose team is text": (press_with(team="T0001", channel="C1"), FORM),
    "a button press whose team id is a number": (press_with(team={"id": 5}), FORM),
    "a button press whose channel has no id": (press_with(channel={"name": "general"}), FORM),
    "a button press whose response_url is a list": (press_with(response_url=["https://x/"]), FORM),
    "a link_shared whose links are text": (
        event_with({**slack.link_shared(["https://smartenergycodecompany.co.uk/mp161"]), "links": "x"}),
        JSON,
    ),
    "a link_shared whose links are strings": (
        event_with({**slack.link_shared(["https://smartenergycodecompany.co.uk/mp161"]), "links": ["x", None]}),
        JSON,
    ),
    "a link_shared whose link's url is a number": (
        event_with({**slack.link_shared([]), "links": [{"domain": "smartenergycodecompany.co.uk", "url": 161}]}),
        JSON,
    ),
    "an app_home_opened with no user": (
        event_with({k: v for k, v in slack.app_home_opened().items() if k != "user"}),
        JSON,
    ),
    "an app_home_opened whose user is an object": (event_with(slack.app_home_opened(user={"id": "U1"})), JSON),
    "an app_mention whose text is a list": (mention_with(text=["MP161"]), JSON),
    "an app_mention whose channel is an object": (mention_with(channel={"id": "C1"}), JSON),
    "an app_mention whose thread_ts is a number": (mention_with(thread_ts=1.5), JSON),
    "a direct message whose text is a number": (event_with({**slack.direct_message("MP161"), "text": 161}), JSON),
    "a file share whose files are text": (event_with({**slack.file_share([]), "files": "report.pdf"}), JSON),
    "a file share whose file's address is a list": (
        event_with(slack.file_share([{"id": "F1", "name": "r.pdf", "url_private_download": ["https://x/"]}])),
        JSON,
    ),
    "a mention whose file's name is a number": (mention_with(files=[{"id": "F1", "name": 161}]), JSON),
    "authorizations whose team id is a number": (
        event_with(slack.app_mention("MP161"), authorizations=[{"team_id": 5, "user_id": "UBOT", "is_bot": True}]),
        JSON,
    ),
}


@dataclass
class Door:
    client: SlackClient
    app: App
    database: OutageDatabase

    @property
    def fake(self) -> FakeSlack:
        return self.client.fake

    def post_raw(self, raw: bytes, headers: dict[str, str]) -> requests.Response:
        return requests.post(self.client.base + EVENTS, data=raw, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def slack_settings(url: str, fake: FakeSlack, **more) -> Settings:
    return Settings(
        database_url=url,
        today=REPORT_DAY,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        **more,
    )


@contextlib.contextmanager
def door(tmp_path: Path, fake: FakeSlack) -> Iterator[Door]:
    with outage_database(tmp_path, "sample") as database:
        app = build(slack_settings(database.url, fake))
        try:
            with running(app) as base:
                yield Door(SlackClient(base, fake), app, database)
        finally:
            app.store.engine.dispose()


@pytest.fixture(scope="module")
def shared(tmp_path_factory, fake) -> Iterator[Door]:
    with door(tmp_path_factory.mktemp("hostile-slack"), fake) as service:
        yield service


@pytest.fixture
def own(tmp_path, fake) -> Iterator[Door]:
    """A door of the test's own, whose database the test may take away."""
    fake.reset()
    with door(tmp_path, fake) as service:
        yield service


def claims(app: App) -> int:
    with app.store.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(InboundDelivery))


def assert_refused(response: requests.Response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert len(response.text) < 300


def slack_calls(fake: FakeSlack) -> list:
    """What secbot asked of Slack, less bolt's own ``auth.test``."""
    return [c for c in fake.calls() if c.method != "auth.test"]


def door_records(caplog) -> list[logging.LogRecord]:
    """Warnings and errors from the door, bolt and aiohttp (not ``secbot.outage``: its recovery line is
    about the process as a whole, which earlier tests may have taken the database from)."""
    names = ("secbot.platforms.", "secbot.platforms.web_guard", "slack_bolt", "aiohttp")
    return [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith(names)]


def wait_for_record(caplog, matches: Callable[[logging.LogRecord], bool], timeout: float = 10.0) -> logging.LogRecord:
    """The first log record that ``matches``, once the service (in another thread) has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in caplog.records if matches(r)]
        if found:
            return found[0]
        time.sleep(0.01)
    raise AssertionError(f"no such log record within {timeout}s: {[r.getMessage() for r in caplog.records]}")


def exchange(base: str, head: list[str], body: bytes) -> tuple[int, bytes]:
    """Send a request as raw bytes and read its answer to the end: the service closes the connection
    once it has answered and logged all it will about the request."""
    address = urlparse(base)
    request = "\r\n".join([*head, f"Content-Length: {len(body)}", "Connection: close", "", ""]).encode() + body
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    return int(status_line.split(b" ", 2)[1]), rest.partition(b"\r\n\r\n")[2]


def answered(response: requests.Response, client: SlackClient, token: str) -> str:
    """What the person who typed a command sees."""
    assert response.status_code == 200, response.text
    answer = response.json()
    if answer.get("text", "").startswith("Looking that up"):  # a slow machine: the answer follows
        answer = client.fake.answer_to(token).body
    return texts(answer.get("blocks") or []) or answer.get("text", "")


# -- malformed and unsigned bodies --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_signed_malformed_body_is_a_400_and_touches_nothing(shared, name):
    raw, content_type = MALFORMED[name]
    before = claims(shared.app), len(slack_calls(shared.fake))
    response = shared.post_raw(raw, signed_headers(raw, content_type))
    assert_refused(response, 400)
    assert response.text.startswith("secbot could not read this Slack request")
    assert (claims(shared.app), len(slack_calls(shared.fake))) == before  # not claimed, nothing posted


@pytest.mark.parametrize("name", list(MALFORMED))
def test_an_unsigned_malformed_body_is_a_401(shared, name):
    raw, content_type = MALFORMED[name]
    response = shared.post_raw(raw, {"Content-Type": content_type})
    assert_refused(response, 401)
    assert response.text == "This request is not signed by Slack.\n"


@pytest.mark.parametrize(
    "case",
    [
        "wrong secret",
        "stale",
        "from the future",
        "timestamp not a number",
        "timestamp of 5,000 digits",
        "signature not hex",
        "signature not ASCII",
        "signature of another body",
        "no signature",
        "no timestamp",
    ],
)
def test_a_good_body_with_a_bad_signature_is_a_401_and_touches_nothing(shared, case):
    shared.fake.reset()
    raw = slack.slash_command("MP161", response_url=shared.fake.response_url("bad-signature")).encode()
    headers = signed_headers(raw, FORM)
    now = int(time.time())
    if case == "wrong secret":
        headers = signed_headers(raw, FORM, secret="not-the-secret")
    elif case == "stale":
        headers = signed_headers(raw, FORM, timestamp=now - 6 * 60)
    elif case == "from the future":
        headers = signed_headers(raw, FORM, timestamp=now + 6 * 60)
    elif case == "timestamp not a number":
        headers["X-Slack-Request-Timestamp"] = "yesterday"
    elif case == "timestamp of 5,000 digits":
        headers["X-Slack-Request-Timestamp"] = "9" * 5000
    elif case == "signature not hex":
        headers["X-Slack-Signature"] = "v0=" + "z" * 64
    elif case == "signature not ASCII":
        headers["X-Slack-Signature"] = "v0=" + "é" * 64
    elif case == "signature of another body":
        headers = signed_headers(raw + b"&extra=1", FORM)
    elif case == "no signature":
        del headers["X-Slack-Signature"]
    else:
        del headers["X-Slack-Request-Timestamp"]
    before = claims(shared.app)
    response = shared.post_raw(raw, headers)
    assert_refused(response, 401)
    assert claims(shared.app) == before  # not even claimed
    assert [c for c in shared.fake.calls() if c.method != "auth.test"] == []


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("chunked", [True, False])
def test_a_body_over_a_mebibyte_is_a_413(shared, signed, chunked):
    raw = b"text=" + b"a" * (1024 * 1024 + 1)
    headers = signed_headers(raw, FORM) if signed else {"Content-Type": FORM}
    data = (raw[i : i + 65536] for i in range(0, len(raw), 65536)) if chunked else raw
    response = requests.post(shared.client.base + EVENTS, data=data, headers=headers, timeout=30)
    assert_refused(response, 413)


def test_after_the_whole_corpus_signed_and_unsigned_the_door_still_answers(shared):
    statuses = set()
    for raw, content_type in MALFORMED.values():
        statuses.add(shared.post_raw(raw, signed_headers(raw, content_type)).status_code)
        statuses.add(shared.post_raw(raw, {"Content-Type": content_type}).status_code)
    assert statuses == {400, 401}
    response, token = shared.client.command("MP161")
    assert "MP161: Significant Code Review – Retail Code Consolidation" in answered(response, shared.client, token)
    assert requests.get(shared.client.base + "/healthz", timeout=10).json() == {"status": "ok"}


def test_a_command_that_mentions_the_word_payload_is_answered(shared):
    # slack-bolt reads any form containing "payload" as interactivity and would drop this command.
    response, token = shared.client.command("search payload")
    assert "Nothing in the register matches “payload”" in answered(response, shared.client, token)


def test_url_verification_still_answers_the_challenge(shared):
    response = shared.client.post(slack.url_verification("the-challenge"))
    assert response.status_code == 200
    assert response.json() == {"challenge": "the-challenge"}


def test_a_signed_command_with_a_nul_in_it_gets_a_reply_not_a_500(shared):
    response, token = shared.client.command("MP161\x00 timeline")
    assert response.status_code == 200
    assert answered(response, shared.client, token)


@pytest.mark.parametrize(("depth", "status"), [(MAX_NESTING, 200), (MAX_NESTING + 1, 400)])
def test_json_is_read_to_64_levels_deep_and_no_deeper(shared, depth, status):
    shared.fake.reset()
    # The delivery's object is level 1, its event level 2, the field's outermost list level 3.
    raw = mention_with(channel="C964", x=json.loads(nested_list(depth - 2)))
    response = shared.post_raw(raw, signed_headers(raw, JSON))
    assert response.status_code == status, response.text
    if status == 400:
        assert (
            response.text
            == f"secbot could not read this Slack request: the body is nested more than {depth - 1} deep.\n"
        )
        assert slack_calls(shared.fake) == []
    else:
        [posted] = shared.fake.wait_for("chat.postMessage")
        assert posted.body["channel"] == "C964" and "Significant Code Review" in texts(posted.arg("blocks"))


@pytest.mark.parametrize("action_id", ["secbot_run_0", "secbot_share"])
def test_a_button_with_no_response_url_is_acknowledged_and_nothing_more(shared, caplog, action_id):
    # Slack leaves response_url out for a button in a view (App Home, a modal); secbot puts none of these
    # two there, so there is nowhere to answer.
    shared.fake.reset()
    caplog.set_level(logging.INFO)
    caplog.clear()
    payload = slack.block_actions_payload(action_id, "MP161 timeline", response_url="unused")
    del payload["response_url"]
    response = shared.client.post(slack.interactivity(payload))
    assert response.status_code == 200 and response.text == ""
    wait_for_record(caplog, lambda r: "button press with no response_url" in r.getMessage())
    assert [r.getMessage() for r in door_records(caplog)] == []
    assert slack_calls(shared.fake) == []


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_body_not_encoded_as_its_content_encoding_says_is_a_400_logged_once_in_one_line(shared, caplog, encoding):
    shared.fake.reset()
    raw = slack.slash_command("MP161", response_url=shared.fake.response_url("encoded")).encode()
    headers = {**signed_headers(raw, FORM), "Content-Encoding": encoding}
    caplog.clear()
    before = claims(shared.app)
    status, body = exchange(
        shared.client.base,
        [f"POST {EVENTS} HTTP/1.1", "Host: secbot", *(f"{name}: {value}" for name, value in headers.items())],
        raw,
    )
    assert status == 400
    assert body.decode() == UNREADABLE + "\n"
    logged = [(r.name, r.getMessage()) for r in door_records(caplog)]
    assert logged == [
        (
            "secbot.platforms.web_guard",
            "POST /slack/events: the request's body could not be read (ContentEncodingError), answered 400",
        )
    ]
    assert [r for r in caplog.records if r.exc_info] == []
    assert claims(shared.app) == before and slack_calls(shared.fake) == []
    response, token = shared.client.command("MP161")  # and the door carries on
    assert "Significant Code Review" in answered(response, shared.client, token)


# -- a database outage ----------------------------------------------------------------------------------------


def outage_lines(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if "the database is unavailable" in r.getMessage()]


def retry(number: int) -> dict[str, str]:
    return {"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": "http_error"}


def test_an_event_during_an_outage_is_a_503_and_answered_once_when_slack_delivers_it_again(own, caplog):
    assert requests.get(own.client.base + "/healthz", timeout=10).status_code == 200
    caplog.set_level(logging.INFO)
    body = slack.event_callback(slack.app_mention("MP161", channel="C900"), event_id="EvOutage1")
    caplog.clear()
    with own.database.down(own.app.store):
        first = own.client.post(body)
        again = own.client.post(body, headers=retry(1))
    during = list(caplog.records)
    for response in (first, again):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
        assert response.text == "The register is unavailable just now. Please try again in a minute."
    lines = outage_lines(during)
    assert len(lines) == 2 and all(line.startswith("Slack event: the database is unavailable (") for line in lines)
    assert [r for r in during if r.exc_info] == []
    assert {r.name for r in during} == {"secbot.outage"}  # one line a delivery and the summary, nothing else

    answered_now = own.client.post(body, headers=retry(2))  # the database is back
    assert answered_now.status_code == 200
    [posted] = own.fake.wait_for("chat.postMessage")
    assert posted.body["channel"] == "C900"
    assert "Significant Code Review" in texts(posted.arg("blocks"))  # the real answer, not an apology
    caplog.clear()
    last = own.client.post(body, headers=retry(3))
    assert last.status_code == 200 and last.text == ""
    assert any(r.getMessage() == "ignoring a repeated Slack delivery EvOutage1" for r in caplog.records)
    assert len(own.fake.calls("chat.postMessage")) == 1


def test_slacks_last_retry_during_an_outage_is_answered_with_an_apology(own):
    body = slack.event_callback(slack.app_mention("MP161", channel="C901"), event_id="EvOutage2")
    with own.database.down(own.app.store):
        response = own.client.post(body, headers=retry(3))
        [posted] = own.fake.wait_for("chat.postMessage", timeout=20)
    assert response.status_code == 200
    assert posted.body["channel"] == "C901"
    assert "try again" in (texts(posted.arg("blocks")) + posted.body.get("text", "")).lower()


def test_a_slash_command_during_an_outage_gets_a_polite_ephemeral_reply(own):
    with own.database.down(own.app.store):
        response, token = own.client.command("MP161")
        seen = answered(response, own.client, token)
    assert "try again" in seen.lower()
    assert "Traceback" not in seen


def test_a_button_during_an_outage_is_acknowledged_and_answered_politely(own):
    token = f"T0001/{time.monotonic_ns()}/button"
    body = slack.block_actions("secbot_run_0", "MP161 timeline", response_url=own.fake.response_url(token))
    with own.database.down(own.app.store):
        response = own.client.post(body)
        answer = own.fake.answer_to(token)
    assert response.status_code == 200
    assert answer.body["response_type"] == "ephemeral"
    assert "try again" in (texts(answer.body.get("blocks") or []) + answer.body.get("text", "")).lower()


def test_the_events_route_answers_again_after_an_outage(own):
    with own.database.down(own.app.store):
        assert own.client.post(slack.event_callback(slack.app_mention("MP161"))).status_code == 503
    response, token = own.client.command("MP161")
    assert "Significant Code Review" in answered(response, own.client, token)


# -- OAuth installs ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def oauth_door(tmp_path: Path, fake: FakeSlack) -> Iterator[Door]:
    """A door for OAuth installs, with T0001 already installed (through slack_sdk's own store)."""
    from slack_sdk.oauth.installation_store import Installation
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    with outage_database(tmp_path, "sample") as database:
        settings = Settings(
            database_url=database.url,
            today=REPORT_DAY,
            slack_client_id="111.222",
            slack_client_secret="client-secret",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.api_url,
        )
        app = build(settings)
        SQLAlchemyInstallationStore("111.222", app.store.engine).save(
            Installation(
                app_id="A0001",
                team_id=TEAM_ID,
                bot_token="xoxb-installed",
                bot_id="BBOT",
                bot_user_id="UBOT",
                bot_scopes=["commands", "chat:write"],
                user_id="U123",
                installed_at=time.time(),
            )
        )
        try:
            with running(app) as base:
                yield Door(SlackClient(base, fake), app, database)
        finally:
            app.store.engine.dispose()


@pytest.fixture
def oauth(tmp_path, fake) -> Iterator[Door]:
    fake.reset()
    with oauth_door(tmp_path, fake) as service:
        yield service


@pytest.mark.parametrize(
    "query",
    [
        "/slack/install?team=%00",
        "/slack/install?team=" + "T" * 3000,
        "/slack/oauth_redirect?code=x&state=%00",
        "/slack/oauth_redirect?code=%FF%FE&state=abc",
        "/slack/oauth_redirect?code=x&state=" + "s" * 2500,
        "/slack/oauth_redirect?error=%ED%A0%80",
    ],
)
def test_an_oauth_address_nobody_made_is_a_400(oauth, query):
    response = requests.get(oauth.client.base + query, timeout=10)
    assert_refused(response, 400)
    assert "Start the installation again" in response.text


@pytest.mark.parametrize(
    ("query", "cookie", "status"),
    [
        ("/slack/oauth_redirect?error=access_denied%3Cscript%3E", None, 200),  # cancelled: bolt's page says so
        ("/slack/oauth_redirect?code=x", None, 400),  # no state
        ("/slack/oauth_redirect?code=x&state=abc", None, 400),  # not this browser's state
        ("/slack/oauth_redirect?code=x&state=abc", "slack-app-oauth-state=abc", 401),  # a state secbot never issued
        ("/slack/oauth_redirect", None, 400),
        ("/slack/install?unknown=%E2%82%AC", None, 200),
    ],
)
def test_odd_oauth_queries_get_bolts_answers_and_never_a_500(oauth, query, cookie, status):
    headers = {"Cookie": cookie} if cookie else {}
    response = requests.get(oauth.client.base + query, headers=headers, timeout=10)
    assert response.status_code == status
    assert "Traceback" not in response.text and "<script>" not in response.text


def test_with_oauth_an_outage_is_a_503_for_events_and_a_polite_reply_for_commands(oauth, caplog):
    assert requests.get(oauth.client.base + "/healthz", timeout=10).status_code == 200
    caplog.set_level(logging.INFO)
    caplog.clear()
    with oauth.database.down(oauth.app.store):
        event = oauth.client.post(slack.event_callback(slack.app_mention("MP161")))
        command, token = oauth.client.command("MP161")
        install = requests.get(oauth.client.base + "/slack/install", timeout=10)
    during = list(caplog.records)
    assert event.status_code == 503 and event.headers["Retry-After"] == "30"
    assert command.status_code == 200
    assert command.json() == {
        "response_type": "ephemeral",
        "text": "The register is unavailable just now. Please try again in a minute.",
    }
    assert install.status_code == 503 and install.headers["Retry-After"] == "30"
    assert len(outage_lines(during)) == 3
    assert [r for r in during if r.exc_info] == []
    response, token = oauth.client.command("MP161")  # and once the database is back
    assert "Significant Code Review" in answered(response, oauth.client, token)


@pytest.mark.parametrize(
    "code",
    [
        "4711298372.1234567890123.0fc2b1d3e4a5f6",  # as Slack writes one
        "MP161' OR '1'='1 - error: forged <script>",  # a forged callback's, mimicking the log line
    ],
)
def test_a_failed_oauth_install_never_logs_its_code(oauth, caplog, code):
    oauth.fake.stub("oauth.v2.access", {"ok": False, "error": "invalid_code"})
    install = requests.get(oauth.client.base + "/slack/install", timeout=10)
    assert install.status_code == 200
    state = re.search(r"slack-app-oauth-state=([^;]+)", install.headers["Set-Cookie"]).group(1)
    caplog.clear()
    response = requests.get(
        f"{oauth.client.base}/slack/oauth_redirect?code={quote(code)}&state={state}",
        headers={"Cookie": f"slack-app-oauth-state={state}"},
        timeout=10,
    )
    assert response.status_code == 401  # bolt's page: the installation failed
    assert "Traceback" not in response.text and code not in response.text
    [asked] = oauth.fake.calls("oauth.v2.access")
    assert asked.body["code"] == code  # the code reached Slack, which refused it
    [warning] = [r for r in caplog.records if r.name.startswith("slack_bolt") and r.levelno == logging.WARNING]
    assert warning.getMessage().startswith("Failed to fetch oauth.v2.access result with code: [redacted] - error: ")
    assert "invalid_code" in warning.getMessage()  # why it failed is still there
    for secret in (code, code.split(" - ")[0], "forged"):
        assert secret not in caplog.text
        assert all(secret not in record.getMessage() for record in caplog.records)
