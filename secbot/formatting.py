"""How dates and counts read in answers: "7 May 2021", "1 modification", "3 working days", "23 WD"."""

from __future__ import annotations

import datetime as dt
import re

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

UNKNOWN = "—"  # a value that cannot be given (a duration not counted): never shown as 0


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


def wd(days: int | None) -> str:
    """A duration in working days: "23 WD", or "—" when it is not known (never "0 WD")."""
    return f"{days} WD" if days is not None else UNKNOWN


def average_wd(average: int | None, left_out: int) -> str:
    """An average duration: "23 WD (2 without a known duration left out)", or "—" when none is known."""
    if average is None:
        return UNKNOWN
    return f"{average} WD" + (f" ({left_out} without a known duration left out)" if left_out else "")


def target_clause(target: int | None) -> str:
    """How a duration's target follows it: " against a 40 WD target", or ", target —" when not known."""
    return f" against a {target} WD target" if target is not None else f", target {UNKNOWN}"
