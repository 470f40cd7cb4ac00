"""The ``source`` block of an ingested report: its key (``CSR-2021-06``, ``MRSR-2017-10``,
``SECUPDATE-2017-05``), title, paper reference and issue day, as the register's sample files write them."""

from __future__ import annotations

import calendar
import re

from secbot.ingest.days import find_months
from secbot.ingest.document import Document

# Report kind → the key prefix the register uses for it.
PREFIXES = {
    "change-status-report": "CSR",
    "modification-release-status-report": "MRSR",
    "modification-status-report": "MSR",
    "sec-update": "SECUPDATE",
}
_AUDIENCE = re.compile(r"\binform the (?P<panel>(?:[A-Z][\w&-]*\s+){0,3}Panel)\b")


def _month(doc: Document) -> tuple[int, int] | None:
    """The month the report is for: the one its title names, else the month it was issued."""
    if doc.title:
        months = find_months(doc.title)
        if months:
            return months[-1]
    if doc.issued:
        return doc.issued.year, doc.issued.month
    return None


def source(doc: Document) -> dict:
    """The source row, or an empty dict for a report whose kind or month cannot be told."""
    month = _month(doc)
    prefix = PREFIXES.get(doc.kind)
    if not prefix or not month or not doc.title:
        return {}
    year, number = month
    title = doc.title
    if not find_months(title):
        # A paper without a month in its title ("Smart Energy Code (SEC) Update"): say who it was for, and when.
        audience = next((m["panel"] for line in doc.lines[:40] if (m := _AUDIENCE.search(line.text))), None)
        when = f"{calendar.month_name[number]} {year}"
        title = f"{title} – paper to the {audience}, {when}" if audience else f"{title} – {when}"
    row = {"key": f"{prefix}-{year}-{number:02d}", "title": title, "paper_reference": doc.paper_reference}
    row["issued"] = doc.issued
    return row
