"""The consultations digest: openings, reminders counted in deadline working days, where to respond.

The bundled sample register dates no consultation window (its consultations are "expected"), so
these tests import a small register around the Spring bank holiday, Monday 31 May 2021
(``tests/support/consultations.py``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from secbot.clock import Clock
from secbot.commands.context import DEFAULT_REGISTER_URL
from secbot.digests.consultations import build_consultations, opening_window
from secbot.digests.document import Period
from secbot.digests.render import render
from secbot.store.queries import Register
from secbot.workdays import report_duration_wd
from tests.support.consultations import load_consultations
from tests.support.dates import LONDON, REPORT_DAY


@pytest.fixture
def digest(empty_store, tmp_path):
    store = load_consultations(empty_store, tmp_path)
    return lambda day, **kw: build_consultations(Register(store, Clock(LONDON, day)), **kw)


def _refs(document, heading):
    section = document.section(heading)
    return [i.reference for i in section.items] if section else []


def test_the_sample_register_has_nothing_to_send(sample_store):
    assert build_consultations(Register(sample_store, Clock(LONDON, REPORT_DAY))) is None


def test_opening_today_closing_in_3_working_days_and_closing_today(digest):
    document = digest(dt.date(2021, 5, 26))
    assert document.title == "Consultations – 26 May 2021"
    assert document.kind == "consultations" and document.period == Period(dt.date(2021, 5, 26), dt.date(2021, 5, 26))
    assert [s.heading for s in document.sections] == ["Opening today", "Closing in 3 working days", "Closing today"]
    assert _refs(document, "Opening today") == ["MP902"]
    assert _refs(document, "Closing in 3 working days") == ["MP901"]
    assert _refs(document, "Closing today") == ["MP903"]
    opening = document.section("Opening today").items[0]
    assert opening.text == "MP902 'Report with a SECAS page'"
    assert opening.detail == (
        "Modification Report Consultation: open, closes 16 June 2021 — 14 working days left. "
        "Respond: https://www.smartenergycodecompany.co.uk/modifications/mp902/"
    )


def test_the_reminder_counts_deadline_working_days_not_weekdays(digest):
    # MP901 closes on Tuesday 1 June 2021, after the bank holiday on Monday 31 May.
    closes = dt.date(2021, 6, 1)
    wednesday, thursday = dt.date(2021, 5, 26), dt.date(2021, 5, 27)
    # A weekday count (bank holidays not removed) would remind on Thursday, with 3 weekdays left...
    assert report_duration_wd(thursday + dt.timedelta(days=1), closes) == 3
    # ...but Monday is a bank holiday: the 3-working-day reminder is on Wednesday, and Thursday has none.
    item = digest(wednesday).section("Closing in 3 working days").items[0]
    assert item.detail == (
        "Refinement Consultation: open, closes 1 June 2021 — 3 working days left. Use the response form. "
        "Respond: https://example.org/consultations/mp901"
    )
    assert digest(thursday) is None


def test_reminder_days_is_a_parameter(digest):
    document = digest(dt.date(2021, 5, 27), reminder_days=5)
    assert [s.heading for s in document.sections] == ["Closing in 5 working days"]
    assert _refs(document, "Closing in 5 working days") == ["MP905"]


def test_after_a_weekend_and_bank_holiday_openings_since_the_last_working_day(digest):
    assert opening_window(dt.date(2021, 6, 1)) == Period(dt.date(2021, 5, 29), dt.date(2021, 6, 1))
    document = digest(dt.date(2021, 6, 1))
    assert [s.heading for s in document.sections] == [
        "Opened since Friday 28 May 2021",
        "Closing in 3 working days",
        "Closing today",
    ]
    assert _refs(document, "Opened since Friday 28 May 2021") == ["MP904"]
    assert _refs(document, "Closing in 3 working days") == ["MP905"]  # Wed, Thu, Fri: it closes on a Saturday
    assert _refs(document, "Closing today") == ["MP901"]
    assert document.section("Closing today").items[0].detail == (
        "Refinement Consultation: closes today. Use the response form. Respond: https://example.org/consultations/mp901"
    )


def test_a_saturday_close_is_reminded_on_the_friday(digest):
    item = digest(dt.date(2021, 6, 4)).section("Closing today").items[0]
    assert item.reference == "MP905"
    assert item.detail.startswith(
        "Refinement Consultation: closes on Saturday 5 June 2021, before the next working day. Respond: "
    )


def test_without_links_the_register_is_where_to_respond(digest):
    item = digest(dt.date(2021, 5, 26)).section("Closing today").items[0]
    assert item.detail == f"Refinement Consultation: closes today. Respond: {DEFAULT_REGISTER_URL}"


def test_days_that_are_not_working_days_send_nothing(digest):
    assert digest(dt.date(2021, 5, 29)) is None  # a Saturday, though MP904 opens that day
    assert digest(dt.date(2021, 5, 31)) is None  # the bank holiday


def test_markdown_and_html(digest):
    document = digest(dt.date(2021, 6, 1))
    markdown = render(document, "md")
    assert markdown.startswith(
        "# Consultations – 1 June 2021\n\nAs of 1 June 2021, with the consultations opened from 29 May 2021.\n"
    )
    closing = "## Closing today\n\n- MP901 'Closes after the bank holiday' — Refinement Consultation: closes today."
    assert closing in markdown
    assert markdown.rstrip().endswith("Working days exclude weekends and England and Wales bank holidays.")
    html = render(document, "html")
    assert "<h2" in html and "https://example.org/consultations/mp901" in html
