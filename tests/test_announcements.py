"""Consultation announcements end to end, on Slack and Teams: the preview, Confirm, one post per channel
subscribed to consultations, a correction that edits every copy, and a withdrawal that marks every copy.

secbot's real server answers signed Slack requests and authenticated Teams activities; its Web API and
Bot Connector calls land on FakeSlack and FakeTeams. The ``Announcer`` runs on the server's own loop as
``secbot serve`` runs it (told by ``App.listeners`` when a change commits).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import requests
from sqlalchemy import select

from secbot.commands import Actor, Where
from secbot.delivery.announcements import Announcer
from secbot.delivery.deliver import Policy
from secbot.platforms.shell.text import render_text
from secbot.platforms.slack.sender import SlackSender
from secbot.platforms.teams.cards import SUBMIT_KEY
from secbot.server import digest_senders
from secbot.store import audit, subscriptions
from secbot.store.models import Announcement, AuditEntry, Consultation, OutboxPost, PendingAction, Statement
from secbot.store.subscriptions import Filters
from tests.fakes import slack_requests as slack
from tests.fakes.workspace import SIGNING_SECRET, TEAM_ID
from tests.support.doors import RAE_READER, SAM_ADMIN, SLACK_CHANNEL, Doors, Person, plain, visible

pytestmark = pytest.mark.usefixtures("no_proxy")

ANNOUNCE = (
    "announce consultation MP161 refinement opens 14 June 2021 closes 26 June 2021 "
    "https://smartenergycodecompany.co.uk/consultations/mp161 Responses by 5pm, please."
)
SECOND, FILTERED = "CSECOND", "CFILTERED"


@pytest.fixture
def doors(make_doors) -> Doors:
    doors = make_doors()
    doors.announcer = Announcer(doors.app, digest_senders(doors.served.web_app), policy=Policy(0.5))
    doors.announcer.listen(doors.served.loop)
    return doors


def slack_command(doors: Doors, person: Person, text: str) -> dict:
    """The raw ephemeral answer (Block Kit) to ``/sec text`` in the Slack channel."""
    token = f"T0001/{time.monotonic_ns()}/r"
    body = slack.slash_command(
        text, response_url=doors.slack.response_url(token), user_id=person.slack_user, channel_id=SLACK_CHANNEL
    )
    response = requests.post(
        f"{doors.served.base}/slack/events", data=body.encode(), headers=slack.sign(body, SIGNING_SECRET), timeout=20
    )
    answer = response.json()
    if answer.get("text", "").startswith("Looking that up"):
        answer = response_url_answer(doors, token)
    return answer


def slack_press(doors: Doors, person: Person, command: str) -> dict:
    """Press a run button carrying ``command``; what Slack is told through response_url."""
    token = f"T0001/{time.monotonic_ns()}/button"
    body = slack.block_actions(
        "secbot_run_0", command, response_url=doors.slack.response_url(token), user_id=person.slack_user
    )
    assert requests.post(
        f"{doors.served.base}/slack/events", data=body.encode(), headers=slack.sign(body, SIGNING_SECRET), timeout=20
    ).ok
    return response_url_answer(doors, token)


def response_url_answer(doors: Doors, token: str) -> dict:
    return doors.slack.answer_to(token).body


def buttons(blocks: list[dict]) -> dict[str, str]:
    return {
        e["text"]["text"]: e.get("value", "")
        for block in blocks
        if block["type"] == "actions"
        for e in block["elements"]
    }


def teams_message(doors: Doors, person: Person, text: str) -> dict:
    """The card secbot answers a personal Teams message with."""
    before = len(doors.teams.calls)
    activity = doors.teams_client.activity("personal_message", text=text)
    activity["from"] = person.teams_from()
    assert doors.teams_client.send(activity).status_code in (200, 202)
    return doors.teams.wait_for(before + 1)[before].body["attachments"][0]["content"]


def card_submits(card: dict) -> dict[str, str]:
    return {a["title"]: a["data"][SUBMIT_KEY] for a in card.get("actions", []) if a["type"] == "Action.Submit"}


def wait_until(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def shell(doors: Doors, person: Person, text: str) -> str:
    """What the shell prints, unwrapped."""
    return " ".join(doors.ask("shell", person, text).split())


def posts(doors: Doors, channel: str) -> list:
    return [c for c in doors.slack.calls("chat.postMessage") if c.arg("channel") == channel]


def updates(doors: Doors, channel: str) -> list:
    return [c for c in doors.slack.calls("chat.update") if c.arg("channel") == channel]


def teams_calls(doors: Doors, conversation: str, method: str) -> list:
    return [c for c in doors.teams.calls if c.conversation_id == conversation and c.http_method == method]


def stored(doors: Doors, model) -> list:
    with doors.app.store.sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def subscribe_channels(doors: Doors) -> str:
    """Slack C123 and CSECOND, a Teams team channel, and a Slack channel filtered to another modification."""
    assert "Subscribed" in doors.ask("slack", SAM_ADMIN, "subscribe consultations")
    assert "Subscribed" in doors.ask("teams", SAM_ADMIN, "subscribe consultations", in_team=True)
    store = doors.app.store
    subscriptions.subscribe(store, "slack", f"{TEAM_ID}:{SECOND}", ("consultations",), Filters(), by="t")
    subscriptions.subscribe(
        store, "slack", f"{TEAM_ID}:{FILTERED}", ("consultations",), Filters(references=("MP122A",)), by="t"
    )
    [teams_channel] = [s.channel_id for s in subscriptions.active(store, "consultations") if s.platform == "teams"]
    return teams_channel


def test_announce_confirm_post_once_correct_everywhere_then_withdraw(doors: Doors):
    teams_channel = subscribe_channels(doors)

    # the preview: the announcement as channels will see it, where it goes, what to check; nothing stored yet
    preview = slack_command(doors, SAM_ADMIN, ANNOUNCE)
    seen = visible(preview["blocks"])
    assert "Preview: Refinement Consultation announced: MP161" in seen
    assert "closes on 26 June 2021" in seen and "Responses by 5pm, please." in seen
    assert "3 channels subscribed to consultations" in seen and FILTERED not in seen
    assert "It closes on a Saturday (26 June 2021): is that right?" in seen
    choices = buttons(preview["blocks"])
    assert set(choices) >= {"Confirm", "Cancel"}
    assert stored(doors, Announcement) == [] and doors.slack.calls("chat.postMessage") == []

    # Confirm replaces the preview, records the consultation, and posts once to each subscribed channel
    done = slack_press(doors, SAM_ADMIN, choices["Confirm"])
    assert done["replace_original"] is True
    assert "Announced: Refinement Consultation on MP161" in visible(done["blocks"])
    assert wait_until(lambda: len(posts(doors, SLACK_CHANNEL)) == 1 and len(posts(doors, SECOND)) == 1)
    assert wait_until(lambda: len(teams_calls(doors, teams_channel, "POST")) == 1)
    assert posts(doors, FILTERED) == []
    first = posts(doors, SLACK_CHANNEL)[0]
    assert "Refinement Consultation announced: MP161" in first.arg("text")
    assert "26 June 2021" in json.dumps(first.arg("blocks"))
    teams_card = json.dumps(teams_calls(doors, teams_channel, "POST")[0].body)
    assert "Refinement Consultation announced: MP161" in teams_card
    [announcement] = stored(doors, Announcement)
    assert wait_until(lambda: stored(doors, Announcement)[0].settled_version == 1)
    [consultation] = [c for c in stored(doors, Consultation) if c.id == announcement.consultation_id]
    assert (str(consultation.opens), str(consultation.closes)) == ("2021-06-14", "2021-06-26")
    assert "Refinement Consultation: opens 14 June 2021, closes 26 June 2021" in shell(
        doors, RAE_READER, "consultations upcoming"
    )

    # publishing again (another replica, the minute job) posts nothing more
    assert doors.served.call(doors.announcer.publish(announcement.id)) is True
    assert len(posts(doors, SLACK_CHANNEL)) == len(posts(doors, SECOND)) == 1
    assert len(teams_calls(doors, teams_channel, "POST")) == 1

    # a correction from Teams: previewed, confirmed in place, then every copy is edited
    card = teams_message(doors, SAM_ADMIN, f"announce correct {announcement.id} closes 28 June 2021")
    assert "Confirm: correct announcement" in visible(card) and "26 June 2021 → 28 June 2021" in visible(card)
    confirm = card_submits(card)["Confirm"]
    activity = doors.teams_client.activity("card_submit", value={SUBMIT_KEY: confirm}, replyToId="1000000000042")
    activity["from"] = SAM_ADMIN.teams_from()
    before = len(doors.teams.calls)
    assert doors.teams_client.send(activity).status_code in (200, 202)
    replaced = doors.teams.wait_for(before + 1)[before]
    assert (replaced.http_method, replaced.activity_id) == ("PUT", "1000000000042")
    assert "Done: announcement" in visible(replaced.body["attachments"][0]["content"])
    assert wait_until(lambda: len(updates(doors, SLACK_CHANNEL)) == 1 and len(updates(doors, SECOND)) == 1)
    [edit] = updates(doors, SLACK_CHANNEL)
    posted_ids = {p.message_id for p in stored(doors, OutboxPost)}
    assert edit.arg("ts") in posted_ids and updates(doors, SECOND)[0].arg("ts") in posted_ids
    assert edit.arg("ts") != updates(doors, SECOND)[0].arg("ts")
    assert "28 June 2021" in json.dumps(edit.arg("blocks")) and "Corrected by SECAS" in json.dumps(edit.arg("blocks"))
    assert wait_until(lambda: len(teams_calls(doors, teams_channel, "PUT")) == 1)
    assert "28 June 2021" in json.dumps(teams_calls(doors, teams_channel, "PUT")[0].body)
    assert len(posts(doors, SLACK_CHANNEL)) == 1  # edited, not posted again

    # a withdrawal from the shell: every copy is marked withdrawn, and the consultation leaves the register
    preview_text = shell(doors, SAM_ADMIN, f"announce withdraw {announcement.id}")
    token = preview_text.split("confirm ")[1].split()[0]
    assert "Done: withdraw announcement" in shell(doors, SAM_ADMIN, f"confirm {token}")
    assert wait_until(lambda: len(updates(doors, SECOND)) == 2 and len(teams_calls(doors, teams_channel, "PUT")) == 2)
    assert "Withdrawn: Refinement Consultation on MP161" in updates(doors, SECOND)[-1].arg("text")
    assert "Withdrawn" in json.dumps(teams_calls(doors, teams_channel, "PUT")[-1].body)
    assert all(c.id != announcement.consultation_id for c in stored(doors, Consultation))
    assert "MP161" not in shell(doors, RAE_READER, "consultations upcoming")
    # ... and stays out of the register as it stood on later days: its removal is kept as a statement
    said = {s.source: s.fields for s in stored(doors, Statement) if s.table == "consultations" and "MP161" in s.key}
    assert said == {"chat:2021-06-11": {"removed": True}}

    # every step is in the audit log, with who did it where
    done_rows = [(r.action, r.platform) for r in stored(doors, AuditEntry) if r.outcome == audit.DONE]
    assert ("announce", "slack") in done_rows and ("announce-correct", "teams") in done_rows
    assert ("announce-withdraw", "shell") in done_rows
    sent = [(p.kind, p.period, p.status) for p in stored(doors, OutboxPost)]
    assert sorted(sent) == [("announcement", f"A{announcement.id}", "sent")] * 4  # FILTERED had nothing


def test_cancel_and_bad_dates_change_nothing_and_a_reader_cannot_confirm(doors: Doors):
    subscribe_channels(doors)
    bad = slack_command(doors, SAM_ADMIN, ANNOUNCE.replace("closes 26 June 2021", "closes 10 June 2021"))
    assert "It closes on 10 June 2021, which is not after it opens (14 June 2021)" in visible(bad["blocks"])
    preview = slack_command(doors, SAM_ADMIN, ANNOUNCE)
    choices = buttons(preview["blocks"])
    refused = slack_press(doors, RAE_READER, choices["Confirm"])
    assert "Only SECAS admins can use confirm" in visible(refused["blocks"])
    cancelled = slack_press(doors, SAM_ADMIN, choices["Cancel"])
    assert cancelled["replace_original"] is True
    assert "Cancelled: Refinement Consultation on MP161" in visible(cancelled["blocks"])
    again = slack_press(doors, SAM_ADMIN, choices["Confirm"])
    assert "That change was cancelled" in visible(again["blocks"])
    assert stored(doors, Announcement) == []
    doors.served.settle()  # what the presses set going has finished: an announcement would have been posted
    assert doors.slack.calls("chat.postMessage") == []
    outcomes = [(r.action, r.outcome) for r in stored(doors, AuditEntry)]
    assert ("confirm", audit.REFUSED) in outcomes and ("announce", audit.CANCELLED) in outcomes


def test_only_the_admin_who_previewed_may_confirm(make_doors):
    doors = make_doors(admins=[SAM_ADMIN.identity("shell"), "shell:lee"])
    preview = shell(doors, SAM_ADMIN, ANNOUNCE)
    token = preview.split("confirm ")[1].split()[0]
    other = render_text(doors.app.answer(f"confirm {token}", Actor("shell", "lee"), Where("shell", "local")))
    assert "Only the admin who asked for this change can confirm or cancel it." in plain(other)
    assert stored(doors, Announcement) == []
    assert "Announced:" in shell(doors, SAM_ADMIN, f"confirm {token}")


# --- the Announcer on its own: catching up, several processes, refused edits, the outbox's resume -------------

C1, C2 = "CONE", "CTWO"


@pytest.fixture
def quiet(sample_copy, slack_fake):
    """An App on the sample register with two Slack channels subscribed to consultations, where changes are
    made from the shell (so nothing is posted until an Announcer publishes), and a SlackSender for it."""
    from secbot.app import App
    from secbot.clock import Clock
    from secbot.platforms.slack.sender import SlackSender
    from secbot.settings import Settings
    from secbot.store.queries import Register
    from tests.support.dates import LONDON, REPORT_DAY

    slack_fake.reset()
    settings = Settings(database_url="sqlite://", today=REPORT_DAY, admins=["shell:sam"])
    app = App(settings, sample_copy, Register(sample_copy, Clock(LONDON, REPORT_DAY)))
    for channel in (C1, C2):
        subscriptions.subscribe(sample_copy, "slack", f"{TEAM_ID}:{channel}", ("consultations",), Filters(), by="t")
    senders = {"slack": SlackSender(slack_fake.web_client(), interval=0.01)}
    return app, senders, slack_fake


def as_sam(app, text: str) -> str:
    return " ".join(plain(render_text(app.answer(text, Actor("shell", "sam"), Where("shell", "local")))).split())


def confirmed(app, text: str) -> str:
    return as_sam(app, f"confirm {as_sam(app, text).split('confirm ')[1].split()[0]}")


def announcer(app, senders, worker: str = "one") -> Announcer:
    return Announcer(app, senders, policy=Policy(0.05, retry_base=0.01), worker=worker)


def channel_calls(fake, method: str, channel: str) -> list:
    return [c for c in fake.calls(method) if c.arg("channel") == channel]


def test_a_confirmed_announcement_no_process_posted_is_posted_by_the_minute_job(quiet):
    app, senders, fake = quiet
    assert "Announced:" in confirmed(app, ANNOUNCE)
    assert fake.calls("chat.postMessage") == []
    asyncio.run(announcer(app, senders).publish_outstanding())
    assert [len(channel_calls(fake, "chat.postMessage", c)) for c in (C1, C2)] == [1, 1]
    [announcement] = stored_in(app, Announcement)
    assert announcement.settled_version == announcement.version == 1
    asyncio.run(announcer(app, senders).publish_outstanding())  # settled: nothing more
    assert len(fake.calls("chat.postMessage")) == 2
    assert "Refinement Consultation on MP161 — 14 June 2021 to 26 June 2021 · posted to 2 channels" in as_sam(
        app, "announcements"
    )


def test_two_processes_publishing_at_once_post_to_each_channel_once(quiet):
    app, senders, fake = quiet
    confirmed(app, ANNOUNCE)
    [announcement] = stored_in(app, Announcement)

    async def both():
        return await asyncio.gather(
            announcer(app, senders, "one").publish(announcement.id),
            announcer(app, senders, "two").publish(announcement.id),
        )

    asyncio.run(both())
    assert [len(channel_calls(fake, "chat.postMessage", c)) for c in (C1, C2)] == [1, 1]


def test_two_processes_publishing_a_correction_at_once_edit_each_copy_once(quiet):
    app, senders, fake = quiet
    confirmed(app, ANNOUNCE)
    [announcement] = stored_in(app, Announcement)
    asyncio.run(announcer(app, senders).publish(announcement.id))
    assert "Done:" in confirmed(app, f"announce correct {announcement.id} closes 28 June 2021")
    fake.delay("chat.update", 0.1)  # keeps both processes' edits in flight together

    async def both():
        other = {"slack": SlackSender(fake.web_client(), interval=0.01)}  # the other process's own sender
        return await asyncio.gather(
            Announcer(app, senders, policy=Policy(30.0), worker="one").publish(announcement.id),
            Announcer(app, other, policy=Policy(30.0), worker="two").publish(announcement.id),
        )

    settled = asyncio.run(both())
    assert [len(channel_calls(fake, "chat.update", c)) for c in (C1, C2)] == [1, 1]
    assert True in settled or asyncio.run(announcer(app, senders).publish(announcement.id))
    assert stored_in(app, Announcement)[0].settled_version == 2
    assert len(fake.calls("chat.update")) == 2


def test_a_rate_limited_edit_waits_for_the_next_pass_and_a_deleted_message_is_left(quiet):
    app, senders, fake = quiet
    confirmed(app, ANNOUNCE)
    [announcement] = stored_in(app, Announcement)
    asyncio.run(announcer(app, senders).publish(announcement.id))
    assert "Done:" in confirmed(app, f"announce correct {announcement.id} closes 28 June 2021")
    fake.fail("chat.update", 429, headers={"Retry-After": "0"}, channel=C1)
    fake.fail("chat.update", 200, error="message_not_found", channel=C2)

    assert asyncio.run(announcer(app, senders).publish(announcement.id)) is False  # C1 must be tried again
    assert stored_in(app, Announcement)[0].settled_version == 1
    assert asyncio.run(announcer(app, senders).publish(announcement.id)) is True
    assert len(channel_calls(fake, "chat.update", C1)) == 2  # refused, then edited
    assert len(channel_calls(fake, "chat.update", C2)) == 1  # deleted in Slack: not tried again
    assert "28 June 2021" in json.dumps(channel_calls(fake, "chat.update", C1)[-1].arg("blocks"))
    assert stored_in(app, Announcement)[0].settled_version == 2


def test_the_outbox_resume_finishes_an_announcement_post_whose_process_died(quiet):
    from secbot.delivery.scheduler import DigestScheduler
    from secbot.store import outbox

    app, senders, fake = quiet
    confirmed(app, ANNOUNCE)
    [announcement] = stored_in(app, Announcement)
    [first, _second] = subscriptions.active(app.store, "consultations")
    assert outbox.claim(app.store, first.id, "announcement", f"A{announcement.id}", "died", lease=0) is not None

    asyncio.run(DigestScheduler(app, senders, schedules={}, policy=Policy(0.05)).resume())
    [post] = fake.calls("chat.postMessage")
    assert post.arg("channel") == first.channel_id.split(":")[1]
    assert "Refinement Consultation announced: MP161" in post.arg("text")


def stored_in(app, model) -> list:
    with app.store.sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("announce consultation MP161 refinement opens 1 June 2021 closes 10 June 2021", "It closed on 10 June 2021"),
        ("announce consultation MP161 refinement opens 14 June 2021", "Say when it closes: closes <date>."),
        ("announce consultation MP161 opens 14 June 2021 closes 28 June 2021", "Say which kind: refinement"),
        ("announce consultation MP161 refinement opens someday closes 28 June 2021", "I couldn't read “someday”"),
        ("announce consultation MP1610 refinement opens 14 June 2021 closes 28 June 2021", "No modification MP1610"),
        (
            "announce consultation MP161 refinement opens 14 June 2021 closes 28 June 2021 http://plain.example",
            "The link http://plain.example is not https",
        ),
        ("announce correct 7 closes 28 June 2021", "There is no announcement 7"),
        ("announce withdraw", "Which announcement?"),
    ],
)
def test_what_cannot_be_announced_is_explained_and_nothing_is_stored(quiet, text, expected):
    app, _senders, _fake = quiet
    assert expected in as_sam(app, text)
    assert stored_in(app, Announcement) == [] and stored_in(app, PendingAction) == []


def test_a_second_announcement_of_the_same_consultation_points_at_the_first_and_a_reason_is_kept(quiet):
    app, _senders, _fake = quiet
    confirmed(app, ANNOUNCE)
    [first] = stored_in(app, Announcement)
    again = as_sam(app, ANNOUNCE)
    assert f"It is announcement {first.id}: use announce correct {first.id} …" in again
    confirmed(app, f"announce withdraw {first.id} the Panel deferred it")
    [entry] = [r for r in stored_in(app, AuditEntry) if r.action == "announce-withdraw"]
    assert entry.after == {"status": "withdrawn", "reason": "the Panel deferred it"}
    assert "Preview:" in as_sam(app, ANNOUNCE)  # withdrawn: it may be announced afresh
