"""Dates and months as users type them: "7 July 2021", "2021-07-07", "7/7/21", "June 2021", "jun 21"."""

from __future__ import annotations

import datetime as dt

_DAY_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d %B %Y",
    "%d %b %Y",
    "%d %B %y",
    "%d %b %y",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%d %B, %Y",
)
_MONTH_FORMATS = ("%B %Y", "%b %Y", "%B %y", "%b %y", "%Y-%m", "%m/%Y")


def _clean(text: str) -> str:
    text = " ".join(text.replace(",", " ").split())
    for suffix in ("st ", "nd ", "rd ", "th "):  # 1st June 2021
        for digit in "0123456789":
            text = text.replace(f"{digit}{suffix}", f"{digit} ")
    return text


def parse_day(text: str, today: dt.date | None = None) -> dt.date | None:
    cleaned = _clean(text).lower()
    if today and cleaned == "today":
        return today
    if today and cleaned == "tomorrow":
        return today + dt.timedelta(days=1)
    for fmt in _DAY_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def parse_month(text: str) -> tuple[int, int] | None:
    cleaned = _clean(text)
    for fmt in _MONTH_FORMATS:
        try:
            parsed = dt.datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return parsed.year, parsed.month
    return None


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def month_name(year: int, month: int) -> str:
    return dt.date(year, month, 1).strftime("%B %Y")
