"""A SECAS report sent to the bot as a Slack file (issue 17, item 4): shared in a DM or with a mention,
fetched from Slack's file host with the bot's token, and answered with what importing it would change,
Confirm and Cancel; Confirm imports it. Signed requests go to secbot's real server; Slack's Web API and
file host are ``FakeSlack``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import select

from secbot.app import App, build
from secbot.server import SECBOT
from secbot.settings import Settings
from secbot.store.db import Store
from secbot.store.importer.loader import import_paths, sample_paths
from secbot.store.models import AuditEntry, Modification
from tests.fakes import slack_requests as slack
from tests.fakes.slack_api import DOWNLOAD_METHOD, FakeSlack
from tests.fakes.workspace import BOT_TOKEN, SIGNING_SECRET, TEAM_ID
from tests.servers import serving
from tests.support.block_kit import check_blocks, texts
from tests.support.dates import REPORT_DAY
from tests.support.slack_client import SlackClient

pytestmark = pytest.mark.usefixtures("no_proxy")

JUNE_2021 = Path(__file__).parent / "reports" / "2021-06-change-status-report.txt"
ADMIN, READER = "USAM", "URILEY"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def start(migrated_db_url, fake) -> Iterator[Callable[..., tuple[SlackClient, App]]]:
    """Start secbot on a register as the 2017 reports left it (the June 2021 report is news to it)."""
    apps = []

    def started(**overrides) -> tuple[SlackClient, App]:
        fake.reset()
        settings = Settings(
            database_url=migrated_db_url,
            load_sample=False,
            today=REPORT_DAY,
            admins=[f"slack:{TEAM_ID}:{ADMIN}"],
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.api_url,
            **overrides,
        )
        app = build(settings)
        import_paths(app.store, [p for p in sample_paths() if p.name.startswith("2017")])
        apps.append(app)
        served = stack.enter_context(serving(app))
        return SlackClient(served.base, fake, served), app

    with ExitStack() as stack:
        yield started
    for app in apps:
        app.store.engine.dispose()


@pytest.fixture
def client(start) -> SlackClient:
    return start()[0]


@pytest.fixture
def store(client) -> Store:
    return client.served.web_app[SECBOT].store


def share(client: SlackClient, file: dict, *, user: str = ADMIN, channel: str = "DSAM") -> dict:
    """``user`` shares ``file`` in their DM with the bot; the message the bot posts back."""
    assert client.post(slack.event_callback(slack.file_share([file], channel=channel, user=user))).status_code == 200
    [posted] = client.fake.wait_for("chat.postMessage")
    assert posted.body["channel"] == channel
    check_blocks(posted.arg("blocks"))
    return posted.body | {"blocks": posted.arg("blocks")}


def buttons(blocks: list[dict]) -> dict[str, dict]:
    return {
        element["text"]["text"]: element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    }


def press(client: SlackClient, button: dict, *, user: str = ADMIN, channel: str = "DSAM") -> dict:
    token = f"{TEAM_ID}/{time.monotonic_ns()}/button"
    body = slack.block_actions(
        button["action_id"],
        button["value"],
        response_url=client.fake.response_url(token),
        user_id=user,
        channel_id=channel,
    )
    assert client.post(body).status_code == 200
    return client.fake.answer_to(token).body


def held(store: Store, reference: str) -> Modification | None:
    with store.sessions() as session:
        return session.scalar(select(Modification).where(Modification.reference == reference))


def test_an_admins_report_in_a_dm_is_previewed_with_confirm_and_confirm_imports_it(client, store, caplog):
    caplog.set_level("DEBUG")
    file = client.fake.add_file(JUNE_2021.name, JUNE_2021.read_bytes())

    posted = share(client, file)

    shown = texts(posted["blocks"])
    assert "Confirm: import Change Status Report – June 2021" in shown
    assert "modifications: 41 new and 2 changed" in shown
    found = buttons(posted["blocks"])
    assert found["Confirm"]["value"].startswith("confirm ") and found["Cancel"]["value"].startswith("cancel ")
    [download] = client.fake.calls(DOWNLOAD_METHOD)
    assert download.token == BOT_TOKEN and download.path.endswith(f"/download/{JUNE_2021.name}")
    assert held(store, "DP162") is None  # nothing yet

    done = press(client, found["Confirm"])

    assert done["replace_original"] is True
    assert "Imported Change Status Report – June 2021" in texts(done["blocks"])
    assert held(store, "DP162").title == "SEC changes required to deliver MHHS"
    assert BOT_TOKEN not in caplog.text


def test_a_file_shared_with_a_mention_is_looked_up_when_slack_sends_only_its_id(client):
    file = client.fake.add_file(JUNE_2021.name, JUNE_2021.read_bytes())
    mention = slack.app_mention("here is June's", channel="C777", user=ADMIN, files=[slack.partial_file(file)])

    assert client.post(slack.event_callback(mention)).status_code == 200

    [posted] = client.fake.wait_for("chat.postMessage")
    assert (posted.body["channel"], posted.body["thread_ts"]) == ("C777", mention["ts"])
    assert "modifications: 41 new and 2 changed" in texts(posted.arg("blocks"))
    assert [c.body["file"] for c in client.fake.calls("files.info")] == [file["id"]]
    assert [c.token for c in client.fake.calls(DOWNLOAD_METHOD)] == [BOT_TOKEN]


def test_a_readers_file_is_refused_without_being_fetched(client, store):
    file = client.fake.add_file(JUNE_2021.name, JUNE_2021.read_bytes())

    posted = share(client, slack.partial_file(file), user=READER)

    assert "Only SECAS admins can use ingest" in texts(posted["blocks"])
    client.settle()
    assert client.fake.calls(DOWNLOAD_METHOD) == [] and client.fake.calls("files.info") == []
    with store.sessions() as session:
        [entry] = session.scalars(select(AuditEntry)).all()
    assert (entry.actor, entry.action, entry.outcome) == (f"slack:{TEAM_ID}:{READER}", "ingest", "refused")


def test_a_file_on_another_host_is_not_fetched(client):
    with FakeSlack() as elsewhere:
        file = elsewhere.add_file(JUNE_2021.name, JUNE_2021.read_bytes())

        posted = share(client, file)

        client.settle()
        assert elsewhere.calls() == []
    shown = texts(posted["blocks"])
    assert f"I couldn't read {JUNE_2021.name}" in shown
    assert "not at an address the bot may fetch files from" in shown
    assert "Nothing was changed." in shown


def test_a_failed_download_gets_a_polite_reply(client):
    file = client.fake.add_file(JUNE_2021.name, JUNE_2021.read_bytes())
    client.fake.fail(DOWNLOAD_METHOD, status=500, body="oops")

    posted = share(client, file)

    shown = texts(posted["blocks"])
    assert "The file could not be opened (the file server answered HTTP 500)." in shown
    assert "Traceback" not in shown


def test_a_word_file_is_explained_without_being_fetched(client):
    file = client.fake.add_file("minutes.docx", b"PK\x03\x04 a word file")

    posted = share(client, file)

    assert "A report must be a PDF or a text file (.pdf or .txt)." in texts(posted["blocks"])
    client.settle()
    assert client.fake.calls(DOWNLOAD_METHOD) == []


def test_no_more_than_the_import_cap_is_read(start):
    client, _ = start(import_max_mb=0.01)
    file = client.fake.add_file(JUNE_2021.name, JUNE_2021.read_bytes())

    posted = share(client, file)

    assert "It is 10,001 bytes; a report may be at most 10,000." in texts(posted["blocks"])


def test_a_question_with_a_screenshot_attached_is_answered_as_a_question(client):
    shot = client.fake.add_file("screenshot.png", b"\x89PNG\r\n\x1a\n not really")
    mention = slack.app_mention("SECMP0007", channel="C777", user=READER, files=[shot])

    assert client.post(slack.event_callback(mention)).status_code == 200

    [posted] = client.fake.wait_for("chat.postMessage")
    assert "SECMP0007: Firmware updates to mandated HAN devices" in texts(posted.arg("blocks"))
    client.settle()
    assert client.fake.calls(DOWNLOAD_METHOD) == []
