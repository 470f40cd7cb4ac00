"""Shared fixtures: a register store on SQLite (default) or PostgreSQL, and the chat platforms faked at
their HTTP boundary.

Set ``SECBOT_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test`` to run every store test
over a real PostgreSQL connection; each fixture then gets a schema of its own, so tests never see
each other's rows. A migrated or sample database is a copy of a template made once per process
(tests/support/databases.py), not migrated and imported again for every test.

Only fixtures live here: pytest loads this file itself, so helpers shared between test modules live in
``tests/support/`` and are imported from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from secbot import platforms
from secbot.clock import Clock
from secbot.store.db import Store, make_engine
from secbot.store.opening import prepare_store
from tests.support.databases import close_databases, leased
from tests.support.dates import LONDON, REPORT_DAY


@pytest.fixture(scope="session", autouse=True)
def _databases() -> Iterator[None]:
    """This process's test databases (tests/support/databases.py), dropped as the session ends."""
    yield
    close_databases()


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database (not yet migrated): what a first start finds."""
    with leased("fresh", tmp_path) as url:
        yield url


@pytest.fixture
def migrated_db_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a database of its own at the schema's head revision, with no rows (a copy of a template)."""
    with leased("migrated", tmp_path) as url:
        yield url


@pytest.fixture
def sample_db_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a database of its own holding the bundled sample register, as a first start leaves it
    (a copy of a template made once per process); tests may write to it."""
    with leased("sample", tmp_path) as url:
        yield url


@pytest.fixture
def empty_store(migrated_db_url: str) -> Iterator[Store]:
    """A migrated store with no register in it; tests may write to it."""
    store = prepare_store(make_engine(migrated_db_url), load_sample=False)
    yield store
    store.engine.dispose()


@pytest.fixture
def sample_copy(sample_db_url: str) -> Iterator[Store]:
    """A store holding its own copy of the bundled sample register; tests may write to it."""
    store = prepare_store(make_engine(sample_db_url), load_sample=False)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The bundled sample register, once per run (per worker). Read-only: never write to it."""
    with leased("sample", tmp_path_factory.mktemp("sample")) as url:
        store = prepare_store(make_engine(url), load_sample=False)
        yield store
        store.engine.dispose()


@pytest.fixture
def ask(sample_store):
    """Dispatch as the shell would on the sample register, as of the report day (or ``day``)."""
    from secbot.commands import Context, dispatch
    from secbot.digests import commands  # noqa: F401  (registers the digest layer's commands, as secbot.app does)
    from secbot.store.queries import Register

    return lambda text, day=REPORT_DAY: dispatch(text, Context(Register(sample_store, Clock(LONDON, day))))


@pytest.fixture
def may_2021_store(sample_copy):
    """The sample register with the Working Group agenda SECAS published on 19 May 2021 imported too."""
    from secbot.store.importer.loader import import_paths
    from tests.support.files import MAY_2021_AGENDA

    import_paths(sample_copy, [MAY_2021_AGENDA])
    return sample_copy


@pytest.fixture
def no_proxy(monkeypatch):
    """HTTP clients (slack_sdk, urllib) send even 127.0.0.1 requests through HTTP(S)_PROXY when one is set."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def report_clock() -> Clock:
    """Today as the June 2021 Change Status Report was issued."""
    return Clock(LONDON, REPORT_DAY)


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


@pytest.fixture
def teams(migrated_db_url):
    """An App with Teams on against a FakeTeams connector that knows three channels (TEAMS_GONE, TEAMS_FINE,
    TEAMS_ADMINS in tests/support/teams_client.py); (app, connector)."""
    import json

    from microsoft_agents.activity import Activity

    from secbot.app import build
    from secbot.platforms.teams.door import saved_conversation
    from secbot.settings import Settings
    from secbot.store import conversations
    from tests.fakes.teams_connector import APP_ID, APP_PASSWORD, TENANT_ID, FakeTeams, token_service
    from tests.support.teams_client import TEAMS_ADMINS, TEAMS_FINE, TEAMS_GONE

    payloads = Path(__file__).parent / "fakes" / "teams_payloads"
    with FakeTeams() as connector, token_service():
        settings = Settings(
            database_url=migrated_db_url,
            load_sample=False,
            teams_app_id=APP_ID,
            teams_app_password=APP_PASSWORD,
            teams_tenant_id=TENANT_ID,
            teams_openid_metadata_url=connector.metadata_url,
            teams_service_hosts=["*"],
            admin_channels=[f"teams:{TEAMS_ADMINS}"],
        )
        app = build(settings, platforms=platforms.words())
        installed = json.loads((payloads / "installation_add_team.json").read_text(encoding="utf-8"))
        for conversation_id in (TEAMS_GONE, TEAMS_FINE, TEAMS_ADMINS):
            installed["serviceUrl"] = connector.service_url
            installed["conversation"]["id"] = conversation_id
            conversations.save(app.store, saved_conversation(Activity.model_validate(installed)))
        yield app, connector
        app.store.engine.dispose()


# -- one secbot on every door (tests/support/doors.py), shared by the roles, audit and announcement tests -----


@pytest.fixture(scope="module")
def slack_fake():
    """A FakeSlack Web API for the module, for ``make_doors``."""
    from tests.fakes.slack_api import FakeSlack

    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def teams_fake():
    """A FakeTeams Bot Connector for the module, for ``make_doors``."""
    from tests.fakes.teams_connector import FakeTeams

    with FakeTeams() as fake:
        yield fake


@pytest.fixture
def make_doors(sample_db_url, slack_fake, teams_fake):
    """A function building ``Doors`` with some settings changed; the fakes start with Gil in the group and team."""
    from contextlib import ExitStack

    from secbot.app import build
    from tests.fakes.teams_connector import token_service
    from tests.servers import serving
    from tests.support.doors import GIL_GROUP, TEAM_THREAD, USERGROUP, Doors, doors_settings

    with ExitStack() as stack:

        def make(**overrides) -> Doors:
            slack_fake.reset()
            teams_fake.reset()
            slack_fake.usergroups[USERGROUP] = [GIL_GROUP.slack_user, "UOTHER"]
            teams_fake.add_team_member(TEAM_THREAD, GIL_GROUP.teams_id)
            app = build(doors_settings(sample_db_url, slack_fake, teams_fake, **overrides), platforms=platforms.words())
            stack.callback(app.store.engine.dispose)
            return Doors(app, stack.enter_context(serving(app)), slack_fake, teams_fake)

        stack.enter_context(token_service())
        yield make
