"""How dates and counts read in answers: "7 May 2021", "1 modification", "3 working days"."""

from __future__ import annotations

import datetime as dt
import re

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def long_date(day: dt.date | None, missing: str = "date to be confirmed") -> str:
    return f"{day.day} {day:%B %Y}" if day else missing


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural_form or word + 's')}"


def quoted_title(reference: str, title: str | None) -> str:
    return f"{reference} '{title}'" if title else reference


def readable(value: str) -> str:
    """A stored value as people read it: ISO dates (how changes keep them as JSON) as "7 December 2026"."""
    if _ISO_DAY.match(value):
        return long_date(dt.date.fromisoformat(value))
    return value
