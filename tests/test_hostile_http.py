"""Hostile and unlucky requests to the public routes, over a real socket: never a 500 for bad input,
never a stack trace in a response, 503 with Retry-After while the database is away, one log line
per request that an outage failed.

The database is taken away as an outage takes it (``tests.fakes.db_outage``): the SQLite file's
directory renamed, or the PostgreSQL connection through a local proxy cut.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import event, insert, text

from secbot import outages
from secbot.app import App, build
from secbot.settings import Settings
from secbot.store.models import ScheduleRun
from tests.fakes.db_outage import OutageDatabase, outage_database
from tests.servers import running
from tests.support.dates import REPORT_DAY

pytestmark = pytest.mark.usefixtures("no_proxy")

PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Service:
    base: str
    app: App
    database: OutageDatabase

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.base + path, timeout=30, **kwargs)


@contextlib.contextmanager
def serve(tmp_path: Path) -> Iterator[Service]:
    with outage_database(tmp_path, "sample") as database:
        app = build(Settings(database_url=database.url, today=REPORT_DAY))
        try:
            with running(app) as base:
                yield Service(base, app, database)
        finally:
            app.store.engine.dispose()


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Iterator[Service]:
    """One service on the sample register for the tests that only read."""
    with serve(tmp_path_factory.mktemp("hostile-http")) as service:
        yield service


@pytest.fixture
def service(tmp_path) -> Iterator[Service]:
    """A service of the test's own, whose database the test may take away."""
    with serve(tmp_path) as service:
        yield service


def assert_polite(response: requests.Response, status: int) -> None:
    """The status, and a short line of text for a person: no stack trace, no HTML error page."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert 0 < len(response.text) < 300


def statements(app: App):
    """Count the SQL statements the service runs (at the database boundary)."""
    counted: list[str] = []
    listener = lambda *args: counted.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(app.store.engine, "before_cursor_execute", listener)
    return counted, lambda: event.remove(app.store.engine, "before_cursor_execute", listener)


# -- charts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "monthly-2021-13",  # month 13
        "monthly-0000-00",
        "monthly-2021-00",
        "agenda-2021-W99",
        "agenda-2021-W00",
        "agenda-2021-W53",  # 2021 has 52 ISO weeks
        "consultations-2021-02-31",
        "consultations-2021-02-29",  # not a leap year
        "monthly-2021-W05",  # a week is not a monthly issue
        "agenda-2021-06",
        "consultations-2021-06",
        "weekly-2021-06",  # no such digest
    ],
)
def test_an_impossible_chart_path_is_a_404_with_a_short_line(shared, path):
    assert_polite(shared.get(f"/charts/{path}.png"), 404)


@pytest.mark.parametrize("path", ["monthly-9999-12", "monthly-2010-01", "monthly-2030-06", "agenda-2030-W01"])
def test_a_chart_for_a_period_the_register_does_not_cover_is_a_404_and_is_not_drawn(shared, path):
    response = shared.get(f"/charts/{path}.png")
    assert_polite(response, 404)
    assert "secbot has no" in response.text


def test_a_chart_within_the_registers_dates_is_drawn_once_and_then_kept(shared):
    counted, stop = statements(shared.app)
    try:
        first = shared.get("/charts/monthly-2021-06.png")
        drawing = len(counted)
        again = shared.get("/charts/monthly-2021-06.png")
    finally:
        stop()
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/png"
    assert first.content.startswith(PNG)
    assert again.content == first.content
    assert drawing > 3  # the register read as of that month
    assert len(counted) - drawing <= 1  # at most the revision check: the chart itself was kept


def test_an_issue_that_was_posted_has_its_chart_even_outside_the_registers_dates(shared):
    with shared.app.store.engine.begin() as connection:
        connection.execute(
            insert(ScheduleRun).values(
                kind="monthly",
                period="2031-01",
                due_at=dt.datetime(2031, 1, 6, 9, tzinfo=dt.UTC),
                recorded_at=dt.datetime(2031, 1, 6, 9, tzinfo=dt.UTC),
                status="fired",
            )
        )
    response = shared.get("/charts/monthly-2031-01.png")
    assert response.status_code == 200 and response.content.startswith(PNG)
    assert_polite(shared.get("/charts/monthly-2031-02.png"), 404)


def test_a_digest_without_a_chart_is_a_404(shared):
    response = shared.get("/charts/agenda-2021-W27.png")
    assert_polite(response, 404)
    assert "has no chart" in response.text


# -- the calendar feed -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "ref=%00",
        "ref=MP161%00",
        "ref=MP%01161",
        "ref=%ED%A0%80",  # a lone surrogate, as CESU-8 would write it
        "ref=%FF%FE",  # not UTF-8
        "ref=%C0%80",  # an overlong NUL
        "ref=%E2%82",  # UTF-8 cut short
        "ref=" + "A" * 1_000,
        "ref=" + "%E2%82%AC" * 300,
    ],
)
def test_a_calendar_reference_nobody_could_type_is_a_400(shared, query):
    response = shared.get(f"/calendar.ics?{query}")
    assert_polite(response, 400)
    assert "ref= takes a modification reference" in response.text


@pytest.mark.parametrize("query", ["ref=" + "A" * 10_000, "ref=" + "%E2%82%AC" * 3_000])
def test_a_query_too_long_for_an_http_request_line_is_a_400_logged_in_one_line(shared, query, caplog):
    caplog.clear()
    response = shared.get(f"/calendar.ics?{query}")
    assert response.status_code == 400  # aiohttp's own answer: the request line is over 8 KB
    assert "Traceback" not in response.text and len(response.text) < 300
    [logged] = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert logged.exc_info is None and "LineTooLong, answered 400" in logged.getMessage()


@pytest.mark.parametrize("query", ["ref=caf%C3%A9", "ref=%E2%80%AEMP999999", "ref=MP999999", "ref=%25"])
def test_an_unknown_calendar_reference_is_a_404(shared, query):
    response = shared.get(f"/calendar.ics?{query}")
    assert_polite(response, 404)


@pytest.mark.parametrize("query", ["ref=MP161%0A", "ref=mp+161", "ref=%20MP161%20", "ref=MP161&ref=%00"])
def test_a_calendar_reference_as_people_write_it_is_answered(shared, query):
    response = shared.get(f"/calendar.ics?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert "X-WR-CALNAME:SEC Modifications Register – MP161" in response.text


def test_raw_bytes_that_are_not_utf8_in_the_query_are_never_a_500(shared):
    address = urlparse(shared.base)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(b"GET /calendar.ics?ref=\xff\xfe\xc0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    status = int(received.split(b" ", 2)[1])
    assert status in (400, 404)
    assert b"Traceback" not in received


@pytest.mark.parametrize("path", ["/healthz", "/calendar.ics?ref=MP161"])
def test_a_wrongly_encoded_body_that_the_route_never_reads_logs_no_error(shared, caplog, path):
    # A GET with a body that is not the gzip it claims to be: the route answers as usual, and aiohttp's
    # draining of the body afterwards (which meets the bad encoding) is neither an error nor a trace.
    address = urlparse(shared.base)
    body = b"not gzip at all"
    head = f"GET {path} HTTP/1.1\r\nHost: secbot\r\nContent-Encoding: gzip\r\nContent-Length: {len(body)}\r\n"
    caplog.clear()
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)
        received = b""
        while chunk := sock.recv(65536):  # to the end: the service closes once it has logged all it will
            received += chunk
    assert int(received.split(b" ", 2)[1]) == 200
    assert b"Traceback" not in received
    assert [r.getMessage() for r in caplog.records if r.name in ("aiohttp.server", "secbot.platforms.web_guard")] == []
    assert [r for r in caplog.records if r.exc_info] == []


# -- database outages ------------------------------------------------------------------------------------

ROUTES = ["/healthz", "/calendar.ics", "/calendar.ics?ref=MP161", "/charts/monthly-2021-05.png"]


def outage_lines(records: list[logging.LogRecord]) -> tuple[list[str], list[str]]:
    """(one line per failed request, the summaries) among the records."""
    lines = [r.getMessage() for r in records if "the database is unavailable" in r.getMessage()]
    summaries = [r.getMessage() for r in records if r.getMessage().startswith("database outage:")]
    return lines, summaries


def test_a_database_outage_is_a_503_with_retry_after_on_every_route_logged_one_line_a_request(service, caplog):
    assert service.get("/healthz").json() == {"status": "ok"}  # the database answers: any earlier outage is over
    caplog.set_level(logging.INFO)
    caplog.clear()
    with service.database.down(service.app.store):
        responses = [service.get(route) for _round in range(3) for route in ROUTES]
    during = list(caplog.records)
    for response in responses:
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == str(outages.RETRY_AFTER_SECONDS) == "30"
        assert "Traceback" not in response.text and len(response.text) < 300
    assert responses[0].json() == {"status": "unavailable", "database": "down"}
    assert "The register is unavailable just now" in responses[1].text

    lines, summaries = outage_lines(during)
    assert len(lines) == len(responses) == 12  # one line per failed request
    assert summaries == ["database outage: 1 request(s) failed since the last summary, 1 in all"]  # rate-limited
    assert [r for r in during if r.exc_info] == []  # no stack trace
    assert {r.name for r in during} == {"secbot.outage"}  # and nothing else said about it
    assert all("\n" not in line for line in lines)
    assert any(line.startswith("GET /charts/{kind}-{issue}.png: ") for line in lines)

    caplog.clear()
    assert service.get("/healthz").json() == {"status": "ok"}
    assert [r.getMessage() for r in caplog.records] == ["database answering again after 12 failed request(s)"]
    assert service.get("/calendar.ics?ref=MP161").status_code == 200
    assert service.get("/charts/monthly-2021-05.png").content.startswith(PNG)


def test_an_unexpected_error_is_a_short_500_and_one_logged_trace(service, caplog):
    # A row this version of secbot does not know how to read (written by hand, or by a newer version).
    with service.app.store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO consultations (kind, modification_id, opens, closes, round, source) "
                "SELECT 'bogus-kind', id, :opens, :closes, 99, (SELECT min(key) FROM sources) "
                "FROM modifications WHERE reference = 'MP161'"
            ),
            {"opens": dt.date(2021, 6, 1), "closes": dt.date(2021, 6, 10)},
        )
    caplog.clear()
    response = service.get("/calendar.ics")
    assert_polite(response, 500)
    assert response.text == "Sorry, something went wrong. The problem has been logged.\n"
    [logged] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged.getMessage() == "GET /calendar.ics failed" and logged.exc_info is not None
    assert service.get("/healthz").status_code == 200  # the service carries on
