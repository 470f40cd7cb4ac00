"""Dates as SECAS's reports write them ("6th October 2017", "18 June 2021", "10 May 21", "w/c 14 June
2021", "June 2021"), OCR slips in their digits repaired (O, o and Q for 0; l and I for 1), and the
month names they use ("June", "Jun", "Sept")."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))  # a regex alternation: match it ignoring case
_MONTH = rf"(?P<month>{MONTH_NAMES})\.?"
NUM = r"[0-9OoQlI]"  # a digit, or a letter OCR reads in its place
_DAY = re.compile(
    rf"(?<![\w/])(?P<day>{NUM}{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s+(?P<year>{NUM}{{4}}|{NUM}{{2}})(?![\w/])",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"(?<![\w/]){_MONTH}\s+(?P<year>{NUM}{{4}})(?![\w/])", re.IGNORECASE)
_OCR_DIGITS = str.maketrans("OoQlI", "00011")


@dataclass(frozen=True)
class Found:
    day: dt.date
    span: tuple[int, int]


def number(text: str) -> int:
    """Digits as OCR left them (``2O17``, ``l8``) read as the number meant."""
    return int(text.translate(_OCR_DIGITS))


def month_number(name: str) -> int:
    """``June``, ``Jun``, ``Sept.`` → its number; raises ``KeyError`` for anything else."""
    return _MONTHS[name.lower().rstrip(".")]


def _year(text: str) -> int:
    year = number(text)
    return year + 2000 if year < 100 else year


def find_days(text: str) -> list[Found]:
    """Every full date in ``text`` that is a real day, in order."""
    found = []
    for match in _DAY.finditer(text):
        try:
            day = dt.date(_year(match["year"]), _MONTHS[match["month"].lower()], number(match["day"]))
        except ValueError:
            continue
        found.append(Found(day, match.span()))
    return found


def find_months(text: str) -> list[tuple[int, int]]:
    """Every "Month YYYY" in ``text`` that is not part of a full date, as (year, month)."""
    taken = [f.span for f in find_days(text)]
    return [
        (_year(m["year"]), _MONTHS[m["month"].lower()])
        for m in _MONTH_YEAR.finditer(text)
        if not any(start <= m.start() < end for start, end in taken)
    ]
