"""`secbot sync`: the register downloaded over HTTPS (faked with ``responses``) and imported all or nothing.

Only a good file changes the register; every failure leaves it exactly as it was, says what failed
and leaves an audit entry, and the address's validators are kept so that the file is tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers
from sqlalchemy import func, select

from secbot.cli import main
from secbot.settings import Settings
from secbot.store.db import Store
from secbot.store.models import AuditEntry, EarlierTitle, ImportRecord, Modification, RegisterState, RegisterSync, Vote
from secbot.store.sync import FAILED, IMPORTED, UNCHANGED, display_url, sync_register
from tests.support.files import xlsx

URL = "https://secas.example/files/register.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW_TITLE = "Retail Code Consolidation (Significant Code Review)"


GOOD = xlsx({"Register": [["Mod Ref", "Title", "Stage"], ["MP161", NEW_TITLE, "Implementation"]]})
BAD_ROW = xlsx(
    {
        "Register": [["Mod Ref", "Title"], ["MP161", NEW_TITLE]],
        "Votes": [["Reference", "Date", "Outcome"], ["MP161", "someday", "approved"]],
    }
)


@pytest.fixture
def store(sample_copy: Store) -> Store:
    """A writable register holding the bundled sample."""
    return sample_copy


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def settings(url: str = URL, **values) -> Settings:
    return Settings(_env_file=None, sync_url=url, **values)


def snapshot(store: Store) -> dict:
    """Everything a sync could change in the register, to compare before and after."""
    with store.sessions() as session:
        return {
            "revision": session.scalar(select(RegisterState.revision)),
            "modifications": [tuple(row) for row in session.execute(select(Modification.__table__).order_by("id"))],
            "earlier_titles": [tuple(row) for row in session.execute(select(EarlierTitle.__table__).order_by("id"))],
            "votes": [tuple(row) for row in session.execute(select(Vote.__table__).order_by("id"))],
            "imports": session.scalar(select(func.count()).select_from(ImportRecord)),
        }


def audit_rows(store: Store) -> list[AuditEntry]:
    with store.sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def sync_row(store: Store, url: str = URL) -> RegisterSync | None:
    with store.sessions() as session:
        return session.get(RegisterSync, url)


def mp161(store: Store) -> Modification:
    with store.sessions() as session:
        return session.scalar(select(Modification).where(Modification.reference == "MP161"))


def serve_good(http: responses.RequestsMock) -> None:
    http.get(
        URL, body=GOOD, content_type=XLSX, headers={"ETag": '"v1"', "Last-Modified": "Fri, 11 Jun 2021 09:00:00 GMT"}
    )


# --------------------------------------------------------------------------------------------
# A good file, then the same file again


def test_good_workbook_is_imported_with_its_audit_entry_and_validators(store, http) -> None:
    before = snapshot(store)
    serve_good(http)

    result = sync_register(store, settings())

    assert (result.ok, result.outcome, result.url) == (True, IMPORTED, URL)
    assert result.message.startswith(
        f"Synced the register from {URL}. Imported register.xlsx: sources 1 added; modifications 1 updated. "
        f"The register is now at revision {before['revision'] + 1}."
    )
    assert result.import_result is not None and result.import_result.changed
    assert snapshot(store)["revision"] == before["revision"] + 1
    mod = mp161(store)
    assert (mod.title, mod.phase, mod.source) == (NEW_TITLE, "Implementation", "import:register.xlsx")
    [entry] = audit_rows(store)
    assert (entry.actor, entry.command, entry.action, entry.outcome) == ("system:sync", "secbot sync", "sync", "done")
    assert entry.detail.startswith(f"{URL}: Imported register.xlsx")
    row = sync_row(store)
    assert (row.etag, row.last_modified, row.outcome, row.error) == (
        '"v1"',
        "Fri, 11 Jun 2021 09:00:00 GMT",
        IMPORTED,
        None,
    )
    assert row.sha256 and row.imported_at and row.checked_at


def test_second_sync_is_conditional_and_304_changes_nothing(store, http) -> None:
    serve_good(http)
    sync_register(store, settings())
    before = snapshot(store)
    http.get(
        URL,
        status=304,
        match=[
            matchers.header_matcher({"If-None-Match": '"v1"', "If-Modified-Since": "Fri, 11 Jun 2021 09:00:00 GMT"})
        ],
    )

    result = sync_register(store, settings())

    assert (result.ok, result.outcome, result.import_result) == (True, UNCHANGED, None)
    assert "has not changed since the last sync" in result.message
    assert snapshot(store) == before
    assert [entry.outcome for entry in audit_rows(store)] == ["done"]
    row = sync_row(store)
    assert (row.etag, row.outcome) == ('"v1"', UNCHANGED)


def test_the_same_file_without_validators_is_not_imported_again(store, http) -> None:
    http.get(URL, body=GOOD, content_type=XLSX)
    assert sync_register(store, settings()).outcome == IMPORTED
    before = snapshot(store)

    result = sync_register(store, settings())

    assert (result.outcome, result.import_result) == (UNCHANGED, None)
    assert "same as the one last imported" in result.message
    assert snapshot(store) == before


def test_force_sends_no_validators_and_imports_again(store, http) -> None:
    serve_good(http)
    sync_register(store, settings())
    http.calls.reset()

    result = sync_register(store, settings(), force=True)

    assert "If-None-Match" not in http.calls[0].request.headers
    assert result.outcome == UNCHANGED  # the importer ran and found the register already matches
    assert result.import_result is not None and not result.import_result.changed
    assert "No changes: register.xlsx matches the register" in result.message


def test_csv_named_by_content_disposition(store, http) -> None:
    url = "https://secas.example/download?id=7"
    csv = "Mod Ref,Modification Title\nMP161,Renamed by CSV\n"
    http.get(
        url, body=csv, content_type="text/csv", headers={"Content-Disposition": 'attachment; filename="register.csv"'}
    )

    result = sync_register(store, settings(url))

    assert result.outcome == IMPORTED, result.message
    assert (mp161(store).title, mp161(store).source) == ("Renamed by CSV", "import:register.csv")
    assert result.url == "https://secas.example/download?…"


# --------------------------------------------------------------------------------------------
# Failures: the register stays exactly as it was


PDF_URL = "https://secas.example/files/register"

# case: (how the server answers, why the sync fails, settings for the case)
FAILURES = {
    "404": (lambda http: http.get(URL, status=404, body="gone"), "the server answered 404 Not Found", {}),
    "500": (lambda http: http.get(URL, status=500, body="oops"), "the server answered 500 Internal Server Error", {}),
    "html page": (
        lambda http: http.get(URL, body="<!DOCTYPE html><html><body>Sign in</body></html>", content_type="text/html"),
        "the address returned a web page, not a workbook",
        {},
    ),
    "html without its type": (
        lambda http: http.get(
            URL, body=b"\n<html><body>Sign in</body></html>", content_type="application/octet-stream"
        ),
        "the address returned a web page, not a workbook",
        {},
    ),
    "truncated workbook": (
        lambda http: http.get(URL, body=GOOD[: len(GOOD) // 2], content_type=XLSX),
        "register.xlsx is not a complete workbook: the download was cut short or the file is damaged",
        {},
    ),
    "content-length mismatch": (
        lambda http: http.get(URL, body=GOOD, content_type=XLSX, headers={"Content-Length": str(len(GOOD) + 100)}),
        "the download of register.xlsx was cut short before the whole file arrived",
        {},
    ),
    "bad row": (
        lambda http: http.get(URL, body=BAD_ROW, content_type=XLSX),
        "register.xlsx has a problem to fix in the file (listed below)",
        {},
    ),
    "too big": (
        lambda http: http.get(URL, body=GOOD, content_type=XLSX),
        "the file is larger than the limit of 1,000 bytes (SECBOT_SYNC_MAX_BYTES)",
        {"sync_max_bytes": 1_000},
    ),
    "network error": (
        lambda http: http.get(URL, body=requests.ConnectionError("connection refused")),
        "the server could not be reached",
        {},
    ),
    "timeout": (
        lambda http: http.get(URL, body=requests.ReadTimeout("read timed out")),
        "the server did not answer within 30 seconds (SECBOT_SYNC_TIMEOUT_SECONDS)",
        {},
    ),
    "not a register file": (
        lambda http: http.get(PDF_URL, body=b"%PDF-1.7", content_type="application/pdf"),
        "the address returned application/pdf, which is neither a workbook (.xlsx) nor a CSV file",
        {"url": PDF_URL},
    ),
}


@pytest.mark.parametrize("case", FAILURES)
def test_failure_leaves_the_register_as_it_was(store, http, case: str) -> None:
    serve, reason, values = FAILURES[case]
    url = values.get("url", URL)
    before = snapshot(store)
    serve(http)

    result = sync_register(store, settings(**values))

    assert (result.ok, result.outcome, result.import_result) == (False, FAILED, None)
    assert result.message.startswith(f"The register sync from {url} failed, so the register is unchanged: {reason}")
    assert snapshot(store) == before
    [entry] = audit_rows(store)
    assert (entry.actor, entry.action, entry.outcome, entry.detail) == ("system:sync", "sync", "failed", result.message)
    row = sync_row(store, url)
    assert (row.outcome, row.error, row.etag, row.sha256, row.imported_at) == (FAILED, result.message, None, None, None)


def test_bad_row_names_file_row_and_field(store, http) -> None:
    http.get(URL, body=BAD_ROW, content_type=XLSX)

    result = sync_register(store, settings())

    assert result.message.splitlines()[1:] == [
        "register.xlsx: sheet 'Votes' row 2: field 'date': 'someday' "
        "is not a date (use YYYY-MM-DD, DD/MM/YYYY or '7 May 2021')"
    ]


def test_too_big_is_refused_while_streaming_when_the_size_is_not_announced(store, http) -> None:
    before = snapshot(store)
    http.get(URL, body=GOOD, content_type=XLSX, auto_calculate_content_length=False)

    result = sync_register(store, settings(sync_max_bytes=1_000))

    assert "larger than the limit of 1,000 bytes" in result.message
    assert snapshot(store) == before


def test_a_failed_file_keeps_the_validators_so_it_is_tried_again(store, http) -> None:
    serve_good(http)
    sync_register(store, settings())
    http.get(URL, body=BAD_ROW, content_type=XLSX, headers={"ETag": '"v2"'})
    assert sync_register(store, settings()).outcome == FAILED

    row = sync_row(store)
    assert (row.etag, row.outcome) == ('"v1"', FAILED)
    http.calls.reset()
    sync_register(store, settings())
    assert http.calls[0].request.headers["If-None-Match"] == '"v1"'  # not '"v2"': the bad file comes again


def test_plain_http_is_refused_without_a_request(store, http) -> None:
    result = sync_register(store, settings("http://secas.example/register.xlsx"))

    assert not result.ok and "must start with https://" in result.message
    assert len(http.calls) == 0


def test_no_address_is_set(store) -> None:
    result = sync_register(store, Settings(_env_file=None, sync_url=None))

    assert (result.ok, result.outcome) == (False, FAILED) and "set SECBOT_SYNC_URL" in result.message
    assert audit_rows(store) == []


def test_credentials_and_query_never_reach_messages_logs_or_the_database(store, http, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    url = "https://reader:hunter2@secas.example/files/register.xlsx?sig=topsecret"
    http.get(url.split("?")[0], status=403, match=[matchers.query_param_matcher({"sig": "topsecret"})])

    result = sync_register(store, settings(url))

    assert http.calls[0].request.headers["Authorization"].startswith("Basic ")  # requests sends the userinfo
    shown = "https://secas.example/files/register.xlsx?…"
    assert result.url == display_url(url) == shown
    assert "the server answered 403 Forbidden" in result.message
    with store.sessions() as session:
        stored = [str(value) for row in session.execute(select(RegisterSync.__table__)) for value in row]
        stored += [str(value) for row in session.execute(select(AuditEntry.__table__)) for value in row]
    for text in (result.message, caplog.text, *stored):
        assert "hunter2" not in text and "topsecret" not in text and "reader" not in text


# --------------------------------------------------------------------------------------------
# The command line


@pytest.fixture
def cli_env(sample_db_url: str, monkeypatch) -> str:
    for name in ("SECBOT_SYNC_URL", "SECBOT_DATABASE_URL", "SECBOT_TODAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECBOT_DATABASE_URL", sample_db_url)
    monkeypatch.chdir(Path(__file__).parent)  # away from any .env in the checkout
    return sample_db_url


def test_cli_sync_exit_codes_and_messages(cli_env, http, capsys, monkeypatch) -> None:
    assert main(["sync"]) == 2
    assert "Set SECBOT_SYNC_URL" in capsys.readouterr().err

    monkeypatch.setenv("SECBOT_SYNC_URL", URL)
    serve_good(http)
    assert main(["sync"]) == 0
    assert capsys.readouterr().out.startswith(f"Synced the register from {URL}. Imported register.xlsx:")

    http.get(URL, status=304)
    assert main(["sync"]) == 0
    assert "has not changed since the last sync" in capsys.readouterr().out

    other = "https://secas.example/missing.xlsx"
    http.get(other, status=404)
    assert main(["sync", "--url", other, "--force"]) == 1
    assert capsys.readouterr().err.startswith(
        f"The register sync from {other} failed, so the register is unchanged: the server answered 404 Not Found."
    )


def test_callable_from_async_code(store, http) -> None:
    import asyncio

    serve_good(http)

    result = asyncio.run(asyncio.to_thread(sync_register, store, settings()))

    assert result.outcome == IMPORTED
