"""Delivering a digest to subscribed channels over real HTTP: Slack's Web API played by FakeSlack, Teams'
Bot Connector by FakeTeams; what each refusal does to the outbox row, the subscription and the admins."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from secbot.delivery.deliver import DeliveryReport, Policy, deliver, tell_admins
from secbot.delivery.errors import RateLimited
from secbot.platforms.slack import blocks as slack_blocks
from secbot.platforms.slack.sender import SlackSender
from secbot.platforms.teams import cards as teams_cards
from secbot.platforms.teams.door import TeamsDoor
from secbot.platforms.teams.sender import TeamsSender
from secbot.replies import Reply
from secbot.settings import Settings
from secbot.store import subscriptions
from secbot.store.models import OutboxPost
from secbot.store.subscriptions import Filters, SubscriptionView
from tests.fakes.slack_api import FakeSlack
from tests.fakes.workspace import TEAM_ID
from tests.servers import free_port
from tests.support.teams_client import TEAMS_ADMINS, TEAMS_FINE, TEAMS_GONE

pytestmark = pytest.mark.usefixtures("no_proxy")

KIND, PERIOD = "monthly", "2021-06"
PAYLOADS = Path(__file__).parent / "fakes" / "teams_payloads"
ADMIN_CHANNEL = "CADMIN"
SETTINGS = Settings(admin_channels=[f"slack:{TEAM_ID}:{ADMIN_CHANNEL}"])
FAST = Policy(retry_base=0.01, max_attempts=3)


def subscribe(store, *channels: str, platform: str = "slack", kind: str = KIND) -> list[SubscriptionView]:
    found = []
    for channel in channels:
        channel_id = f"{TEAM_ID}:{channel}" if platform == "slack" else channel
        found += subscriptions.subscribe(store, platform, channel_id, (kind,), Filters(), by="test")
    return found


def digest_reply(sub: SubscriptionView, part: str = "") -> Reply:
    return Reply(f"Monthly status digest – June 2021{part}", summary=f"For {sub.channel_id}")


def slack_digest(sub: SubscriptionView) -> list[slack_blocks.SlackMessage]:
    return [slack_blocks.render_reply(digest_reply(sub), shareable=False)]


def slack_digest_for(channel: str) -> list[slack_blocks.SlackMessage]:
    return slack_digest(SubscriptionView(0, "slack", f"{TEAM_ID}:{channel}", KIND))


def run(store, fake: FakeSlack, render=slack_digest, *, policy: Policy = FAST, period: str = PERIOD, sender=None):
    senders = {"slack": sender or SlackSender(fake.web_client(), interval=0.1)}  # retries in one channel: quick
    return asyncio.run(deliver(store, senders, KIND, period, render, settings=SETTINGS, worker="test", policy=policy))


def posts(fake: FakeSlack, channel: str | None = None) -> list:
    return [c for c in fake.calls("chat.postMessage") if channel is None or c.body["channel"] == channel]


def rows(store) -> dict[int, OutboxPost]:
    with store.session() as session:
        return {row.subscription_id: row for row in session.scalars(select(OutboxPost))}


# --- once, and only once ---------------------------------------------------------------------------


def test_each_channel_gets_one_post_and_a_second_run_posts_nothing(empty_store, fake):
    subs = subscribe(empty_store, "C001", "C002", "C003", "C004")
    subscribe(empty_store, "C005", kind="agenda")  # another digest: not this one's business
    [paused] = subscribe(empty_store, "C006")
    subscriptions.pause(empty_store, paused.id, "channel_not_found")

    report = run(empty_store, fake)
    assert sorted(report.sent) == [s.id for s in subs] and not report.failed
    assert Counter(c.body["channel"] for c in posts(fake)) == {"C001": 1, "C002": 1, "C003": 1, "C004": 1}
    call = posts(fake, "C001")[0]
    assert "Monthly status digest" in call.body["text"] and call.body["unfurl_links"] is False
    assert "thread_ts" not in call.body
    stored = rows(empty_store)
    assert {stored[s.id].status for s in subs} == {"sent"}
    assert len({stored[s.id].message_id for s in subs}) == 4  # each the ts Slack gave that post

    again = run(empty_store, fake)
    assert sorted(again.skipped) == [s.id for s in subs] and again.sent == []
    assert len(posts(fake)) == 4


def test_the_rest_of_a_digest_goes_in_the_first_messages_thread_a_channel_interval_apart(empty_store, fake):
    [sub] = subscribe(empty_store, "C001")

    def three_parts(sub):
        return [slack_blocks.render_reply(digest_reply(sub, f" ({n}/3)"), shareable=False) for n in (1, 2, 3)]

    report = run(empty_store, fake, three_parts, sender=SlackSender(fake.web_client(), interval=0.3))
    assert report.sent == [sub.id]
    first, second, third = posts(fake)
    assert "thread_ts" not in first.body
    assert second.body["thread_ts"] == third.body["thread_ts"] == rows(empty_store)[sub.id].message_id
    assert second.at - first.at >= 0.3 and third.at - second.at >= 0.3


def test_a_retry_after_a_failed_reply_goes_on_from_that_reply(empty_store, fake):
    [sub] = subscribe(empty_store, "C001")
    refused: list[str] = []

    def first_reply_fails_once(call):
        if call.body.get("thread_ts") and not refused:
            refused.append(call.body["text"])
            return {"ok": False, "error": "internal_error"}
        return {"ok": True, "channel": call.body["channel"], "ts": fake.next_ts()}

    fake.stub("chat.postMessage", first_reply_fails_once)

    def three_parts(sub):
        return [slack_blocks.render_reply(digest_reply(sub, f" ({n}/3)"), shareable=False) for n in (1, 2, 3)]

    assert run(empty_store, fake, three_parts).sent == [sub.id]
    texts = [(c.body["text"].splitlines()[0][-5:], "thread_ts" in c.body) for c in posts(fake)]
    assert texts == [("(1/3)", False), ("(2/3)", True), ("(2/3)", True), ("(3/3)", True)]
    assert rows(empty_store)[sub.id].attempts == 1


def test_nothing_to_post_marks_the_channel_done_for_the_period(empty_store, fake):
    [sub] = subscribe(empty_store, "C001")
    report = run(empty_store, fake, lambda sub: None)
    assert report.empty == [sub.id] and posts(fake) == []
    row = rows(empty_store)[sub.id]
    assert (row.status, row.message_id) == ("sent", None)


# --- passing failures --------------------------------------------------------------------------------


def test_429_waits_retry_after_and_posts_each_channel_once(empty_store, fake):
    subs = subscribe(empty_store, "C001", "C002", "C003", "C004", "C005")
    fake.fail("chat.postMessage", 429, headers={"Retry-After": "1"}, times=3)
    started = time.monotonic()
    report = run(empty_store, fake)
    assert sorted(report.sent) == [s.id for s in subs]
    calls = posts(fake)
    limited, delivered = calls[:3], calls[3:]
    assert Counter(c.body["channel"] for c in delivered) == {f"C00{n}": 1 for n in range(1, 6)}
    for refused in limited:
        [retried] = [c for c in delivered if c.body["channel"] == refused.body["channel"]]
        assert retried.at - refused.at >= 1.0
    # Posts already on their way when the first 429 came back went through; nothing left after it
    # until Retry-After had passed. (Half a second for those in flight: on a loaded machine, 0.2 s
    # was once not enough for a post sent before the 429 to reach the fake.)
    assert not [c for c in delivered if limited[0].at + 0.5 < c.at < limited[0].at + 1.0]
    assert time.monotonic() - started >= 1.0
    assert {row.attempts for row in rows(empty_store).values()} == {0}  # a wait asked for is no failure


def test_a_429_holds_every_post_to_the_workspace_not_just_that_channels(fake):
    fake.fail("chat.postMessage", 429, headers={"Retry-After": "1"}, channel="C001")

    async def post_both() -> None:
        sender = SlackSender(fake.web_client())
        with pytest.raises(RateLimited) as limited:
            await sender.post(f"{TEAM_ID}:C001", slack_digest_for("C001"))
        assert limited.value.retry_after == 1
        await sender.post(f"{TEAM_ID}:C002", slack_digest_for("C002"))
        await sender.post(f"{TEAM_ID}:C001", slack_digest_for("C001"))
        await sender.post("OTHER:C003", slack_digest_for("C003"))  # another workspace: not held

    asyncio.run(post_both())
    refused, other_channel, retried, other_workspace = posts(fake)
    assert other_channel.at - refused.at >= 1.0 and retried.at - refused.at >= 1.0
    assert other_workspace.at - retried.at < 0.5


def test_5xx_then_success_is_delivered_once(empty_store, fake):
    [sub] = subscribe(empty_store, "C001")
    fake.fail("chat.postMessage", 503, times=2)
    report = run(empty_store, fake)
    assert report.sent == [sub.id] and len(posts(fake)) == 3  # two refused, one posted
    row = rows(empty_store)[sub.id]
    assert (row.status, row.attempts, row.error) == ("sent", 2, None)


def test_always_5xx_fails_after_max_attempts_with_the_error(empty_store, fake):
    [sub, fine] = subscribe(empty_store, "C001", "C002")
    fake.fail("chat.postMessage", 500, times=100, channel="C001")
    report = run(empty_store, fake)
    assert report.sent == [fine.id] and list(report.failed) == [sub.id]
    assert len(posts(fake, "C001")) == 3
    row = rows(empty_store)[sub.id]
    assert (row.status, row.attempts) == ("failed", 3)
    assert "internal_error (HTTP 500)" in row.error and "after 3 attempts" in row.error
    assert not subscriptions.get(empty_store, sub.id).paused  # a passing failure never pauses


def test_network_errors_are_retried_then_failed(empty_store, fake):
    [sub] = subscribe(empty_store, "C001")
    # retry_handlers=[]: without slack_sdk's own retry of a refused connection, so the test is quick
    client = AsyncWebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{free_port()}/api/", retry_handlers=[])
    nowhere = SlackSender(client, interval=0.1)
    report = run(empty_store, fake, sender=nowhere)
    assert list(report.failed) == [sub.id]
    row = rows(empty_store)[sub.id]
    assert (row.status, row.attempts) == ("failed", 3) and "ClientConnectorError" in row.error


# --- permanent refusals ------------------------------------------------------------------------------


def admin_posts(fake: FakeSlack) -> list:
    return posts(fake, ADMIN_CHANNEL)


def test_channel_not_found_pauses_the_subscription_and_tells_admins_once(empty_store, fake):
    [gone, fine] = subscribe(empty_store, "CGONE", "C002")
    fake.fail("chat.postMessage", 200, error="channel_not_found", channel="CGONE")
    report = run(empty_store, fake)
    assert report.sent == [fine.id] and report.paused == [gone.id]
    assert len(posts(fake, "CGONE")) == 1  # not retried
    paused = subscriptions.get(empty_store, gone.id)
    assert paused.paused_reason.startswith("channel_not_found")
    row = rows(empty_store)[gone.id]
    assert row.status == "failed" and "channel_not_found" in row.error
    [notice] = admin_posts(fake)
    text = json.dumps(notice.body)
    assert f"{TEAM_ID}:CGONE" in text and "channel_not_found" in text and "monthly" in text

    for period in (PERIOD, "2021-07"):  # the same firing again, and the next one
        again = run(empty_store, fake, period=period)
        assert gone.id not in [*again.sent, *again.failed, *again.skipped]
    assert len(posts(fake, "CGONE")) == 1 and len(admin_posts(fake)) == 1


def test_a_message_slack_will_never_take_fails_without_pausing(empty_store, fake):
    [sub] = subscribe(empty_store, "C001")
    fake.fail("chat.postMessage", 200, error="msg_too_long")
    report = run(empty_store, fake)
    assert report.failed == {sub.id: "slack T0001:C001: msg_too_long"} and report.paused == []
    assert len(posts(fake)) == 1 and not subscriptions.get(empty_store, sub.id).paused
    assert admin_posts(fake) == []


def test_tell_admins_posts_once_per_key_and_never_raises(empty_store, fake):
    settings = Settings(admin_channels=[f"slack:{TEAM_ID}:{ADMIN_CHANNEL}", "slack:T0001:CBROKEN", "teams:19:x"])
    fake.fail("chat.postMessage", 200, error="channel_not_found", channel="CBROKEN")

    async def tell_twice() -> list[bool]:
        senders = {"slack": SlackSender(fake.web_client())}  # no Teams sender in this process
        return [await tell_admins(empty_store, senders, settings, "missed:monthly:2021-06", "Missed") for _ in "ab"]

    assert asyncio.run(tell_twice()) == [True, False]
    assert len(admin_posts(fake)) == 1 and len(posts(fake, "CBROKEN")) == 1


# --- Teams ----------------------------------------------------------------------------------------------


def test_teams_403_pauses_the_subscription_and_tells_admins_in_teams(teams):
    app, fake = teams
    [gone, fine] = subscribe(app.store, TEAMS_GONE, TEAMS_FINE, platform="teams")
    fake.fail(TEAMS_GONE, 403)

    def two_cards(sub):
        return [teams_cards.render_reply(digest_reply(sub, f" ({n}/2)")) for n in (1, 2)]

    async def go() -> DeliveryReport:
        senders = {"teams": TeamsSender(TeamsDoor(app), interval=0.05)}
        return await deliver(app.store, senders, KIND, PERIOD, two_cards, settings=app.settings, policy=FAST)

    report = asyncio.run(go())
    assert report.sent == [fine.id] and report.paused == [gone.id]
    by_conversation = Counter(call.conversation_id for call in fake.calls)
    assert by_conversation == {TEAMS_GONE: 1, TEAMS_FINE: 2, TEAMS_ADMINS: 1}
    assert subscriptions.get(app.store, gone.id).paused_reason.startswith("HTTP 403")
    assert re.fullmatch(r"1\d{12}", rows(app.store)[fine.id].message_id)  # the connector's id for the first card
    [notice] = [c for c in fake.calls if c.conversation_id == TEAMS_ADMINS]
    assert TEAMS_GONE in json.dumps(notice.body)


def test_oauth_installs_post_with_each_workspaces_own_token_and_pause_where_uninstalled(empty_store, fake):
    from slack_sdk.oauth.installation_store import Installation
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

    from secbot.platforms.slack.sender import installation_token

    async def go() -> DeliveryReport:
        engine = empty_store.async_engine()
        try:
            installations = AsyncSQLAlchemyInstallationStore("client-id", engine)
            for team, token in (("TAAA", "xoxb-aaa"), ("TBBB", "xoxb-bbb")):
                await installations.async_save(
                    Installation(
                        app_id="A1", team_id=team, user_id="U1", bot_token=token, bot_id="B1", bot_user_id="UB"
                    )
                )
            client = AsyncWebClient(base_url=fake.api_url)  # no token of its own
            sender = SlackSender(client, interval=0.01, token_for=installation_token(installations))
            return await deliver(
                empty_store, {"slack": sender}, KIND, PERIOD, slack_digest, settings=Settings(), policy=FAST
            )
        finally:
            await engine.dispose()

    subs = {}
    for key in ("TAAA:C1", "TBBB:C2", "TGONE:C3"):
        [subs[key]] = subscriptions.subscribe(empty_store, "slack", key, (KIND,), Filters(), by="test")
    report = asyncio.run(go())
    assert {c.body["channel"]: c.token for c in posts(fake)} == {"C1": "xoxb-aaa", "C2": "xoxb-bbb"}
    assert report.paused == [subs["TGONE:C3"].id]
    assert "no longer installed" in subscriptions.get(empty_store, subs["TGONE:C3"].id).paused_reason
