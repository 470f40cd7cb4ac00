"""The two day-count rules, named and kept together so that nobody mixes them up.

* ``report_duration_wd`` — how SECAS's Change Status Reports count DCC assessment durations:
  Monday to Friday, both ends inclusive, bank holidays *not* removed (Excel ``NETWORKDAYS``
  without a holiday list). Open assessments run to the last day of the reporting month. A duration
  that cannot be counted (a date missing, or an end before the start) is ``None``, never 0;
  ``report_average_wd`` averages the known ones as the reports do and says how many it left out.
* ``deadline_working_days_between`` / ``add_deadline_working_days`` — the working days people act
  on ("closes in 3 working days"): weekends and England & Wales bank holidays excluded, using the
  ``holidays`` package (GB, subdivision ENG).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

_ONE_DAY = dt.timedelta(days=1)


def _weekdays_before(day: dt.date) -> int:
    """Monday–Friday days strictly before ``day``, counted from a fixed Monday epoch."""
    ordinal = day.toordinal() - dt.date(1, 1, 1).toordinal()  # 0001-01-01 was a Monday
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def report_duration_wd(start: dt.date | None, end: dt.date | None) -> int | None:
    """Monday–Friday days from ``start`` to ``end`` inclusive (SECAS report rule).

    ``None`` — unknown, not zero — when either date is missing or ``end`` is before ``start``.
    """
    if start is None or end is None or end < start:
        return None
    return _weekdays_before(end + _ONE_DAY) - _weekdays_before(start)


class ReportAverage(NamedTuple):
    """A report average in working days: ``value`` is ``None`` when no duration is known."""

    value: int | None
    left_out: int  # durations not known, so not averaged


def report_average_wd(durations: Iterable[int | None]) -> ReportAverage:
    """The mean of the known durations rounded half up to a whole day, as the reports average them.

    Unknown durations (``None``) are left out and counted, never taken as 0.
    """
    durations = list(durations)
    known = [d for d in durations if d is not None]
    value = int(sum(known) / len(known) + 0.5) if known else None
    return ReportAverage(value, len(durations) - len(known))


def end_of_previous_month(day: dt.date) -> dt.date:
    """The last day of the month before ``day``: the end of the period a monthly report covers."""
    return day.replace(day=1) - _ONE_DAY


def twelve_months_to(end: dt.date) -> dt.date:
    """The first day of the 12 months that end on ``end``, the last day of a month: 1 January 2019 for
    31 December 2019, 1 July 2020 for 30 June 2021."""
    after = end + _ONE_DAY
    return after.replace(year=after.year - 1)


def end_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    import holidays  # here, not at the top: most answers count no deadline days, and it is slow to import

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: dt.date) -> bool:
    return day in _bank_holidays(day.year)


def is_deadline_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def deadline_working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start).

    "Closes in N working days": from today (not counted) to the closing day (counted).
    """
    count, day = 0, start
    while day < end:
        day += _ONE_DAY
        if is_deadline_working_day(day):
            count += 1
    return count


def add_deadline_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (negative goes backwards)."""
    step = _ONE_DAY if days >= 0 else -_ONE_DAY
    remaining, day = abs(days), start
    while remaining:
        day += step
        if is_deadline_working_day(day):
            remaining -= 1
    return day


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` months before ``day`` (the month's last day when shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
