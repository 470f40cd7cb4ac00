"""Dates and months as users type them: "7 July 2021", "2021-07-07", "7/7/21", "June 2021", "jun 21",
"18 June", "last month", "November"."""

from __future__ import annotations

import datetime as dt
import re

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


_ORDINAL_OF = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+of\s+", re.IGNORECASE)  # "the 1st of October"
_SEPT = re.compile(r"\bsept\b\.?", re.IGNORECASE)  # strptime knows "Sep" only


_START_OF = re.compile(r"^(?:the\s+)?(?:start|beginning)\s+of\s+(?:the\s+)?", re.IGNORECASE)
_NEW_YEAR = re.compile(r"^(?:the\s+)?new\s+year(?:'s(?:\s+day)?)?(?:\s+(?P<year>(?:19|20)\d\d))?$", re.IGNORECASE)
_MID = re.compile(r"^mid[\s-]+", re.IGNORECASE)  # "mid-May 2017": its 15th


def _clean(text: str) -> str:
    text = " ".join(text.replace(",", " ").split())
    text = _MID.sub("15 ", text)
    text = _SEPT.sub("Sep", _ORDINAL_OF.sub(r"\1 ", text))
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


_MONTH_NAMES = {
    name: number
    for number in range(1, 13)
    for name in (dt.date(2000, number, 1).strftime("%B").lower(), dt.date(2000, number, 1).strftime("%b").lower())
}


def parse_as_of(text: str, today: dt.date) -> dt.date | None:
    """The day "as of <text>" means, relative to ``today``: a day ("7 Feb 2020", "2020-02-07", "yesterday"),
    or the last day of a month ("June 2021", "the end of May 2017", "last March", "March", "last month")
    or of a year ("2017"),
    never later than ``today`` for the month or year ``today`` is in. None when it is not a date."""
    cleaned = _clean(text).lower().removeprefix("the ").removeprefix("end of ").strip()
    if cleaned == "yesterday":
        return today - dt.timedelta(days=1)
    if _START_OF.match(cleaned) or _NEW_YEAR.match(cleaned):  # "the start of Nov 2017", "new year 2018"
        first = first_day_of(cleaned, today)
        return min(first, today) if first else None
    day = parse_day(cleaned, today)
    if day is not None:
        return day
    without_year = _day_without_year(cleaned.replace(" of ", " "), today)
    if without_year is not None:
        return without_year
    if cleaned == "last month":
        return today.replace(day=1) - dt.timedelta(days=1)
    if cleaned == "last year":
        return dt.date(today.year - 1, 12, 31)
    relative = _relative_named_month(cleaned, today)
    if relative is not None:  # "last March": the latest before this month; "August last year"
        return min(month_bounds(*relative)[1], today)
    month = _MONTH_NAMES.get(cleaned)
    if month is not None:  # the latest such month, this one included
        year = today.year if month <= today.month else today.year - 1
        return min(month_bounds(year, month)[1], today)
    parsed = parse_month(cleaned)
    if parsed is not None:
        return min(month_bounds(*parsed)[1], today)
    if cleaned.isdigit() and len(cleaned) == 4:
        return min(dt.date(int(cleaned), 12, 31), today)
    return None


def first_day_of(text: str, today: dt.date) -> dt.date | None:
    """The first day of the month or year ``text`` names, relative to ``today``: "May" (the latest May),
    "May 2017", "last month", "2019", "new year", "new year 2018", "the start of Nov 2017"; None for a day
    or anything else."""
    cleaned = _START_OF.sub("", _clean(text).lower()).strip()
    if cleaned == "year":  # "the start of the year"
        return dt.date(today.year, 1, 1)
    if new_year := _NEW_YEAR.match(cleaned):
        return dt.date(int(new_year["year"] or today.year), 1, 1)
    if cleaned.isdigit() and len(cleaned) == 4:
        return dt.date(int(cleaned), 1, 1)
    if cleaned[:1].isdigit():  # a day, not a month
        return None
    month = parse_month_phrase(cleaned, today)
    return dt.date(*month, 1) if month else None


def parse_day_without_year(text: str, today: dt.date) -> dt.date | None:
    """ "18 June", "2 jun": that day in the year nearest ``today`` (a meeting is asked about just before
    or after it)."""
    cleaned = _clean(text).lower().replace(" of ", " ")
    for fmt in ("%d %B", "%d %b"):
        try:
            parsed = dt.datetime.strptime(f"{cleaned} 2000", f"{fmt} %Y").date()
        except ValueError:
            continue
        days = []
        for year in (today.year - 1, today.year, today.year + 1):
            try:
                days.append(parsed.replace(year=year))
            except ValueError:  # 29 February in a year without it
                continue
        return min(days, key=lambda day: abs((day - today).days)) if days else None
    return None


_NAMED_RELATIVE = re.compile(
    r"^(?:(?P<which>last|this|next|latest)\s+(?P<month>[a-z]+)|(?P<named>[a-z]+)\s+(?P<year>last|this|next)\s+year)$"
)


def _relative_named_month(cleaned: str, today: dt.date) -> tuple[int, int] | None:
    """ "August last year", "March this year", "last March" (the latest before this month), "latest June" (this
    month included: what "went in the June release" asks about), "next May"."""
    found = _NAMED_RELATIVE.match(cleaned)
    number = _MONTH_NAMES.get(found["month"] or found["named"]) if found else None
    if found is None or number is None:
        return None
    if found["year"]:
        return today.year + {"last": -1, "this": 0, "next": 1}[found["year"]], number
    if found["which"] == "last":
        return (today.year if number < today.month else today.year - 1), number
    if found["which"] == "latest":
        return (today.year if number <= today.month else today.year - 1), number
    if found["which"] == "next":
        return (today.year if number > today.month else today.year + 1), number
    return today.year, number


def parse_month_phrase(text: str, today: dt.date, *, ahead: bool | None = False) -> tuple[int, int] | None:
    """A month as (year, month): "June 2021", "jun 21", "last month", "this month", "next month", or a
    month's name alone: the latest such month up to this one, with ``ahead`` the next from this one
    (a release is asked about before it happens, a decision after), with ``ahead=None`` the nearest
    (a meeting is asked about just before or after it)."""
    cleaned = _clean(text).lower().removeprefix("in ").removeprefix("the ").strip()
    if cleaned in ("this month", "last month", "next month", "previous month"):
        shift = {"this month": 0, "last month": -1, "previous month": -1, "next month": 1}[cleaned]
        index = today.year * 12 + today.month - 1 + shift
        return index // 12, index % 12 + 1
    relative = _relative_named_month(cleaned, today)
    if relative is not None:
        return relative
    number = _MONTH_NAMES.get(cleaned)
    if number is not None:
        if ahead is None:
            years = (today.year - 1, today.year, today.year + 1)
            return min(
                ((year, number) for year in years), key=lambda m: abs((m[0] - today.year) * 12 + m[1] - today.month)
            )
        if ahead:
            return (today.year if number >= today.month else today.year + 1), number
        return (today.year if number <= today.month else today.year - 1), number
    return parse_month(cleaned)


def _day_without_year(text: str, today: dt.date) -> dt.date | None:
    """ "7 Feb", "1 June": that day in the latest year that does not put it after ``today``."""
    for fmt in ("%d %B", "%d %b"):
        try:
            parsed = dt.datetime.strptime(f"{text} 2000", f"{fmt} %Y").date()  # 2000: 29 February parses
        except ValueError:
            continue
        for year in (today.year, today.year - 1, today.year - 2, today.year - 3, today.year - 4):
            try:
                day = parsed.replace(year=year)
            except ValueError:  # 29 February in a year without it
                continue
            if day <= today:
                return day
    return None
