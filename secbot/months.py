"""A month named in words inside free text ("late October 2017", "Q3: September 2021"), for facts the
register keeps as text because the report gave no day."""

from __future__ import annotations

import calendar
import re

_NUMBERS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_NUMBERS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_MONTH_YEAR = re.compile(
    r"\b(?P<month>" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")\.?,?\s+(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


def month_in(text: str | None) -> tuple[int, int] | None:
    """The first "Month YYYY" in ``text`` as (year, month), or None."""
    found = _MONTH_YEAR.search(text or "")
    return (int(found["year"]), _NUMBERS[found["month"].lower()]) if found else None
