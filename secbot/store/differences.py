"""What changed in the register between two days, from the register as it stood on each
(``Register.as_of``: a snapshot of the statements by then, or the register itself).

``between(start, end)`` compares the two: modifications new by the end (Draft and Modification
Proposals apart), phase and status changes, Change Board votes and Authority decisions dated after the
start and by the end, consultations that opened or closed in those days, and release scope entries
added, changed or dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from secbot.store.queries import Register
from secbot.store.views import ConsultationView, DecisionView, ModSummary, ScopeEntry, VoteView

_EVERY_STATE = ("open", "upcoming", "expected", "closed")


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
    before, after = register.as_of(start), register.as_of(end)
    changes = Changes(start, end)
    was = {m.reference: m for m in before.everything(ordered=False)}
    new, moved = changes.new, changes.moved
    for mod in after.everything():
        old = was.get(mod.reference)
        if old is None:
            new.append(mod)
        elif old.phase != mod.phase or old.status != mod.status:
            moved.append(Moved(old, mod))
    first = start + dt.timedelta(days=1)
    changes.votes = after.votes(first, end)
    changes.decisions = after.decisions(first, end)
    for consultation in after.consultations(_EVERY_STATE, between=(first, end)):
        if consultation.opens and start < consultation.opens <= end:
            changes.opened.append(consultation)
        if consultation.closes and start < consultation.closes <= end:
            changes.closed.append(consultation)
    scope_before = _scope(before)
    scope_after = _scope(after)
    for key in sorted(scope_before.keys() | scope_after.keys()):
        old, new = scope_before.get(key), scope_after.get(key)
        if old is None or new is None or (old.status, old.note) != (new.status, new.note):
            changes.scope.append(ScopeChange(key[0], old, new))
    return changes


def _scope(register: Register) -> dict[tuple[str, str], ScopeEntry]:
    return {(release.name, entry.reference): entry for release in register.releases() for entry in release.scope}
