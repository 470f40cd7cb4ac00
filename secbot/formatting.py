"""How dates and counts read in answers: "7 May 2021", "1 modification", "3 working days", "23 WD", and
whether a dated thing is told as done or to come ("announced on …" / "to be announced on …")."""

from __future__ import annotations

import datetime as dt
import re

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

UNKNOWN = "—"  # a value that cannot be given (a duration not counted): never shown as 0


def long_date(day: dt.date | None, missing: str = "date to be confirmed") -> str:
    return f"{day.day} {day:%B %Y}" if day else missing


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    """A count and its noun: "1 modification", "2 modifications", "0 entries" (``plural_form``)."""
    return f"{count} {agreeing(count, word, plural_form or word + 's')}"


def agreeing(count: int, one: str, many: str) -> str:
    """The word that agrees with ``count`` without the count: a verb or pronoun after ``plural``
    ("1 modification matches", "2 were left out: … includes them")."""
    return one if count == 1 else many


def on_day(day: dt.date, today: dt.date, done: str, to_come: str) -> str:
    """``done`` or ``to_come`` (as ``day`` is today or before it, or after it) "on 23 June 2021":
    "announced on …" / "to be announced on …", counted from the register's today, not the wall clock."""
    return f"{done if day <= today else to_come} on {long_date(day)}"


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
