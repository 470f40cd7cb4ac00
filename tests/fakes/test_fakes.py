"""Self-tests of the Slack fakes: the fake Web API, the request builders, and both against slack-bolt."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes import slack_requests as sr
from tests.fakes import socket_mode, workspace
from tests.fakes.slack_api import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode

PAYLOADS = Path(__file__).parent / "slack_payloads"
SECRET = workspace.SIGNING_SECRET
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*SECMP0001*"}}]


def sample(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def assert_shape(actual: Any, reference: Any, where: str = "$") -> None:
    """``actual`` has every field of ``reference``, recursively, with values of the same JSON type."""
    if reference is None:
        return
    if isinstance(reference, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        missing = sorted(set(reference) - set(actual))
        assert not missing, f"{where}: missing {missing}"
        for key, value in reference.items():
            assert_shape(actual[key], value, f"{where}.{key}")
    elif isinstance(reference, list):
        assert isinstance(actual, list), f"{where}: expected an array, got {actual!r}"
        if reference and actual:
            assert_shape(actual[0], reference[0], f"{where}[0]")
    else:
        assert type(actual) is type(reference), f"{where}: {actual!r} is not a {type(reference).__name__}"


def client(fake: FakeSlack, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.url + "/api/", **kwargs)


# ---------------------------------------------------------------------- the fake Web API


def test_post_message_is_recorded_with_its_arguments(fake_slack: FakeSlack) -> None:
    async def post() -> tuple[Any, Any]:
        web = client(fake_slack)
        first = await web.chat_postMessage(channel="C123", text="hello", blocks=BLOCKS)
        second = await web.chat_postMessage(channel="C123", text="again", thread_ts=first["ts"])
        return first, second

    first, second = asyncio.run(post())

    one, two = fake_slack.wait_for("chat.postMessage", count=2)
    assert (one.body["channel"], one.body["text"], one.body["blocks"]) == ("C123", "hello", BLOCKS)
    assert two.body["thread_ts"] == first["ts"]
    # How slack_sdk sends it: POST to <base_url>chat.postMessage, JSON body, bearer token.
    assert (one.http_method, one.path) == ("POST", "/api/chat.postMessage")
    assert one.headers["Content-Type"] == "application/json;charset=utf-8"
    assert one.headers["Authorization"] == "Bearer xoxb-test"
    assert one.token == "xoxb-test"
    assert one.at <= two.at

    assert first["ts"] == "1700000000.000100"
    assert second["ts"] == "1700000000.000200"
    assert first["channel"] == "C123"
    assert first["message"]["text"] == "hello" and first["message"]["blocks"] == BLOCKS
    assert second["message"]["thread_ts"] == first["ts"]
    assert_shape(first.data, sample("chat_postMessage"))


def test_every_known_method_answers_in_its_documented_shape(fake_slack: FakeSlack) -> None:
    async def call_all() -> dict[str, Any]:
        web = client(fake_slack)
        return {
            "auth_test": await web.auth_test(),
            "chat_update": await web.chat_update(channel="C123", ts="1700000000.000100", text="edited"),
            "chat_postEphemeral": await web.chat_postEphemeral(channel="C123", user="U123", text="psst"),
            "chat_unfurl": await web.chat_unfurl(
                channel="C123", ts="1700000000.000100", unfurls={"https://x.test/1": {"blocks": BLOCKS}}
            ),
            "views_publish": await web.views_publish(user_id="U123", view={"type": "home", "blocks": BLOCKS}),
            "conversations_info": await web.conversations_info(channel="C123"),
            "users_info": await web.users_info(user="U123"),
        }

    answers = asyncio.run(call_all())

    for name, answer in answers.items():
        assert answer["ok"] is True
        if (PAYLOADS / f"{name}.json").exists():
            assert_shape(answer.data, sample(name), name)
    assert answers["auth_test"].data == {
        "ok": True,
        "url": "https://secbot-test.slack.com/",
        "team": "Secbot Test",
        "user": "secbot",
        "team_id": "T0001",
        "user_id": "UBOT",
        "bot_id": "BBOT",
        "is_enterprise_install": False,
    }
    assert answers["chat_update"]["ts"] == "1700000000.000100"  # the edited message keeps its ts
    assert answers["views_publish"]["view"]["blocks"] == BLOCKS
    assert answers["users_info"]["user"]["id"] == "U123"

    # conversations.info and users.info are GETs with query-string arguments; auth.test has no body.
    [info] = fake_slack.calls("conversations.info")
    assert (info.http_method, info.query, info.body) == ("GET", {"channel": "C123"}, {"channel": "C123"})
    [auth] = fake_slack.calls("auth.test")
    assert (auth.http_method, auth.body) == ("POST", {})
    [unfurl] = fake_slack.calls("chat.unfurl")
    assert unfurl.body["unfurls"] == {"https://x.test/1": {"blocks": BLOCKS}}
    assert fake_slack.methods() == [
        "auth.test",
        "chat.update",
        "chat.postEphemeral",
        "chat.unfurl",
        "views.publish",
        "conversations.info",
        "users.info",
    ]


def test_form_encoded_calls_are_recorded_too(fake_slack: FakeSlack) -> None:
    async def post() -> Any:
        return await client(fake_slack).api_call(
            "chat.postMessage", data={"channel": "C9", "text": "form", "blocks": json.dumps(BLOCKS)}
        )

    answer = asyncio.run(post())

    [call] = fake_slack.calls("chat.postMessage")
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert call.body["channel"] == "C9" and call.body["text"] == "form"
    assert isinstance(call.body["blocks"], str) and call.arg("blocks") == BLOCKS
    assert answer["message"]["blocks"] == BLOCKS


def test_unknown_methods_and_missing_tokens_are_refused_but_recorded(fake_slack: FakeSlack) -> None:
    async def unknown() -> None:
        await client(fake_slack).api_call("secbot.nonsense", json={"x": 1})

    async def anonymous() -> None:
        await AsyncWebClient(base_url=fake_slack.api_url).chat_postMessage(channel="C1", text="t")

    with pytest.raises(SlackApiError) as refused:
        asyncio.run(unknown())
    assert refused.value.response.status_code == 200
    assert refused.value.response.data == {"ok": False, "error": "unknown_method"}
    with pytest.raises(SlackApiError) as refused:
        asyncio.run(anonymous())
    assert refused.value.response["error"] == "not_authed"
    assert fake_slack.methods() == ["secbot.nonsense", "chat.postMessage"]
    assert fake_slack.calls("secbot.nonsense")[0].body == {"x": 1}


def test_a_scripted_429_raises_slack_api_error_when_the_client_has_no_retry_handler(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=429, headers={"Retry-After": "1"})

    async def post() -> Any:
        return await client(fake_slack).chat_postMessage(channel="C123", text="hi")

    with pytest.raises(SlackApiError) as limited:
        asyncio.run(post())
    response = limited.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response["error"] == "ratelimited"
    assert len(fake_slack.calls("chat.postMessage")) == 1  # slack_sdk's default handlers don't retry a 429

    assert asyncio.run(post())["ok"] is True  # times=1: the next call is answered normally


def test_a_scripted_429_is_retried_by_the_rate_limit_retry_handler(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=429, headers={"Retry-After": "0"})

    async def post() -> Any:
        web = client(fake_slack, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
        return await web.chat_postMessage(channel="C123", text="hi")

    assert asyncio.run(post())["ok"] is True
    first, second = fake_slack.wait_for("chat.postMessage", count=2)
    assert second.body == first.body


def test_scripted_errors_queue_up_in_order(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=200, error="channel_not_found")
    fake_slack.fail("chat.postMessage", status=500, times=2)

    async def post() -> Any:
        try:
            return await client(fake_slack).chat_postMessage(channel="C404", text="hi")
        except SlackApiError as error:
            return error.response

    answers = [asyncio.run(post()) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 500, 500, 200]
    assert answers[0].data == {"ok": False, "error": "channel_not_found"}
    assert answers[3]["ok"] is True
    assert len(fake_slack.calls("chat.postMessage")) == 4


def test_delay_holds_the_answer(fake_slack: FakeSlack) -> None:
    fake_slack.delay("users.info", 0.3)

    async def lookup() -> float:
        started = time.monotonic()
        await client(fake_slack).users_info(user="U123")
        return time.monotonic() - started

    assert asyncio.run(lookup()) >= 0.3
    fake_slack.delay("users.info", 0)
    assert asyncio.run(lookup()) < 0.3


def test_stub_replaces_the_default_answer(fake_slack: FakeSlack) -> None:
    fake_slack.stub("users.info", lambda call: {"ok": True, "user": {"id": call.body["user"], "real_name": "Ada"}})

    async def lookup() -> Any:
        return await client(fake_slack).users_info(user="U777")

    assert asyncio.run(lookup())["user"] == {"id": "U777", "real_name": "Ada"}
    fake_slack.stub("users.info", None)
    assert asyncio.run(lookup())["user"]["real_name"] == "Test User U777"


def test_response_url_posts_are_recorded_with_their_token(fake_slack: FakeSlack) -> None:
    url = fake_slack.response_url("T0001/42/abc")

    async def post() -> tuple[int, str, int]:
        reply = {"text": "plain aiohttp", "response_type": "ephemeral"}
        async with aiohttp.ClientSession() as session, session.post(url, json=reply) as raw:
            raw_status, raw_text = raw.status, await raw.text()
        sent = await AsyncWebhookClient(url).send(text="as bolt's respond() sends it", replace_original=True)
        return raw_status, raw_text, sent.status_code

    assert asyncio.run(post()) == (200, "ok", 200)
    first, second = fake_slack.wait_for("response_url", count=2)
    assert first.response_token == second.response_token == "T0001/42/abc"
    assert first.body == {"text": "plain aiohttp", "response_type": "ephemeral"}
    assert second.body == {"text": "as bolt's respond() sends it", "replace_original": True}
    assert second.headers["Content-Type"] == "application/json;charset=utf-8"

    fake_slack.fail("response_url", status=404, body="expired_url")

    async def post_expired() -> tuple[int, str]:
        sent = await AsyncWebhookClient(url).send(text="too late")
        return sent.status_code, sent.body

    assert asyncio.run(post_expired()) == (404, "expired_url")
    assert fake_slack.calls("response_url")[-1].body == {"text": "too late"}


def test_wait_for_waits_for_a_late_call_and_names_what_arrived_when_it_gives_up(fake_slack: FakeSlack) -> None:
    async def post(method: str) -> None:
        await client(fake_slack).api_call(method, json={"channel": "C123", "text": "late"})

    timer = threading.Timer(0.2, lambda: asyncio.run(post("chat.postMessage")))
    timer.start()
    try:
        [call] = fake_slack.wait_for("chat.postMessage", timeout=5)
    finally:
        timer.join()
    assert call.body["text"] == "late"

    with pytest.raises(AssertionError) as gave_up:
        fake_slack.wait_for("chat.update", timeout=0.1)
    assert "expected 1 chat.update call(s)" in str(gave_up.value)
    assert 'chat.postMessage {"channel": "C123", "text": "late"}' in str(gave_up.value)


def test_wait_for_async_yields_to_the_event_loop(fake_slack: FakeSlack) -> None:
    async def scenario() -> list[Any]:
        web = client(fake_slack)
        task = asyncio.create_task(web.chat_postMessage(channel="C123", text="in the same loop"))
        calls = await fake_slack.wait_for_async("chat.postMessage")
        await task
        return calls

    [call] = asyncio.run(scenario())
    assert call.body["text"] == "in the same loop"


def test_the_fake_is_only_on_loopback_and_stops_cleanly() -> None:
    fake = FakeSlack().start()
    try:
        assert fake.url.startswith("http://127.0.0.1:")
        assert fake.response_url("t").startswith("http://127.0.0.1:")
    finally:
        fake.stop()
    with pytest.raises(RuntimeError):
        _ = fake.url
    fake.stop()  # stopping twice is harmless


# ---------------------------------------------------------------------- signed requests


def test_sign_verifies_with_slack_sdks_signature_verifier() -> None:
    body = sr.slash_command("show SECMP0001", response_url="http://127.0.0.1:9/respond/x")
    verifier = SignatureVerifier(SECRET)

    headers = sr.sign(body, SECRET)

    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + "&x=1", headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    fixed = sr.sign(body, SECRET, timestamp=1_531_420_618)
    assert fixed["X-Slack-Request-Timestamp"] == "1531420618"
    assert fixed["X-Slack-Signature"] == verifier.generate_signature(timestamp="1531420618", body=body)
    assert not verifier.is_valid_request(body, fixed)  # older than five minutes
    assert sr.sign(sr.url_verification("c"), SECRET)["Content-Type"] == "application/json"


def test_slash_command_body_is_slacks_form_encoding() -> None:
    body = sr.slash_command("show SECMP0001 & more", response_url="http://127.0.0.1:9/respond/cmd", trigger_id="1.2.3")

    fields = dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True))

    assert list(fields) == [
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    ]
    assert_shape(fields, sample("slash_command"))
    assert fields["command"] == "/sec" and "command=%2Fsec" in body
    assert fields["text"] == "show SECMP0001 & more" and "text=show+SECMP0001+%26+more" in body
    assert (fields["user_id"], fields["channel_id"], fields["team_id"]) == ("U123", "C123", "T0001")
    assert fields["trigger_id"] == "1.2.3"
    assert sr.slash_command("x", response_url="u", channel_id="D42").count("channel_name=directmessage") == 1


@pytest.mark.parametrize(
    ("name", "event"),
    [
        ("app_mention", lambda: sr.app_mention("show SECMP0001", thread_ts="1700000000.000001")),
        ("message_im", lambda: sr.direct_message("show SECMP0001")),
        ("link_shared", lambda: sr.link_shared(["https://smartenergycodecompany.co.uk/modifications/secmp0001/"])),
        ("app_home_opened", lambda: sr.app_home_opened()),
    ],
)
def test_event_callbacks_have_the_documented_shape(name: str, event: Any) -> None:
    body = sr.event_callback(event(), event_id="Ev0SECBOT01")

    envelope = json.loads(body)

    assert_shape(envelope, sample("event_callback"))
    assert_shape(envelope["event"], sample(name))
    assert envelope["type"] == "event_callback" and envelope["event_id"] == "Ev0SECBOT01"
    assert envelope["authorizations"][0]["user_id"] == "UBOT"
    assert isinstance(envelope["event_time"], int)


def test_event_builders_fill_in_what_slack_would() -> None:
    mention = sr.app_mention("show SECMP0001", thread_ts="1700000000.000001")
    assert mention["text"] == "<@UBOT> show SECMP0001"
    assert mention["thread_ts"] == "1700000000.000001" and mention["ts"] == mention["event_ts"]
    assert mention["blocks"][0]["elements"][0]["elements"] == [
        {"type": "user", "user_id": "UBOT"},
        {"type": "text", "text": " show SECMP0001"},
    ]
    assert sr.app_mention("hi <@UBOT>")["text"] == "hi <@UBOT>"
    assert sr.direct_message("hi")["channel_type"] == "im"
    shared = sr.link_shared(["https://example.com/a", "https://docs.example.org/b"], message_ts="1700000000.000009")
    assert shared["links"] == [
        {"domain": "example.com", "url": "https://example.com/a"},
        {"domain": "docs.example.org", "url": "https://docs.example.org/b"},
    ]
    assert shared["unfurl_id"].startswith("C123.1700000000.000009.")
    assert "view" not in sr.app_home_opened()
    assert sr.app_home_opened(view={"type": "home"})["view"] == {"type": "home"}
    assert json.loads(sr.url_verification("abc")) == {
        "token": workspace.VERIFICATION_TOKEN,
        "challenge": "abc",
        "type": "url_verification",
    }
    assert_shape(json.loads(sr.url_verification("abc")), sample("url_verification"))


def test_block_actions_body_is_a_form_encoded_payload() -> None:
    body = sr.block_actions("approve", "SECMP0001", response_url="http://127.0.0.1:9/respond/act")

    [(field, raw)] = parse_qsl(body, strict_parsing=True)
    payload = json.loads(raw)

    assert field == "payload"
    assert_shape(payload, sample("block_actions_ephemeral"))
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload
    assert payload["actions"][0]["action_id"] == "approve" and payload["actions"][0]["value"] == "SECMP0001"
    assert sr.sign(body, SECRET)["Content-Type"] == "application/x-www-form-urlencoded"

    in_message = sr.block_actions_payload(
        "approve", "v", response_url="u", message={"type": "message", "ts": "1700000000.000500", "text": "t"}
    )
    assert in_message["container"] == {
        "type": "message",
        "message_ts": "1700000000.000500",
        "channel_id": "C123",
        "is_ephemeral": False,
    }
    assert in_message["message"]["ts"] == "1700000000.000500"


# ---------------------------------------------------------------------- both, through slack-bolt


def test_slack_bolt_accepts_the_built_requests_and_talks_to_the_fake(fake_slack: FakeSlack) -> None:
    async def scenario() -> dict[str, Any]:
        app = AsyncApp(client=fake_slack.web_client(), signing_secret=SECRET, process_before_response=True)

        @app.command("/sec")
        async def sec(ack: Any, respond: Any, command: dict) -> None:
            await ack()
            await respond(text=f"you asked: {command['text']}", response_type="ephemeral")

        @app.event("app_mention")
        async def mentioned(event: dict, say: Any) -> None:
            await say(text="hello", thread_ts=event["ts"])

        @app.event("message")
        async def direct(event: dict, say: Any) -> None:
            await say(text=f"dm: {event['text']}")

        @app.event("link_shared")
        async def unfurl(event: dict, client: Any) -> None:
            await client.chat_unfurl(
                channel=event["channel"],
                ts=event["message_ts"],
                unfurls={link["url"]: {"blocks": BLOCKS} for link in event["links"]},
            )

        @app.event("app_home_opened")
        async def home(event: dict, client: Any) -> None:
            await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": BLOCKS})

        @app.action("approve")
        async def approve(ack: Any, respond: Any, action: dict) -> None:
            await ack()
            await respond(text=f"approved {action['value']}", replace_original=True)

        async def dispatch(body: str, secret: str = SECRET) -> Any:
            return await app.async_dispatch(AsyncBoltRequest(body=body, headers=sr.sign(body, secret)))

        return {
            "command": await dispatch(sr.slash_command("show SECMP0001", response_url=fake_slack.response_url("cmd"))),
            "mention": await dispatch(sr.event_callback(sr.app_mention("hi", ts="1700000001.000001"))),
            "dm": await dispatch(sr.event_callback(sr.direct_message("list"))),
            "links": await dispatch(
                sr.event_callback(sr.link_shared(["https://x.test/SECMP0001"], message_ts="1700000002.000002"))
            ),
            "home": await dispatch(sr.event_callback(sr.app_home_opened("U123"))),
            "action": await dispatch(
                sr.block_actions("approve", "SECMP0001", response_url=fake_slack.response_url("act"))
            ),
            "challenge": await dispatch(sr.url_verification("the-challenge")),
            "forged": await dispatch(sr.slash_command("x", response_url="u"), secret="not-the-secret"),
        }

    responses = asyncio.run(scenario())

    assert {name: r.status for name, r in responses.items()} == {
        "command": 200,
        "mention": 200,
        "dm": 200,
        "links": 200,
        "home": 200,
        "action": 200,
        "challenge": 200,
        "forged": 401,
    }
    assert json.loads(responses["challenge"].body) == {"challenge": "the-challenge"}
    assert len(fake_slack.calls("auth.test")) >= 1  # bolt's single-team authorization
    replies = {c.response_token: c.body for c in fake_slack.calls("response_url")}
    assert replies == {
        "cmd": {"text": "you asked: show SECMP0001", "response_type": "ephemeral"},
        "act": {"text": "approved SECMP0001", "replace_original": True},
    }
    posts = [(c.body["channel"], c.body["text"], c.body.get("thread_ts")) for c in fake_slack.calls("chat.postMessage")]
    assert posts == [("C123", "hello", "1700000001.000001"), ("D123", "dm: list", None)]
    [unfurl] = fake_slack.calls("chat.unfurl")
    assert unfurl.body == {
        "team_id": "T0001",  # bolt's per-request client adds the context's team_id to every call
        "channel": "C123",
        "ts": "1700000002.000002",
        "unfurls": {"https://x.test/SECMP0001": {"blocks": BLOCKS}},
    }
    [home] = fake_slack.calls("views.publish")
    assert home.body["user_id"] == "U123" and home.body["view"]["type"] == "home"


# ---------------------------------------------------------------------- the fake Socket Mode endpoint


def test_socket_mode_envelopes_carry_what_the_http_request_would_have() -> None:
    body = sr.slash_command("show SECMP0001 & more", response_url="http://127.0.0.1:9/respond/cmd", trigger_id="1.2.3")
    command = socket_mode.slash_commands(body, envelope_id="env-1")
    assert_shape(command, sample("socket_mode_slash_commands"))
    assert command["payload"] == dict(parse_qsl(body, keep_blank_values=True))
    assert (command["envelope_id"], command["accepts_response_payload"]) == ("env-1", True)

    event = socket_mode.events_api(sr.event_callback(sr.app_mention("hi")), retry_attempt=1, retry_reason="timeout")
    assert_shape(event, sample("socket_mode_events_api"))
    assert_shape(event["payload"], sample("event_callback"))
    assert (event["retry_attempt"], event["retry_reason"]) == (1, "timeout")

    press = socket_mode.interactive(sr.block_actions("approve", "SECMP0001", response_url="u"))
    assert press["type"] == "interactive" and press["accepts_response_payload"] is False
    assert_shape(press["payload"], sample("block_actions_ephemeral"))
    assert press["envelope_id"] != event["envelope_id"]

    assert_shape(socket_mode.hello(), sample("socket_mode_hello"))
    assert_shape(socket_mode.disconnect("warning"), sample("socket_mode_disconnect"))


def test_socket_mode_addresses_are_for_app_tokens_and_each_is_used_once(fake_slack: FakeSlack) -> None:
    with FakeSocketMode().attach(fake_slack) as endpoint:

        async def scenario() -> tuple[str, str, dict, int]:
            web = fake_slack.web_client()
            with pytest.raises(SlackApiError) as refused:
                await web.apps_connections_open(app_token="xoxb-test")
            url = (await web.apps_connections_open(app_token="xapp-1-test"))["url"]
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(url) as ws:
                    first = await ws.receive_json(timeout=5)
                with pytest.raises(aiohttp.WSServerHandshakeError) as again:
                    await session.ws_connect(url)
            return refused.value.response["error"], url, first, again.value.status

        error, url, first, status = asyncio.run(scenario())

    assert error == "not_allowed_token_type"
    assert re.fullmatch(rf"ws://127\.0\.0\.1:\d+/link/\?ticket=[0-9a-f]{{32}}&app_id={workspace.API_APP_ID}", url)
    assert first["type"] == "hello" and first["connection_info"]["app_id"] == workspace.API_APP_ID
    assert status == 401 and len(endpoint.refused()) == 1
    assert [c.token for c in fake_slack.calls("apps.connections.open")] == ["xoxb-test", "xapp-1-test"]


def test_slack_sdks_socket_mode_client_acks_envelopes_and_follows_a_disconnect(fake_slack: FakeSlack) -> None:
    seen: list[str] = []

    async def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
        seen.append(request.type)
        payload = {"text": f"got {request.payload['text']}"} if request.type == "slash_commands" else None
        await client.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload))

    with FakeSocketMode().attach(fake_slack) as endpoint:

        async def scenario() -> tuple[dict, dict]:
            client = SocketModeClient(app_token="xapp-1-test", web_client=fake_slack.web_client())
            client.socket_mode_request_listeners.append(on_request)
            await client.connect()
            try:
                body = sr.slash_command("MP161", response_url=fake_slack.response_url())
                command = await asyncio.to_thread(endpoint.request, socket_mode.slash_commands(body))
                await asyncio.to_thread(endpoint.send, socket_mode.disconnect())
                await asyncio.to_thread(endpoint.wait_connected, 2)
                event = socket_mode.events_api(sr.event_callback(sr.app_mention("hi")))
                event_ack = await asyncio.to_thread(endpoint.request, event)
            finally:
                await client.close()
            return command, event_ack

        command_ack, event_ack = asyncio.run(scenario())
        first, second = endpoint.wait_closed()

    assert command_ack["payload"] == {"text": "got MP161"}
    assert set(event_ack) == {"envelope_id"}
    assert seen == ["slash_commands", "events_api"]  # hello and disconnect are not envelopes
    assert command_ack in first.received and event_ack in second.received
    assert (first.close_code, second.close_code) == (1000, 1000)
    assert len(fake_slack.calls("apps.connections.open")) == 2


def test_the_socket_mode_fake_closes_open_sockets_when_it_stops(fake_slack: FakeSlack) -> None:
    endpoint = FakeSocketMode().attach(fake_slack)

    async def connect_and_wait_for_close() -> list[Any]:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(endpoint.new_url())
            await asyncio.to_thread(endpoint.stop)
            return [message.type async for message in ws]

    try:
        types = asyncio.run(connect_and_wait_for_close())
    finally:
        endpoint.stop()
    assert types == [aiohttp.WSMsgType.TEXT]  # hello, then the close ends the iteration
    with pytest.raises(RuntimeError):
        _ = endpoint.url
