"""The platform-neutral digest document: data, not text.

Items and tables are the ``secbot.replies`` ones, so a digest section and a reply share their parts.

A ``Document`` is what a digest builder returns (title, as-of date, reporting period and sections of
paragraphs, items, tables and chart data); ``secbot.digests.render`` turns it into Markdown or HTML,
as ``secbot.replies.Reply`` is turned into chat messages by each door.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from secbot.replies import Item, Table  # the same list items and tables as chat replies


@dataclass(frozen=True)
class Period:
    """The days a digest reports on, both ends inclusive."""

    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """The period in words: "May 2021" for a whole calendar month, else "1 May 2021 to 11 June 2021"."""
        whole_month = self.start.day == 1 and (self.end + dt.timedelta(days=1)).day == 1
        if whole_month and (self.start.year, self.start.month) == (self.end.year, self.end.month):
            return f"{self.start:%B %Y}"
        return f"{self.start.day} {self.start:%B %Y} to {self.end.day} {self.end:%B %Y}"


@dataclass
class Chart:
    """A bar chart's data; renderers draw it, and the same numbers always appear as text too."""

    title: str
    labels: list[str]
    values: list[int]


@dataclass
class Section:
    """Rendered in this order: heading, paragraphs, chart, items, tables, then subsections."""

    heading: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: Chart | None = None
    subsections: list[Section] = field(default_factory=list)


@dataclass
class Document:
    title: str
    as_of: dt.date
    period: Period
    sections: list[Section] = field(default_factory=list)
    kind: str = "monthly"  # names the templates: ``<kind>.md.j2``, ``<kind>.html.j2``
    notes: list[str] = field(default_factory=list)  # footnotes: counting rules, sources
    # Where the Markdown and HTML link each modification named in an item: its SECAS page, else the register.
    links: dict[str, str] = field(default_factory=dict)
    register_url: str | None = None

    def link(self, reference: str | None) -> str | None:
        """Where the item about ``reference`` links: an http(s) address with a host, or nothing."""
        if not reference:
            return None
        for url in (self.links.get(reference), self.register_url):
            if url and (parts := urlsplit(url)).scheme in ("http", "https") and parts.netloc:
                return url
        return None

    def references(self) -> set[str]:
        """Every modification an item of the document names."""
        found: set[str] = set()
        stack = list(self.sections)
        while stack:
            section = stack.pop()
            found.update(item.reference for item in section.items if item.reference)
            stack.extend(section.subsections)
        return found

    def section(self, heading: str) -> Section | None:
        return next((s for s in self.sections if s.heading == heading), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
