"""How dates and counts read in answers: "7 May 2021", "1 modification", "3 working days"."""

from __future__ import annotations

import datetime as dt


def long_date(day: dt.date | None, missing: str = "date to be confirmed") -> str:
    return f"{day.day} {day:%B %Y}" if day else missing


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural_form or word + 's')}"


def quoted_title(reference: str, title: str | None) -> str:
    return f"{reference} '{title}'" if title else reference
