"""What changed in the register between two days, from the register as it stood on each
(``Register.as_of``: a snapshot of the statements by then, or the register itself; for the earlier day,
only its modifications and release scopes, resolved from statements in memory: ``stood_before``).

``between(start, end)`` compares the two: modifications new by the end (Draft and Modification
Proposals apart), phase and status changes, Change Board votes and Authority decisions dated after the
start and by the end, consultations that opened or closed in those days, and release scope entries
added, changed or dropped. ``dated_in(start, end)`` lists what the register, as it stands, dates in those
days: what happened in May, though the report that tells of it came out in June.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from secbot.store import asof
from secbot.store.db import Store
from secbot.store.queries import Register
from secbot.store.views import ConsultationView, DecisionView, ModSummary, ScopeEntry, VoteView
from secbot.vocabulary import SCOPE_STATUSES

_EVERY_STATE = ("open", "upcoming", "expected", "closed")
_TABLES = ("modifications", "release_scope")


class Moved(NamedTuple):
    """A modification whose phase or status changed (a tuple: a register-wide comparison makes thousands)."""

    before: ModSummary
    after: ModSummary


@dataclass(frozen=True)
class ScopeChange:
    release: str
    before: ScopeEntry | None  # None: added
    after: ScopeEntry | None  # None: no longer listed

    @property
    def entry(self) -> ScopeEntry:
        return self.after or self.before  # type: ignore[return-value]  (one of them always is)


@dataclass
class Changes:
    start: dt.date
    end: dt.date
    new: list[ModSummary] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    votes: list[VoteView] = field(default_factory=list)
    decisions: list[DecisionView] = field(default_factory=list)
    opened: list[ConsultationView] = field(default_factory=list)
    closed: list[ConsultationView] = field(default_factory=list)
    scope: list[ScopeChange] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.new, self.moved, self.votes, self.decisions, self.opened, self.closed, self.scope))


def between(register: Register, start: dt.date, end: dt.date) -> Changes:
    """What changed after ``start`` and by ``end`` (both days as the register stood at their end)."""
    after = register.as_of(end)
    changes = Changes(start, end)
    was, scope_before = stood_before(register, start)
    new, moved = changes.new, changes.moved
    for mod in after.everything():
        old = was.get(mod.reference)
        if old is None:
            new.append(mod)
        elif old.phase != mod.phase or old.status != mod.status:
            moved.append(Moved(old, mod))
    _dated(after, changes)
    scope_after = _scope(after)
    for key in sorted(scope_before.keys() | scope_after.keys()):
        old, new = scope_before.get(key), scope_after.get(key)
        if old is None or new is None or (old.status, old.note) != (new.status, new.note):
            changes.scope.append(ScopeChange(key[0], old, new))
    return changes


def dated_in(register: Register, start: dt.date, end: dt.date) -> Changes:
    """What ``register`` dates after ``start`` and by ``end``: modifications raised, Change Board votes, Authority
    decisions, consultations opened or closed. Phase changes and release scope carry no day of their own in
    the reports, so none is listed."""
    changes = Changes(start, end)
    changes.new = [mod.summary for mod in register.raised_between(start + dt.timedelta(days=1), end)]
    _dated(register, changes)
    return changes


def _dated(register: Register, changes: Changes) -> None:
    """The votes, decisions and consultation days ``register`` dates in ``changes``' days, added to it."""
    start, end = changes.start, changes.end
    first = start + dt.timedelta(days=1)
    changes.votes = register.votes(first, end)
    changes.decisions = register.decisions(first, end)
    for consultation in register.consultations(_EVERY_STATE, between=(first, end)):
        if consultation.opens and start < consultation.opens <= end:
            changes.opened.append(consultation)
        if consultation.closes and start < consultation.closes <= end:
            changes.closed.append(consultation)


Stood = tuple[dict[str, ModSummary], dict[tuple[str, str], ScopeEntry]]  # by reference; by (release, reference)


def stood_before(register: Register, day: dt.date) -> Stood:
    """Each modification's summary and each release scope entry as the register stood on ``day``: from
    the register, or a snapshot of it already built, or else the statements of those two tables
    resolved in memory (``asof.resolved``), which costs a fraction of building a snapshot."""
    store, revision = register.store, register.revision()
    if asof.is_kept(store, day, revision):
        before = register.as_of(day)
        return {m.reference: m for m in before.everything(ordered=False)}, _scope(before)
    return asof.worked_out(store, day, revision, "stood before", lambda: _from_statements(store, day, revision))


def _from_statements(store: Store, day: dt.date, revision: int) -> Stood:
    rows = asof.resolved(store, day, revision, _TABLES) or []
    mods = {
        row.fields["reference"]: ModSummary(
            row.fields["reference"], row.fields.get("title"), row.fields.get("phase"), row.fields.get("status")
        )
        for row in rows
        if row.table == "modifications"
    }
    scope = {}
    for row in rows:
        if row.table == "release_scope":
            fields = row.fields
            mod = mods.get(fields["reference"])
            status = SCOPE_STATUSES.get(fields["status"], fields["status"])
            scope[(fields["release"], fields["reference"])] = ScopeEntry(
                fields["reference"], mod.title if mod else None, status, fields.get("note")
            )
    return mods, scope


def _scope(register: Register) -> dict[tuple[str, str], ScopeEntry]:
    return {(release.name, entry.reference): entry for release in register.releases() for entry in release.scope}
