"""The Slack door end to end: signed requests over a socket to secbot's real aiohttp server, with
Slack's Web API (and response_url) played by a local fake server that records every call."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import event

from secbot.app import build
from secbot.settings import Settings
from secbot.store import subscriptions
from secbot.store.subscriptions import Filters
from tests.fakes import slack_requests as slack
from tests.fakes.slack_api import FakeSlack
from tests.fakes.workspace import BOT_TOKEN, SIGNING_SECRET, TEAM_ID
from tests.servers import running, serving
from tests.support.block_kit import texts
from tests.support.dates import REPORT_DAY
from tests.support.slack_client import SlackClient
from tests.support.unreachable import closed_port

pytestmark = pytest.mark.usefixtures("no_proxy")

SECAS_URL = "https://www.smartenergycodecompany.co.uk/modifications/modification/SECMP-23"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def secbot_server(sample_db_url, fake) -> Iterator[tuple[SlackClient, object]]:
    fake.reset()
    settings = Settings(
        database_url=sample_db_url,
        today=REPORT_DAY,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
    )
    app = build(settings)
    with serving(app) as served:
        yield SlackClient(served.base, fake, served), app
    app.store.engine.dispose()


def buttons(blocks: list[dict]) -> dict[str, dict]:
    found = {}
    for block in blocks:
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("type") == "button":
                found[element["text"]["text"]] = element
    return found


def test_slash_command_answers_inline_with_an_ephemeral_card(secbot_server):
    client, _ = secbot_server
    response, _token = client.command("MP161")
    assert response.status_code == 200
    payload = response.json()
    assert payload["response_type"] == "ephemeral"
    assert "MP161: Significant Code Review – Retail Code Consolidation" in texts(payload["blocks"])
    found = buttons(payload["blocks"])
    assert found["Timeline"]["value"] == "MP161 timeline"
    assert found["Share in channel"]["value"] == "MP161"


def test_healthz(secbot_server):
    client, _ = secbot_server
    assert requests.get(f"{client.base}/healthz", timeout=5).json() == {"status": "ok"}


@pytest.mark.parametrize("case", ["missing", "wrong secret", "stale"])
def test_bad_signatures_get_401_and_touch_nothing(secbot_server, case):
    client, _ = secbot_server
    body = slack.slash_command("MP161", response_url=client.fake.response_url("x"))
    if case == "missing":
        response = requests.post(
            f"{client.base}/slack/events",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
    elif case == "wrong secret":
        response = client.post(body, secret="not-the-secret")
    else:
        response = client.post(body, timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    client.settle()
    assert client.fake.calls() == []


def test_a_replayed_command_is_answered_once(secbot_server):
    client, _ = secbot_server
    body = slack.slash_command("MP161", response_url=client.fake.response_url("replay"), trigger_id="trig-1")
    first = client.post(body)
    second = client.post(body)
    assert "MP161" in texts(first.json()["blocks"])
    assert second.status_code == 200 and second.text == ""


def test_a_slack_retry_of_an_event_posts_once(secbot_server):
    client, _ = secbot_server
    body = slack.event_callback(slack.app_mention("MP161", ts="1700000000.000100"), event_id="Ev-retry")
    assert client.post(body).status_code == 200
    retry = client.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    client.fake.wait_for("chat.postMessage")
    client.settle()
    assert len(client.fake.calls("chat.postMessage")) == 1


def test_a_mention_in_a_thread_answers_in_that_thread(secbot_server):
    client, _ = secbot_server
    mention = slack.app_mention(
        "what's the status of MP161?", channel="C777", ts="1700000000.000200", thread_ts="1700000000.000100"
    )
    assert client.post(slack.event_callback(mention)).status_code == 200
    call = client.fake.wait_for("chat.postMessage")[0]
    assert call.body["channel"] == "C777"
    assert call.body["thread_ts"] == "1700000000.000100"
    assert "Significant Code Review" in texts(call.arg("blocks"))
    assert "Share in channel" not in texts(call.arg("blocks"))  # a mention answer is already public


def test_a_direct_message_is_answered_in_the_dm(secbot_server):
    client, _ = secbot_server
    dm = slack.direct_message("wg", channel="D123", ts="1700000000.000300")
    assert client.post(slack.event_callback(dm)).status_code == 200
    call = client.fake.wait_for("chat.postMessage")[0]
    assert call.body["channel"] == "D123"
    assert "Working Group: 7 July 2021" in texts(call.arg("blocks"))


def test_channel_messages_that_are_not_for_the_bot_are_ignored(secbot_server):
    client, _ = secbot_server
    chatter = slack.direct_message("MP161", channel="C123", ts="1700000000.000400")
    chatter["channel_type"] = "channel"
    assert client.post(slack.event_callback(chatter)).status_code == 200
    client.settle()
    assert client.fake.calls("chat.postMessage") == []


def test_a_secas_link_unfurls_into_a_compact_card(secbot_server):
    client, _ = secbot_server
    shared = slack.link_shared([SECAS_URL, "https://example.com/other"], channel="C123", message_ts="1700000000.5")
    assert client.post(slack.event_callback(shared)).status_code == 200
    call = client.fake.wait_for("chat.unfurl")[0]
    unfurls = call.arg("unfurls")
    assert list(unfurls) == [SECAS_URL]
    assert "SECMP0023" in texts(unfurls[SECAS_URL]["blocks"])
    sent = json.loads(slack.event_callback(shared))["event"]
    if sent.get("unfurl_id"):  # Slack's newer events name the unfurl; chat.unfurl then takes that
        assert (call.body["unfurl_id"], call.body["source"]) == (sent["unfurl_id"], sent["source"])
    else:
        assert call.body["channel"] == "C123" and call.body["ts"] == "1700000000.5"


def test_app_home_shows_the_next_working_group_and_consultations(secbot_server):
    client, _ = secbot_server
    assert client.post(slack.event_callback(slack.app_home_opened(user="U555"))).status_code == 200
    call = client.fake.wait_for("views.publish")[0]
    assert call.body["user_id"] == "U555"
    view = call.arg("view")
    assert view["type"] == "home"
    assert "Working Group: 7 July 2021" in texts(view["blocks"])
    assert "MP122B" in texts(view["blocks"])  # expected Refinement Consultation
    assert "No channel in this workspace receives digests yet" in texts(view["blocks"])


def test_app_home_lists_this_workspaces_digest_subscriptions(secbot_server):
    client, app = secbot_server
    subscribe = subscriptions.subscribe
    subscribe(app.store, "slack", f"{TEAM_ID}:CGENERAL", ("monthly", "agenda"), Filters(), by="t")
    subscribe(app.store, "slack", f"{TEAM_ID}:CREFINE", ("agenda",), Filters(phases=("Refine",)), by="t")
    subscribe(app.store, "slack", "TOTHER:COTHER", ("monthly",), Filters(), by="t")
    assert client.post(slack.event_callback(slack.app_home_opened(user="U555"))).status_code == 200
    shown = texts(client.fake.wait_for("views.publish")[0].arg("view")["blocks"])
    assert "Digest subscriptions (2 channels)" in shown
    assert "Channel CGENERAL — agenda; monthly" in shown
    assert "Channel CREFINE — agenda (only phase Refine)" in shown
    assert "COTHER" not in shown


def _press(client: SlackClient, action_id: str, value: str) -> dict:
    token = f"T0001/{time.monotonic_ns()}/button"
    body = slack.block_actions(action_id, value, response_url=client.fake.response_url(token))
    assert client.post(body).status_code == 200
    answer = client.fake.answer_to(token)
    client.fake.reset()
    return answer.body


def test_timeline_button(secbot_server):
    client, _ = secbot_server
    answer = _press(client, "secbot_run_0", "MP161 timeline")
    assert answer["replace_original"] is False
    assert "MP161 timeline" in texts(answer["blocks"])


def test_more_button_pages_in_place(secbot_server):
    client, _ = secbot_server
    first = client.command("search sec")[0].json()
    more = buttons(first["blocks"])
    label = next(label for label in more if label.startswith("More"))
    assert more[label]["value"] == "search sec page 2"
    answer = _press(client, more[label]["action_id"], more[label]["value"])
    assert answer["replace_original"] is True
    assert "11–" in texts(answer["blocks"])


def test_share_button_posts_in_channel(secbot_server):
    client, _ = secbot_server
    answer = _press(client, "secbot_share", "MP161")
    assert answer["response_type"] == "in_channel"
    assert "Significant Code Review" in texts(answer["blocks"])
    assert "Share in channel" not in texts(answer["blocks"])


def test_link_button_is_only_acknowledged(secbot_server):
    client, _ = secbot_server
    body = slack.block_actions("secbot_link_0", "", response_url=client.fake.response_url("link"))
    assert client.post(body).status_code == 200
    client.settle()
    assert [c.method for c in client.fake.calls() if c.method != "auth.test"] == []


def test_a_slow_store_is_acknowledged_in_time_and_answered_through_response_url(secbot_server):
    client, app = secbot_server
    acknowledged = threading.Event()

    def stuck(*_args):  # the database boundary: no statement runs until Slack has had its acknowledgement
        assert acknowledged.wait(30), "secbot waited for the store before acknowledging"

    event.listen(app.store.engine, "before_cursor_execute", stuck)
    try:
        started = time.monotonic()
        response, token = client.command("MP144")
        elapsed = time.monotonic() - started
        acknowledged.set()
        assert response.status_code == 200 and elapsed < 3.0  # Slack's limit for an acknowledgement
        assert "Looking that up" in response.json()["text"]
        answer = client.fake.answer_to(token)
    finally:
        acknowledged.set()
        event.remove(app.store.engine, "before_cursor_execute", stuck)
    assert "MP144" in texts(answer.body["blocks"])


def test_a_store_that_is_down_gets_an_apology_not_silence(secbot_server):
    client, app = secbot_server

    def down(*_args):
        raise ConnectionError("database unreachable")

    event.listen(app.store.engine, "before_cursor_execute", down)
    try:
        response, _ = client.command("MP161")
        assert requests.get(f"{client.base}/healthz", timeout=5).status_code == 503
    finally:
        event.remove(app.store.engine, "before_cursor_execute", down)
    assert response.status_code == 200
    assert "The register is unavailable" in texts(response.json()["blocks"])


def test_slack_api_out_of_reach_is_not_called_a_database_outage(sample_db_url, fake, caplog):
    """bolt asks Slack's API who the bot is before the first answer: when that API cannot be reached (here a
    wrong SECBOT_SLACK_API_URL), the person is told something went wrong, and the log says what failed,
    rather than "the register is unavailable" for a database that is fine."""
    settings = Settings(
        database_url=sample_db_url,
        today=REPORT_DAY,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=f"http://127.0.0.1:{closed_port()}/api/",
    )
    app = build(settings)
    with serving(app) as served:
        response, _ = SlackClient(served.base, fake, served).command("MP161")
    app.store.engine.dispose()
    assert response.status_code == 200
    shown = texts(response.json()["blocks"]) if "blocks" in response.json() else response.json()["text"]
    assert "something went wrong" in shown and "register is unavailable" not in shown
    assert not [r for r in caplog.records if "database is unavailable" in r.getMessage()]
    assert any(r.getMessage() == "Slack command failed" and r.exc_info for r in caplog.records)


def test_tokens_and_secrets_never_reach_the_log(secbot_server, caplog):
    client, _ = secbot_server
    caplog.set_level("DEBUG")
    client.command("MP161")
    client.post(slack.event_callback(slack.app_mention("MP161", ts="1700000000.000900")))
    client.fake.wait_for("chat.postMessage")
    logged = caplog.text
    assert BOT_TOKEN not in logged and SIGNING_SECRET not in logged


def test_oauth_install_stores_the_workspace_and_its_token_answers_commands(sample_db_url, fake):
    import re

    from sqlalchemy import select

    from secbot.store.models import Base

    fake.reset()
    fake.stub(
        "oauth.v2.access",
        {
            "ok": True,
            "app_id": "A0001",
            "access_token": "xoxb-installed",
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": "UBOT",
            "team": {"id": "T0001", "name": "Secbot Test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U123"},
        },
    )
    settings = Settings(
        database_url=sample_db_url,
        today=REPORT_DAY,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
    )
    app = build(settings)
    with running(app) as base:
        page = requests.get(f"{base}/slack/install", timeout=10)
        assert page.status_code == 200
        state = re.search(r"state=([^&\"']+)", page.text).group(1)
        assert "client_id=111.222" in page.text
        # The state cookie is Secure (Slack installs run over HTTPS): send it back as a browser would.
        cookie = page.headers["Set-Cookie"].split(";")[0]
        done = requests.get(
            f"{base}/slack/oauth_redirect",
            params={"code": "the-code", "state": state},
            headers={"Cookie": cookie},
            timeout=10,
        )
        assert done.status_code == 200, done.text
        assert fake.calls("oauth.v2.access")[0].body["code"] == "the-code"
        installations = Base.metadata.tables["slack_installations"]
        with app.store.engine.connect() as connection:
            row = connection.execute(select(installations.c.team_id, installations.c.bot_token)).one()
        assert tuple(row) == ("T0001", "xoxb-installed")

        client = SlackClient(base, fake)
        response, _ = client.command("MP161")
        assert "Significant Code Review" in texts(response.json()["blocks"])
        assert "xoxb-installed" in {c.token for c in fake.calls("auth.test")}
    app.store.engine.dispose()
