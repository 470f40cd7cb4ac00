"""What importing files would change, worked out without changing anything.

The import runs as ``import_paths`` runs it, in a transaction that is always rolled back; the register's
rows (``export_rows``, by table and natural key) before and after are compared. What a row gains or
loses is a ``Difference``; ``lines`` words them for people ("+ DP166 'Adverse Weather …' (Define ·
Draft Proposal)", "~ MP161: status Refinement → Awaiting Authority Decision"). ``secbot ingest
--apply`` prints them after importing, and a report sent in chat shows them before Confirm.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secbot.formatting import long_date
from secbot.store.db import Store
from secbot.store.export import export_rows, merge_fields
from secbot.store.importer import apply, limits
from secbot.store.importer.loader import validated
from secbot.store.importer.results import TABLE_ORDER, ImportFailed
from secbot.vocabulary import ASSESSMENT_KINDS, CONSULTATION_KINDS, MEETING_KINDS, VOTE_OUTCOMES

# Fields too long to show before and after: said to have changed.
_LONG = frozenset({"issue_summary", "solution_summary", "latest_update", "note", "text", "conditions"})
_LABELS = {
    "sources": "source",
    "modifications": "",
    "conversions": "conversion",
    "events": "event",
    "meetings": "meeting",
    "agenda_items": "agenda item",
    "consultations": "consultation",
    "assessments": "DCC assessment",
    "votes": "Change Board vote",
    "decisions": "Authority decision",
    "releases": "release",
    "release_scope": "release scope",
}


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple
    before: dict[str, Any] | None  # None: a row the register does not hold yet
    after: dict[str, Any]

    @property
    def changed(self) -> dict[str, tuple[Any, Any]]:
        before = self.before or {}
        return {
            name: (before.get(name), value)
            for name, value in self.after.items()
            if before.get(name) != value and value not in (None, [], "")
        }


@dataclass
class Preview:
    differences: list[Difference] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, tuple[int, int]]:
        """Per table, in the importer's order: (rows new, rows changed)."""
        new = Counter(d.table for d in self.differences if d.before is None)
        changed = Counter(d.table for d in self.differences if d.before is not None)
        return {t: (new[t], changed[t]) for t in TABLE_ORDER if new[t] or changed[t]}

    def summary(self) -> str:
        if not self.differences:
            return "Nothing in the register would change."
        parts = []
        for table, (new, changed) in self.counts.items():
            said = " and ".join(part for part in (new and f"{new} new", changed and f"{changed} changed") if part)
            parts.append(f"{table.replace('_', ' ')}: {said}")
        return "; ".join(parts) + "."

    def lines(self) -> list[str]:
        """One line per row that would be added or changed, in the importer's order."""
        return [_line(d) for d in self.differences]


def preview(store: Store, paths: list[Path], *, max_mb: float = limits.DEFAULT_MAX_MB) -> Preview:
    """What importing ``paths`` would change; ``ImportFailed`` as ``import_paths`` raises it. Nothing is written."""
    read = validated(store, paths, max_mb=max_mb, relative_to=Path(paths[0]).parent if paths else None)
    session = store.sessions()
    try:
        session.begin()
        apply.lock(session)
        before = _rows(session)
        applier = apply.Applier(session, read.plan)
        applier.run()
        if applier.errors:
            raise ImportFailed(applier.errors)
        session.flush()
        after = _rows(session)
    finally:
        session.rollback()
        session.close()
    order = {table: n for n, table in enumerate(TABLE_ORDER)}
    differences = [
        Difference(table, key, before.get((table, key)), fields)
        for (table, key), fields in after.items()
        if table != "sources" or (table, key) not in before
    ]
    differences = [d for d in differences if d.before is None or d.changed]
    # table by table; within one, what the register holds that would change before what it would gain
    differences.sort(key=lambda d: (order.get(d.table, len(order)), d.before is None, _sortable(d.key)))
    return Preview(differences, read.warnings)


def _rows(session) -> dict[tuple[str, tuple], dict[str, Any]]:
    """The register's rows by (table, natural key), each source's rows of one key merged."""
    rows: dict[tuple[str, tuple], dict[str, Any]] = {}
    for row in export_rows(session, keep_refused=True):
        key = (row.table, row.key)
        rows[key] = merge_fields(rows[key], row.fields) if key in rows else dict(row.fields)
    return rows


def _sortable(key: tuple) -> tuple:
    return tuple(str(part) for part in key)


def _shown(value: Any) -> str:
    if isinstance(value, dt.date):
        return long_date(value)
    if isinstance(value, str):
        try:
            return long_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    return str(value)


def _named(table: str, key: tuple) -> str:
    """A row's natural key as people say it: "MP161", "Working Group on 7 July 2021", "MP117 IA"."""
    if table == "modifications" or table == "sources":
        return str(key[0])
    if table == "meetings":
        return f"{MEETING_KINDS.get(key[0], key[0])} on {_shown(key[1])}"
    if table == "agenda_items":
        return f"{key[2]} on the {MEETING_KINDS.get(key[0], key[0])} of {_shown(key[1])}"
    if table == "consultations":
        round_ = f" (round {key[2]})" if key[2] and key[2] != 1 else ""
        return f"{key[0]} {CONSULTATION_KINDS.get(key[1], key[1])}{round_}"
    if table == "assessments":
        round_ = f" (round {key[2]})" if key[2] and key[2] != 1 else ""
        return f"{key[0]} {ASSESSMENT_KINDS.get(key[1], key[1])}{round_}"
    if table in ("votes", "decisions", "events"):
        return f"{key[0]} on {_shown(key[1])}"
    if table == "release_scope":
        return f"{key[1]} in {key[0]}"
    return " · ".join(_shown(part) for part in key)


def _line(d: Difference) -> str:
    label = _LABELS.get(d.table, d.table)
    named = f"{label} {_named(d.table, d.key)}".strip()
    if d.before is None:
        return f"+ {named}{_gist(d.table, d.after)}"
    said = [
        f"{name.replace('_', ' ')} updated" if name in _LONG else f"{name.replace('_', ' ')} {_was(old)}→ {_shown(new)}"
        for name, (old, new) in d.changed.items()
    ]
    return f"~ {named}: {'; '.join(said)}"


def _was(old: Any) -> str:
    return f"{_shown(old)} " if old not in (None, [], "") else "(none) "


def _gist(table: str, fields: dict[str, Any]) -> str:
    """What a new row says, briefly."""
    if table == "modifications":
        title = f" '{fields['title']}'" if fields.get("title") else ""
        where = " · ".join(_shown(fields[name]) for name in ("phase", "status") if fields.get(name))
        return f"{title}{f' ({where})' if where else ''}"
    if table == "votes":
        return f": {VOTE_OUTCOMES.get(fields.get('outcome'), fields.get('outcome'))}"
    if table == "decisions":
        return f": {fields.get('outcome')}"
    if table == "release_scope":
        return f" ({fields.get('status')})"
    if table == "sources":
        return f": {fields.get('title')}"
    shown = [
        f"{name.replace('_', ' ')} {_shown(value)}"
        for name, value in fields.items()
        if name not in _LONG
        and name not in ("reference", "kind", "round", "date", "name", "items")
        and value not in (None, [], "")
    ]
    return f" ({'; '.join(shown)})" if shown else ""
