"""Shared fixtures: a register store on SQLite (default) or PostgreSQL.

Set ``SECBOT_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test`` to run every store test
over a real PostgreSQL connection; each fixture then gets a schema of its own, so tests never see
each other's rows.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from secbot.clock import Clock
from secbot.store.db import Store, make_engine, prepare_store

TEST_DATABASE_URL = os.environ.get("SECBOT_TEST_DATABASE_URL", "")
LONDON = ZoneInfo("Europe/London")
REPORT_DAY = dt.date(2021, 6, 11)  # the June 2021 Change Status Report's issue date


def _is_postgres() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


def database_url(tmp_path: Path) -> tuple[str, str | None]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL schema (name returned)."""
    if not _is_postgres():
        return f"sqlite:///{tmp_path / 'register.db'}", None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}", schema


def _drop_schema(schema: str | None) -> None:
    if schema:
        admin = make_engine(TEST_DATABASE_URL)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database (not yet migrated)."""
    url, schema = database_url(tmp_path)
    yield url
    _drop_schema(schema)


@pytest.fixture
def empty_store(db_url: str) -> Iterator[Store]:
    """A migrated store with no register in it; tests may write to it."""
    store = prepare_store(make_engine(db_url), load_sample=False)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The bundled sample register, loaded once per run. Read-only: never write to it."""
    url, schema = database_url(tmp_path_factory.mktemp("sample"))
    store = prepare_store(make_engine(url), load_sample=True)
    yield store
    store.engine.dispose()
    _drop_schema(schema)


@pytest.fixture
def ask(sample_store):
    """Dispatch as the shell would on the sample register, as of the report day (or ``day``)."""
    from secbot.commands import Context, dispatch
    from secbot.store.queries import Register

    return lambda text, day=REPORT_DAY: dispatch(text, Context(Register(sample_store, Clock(LONDON, day))))


def every_command_text() -> list[str]:
    """Every command's name and examples, once each: what every renderer must render."""
    from secbot.commands.registry import REGISTRY

    texts: list[str] = []
    for cmd in REGISTRY:
        for typed in (cmd.name, *cmd.examples):
            if typed not in texts:
                texts.append(typed)
    return texts


@pytest.fixture
def no_proxy(monkeypatch):
    """HTTP clients (slack_sdk, urllib) send even 127.0.0.1 requests through HTTP(S)_PROXY when one is set."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def report_clock() -> Clock:
    """Today as the June 2021 Change Status Report was issued."""
    return Clock(LONDON, REPORT_DAY)


def write(path: Path, text: str) -> Path:
    """Write a test file, dedenting the triple-quoted text it is given."""
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def flat(reply) -> str:
    """Every piece of text in a reply, one per line and unwrapped, for assertions on wording."""
    parts = [reply.title, reply.summary or ""]
    for section in reply.sections:
        parts += [section.heading or "", section.text or ""]
        parts += [f"{f.label}: {f.value}" for f in section.fields]
        parts += [f"{i.text} — {i.detail}" if i.detail else i.text for i in section.items]
        if section.table:
            parts += [" | ".join(section.table.columns)] + [" | ".join(r) for r in section.table.rows]
    parts += [f"{a.label} -> {a.command}" for a in reply.actions]
    parts += [f"{link.label}: {link.url}" for link in reply.links]
    parts.append(reply.footer or "")
    return "\n".join(p for p in parts if p)


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    """A workbook's bytes: each sheet's title and rows, in order."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- chat platforms faked at their HTTP boundary, shared by the delivery and scheduler tests ----------------


@pytest.fixture(scope="module")
def server():
    """A FakeSlack Web API for the module (a module may define its own ``fake``)."""
    from tests.fakes.slack_api import FakeSlack

    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def fake(server):
    server.reset()
    return server


TEAMS_GONE = "19:team-general-0001@thread.skype"
TEAMS_FINE = "19:second-channel@thread.skype"
TEAMS_ADMINS = "19:secas-admins@thread.skype"


@pytest.fixture
def teams(db_url):
    """An App with Teams on against a FakeTeams connector that knows three channels; (app, connector)."""
    import json

    from microsoft_agents.activity import Activity

    from secbot.app import build
    from secbot.chat.teams import saved_conversation
    from secbot.settings import Settings
    from secbot.store import conversations
    from tests.fakes.teams_connector import APP_ID, APP_PASSWORD, TENANT_ID, FakeTeams, token_service

    payloads = Path(__file__).parent / "fakes" / "teams_payloads"
    with FakeTeams() as connector, token_service():
        settings = Settings(
            database_url=db_url,
            load_sample=False,
            teams_app_id=APP_ID,
            teams_app_password=APP_PASSWORD,
            teams_tenant_id=TENANT_ID,
            teams_openid_metadata_url=connector.metadata_url,
            teams_service_hosts=["*"],
            admin_channels=[f"teams:{TEAMS_ADMINS}"],
        )
        app = build(settings)
        installed = json.loads((payloads / "installation_add_team.json").read_text(encoding="utf-8"))
        for conversation_id in (TEAMS_GONE, TEAMS_FINE, TEAMS_ADMINS):
            installed["serviceUrl"] = connector.service_url
            installed["conversation"]["id"] = conversation_id
            conversations.save(app.store, saved_conversation(Activity.model_validate(installed)))
        yield app, connector
        app.store.engine.dispose()
