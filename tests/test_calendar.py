"""The iCalendar feed: meetings, consultation windows and releases, whole or for one modification."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import requests

from secbot.app import build
from secbot.clock import Clock
from secbot.digests.calendar import UnknownReference, build_calendar
from secbot.settings import Settings
from secbot.store.queries import Register
from tests.servers import running
from tests.support.consultations import load_consultations
from tests.support.dates import LONDON, REPORT_DAY


def events(feed: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(feed)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def days(event: icalendar.Event) -> tuple[dt.date, dt.date]:
    """(first day, last day) of an all-day event; DTEND is the day after the last."""
    return event.decoded("DTSTART"), event.decoded("DTEND") - dt.timedelta(days=1)


@pytest.fixture(scope="module")
def register(sample_store) -> Register:
    return Register(sample_store, Clock(LONDON, REPORT_DAY))


@pytest.fixture(scope="module")
def feed(register) -> bytes:
    return build_calendar(register)


def test_the_feed_parses_and_names_itself(feed):
    calendar = icalendar.Calendar.from_ical(feed)
    assert str(calendar["PRODID"]) == "-//secbot//SEC Modifications Register//EN"
    assert str(calendar["X-WR-CALNAME"]) == "SEC Modifications Register"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/London"


def test_working_group_meetings_on_their_days_with_their_agendas(feed):
    found = events(feed)
    june = found["working_group-2021-06-02@secbot"]
    assert days(june) == (dt.date(2021, 6, 2), dt.date(2021, 6, 2))
    assert str(june["SUMMARY"]) == "SEC Working Group"
    assert "MP096 'DNO Power Outage Alerts'" in str(june["DESCRIPTION"])
    july = found["working_group-2021-07-07@secbot"]
    assert days(july) == (dt.date(2021, 7, 7), dt.date(2021, 7, 7))
    assert "Provisional agenda: 23 June 2021" in str(july["DESCRIPTION"])


def test_panel_change_board_and_sub_committee_meetings(feed):
    found = events(feed)
    assert str(found["panel-2021-06-18@secbot"]["SUMMARY"]) == "SEC Panel"
    assert str(found["change_board-2021-05-26@secbot"]["SUMMARY"]) == "SEC Change Board"
    assert "MP161" in str(found["change_board-2021-05-26@secbot"]["DESCRIPTION"])
    assert str(found["change_sub_committee-2021-05-25@secbot"]["SUMMARY"]) == "SEC Change Sub-Committee"
    assert found["panel-2017-02-10@secbot"]["URL"].startswith("https://www.smartenergycodecompany.co.uk/meetings/")


def test_releases_with_a_date(feed):
    found = events(feed)
    june = found["release-2021-06-24-june-2021-sec-release@secbot"]
    assert str(june["SUMMARY"]) == "June 2021 SEC Release"
    assert days(june) == (dt.date(2021, 6, 24), dt.date(2021, 6, 24))
    assert "MP144 " in str(june["DESCRIPTION"])
    assert not any("june-2019-sec-release" in uid for uid in found)  # "No earlier than 27 June 2019": no date


def test_every_event_is_stamped_and_all_day(feed):
    for event in events(feed).values():
        assert event.decoded("DTSTAMP") == dt.datetime(2021, 6, 11, 8, 0, tzinfo=dt.UTC)  # 9:00 in London
        assert type(event.decoded("DTSTART")) is dt.date


def test_uids_are_stable(register, feed):
    assert build_calendar(register) == feed


def test_consultation_windows_are_all_day_from_opening_to_closing(empty_store, tmp_path):
    store = load_consultations(empty_store, tmp_path)
    found = events(build_calendar(Register(store, Clock(LONDON, dt.date(2021, 5, 26)))))
    window = found["refinement-2021-05-10-MP901@secbot"]
    assert days(window) == (dt.date(2021, 5, 10), dt.date(2021, 6, 1))
    assert str(window["SUMMARY"]) == "Refinement Consultation: MP901 'Closes after the bank holiday'"
    assert str(window["URL"]) == "https://example.org/consultations/mp901"
    assert "Use the response form." in str(window["DESCRIPTION"])
    assert days(found["modification_report-2021-05-26-MP902@secbot"]) == (dt.date(2021, 5, 26), dt.date(2021, 6, 16))


def test_one_modification(register):
    found = events(build_calendar(register, "mp 121"))  # as users write it
    assert set(found) == {"working_group-2021-06-02@secbot"}
    assert str(icalendar.Calendar.from_ical(build_calendar(register, "MP121"))["X-WR-CALNAME"]).endswith("MP121")
    assert set(events(build_calendar(register, "MP144"))) == {
        "change_board-2021-05-26@secbot",
        "release-2021-06-24-june-2021-sec-release@secbot",
    }


def test_an_unknown_reference_has_suggestions(register):
    with pytest.raises(UnknownReference) as raised:
        build_calendar(register, "MP999")
    assert "MP099" in raised.value.resolution.suggestions


@pytest.mark.usefixtures("no_proxy")
def test_the_http_route(sample_db_url):
    app = build(Settings(database_url=sample_db_url, today=REPORT_DAY))
    try:
        with running(app) as base:
            whole = requests.get(f"{base}/calendar.ics", timeout=30)
            assert whole.status_code == 200
            assert whole.headers["Content-Type"] == "text/calendar; charset=utf-8"
            assert "working_group-2021-07-07@secbot" in events(whole.content)
            one = requests.get(f"{base}/calendar.ics", params={"ref": "MP161"}, timeout=30)
            assert one.status_code == 200
            assert set(events(one.content)) == {"change_board-2021-05-26@secbot"}
            unknown = requests.get(f"{base}/calendar.ics", params={"ref": "MP999"}, timeout=30)
            assert unknown.status_code == 404
            assert unknown.headers["Content-Type"].startswith("text/plain")
            assert "Did you mean" in unknown.text and "MP099" in unknown.text
    finally:
        app.store.engine.dispose()
