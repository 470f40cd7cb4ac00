"""Changing the register from chat: each change in one transaction with its audit row and a new revision.

An upkeep command plans a change (``Plan``: the action, a JSON payload, the values before and after)
without writing anything. ``commit`` then applies it: the action's applier (registered with
``@applier``) runs inside a transaction that also takes the importers' lock (so a change and an
import never interleave), writes the audit row and bumps ``RegisterState.revision``, so every
replica's caches and indexes see the change and nothing changes without its audit row.

A change that alters or removes a fact waits for Confirm: ``propose`` stores it in
``pending_actions`` under an unguessable token, and ``confirm`` (from any replica: the button press
may reach another one) takes it once, with a conditional update under the same lock, and commits
it. Only the admin who asked may confirm or cancel, within ``PENDING_MINUTES``; anyone else's press is
refused and audited. An applier raises ``Conflict`` when the register no longer holds what the preview
showed (someone else changed it); the change is then not made and the admin is told why. An applier
checks everything before it writes anything, so that a ``Conflict`` leaves nothing of the change in the
transaction.

Facts written from chat name the source ``chat:<day>`` ("SECAS updates in chat", issued that day),
so that the later-source-wins merge of a later register import treats them by date like any report.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from secbot.store import audit, statements
from secbot.store.db import Store, as_utc, insert_for
from secbot.store.models import Modification, PendingAction, Source

PENDING_MINUTES = 30
PENDING, CONFIRMED, CANCELLED, EXPIRED, FAILED = "pending", "confirmed", "cancelled", "expired", "failed"
CHAT_SOURCE_TITLE = "SECAS updates in chat"


class Conflict(Exception):
    """The register no longer holds what the change was planned against; the message says what changed."""


@dataclass
class Plan:
    """A change worked out from what an admin typed, not yet made."""

    action: str  # the applier's name, e.g. "set-phase"
    title: str  # what changes, for people: "MP161's phase"
    payload: dict[str, Any]  # what the applier needs (JSON)
    reference: str | None
    before: dict[str, Any] | None
    after: dict[str, Any]
    needs_confirm: bool = False  # it alters or removes an existing fact
    warnings: list[str] = field(default_factory=list)  # shown in the preview


@dataclass
class Outcome:
    """What an applier did: ``after`` goes in the audit row; ``result`` back to the command (ids)."""

    after: dict[str, Any]
    result: dict[str, Any] = field(default_factory=dict)
    # Rows the change took out of the register, as (import table, natural key): kept as removals.
    removed: list[tuple[str, tuple]] = field(default_factory=list)


Applier = Callable[[Session, dict[str, Any], dt.date], Outcome]
APPLIERS: dict[str, Applier] = {}


def applier(action: str) -> Callable[[Applier], Applier]:
    def register(fn: Applier) -> Applier:
        if action in APPLIERS:
            raise ValueError(f"applier {action!r} registered twice")
        APPLIERS[action] = fn
        return fn

    return register


def iso(day: dt.date | None) -> str | None:
    """A day as a change keeps it in JSON (payloads, audit rows)."""
    return day.isoformat() if day else None


def from_iso(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def chat_source_key(day: dt.date) -> str:
    return f"chat:{day.isoformat()}"


def chat_source(session: Session, day: dt.date) -> str:
    """The ``sources`` key for facts written from chat on ``day``, created the first time."""
    key = chat_source_key(day)
    if session.get(Source, key) is None:
        insert = insert_for(session.get_bind().dialect.name)
        session.execute(insert(Source).values(key=key, title=CHAT_SOURCE_TITLE, issued=day).on_conflict_do_nothing())
    return key


def modification(session: Session, reference: str) -> Modification:
    """The modification a change is about, or ``Conflict`` when it has gone since the preview."""
    found = session.scalar(select(Modification).where(Modification.reference == reference))
    if found is None:
        raise Conflict(f"{reference} is no longer in the register.")
    return found


def touch(session: Session, mod: Modification, today: dt.date) -> None:
    """Say the modification's facts were last given in chat today (later imports merge by date)."""
    mod.source = chat_source(session, today)
    mod.source_date = today


def commit(store: Store, who: audit.Who, command: str, plan: Plan, today: dt.date) -> Outcome:
    """Make the change now, with its audit row and a new revision; ``Conflict`` changes nothing."""
    with store.sessions.begin() as session:
        _importers_lock(session)
        outcome = _apply(session, who, command, plan.action, plan.payload, plan.reference, plan.before, today)
    store.index_cache.invalidate()
    return outcome


def propose(store: Store, who: audit.Who, command: str, plan: Plan) -> str:
    """Keep the change for Confirm; returns the token the Confirm and Cancel buttons carry."""
    token = secrets.token_urlsafe(12)
    now = utcnow()
    with store.sessions.begin() as session:
        session.add(
            PendingAction(
                id=token,
                actor=who.actor,
                platform=who.platform,
                channel_id=who.channel_id,
                command=command,
                action=plan.action,
                payload={
                    "payload": plan.payload,
                    "title": plan.title,
                    "reference": plan.reference,
                    "before": plan.before,
                    "after": plan.after,
                },
                created_at=now,
                expires_at=now + dt.timedelta(minutes=PENDING_MINUTES),
                status=PENDING,
            )
        )
    return token


@dataclass
class Taken:
    """What ``confirm`` or ``cancel`` found: the outcome, or why nothing was done."""

    action: str | None = None
    command: str | None = None
    reference: str | None = None
    plan: Plan | None = None
    outcome: Outcome | None = None
    problem: str | None = None
    refused: bool = False  # someone other than the admin who asked pressed the button (audited)


def confirm(store: Store, who: audit.Who, token: str, typed: str, today: dt.date) -> Taken:
    """Make the change ``token`` holds, once, if ``who`` proposed it and it has not expired."""
    with store.sessions.begin() as session:
        _importers_lock(session)
        found = _pending(session, who, token, typed)
        if not isinstance(found, PendingAction):
            return found
        plan = _plan(found)
        taken = Taken(found.action, found.command, plan.reference, plan)
        try:
            taken.outcome = _apply(
                session,
                who,
                f"{typed} ({found.command})",
                found.action,
                plan.payload,
                plan.reference,
                plan.before,
                today,
            )
        except Conflict as conflict:
            taken.problem = str(conflict)
            _close(session, who, typed, found, plan, FAILED, audit.FAILED, detail=str(conflict))
            return taken
        found.status = CONFIRMED
    store.index_cache.invalidate()
    return taken


def cancel(store: Store, who: audit.Who, token: str, typed: str) -> Taken:
    """Drop the change ``token`` holds (audited as cancelled); nothing in the register changes."""
    with store.sessions.begin() as session:
        _importers_lock(session)
        found = _pending(session, who, token, typed)
        if not isinstance(found, PendingAction):
            return found
        plan = _plan(found)
        _close(session, who, typed, found, plan, CANCELLED, audit.CANCELLED)
        return Taken(found.action, found.command, plan.reference, plan)


def _close(
    session: Session,
    who: audit.Who,
    typed: str,
    found: PendingAction,
    plan: Plan,
    status: str,
    outcome: str,
    detail: str | None = None,
) -> None:
    """A pending change that will not be made: its status, and the audit row saying why."""
    found.status = status
    audit.record(
        session,
        who,
        f"{typed} ({found.command})",
        found.action,
        outcome,
        reference=plan.reference,
        before=plan.before,
        after=plan.after,
        detail=detail,
    )


def _apply(
    session: Session,
    who: audit.Who,
    command: str,
    action: str,
    payload: dict[str, Any],
    reference: str | None,
    before: dict[str, Any] | None,
    today: dt.date,
) -> Outcome:
    outcome = APPLIERS[action](session, payload, today)
    session.flush()
    if outcome.removed:
        statements.keep_removals(session, chat_source(session, today), today, outcome.removed)
    statements.keep_chat_changes(session, chat_source_key(today), today)
    audit.record(session, who, command, action, audit.DONE, reference=reference, before=before, after=outcome.after)
    from secbot.store.importer.apply import bump_revision  # not at the top: see _importers_lock

    bump_revision(session, utcnow())
    return outcome


def _importers_lock(session: Session) -> None:
    """The importers' lock, so that a change and an import never interleave.

    The importer is imported here rather than at the top: every command module imports this one, and
    answering a question should not load the register readers (YAML, CSV, XLSX) and their schema."""
    from secbot.store.importer.apply import lock

    lock(session)


def _plan(found: PendingAction) -> Plan:
    kept = found.payload
    return Plan(
        found.action,
        kept.get("title") or found.action,
        kept["payload"],
        kept.get("reference"),
        kept.get("before"),
        kept.get("after") or {},
    )


def _pending(session: Session, who: audit.Who, token: str, typed: str) -> PendingAction | Taken:
    """The change waiting under ``token`` for ``who``, or why there is none to take (``Taken.problem``).

    Someone other than the admin who asked is refused, and the attempt is audited in this transaction.
    """
    found = session.scalar(select(PendingAction).where(PendingAction.id == token[:40]).with_for_update())
    if found is None:
        return Taken(problem="I have no change waiting under that token: it may be mistyped.")
    if found.actor != who.actor:
        reference = (found.payload or {}).get("reference")
        audit.record(
            session,
            who,
            f"{typed} ({found.command})",
            found.action,
            audit.REFUSED,
            reference=reference,
            detail=f"only {found.actor}, who asked for this change, may confirm or cancel it",
        )
        return Taken(
            found.action,
            found.command,
            reference,
            problem="Only the admin who asked for this change can confirm or cancel it.",
            refused=True,
        )
    if found.status == CONFIRMED:
        return Taken(problem="That change was already confirmed: it is done.")
    if found.status == CANCELLED:
        return Taken(problem="That change was cancelled: nothing was changed. Ask again to make it.")
    if found.status == FAILED:
        return Taken(
            problem="That change could not be made when it was confirmed. Ask again to see the register as it is now."
        )
    if found.status == EXPIRED or as_utc(found.expires_at) <= utcnow():
        found.status = EXPIRED
        return Taken(
            problem=f"That preview has expired (after {PENDING_MINUTES} minutes): nothing was changed. "
            "Ask again to make it."
        )
    return found
