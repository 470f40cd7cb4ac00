"""The Teams door end to end: activities (shaped as Teams sends them) posted over a socket to secbot's
real aiohttp server with a signed Bot Framework token, and every reply landing on a fake Bot
Connector named by the activity's serviceUrl; Entra ID's token endpoint is faked with ``responses``."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
import requests

from secbot import platforms
from secbot.app import build
from secbot.delivery.errors import ConversationGone, DeliveryFailed, RateLimited
from secbot.platforms.teams.cards import SUBMIT_KEY, TeamsMessage, submitted_command, validate_card
from secbot.replies import Reply
from secbot.settings import Settings
from secbot.store import conversations, subscriptions
from tests.fakes.teams_connector import (
    APP_ID,
    APP_PASSWORD,
    ISSUER,
    OUTBOUND_TOKEN,
    TENANT_ID,
    FakeTeams,
    token_service,
)
from tests.servers import serving
from tests.support.dates import REPORT_DAY
from tests.support.teams_client import (
    MP161_TITLE,
    PERSONAL,
    TEAM_CHANNEL,
    TeamsClient,
    card_of,
    card_text,
    first_text,
    teams_settings,
)

pytestmark = pytest.mark.usefixtures("no_proxy")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTeams]:
    with FakeTeams() as server:
        yield server


@pytest.fixture
def teams(sample_db_url, fake) -> Iterator[TeamsClient]:
    fake.reset()
    app = build(teams_settings(sample_db_url, fake), platforms=platforms.words())
    with token_service(), serving(app) as served:
        yield TeamsClient(served, fake)
    app.store.engine.dispose()


def card_actions(card: dict) -> dict[str, dict]:
    found: dict[str, dict] = {}

    def walk(node):
        if isinstance(node, dict):
            if node.get("type", "").startswith("Action.") and "title" in node:
                found.setdefault(node["title"], node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


# --- answering ------------------------------------------------------------------------------------


def test_personal_message_gets_an_adaptive_card_with_the_title(teams):
    response = teams.send(teams.activity("personal_message", text="MP161"))
    assert response.status_code in (200, 202)
    [call] = teams.fake.wait_for(1)
    assert call.http_method == "POST" and call.conversation_id == PERSONAL
    assert call.token == OUTBOUND_TOKEN  # secbot's own token, from the (fake) Entra ID token service
    card = card_of(call.body)
    assert MP161_TITLE in first_text(card)
    assert validate_card(card) == []
    assert "Awaiting Authority Decision" in card_text(card)
    assert submitted_command(card_actions(card)["Timeline"]["data"]) == "MP161 timeline"
    assert MP161_TITLE in call.body["summary"]  # the plain-text fallback for notifications
    assert "text" not in call.body  # Teams would show text, unescaped, above the card


def test_sec_prefix_in_personal_chat(teams):
    teams.send(teams.activity("personal_message", text="sec MP161"))
    [call] = teams.fake.wait_for(1)
    assert MP161_TITLE in first_text(card_of(call.body))


def test_channel_mention_is_stripped_and_answered_in_the_thread(teams):
    activity = teams.activity("channel_mention")
    assert activity["text"] == "<at>secbot</at> MP161"
    assert teams.send(activity).status_code in (200, 202)
    [call] = teams.fake.wait_for(1)
    assert call.conversation_id.startswith(TEAM_CHANNEL)  # the thread the mention was in
    assert call.activity_id == activity["id"]  # a reply to the mention
    assert MP161_TITLE in first_text(card_of(call.body))


def test_unknown_reference_gets_did_you_mean_not_an_error(teams):
    teams.send(teams.activity("personal_message", text="MP999"))
    [call] = teams.fake.wait_for(1)
    card = card_of(call.body)
    assert "Did you mean" in card_text(card)
    assert validate_card(card) == []


def test_a_redelivered_activity_is_answered_once(teams):
    activity = teams.activity("personal_message", text="MP161")
    assert teams.send(activity).status_code in (200, 202)
    assert teams.send(activity).status_code in (200, 202)
    teams.fake.wait_for(1)
    assert len(teams.fake.calls) == 1


# --- card actions -----------------------------------------------------------------------------------


def test_timeline_button_submit_answers_with_the_timeline(teams):
    teams.send(teams.activity("card_submit", value={SUBMIT_KEY: "MP161 timeline"}))
    [call] = teams.fake.wait_for(1)
    card = card_of(call.body)
    assert "MP161" in first_text(card) and "timeline" in first_text(card).lower()
    assert validate_card(card) == []


def test_suggestion_button_runs_the_suggested_reference(teams):
    teams.send(teams.activity("personal_message", text="MP999"))
    [first] = teams.fake.wait_for(1)
    suggestion = card_actions(card_of(first.body))["MP099"]
    teams.send(teams.activity("card_submit", value=suggestion["data"]))
    second = teams.fake.wait_for(2)[1]
    assert first_text(card_of(second.body)).startswith("MP099")


def test_more_pages_the_card_in_place(teams):
    teams.send(teams.activity("personal_message", text="phase refinement all"))
    [first] = teams.fake.wait_for(1)
    more = next(action for title, action in card_actions(card_of(first.body)).items() if title.startswith("More"))
    assert submitted_command(more["data"]).endswith("page 2")
    teams.send(teams.activity("card_submit", value=more["data"], replyToId="1000000000001"))
    second = teams.fake.wait_for(2)[1]
    assert second.http_method == "PUT" and second.activity_id == "1000000000001"
    page_two = card_of(second.body)
    assert validate_card(page_two) == []
    assert card_text(page_two) != card_text(card_of(first.body))
    assert "11–20" in card_text(page_two) or "page 2" in card_text(page_two).lower()


def test_execute_action_invoke_returns_the_new_card_in_the_response(teams):
    response = teams.send(teams.activity("card_execute_invoke"))
    assert response.status_code == 200
    body = response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "timeline" in first_text(body["value"]).lower()
    assert validate_card(body["value"]) == []
    assert teams.fake.calls == []  # the card is replaced through the invoke response, not a post


# --- conversation references and proactive posts -----------------------------------------------------


def saved(teams) -> dict[str, conversations.SavedConversation]:
    return {c.conversation_id: c for c in conversations.all_saved(teams.door.app.store)}


def a_digest() -> TeamsMessage:
    from secbot.platforms.teams.cards import render_reply

    return render_reply(Reply("Working Group: 7 July 2021", summary="Agenda: MP161, MP122A"))


def test_install_in_a_team_stores_the_reference_and_a_proactive_post_uses_it(teams):
    assert teams.send(teams.activity("installation_add_team")).status_code in (200, 202)
    stored = saved(teams)[TEAM_CHANNEL]
    assert stored.service_url == teams.fake.service_url
    assert stored.tenant_id == TENANT_ID
    assert stored.team_id == TEAM_CHANNEL and stored.name == "SEC Working Group"
    assert stored.reference["conversation"]["id"] == TEAM_CHANNEL
    assert stored.reference["serviceUrl"] == teams.fake.service_url

    message_id = teams.served.call(teams.door.post(TEAM_CHANNEL, a_digest()))
    [call] = teams.fake.wait_for(1)
    assert call.http_method == "POST" and call.conversation_id == TEAM_CHANNEL and call.activity_id is None
    assert call.token == OUTBOUND_TOKEN
    assert first_text(card_of(call.body)).startswith("Working Group: 7 July 2021")
    assert re.fullmatch(r"1\d{12}", message_id)  # the id the connector gave the new message


def test_bot_added_to_a_team_or_group_chat_is_remembered(teams):
    teams.send(teams.activity("bot_added_to_team"))
    teams.send(teams.activity("bot_added_to_group_chat"))
    stored = saved(teams)
    assert stored[TEAM_CHANNEL].kind == "channel"
    assert stored["19:group-chat-0001@thread.v2"].kind == "groupChat"


def test_first_message_remembers_the_conversation_not_the_thread(teams):
    teams.send(teams.activity("channel_mention"))
    teams.fake.wait_for(1)
    assert TEAM_CHANNEL in saved(teams)  # without ";messageid=": digests start a new post


def test_uninstall_forgets_and_posting_there_then_raises(teams):
    teams.send(teams.activity("installation_add_team"))
    assert TEAM_CHANNEL in saved(teams)
    teams.send(teams.activity("installation_remove_team"))
    assert TEAM_CHANNEL not in saved(teams)
    with pytest.raises(ConversationGone):
        teams.served.call(teams.door.post(TEAM_CHANNEL, a_digest()))


def test_bot_removed_from_team_forgets_every_channel_of_it(teams):
    teams.send(teams.activity("bot_added_to_team"))
    teams.send(
        teams.activity(
            "channel_mention",
            conversation={
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": TENANT_ID,
                "id": "19:another-channel@thread.skype;messageid=5",
            },
        )
    )
    teams.fake.wait_for(1)
    assert {TEAM_CHANNEL, "19:another-channel@thread.skype"} <= set(saved(teams))
    teams.send(teams.activity("bot_removed_from_team"))
    assert saved(teams) == {}


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (403, {}, ConversationGone),
        (404, {}, ConversationGone),
        (429, {"Retry-After": "7"}, RateLimited),
        (502, {}, DeliveryFailed),
    ],
)
def test_proactive_post_failures_are_typed(teams, status, headers, error):
    teams.send(teams.activity("installation_add_team"))
    teams.fake.fail(TEAM_CHANNEL, status, headers=headers)
    with pytest.raises(error) as raised:
        teams.served.call(teams.door.post(TEAM_CHANNEL, a_digest()))
    assert raised.value.target == TEAM_CHANNEL
    if error is RateLimited:
        assert raised.value.retry_after == 7


def test_update_replaces_an_earlier_post(teams):
    teams.send(teams.activity("installation_add_team"))
    message_id = teams.served.call(teams.door.post(TEAM_CHANNEL, a_digest()))
    teams.served.call(teams.door.update(TEAM_CHANNEL, message_id, a_digest()))
    calls = teams.fake.wait_for(2)
    assert calls[1].http_method == "PUT" and calls[1].activity_id == message_id


# --- authentication ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "no token",
        "malformed",
        "wrong audience",
        "expired",
        "wrong issuer",
        "unknown key",
        "other service url",
        "not bearer",
    ],
)
def test_bad_tokens_get_401_and_change_nothing(teams, case):
    fake = teams.fake
    tokens = {
        "no token": None,
        "malformed": "abc.def.ghi",
        "wrong audience": fake.token(audience="11111111-2222-3333-4444-555555555555"),
        "expired": fake.token(expires_in=-3600),
        "wrong issuer": fake.token(issuer="https://evil.example.com"),
        "unknown key": fake.token(signed_by=fake.other_key),
        "other service url": fake.token(service_url="https://evil.example.com/uk/"),
    }
    activity = teams.activity("installation_add_team")
    if case == "not bearer":
        response = teams.send(activity, token=None, headers={"Authorization": f"Basic {fake.token()}"})
    else:
        response = teams.send(activity, token=tokens[case])
    assert response.status_code == 401
    assert saved(teams) == {}
    message = teams.send(teams.activity("personal_message"), token=tokens.get(case) if case != "not bearer" else None)
    assert message.status_code == 401
    assert fake.calls == []


def test_the_issuer_is_bot_framework(teams):
    assert teams.send(teams.activity("installation_add_team"), token=teams.fake.token(issuer=ISSUER)).status_code in (
        200,
        202,
    )


def test_no_secret_reaches_the_logs(teams, caplog):
    caplog.set_level(logging.DEBUG)
    teams.send(teams.activity("personal_message"))
    teams.fake.wait_for(1)
    teams.send(teams.activity("personal_message"), token="abc.def.ghi")
    assert APP_PASSWORD not in caplog.text
    assert OUTBOUND_TOKEN not in caplog.text


def test_emulator_mode_needs_no_token_and_warns(sample_db_url, fake, caplog):
    fake.reset()
    caplog.set_level(logging.WARNING)
    app = build(teams_settings(sample_db_url, fake, teams_auth="off", teams_app_id=None, teams_app_password=None))
    with serving(app) as served:
        client = TeamsClient(served, fake)
        assert client.send(client.activity("personal_message"), token=None).status_code in (200, 202)
        [call] = fake.wait_for(1)
        assert MP161_TITLE in first_text(card_of(call.body))
    app.store.engine.dispose()
    assert "NOT authenticated" in caplog.text


def test_teams_is_off_without_an_app_id(sample_db_url):
    app = build(Settings(database_url=sample_db_url, today=REPORT_DAY))
    with serving(app) as served:
        assert requests.post(f"{served.base}/api/messages", json={}, timeout=5).status_code in (404, 405)
    app.store.engine.dispose()


def test_a_body_that_is_not_an_activity_gets_400_in_emulator_mode(sample_db_url, fake):
    app = build(teams_settings(sample_db_url, fake, teams_auth="off", teams_app_id=None, teams_app_password=None))
    with serving(app) as served:
        for body in ({}, {"type": "message"}, [1, 2]):
            assert requests.post(f"{served.base}/api/messages", json=body, timeout=5).status_code == 400
        assert requests.post(f"{served.base}/api/messages", data=b"not json", timeout=5).status_code == 400
    app.store.engine.dispose()


def test_single_tenant_needs_a_tenant_id():
    with pytest.raises(ValueError, match="SECBOT_TEAMS_TENANT_ID"):
        Settings(teams_app_id=APP_ID, teams_app_password=APP_PASSWORD, teams_app_type="SingleTenant")


def test_subscribe_button_subscribes_the_channel(teams):
    teams.send(teams.activity("channel_mention", text="<at>secbot</at> wg July 2021"))
    [first] = teams.fake.wait_for(1)
    subscribe = card_actions(card_of(first.body))["Subscribe"]
    assert submitted_command(subscribe["data"]) == "subscribe agenda"
    channel_thread = teams.activity("channel_mention")["conversation"]
    teams.send(teams.activity("card_submit", value=subscribe["data"], conversation=channel_thread))
    second = teams.fake.wait_for(2)[1]
    assert first_text(card_of(second.body)) == "Subscribed: agenda"
    [stored] = subscriptions.active(teams.door.app.store, "agenda")
    assert (stored.platform, stored.channel_id) == ("teams", TEAM_CHANNEL)
