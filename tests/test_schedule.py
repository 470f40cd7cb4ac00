"""Digest schedules in Europe/London: across both 2026 clock changes, on working days, by the Panel rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secbot.digests.kinds import KINDS
from secbot.digests.schedule import (
    DEFAULTS,
    PANEL_RULE,
    Schedule,
    ScheduleError,
    due_times,
    friday_a_week_before,
    load_schedules,
    period,
    period_start,
)
from tests.support.files import write

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
CONFIG = Path(__file__).resolve().parent.parent / "config" / "schedules.yaml"


def window(start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """From the start of the first day to the end of the last, in London."""
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return (
        dt.datetime.combine(first, dt.time(0), LONDON),
        dt.datetime.combine(last, dt.time(23, 59, 59), LONDON),
    )


def utc(moments: list[dt.datetime]) -> list[str]:
    return [m.astimezone(UTC).strftime("%a %d %b %H:%M") for m in moments]


def test_the_shipped_file_is_the_defaults():
    assert load_schedules(CONFIG) == load_schedules(None)


def test_no_default_falls_in_the_clock_change_hour():
    for kind, schedule in load_schedules(None).items():
        assert not 1 <= int(schedule.cron["hour"]) < 2, kind


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Clocks go forward on Sunday 29 March 2026: 09:00 London is 09:00 UTC, then 08:00 UTC.
        ("2026-03-20", "2026-04-01", ["Mon 23 Mar 09:00", "Mon 30 Mar 08:00"]),
        # Clocks go back on Sunday 25 October 2026: 09:00 London is 08:00 UTC, then 09:00 UTC.
        ("2026-10-16", "2026-10-28", ["Mon 19 Oct 08:00", "Mon 26 Oct 09:00"]),
    ],
)
def test_agenda_is_monday_nine_in_london_across_clock_changes(start, end, expected):
    schedules = load_schedules(None)
    moments = due_times(schedules["agenda"], LONDON, *window(start, end))
    assert utc(moments) == expected
    assert all(m.astimezone(LONDON).hour == 9 for m in moments)


def test_consultations_fire_on_working_days_only_across_easter_and_the_spring_change():
    schedules = load_schedules(None)
    moments = due_times(schedules["consultations"], LONDON, *window("2026-03-26", "2026-04-08"))
    # Good Friday 3 April and Easter Monday 6 April 2026 are bank holidays; weekends are skipped.
    assert utc(moments) == [
        "Thu 26 Mar 09:00",
        "Fri 27 Mar 09:00",
        "Mon 30 Mar 08:00",
        "Tue 31 Mar 08:00",
        "Wed 01 Apr 08:00",
        "Thu 02 Apr 08:00",
        "Tue 07 Apr 08:00",
        "Wed 08 Apr 08:00",
    ]


def test_consultations_across_the_autumn_change():
    moments = due_times(load_schedules(None)["consultations"], LONDON, *window("2026-10-22", "2026-10-27"))
    assert utc(moments) == ["Thu 22 Oct 08:00", "Fri 23 Oct 08:00", "Mon 26 Oct 09:00", "Tue 27 Oct 09:00"]


def test_monthly_is_the_friday_a_week_before_panel():
    assert friday_a_week_before(dt.date(2026, 11, 20)) == dt.date(2026, 11, 13)  # Panel on a Friday
    assert friday_a_week_before(dt.date(2026, 11, 18)) == dt.date(2026, 11, 6)  # Panel on a Wednesday
    panels = [dt.date(2026, 3, 20), dt.date(2026, 4, 17), dt.date(2026, 10, 30)]

    def next_panel(day: dt.date) -> dt.date | None:
        return next((p for p in panels if p >= day), None)

    monthly = load_schedules(None)["monthly"]
    spring = due_times(monthly, LONDON, *window("2026-03-01", "2026-04-30"), next_panel=next_panel)
    autumn = due_times(monthly, LONDON, *window("2026-10-01", "2026-10-31"), next_panel=next_panel)
    # 13 March and 10 April straddle the spring change; 23 October is the last Friday before the autumn one.
    assert utc(spring) == ["Fri 13 Mar 09:00", "Fri 10 Apr 08:00"]
    assert utc(autumn) == ["Fri 23 Oct 08:00"]
    assert due_times(monthly, LONDON, *window("2026-05-01", "2026-06-30"), next_panel=lambda _d: None) == []


def test_periods_name_one_issue_per_day_week_or_month():
    moment = dt.datetime(2026, 11, 23, 9, tzinfo=LONDON)
    assert period("consultations", moment, LONDON) == "2026-11-23"
    assert period("agenda", moment, LONDON) == "2026-W48"
    assert period("monthly", moment, LONDON) == "2026-11"
    # Late on a Sunday in UTC is still that Sunday in London in winter, but Monday in summer.
    late = dt.datetime(2026, 6, 28, 23, 30, tzinfo=UTC)
    assert period("consultations", late, LONDON) == "2026-06-29"
    # And back: the first day of each issue's period (resuming an outbox post without its run recorded).
    assert [period_start(i) for i in ("2026-11-23", "2026-W48", "2026-11")] == [
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 1),
    ]


def test_a_schedules_file_overrides_one_digest(tmp_path):
    path = write(
        tmp_path / "schedules.yaml",
        """
        digests:
          agenda:
            cron: {day_of_week: tue, hour: 10, minute: 30}
        """,
    )
    schedules = load_schedules(path)
    assert schedules["agenda"] == Schedule("agenda", {"day_of_week": "tue", "hour": 10, "minute": 30})
    assert schedules["monthly"].rule == PANEL_RULE == DEFAULTS["monthly"]["rule"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("digests:\n  newsletter:\n    cron: {hour: 9}\n", "unknown digest 'newsletter'"),
        ("digests:\n  agenda:\n    rule: every-full-moon\n", "unknown rule"),
        ("digests:\n  agenda:\n    cron: {hour: 27}\n", "agenda"),
        ("digests:\n  agenda: {}\n", "give `cron:`"),
    ],
)
def test_a_wrong_schedules_file_names_the_file_and_digest(tmp_path, text, message):
    path = tmp_path / "schedules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleError, match=message) as raised:
        load_schedules(path)
    assert str(path) in str(raised.value)


@given(day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_kind_names_an_issue_for_each_day_and_reads_it_back_as_a_period_holding_that_day(day):
    due = dt.datetime.combine(day, dt.time(9), LONDON)
    for name, kind in KINDS.items():
        issue = period(name, due, LONDON)
        first, last = kind.issues.span(issue)
        assert first <= day <= last and period_start(issue) == first
        assert kind.issues.span(issue + "0") is None  # not an issue of that kind


def test_every_kind_has_a_valid_default_schedule_and_a_help_line():
    schedules = load_schedules(None)
    assert set(schedules) == set(KINDS) == set(DEFAULTS)
    for name, kind in KINDS.items():
        assert kind.about and schedules[name].kind == name
