"""What an import reports: ``ImportFailed`` when nothing was imported, ``ImportResult`` when it ran.

``ImportResult`` counts, per table, the rows (by natural key) that were added, updated or
unchanged (``TableCounts``) and renders the one-paragraph summary the CLI and the chat show.
``TABLE_ORDER`` is the order tables are applied in and shown in summaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from secbot.formatting import agreeing

MAX_ERRORS = 20

# Each problem is shown as one line: what a file's name or a YAML parser's message might carry that
# would break the line, or the terminal, is written as an escape instead.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def one_line(text: str) -> str:
    return _UNPRINTABLE.sub(lambda found: repr(found.group())[1:-1], text)


# The order tables are applied in (parents first) and shown in summaries.
TABLE_ORDER = (
    "sources",
    "modifications",
    "conversions",
    "events",
    "meetings",
    "agenda_items",
    "consultations",
    "assessments",
    "votes",
    "decisions",
    "releases",
    "release_scope",
)
_DISPLAY = {"agenda_items": "agenda items", "release_scope": "release scope"}


class ImportFailed(Exception):
    """Nothing was imported. ``errors`` has one line per problem (at most ``MAX_ERRORS``)."""

    def __init__(self, errors: list[str]):
        errors = [one_line(error) for error in errors]
        self.errors = errors[:MAX_ERRORS]
        self.total = len(errors)
        self._all = errors
        lines = list(self.errors)
        if self.total > len(self.errors):
            lines.append(f"... and {self.total - len(self.errors)} more errors")
        super().__init__("\n".join(lines))

    def __reduce__(self):  # survive pickling (multiprocessing, task queues) with its lines intact
        return (type(self), (self._all,))


@dataclass
class TableCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def text(self) -> str:
        parts = [
            f"{n} {word}"
            for n, word in ((self.added, "added"), (self.updated, "updated"), (self.unchanged, "unchanged"))
            if n
        ]
        return ", ".join(parts) or "nothing"


@dataclass
class ImportResult:
    """What an import did. ``counts`` has one entry per table the files gave rows for; a row (by
    natural key) is added, updated or unchanged."""

    names: list[str]
    counts: dict[str, TableCounts] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    changed: bool = False
    revision: int = 0

    def count(self, table: str) -> TableCounts:
        return self.counts.get(table, TableCounts())

    @property
    def added(self) -> int:
        return sum(c.added for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    def summary_text(self) -> str:
        names = ", ".join(self.names) or "nothing"
        if not self.changed:
            verb = agreeing(len(self.names), "matches", "match")
            lines = [f"No changes: {names} {verb} the register (revision {self.revision})."]
        else:
            tables = "; ".join(
                f"{_DISPLAY.get(table, table)} {self.counts[table].text()}"
                for table in TABLE_ORDER
                if table in self.counts
            )
            lines = [f"Imported {names}: {tables}. The register is now at revision {self.revision}."]
        lines.extend(f"Warning: {warning}" for warning in self.warnings)
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "files": self.names,
            "counts": {t: vars(c).copy() for t, c in self.counts.items()},
            "warnings": list(self.warnings),
            "changed": self.changed,
            "revision": self.revision,
        }
