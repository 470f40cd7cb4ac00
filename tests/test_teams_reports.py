"""A SECAS report sent to the bot as a file in a Teams personal chat (issue 17, item 4): fetched from the
pre-authorised address Teams gives (no token sent), answered with what importing it would change and
Confirm and Cancel; Confirm imports it. Activities go to secbot's real server with a Bot Framework
token; the Bot Connector, and the file's host, are ``FakeTeams``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from secbot import platforms
from secbot.app import build
from secbot.platforms.teams.cards import submitted_command, validate_card
from secbot.platforms.teams.door import FILE_DOWNLOAD_INFO
from secbot.store.db import Store
from secbot.store.importer.loader import import_paths, sample_paths
from secbot.store.models import AuditEntry, Modification
from tests.fakes.teams_connector import TENANT_ID, FakeTeams, token_service
from tests.servers import serving
from tests.support.doors import visible
from tests.support.teams_client import TeamsClient, card_of, teams_settings
from tests.support.unreachable import closed_port

pytestmark = pytest.mark.usefixtures("no_proxy")

JUNE_2021 = Path(__file__).parent / "reports" / "2021-06-change-status-report.txt"
ALEX = "6b6a6f3e-0d1b-4c1a-9a7e-2f1c5c3d4e5f"  # personal_message.json's sender: a SECAS admin here
RAE = {"id": "29:rae", "name": "Rae Reader", "aadObjectId": "bbbbbbbb-0000-4000-8000-00000000000b"}
GROUP_CHAT = {"isGroup": True, "conversationType": "groupChat", "tenantId": TENANT_ID, "id": "19:group-0001@thread.v2"}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTeams]:
    with FakeTeams() as server:
        yield server


@pytest.fixture
def teams(migrated_db_url, fake) -> Iterator[TeamsClient]:
    """secbot on a register as the 2017 reports left it (the June 2021 report is news to it)."""
    fake.reset()
    settings = teams_settings(migrated_db_url, fake, load_sample=False, admins=[f"teams:{TENANT_ID}:{ALEX}"])
    app = build(settings, platforms=platforms.words())
    import_paths(app.store, [p for p in sample_paths() if p.name.startswith("2017")])
    with token_service(), serving(app) as served:
        yield TeamsClient(served, fake)
    app.store.engine.dispose()


@pytest.fixture
def store(teams) -> Store:
    return teams.door.app.store


def file_message(teams: TeamsClient, url: str, name: str = JUNE_2021.name, **changes) -> dict:
    """A personal-chat message carrying one file, as Teams sends it (bots-filesv4: "Receive files")."""
    attachment = {
        "contentType": FILE_DOWNLOAD_INFO,
        "contentUrl": f"https://contoso.sharepoint.com/personal/alex/Documents/Microsoft Teams Chat Files/{name}",
        "name": name,
        "content": {"downloadUrl": url, "uniqueId": "1150d938-8870-4044-9f2c-5bbdeba70c9d", "fileType": "txt"},
    }
    return teams.activity("personal_message", text="", attachments=[attachment], **changes)


def send(teams: TeamsClient, activity: dict) -> dict:
    """Send ``activity``; the card the bot answers with."""
    before = len(teams.fake.calls)
    assert teams.send(activity).status_code in (200, 202)
    card = card_of(teams.fake.wait_for(before + 1)[before].body)
    assert validate_card(card) == []
    return card


def actions(card: dict) -> dict[str, dict]:
    found: dict[str, dict] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action.") and "title" in node:
                found.setdefault(node["title"], node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def held(store: Store, reference: str) -> Modification | None:
    with store.sessions() as session:
        return session.scalar(select(Modification).where(Modification.reference == reference))


def test_an_admins_report_is_previewed_with_confirm_and_confirm_imports_it(teams, store):
    url = teams.fake.add_file(JUNE_2021.name, JUNE_2021.read_bytes())

    card = send(teams, file_message(teams, url))

    assert "Confirm: import Change Status Report – June 2021" in visible(card)
    assert "modifications: 41 new and 2 changed" in visible(card)
    [(path, authorization)] = teams.fake.downloads
    assert path.endswith(f"/{JUNE_2021.name}") and authorization is None  # pre-authorised: no token sent
    confirm = actions(card)["Confirm"]["data"]
    assert submitted_command(confirm).startswith("confirm ") and "Cancel" in actions(card)
    assert held(store, "DP162") is None

    done = send(teams, teams.activity("card_submit", value=confirm))

    assert "Imported Change Status Report – June 2021" in visible(done)
    assert held(store, "DP162").title == "SEC changes required to deliver MHHS"


def test_a_readers_file_is_refused_without_being_fetched(teams, store):
    url = teams.fake.add_file(JUNE_2021.name, JUNE_2021.read_bytes())

    card = send(teams, file_message(teams, url, **{"from": RAE}))

    assert "Only SECAS admins can use ingest" in visible(card)
    teams.served.settle()
    assert teams.fake.downloads == []
    with store.sessions() as session:
        [entry] = session.scalars(select(AuditEntry)).all()
    assert (entry.actor, entry.action, entry.outcome) == (
        f"teams:{TENANT_ID}:{RAE['aadObjectId']}",
        "ingest",
        "refused",
    )


def test_a_file_in_a_group_chat_is_explained_without_being_fetched(teams):
    url = teams.fake.add_file(JUNE_2021.name, JUNE_2021.read_bytes())

    card = send(teams, file_message(teams, url, conversation=GROUP_CHAT))

    assert f"Send {JUNE_2021.name} in a chat with me alone" in visible(card)
    teams.served.settle()
    assert teams.fake.downloads == []


def test_a_failed_download_gets_a_polite_reply(teams):
    url = teams.fake.add_file(JUNE_2021.name, JUNE_2021.read_bytes(), status=503)

    card = send(teams, file_message(teams, url))

    assert "The file could not be opened (the file server answered HTTP 503)." in visible(card)
    assert "Nothing was changed." in visible(card)


def test_a_plain_http_address_elsewhere_is_not_fetched(teams):
    card = send(teams, file_message(teams, f"http://127.0.0.1:{closed_port()}/files/1/{JUNE_2021.name}"))

    assert "not at an address the bot may fetch files from" in visible(card)


def test_a_redelivered_file_message_is_answered_once(teams):
    url = teams.fake.add_file(JUNE_2021.name, JUNE_2021.read_bytes())
    activity = file_message(teams, url)

    send(teams, activity)
    assert teams.send(activity).status_code in (200, 202)

    teams.served.settle()
    assert len(teams.fake.calls) == 1 and len(teams.fake.downloads) == 1


def test_a_file_attachment_of_the_wrong_shape_gets_a_polite_reply(teams):
    activity = file_message(teams, "unused")
    activity["attachments"][0]["content"]["downloadUrl"] = 161

    card = send(teams, activity)

    assert f"I couldn't read {JUNE_2021.name}" in visible(card) and "Nothing was changed." in visible(card)
