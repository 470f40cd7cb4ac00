"""``record vote`` (a Change Board vote) and ``record decision`` (an Authority decision) from chat."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from secbot.commands.changing import DONE_REPLIES, carry_out
from secbot.commands.context import Context
from secbot.commands.meeting_upkeep import (
    done_reply_with,
    nothing_to_change,
    reference_actions,
)
from secbot.commands.record import (
    DECISION_USAGE,
    DECISION_WORDS,
    DEFAULT_AUTHORITY,
    GOVERNANCE,
    MAJORITY_WORDS,
    NOTE_LIMIT,
    OBJECTIVE,
    VOTE_USAGE,
    VOTE_WORDS,
    future_warning,
    given_values,
    longest_match,
    mod_and_day,
    session_of,
)
from secbot.commands.registry import ADMIN, command
from secbot.commands.upkeep import usage_error
from secbot.formatting import long_date
from secbot.replies import Action, Reply
from secbot.store.changes import Conflict, Outcome, Plan, applier, chat_source, from_iso, modification
from secbot.store.models import Decision, Vote
from secbot.vocabulary import DECISION_OUTCOMES, VOTE_OUTCOMES


# -- record vote --------------------------------------------------------------------------------------
@command(
    "record vote",
    VOTE_USAGE,
    "Record a Change Board vote (replacing a vote recorded on that day needs Confirm)",
    examples=(
        "record vote MP161 26 May 2021 recommend approval unanimous",
        "record vote MP144 9 June 2021 approve majority objective (g)",
    ),
    details="Outcomes: approve, reject, recommend approval, recommend rejection, send back, refer. "
    "Approve and reject are Self-Governance decisions; recommendations go to the Authority. Replacing a vote "
    "keeps its majority and objective unless given again, and its note while the outcome is the same.",
    role=ADMIN,
)
def record_vote_command(ctx: Context, args: str) -> Reply:
    found = mod_and_day(ctx, args, VOTE_USAGE)
    if isinstance(found, Reply):
        return found
    reference, day, words = found
    outcome = longest_match(words, VOTE_WORDS)
    if outcome is None:
        return usage_error(
            f"What did the Change Board decide on {reference}?" if not words else f"“{words[0]}” is not a vote outcome",
            VOTE_USAGE,
            "Outcomes: approve, reject, recommend approval, recommend rejection, send back, refer.",
        )
    value, words = outcome
    majority = None
    if words and words[0].lower() in MAJORITY_WORDS:
        majority, words = MAJORITY_WORDS[words[0].lower()], words[1:]
    elif len(words) > 1 and [w.lower() for w in words[:2]] == ["by", "majority"]:
        majority, words = "majority", words[2:]
    objective = None
    if words and words[0].lower() == "objective":
        letter = OBJECTIVE.match(words[1]) if len(words) > 1 else None
        if letter is None:
            return usage_error("Which SEC Objective?", VOTE_USAGE, "Give its letter, e.g. `objective (g)`.")
        objective, words = f"({letter.group(1).lower()})", words[2:]
    note = " ".join(words) or None
    if note and len(note) > NOTE_LIMIT:
        return usage_error("That note is too long", "", f"A note can be at most {NOTE_LIMIT} characters.")
    with session_of(ctx) as session:
        mod = modification(session, reference)
        path = mod.path
        vote = session.scalar(select(Vote).where(Vote.modification_id == mod.id, Vote.date == day))
        current = _vote_values(vote) if vote else None
    new = {
        "outcome": value,
        "governance": _governance(value, path),
        "majority": majority,
        "objective": objective,
        "note": note,
    }
    if current:  # a replaced vote keeps what was not typed again (its note only while the outcome stands)
        kept = ("majority", "objective", "note") if current["outcome"] == value else ("majority", "objective")
        new.update({name: current[name] for name in kept if new[name] is None})
    title = f"{reference}'s Change Board vote on {long_date(day)}"
    if current == new:
        return nothing_to_change(f"{title} is already recorded as {VOTE_OUTCOMES[value]}")
    warnings = future_warning(day, ctx.register.today(), "a vote")
    if path == "Authority Determination" and value in ("approved", "rejected"):
        warnings.append(
            f"{reference} is on the Authority Determination path: the Change Board usually recommends "
            "(`recommend approval` or `recommend rejection`) rather than decides."
        )
    if path == "Self-Governance" and value.startswith("recommend"):
        warnings.append(f"{reference} is on the Self-Governance path: the Change Board usually decides it.")
    plan = Plan(
        "record-vote",
        title,
        {"reference": reference, "date": day.isoformat(), "vote": new, "current": current},
        reference,
        _vote_shown(day, current) if current else None,
        _vote_shown(day, new),
        needs_confirm=current is not None,
        warnings=warnings,
    )
    return carry_out(ctx, f"record vote {args}".strip(), plan)


def _governance(outcome: str, path: str | None) -> str | None:
    if outcome in ("approved", "rejected"):
        return "self_governance"
    if outcome.startswith("recommend"):
        return "authority"
    # Sent back or referred: the modification's own path says whose decision it will be.
    return {"Self-Governance": "self_governance", "Authority Determination": "authority"}.get(path or "")


def _vote_values(vote: Vote) -> dict[str, Any]:
    return {
        "outcome": vote.outcome,
        "governance": vote.governance,
        "majority": vote.majority,
        "objective": vote.objective,
        "note": vote.note,
    }


def _vote_shown(day: dt.date, values: dict[str, Any]) -> dict[str, Any]:
    return given_values(
        {
            "date": long_date(day),
            "outcome": VOTE_OUTCOMES.get(values["outcome"], values["outcome"]),
            "decided by": GOVERNANCE.get(values["governance"] or "", values["governance"]),
            "majority": values["majority"],
            "objective": values["objective"],
            "note": values["note"],
        }
    )


@applier("record-vote")
def apply_record_vote(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    day, reference, new = from_iso(payload["date"]), payload["reference"], payload["vote"]
    mod = modification(session, reference)
    vote = session.scalar(select(Vote).where(Vote.modification_id == mod.id, Vote.date == day))
    current = _vote_values(vote) if vote else None
    if current != payload["current"]:
        now = VOTE_OUTCOMES.get(current["outcome"], current["outcome"]) if current else "no vote"
        raise Conflict(f"{reference}'s Change Board vote on {long_date(day)} is now recorded as {now}.")
    source = chat_source(session, today)
    if vote is None:
        vote = Vote(modification_id=mod.id, date=day, source=source, **new)
        session.add(vote)
    else:
        for name, value in new.items():
            setattr(vote, name, value)
        vote.source = source
    return Outcome(_vote_shown(day, new), {"reference": reference, "date": payload["date"]})


# -- record decision ----------------------------------------------------------------------------------
@command(
    "record decision",
    DECISION_USAGE,
    f"Record an Authority decision (default authority {DEFAULT_AUTHORITY}; replacing one needs Confirm)",
    examples=("record decision MP161 30 June 2021 approved", "record decision SECMP0011 1 June 2021 rejected BEIS"),
    role=ADMIN,
)
def record_decision_command(ctx: Context, args: str) -> Reply:
    found = mod_and_day(ctx, args, DECISION_USAGE)
    if isinstance(found, Reply):
        return found
    reference, day, words = found
    outcome = DECISION_WORDS.get(words[0].lower()) if words else None
    if outcome is None:
        return usage_error(
            f"“{words[0]}” is not a decision" if words else f"What did the Authority decide on {reference}?",
            DECISION_USAGE,
            f"Decisions: {', '.join(DECISION_OUTCOMES)}.",
        )
    authority = " ".join(words[1:]) or DEFAULT_AUTHORITY
    if len(authority) > 40:
        return usage_error("That authority's name is too long", DECISION_USAGE, "It can be at most 40 characters.")
    with session_of(ctx) as session:
        mod = modification(session, reference)
        decision = session.scalar(select(Decision).where(Decision.modification_id == mod.id, Decision.date == day))
        current = _decision_values(decision) if decision else None
    new = {"outcome": outcome, "authority": authority, "conditions": current["conditions"] if current else None}
    title = f"{reference}'s Authority decision on {long_date(day)}"
    if current == new:
        return nothing_to_change(f"{title} is already recorded as {authority} {outcome}")
    plan = Plan(
        "record-decision",
        title,
        {"reference": reference, "date": day.isoformat(), "decision": new, "current": current},
        reference,
        _decision_shown(day, current) if current else None,
        _decision_shown(day, new),
        needs_confirm=current is not None,
        warnings=future_warning(day, ctx.register.today(), "a decision"),
    )
    return carry_out(ctx, f"record decision {args}".strip(), plan)


def _decision_values(decision: Decision) -> dict[str, Any]:
    return {"outcome": decision.outcome, "authority": decision.authority, "conditions": decision.conditions}


def _decision_shown(day: dt.date, values: dict[str, Any]) -> dict[str, Any]:
    shown = {"date": long_date(day), "outcome": values["outcome"], "authority": values["authority"]}
    if values["conditions"]:
        shown["conditions"] = values["conditions"]
    return shown


@applier("record-decision")
def apply_record_decision(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    day, reference, new = from_iso(payload["date"]), payload["reference"], payload["decision"]
    mod = modification(session, reference)
    decision = session.scalar(select(Decision).where(Decision.modification_id == mod.id, Decision.date == day))
    current = _decision_values(decision) if decision else None
    if current != payload["current"]:
        now = f"{current['authority']} {current['outcome']}" if current else "not recorded"
        raise Conflict(f"{reference}'s Authority decision on {long_date(day)} is now {now}.")
    source = chat_source(session, today)
    if decision is None:
        session.add(Decision(modification_id=mod.id, date=day, source=source, **new))
    else:
        for name, value in new.items():
            setattr(decision, name, value)
        decision.source = source
    return Outcome(_decision_shown(day, new), {"reference": reference, "date": payload["date"]})


def _decision_views(plan: Plan) -> list[Action]:
    day = from_iso(plan.payload["date"])
    assert day is not None
    return [
        *reference_actions([plan.payload["reference"]]),
        Action(f"Decisions in {day:%B %Y}", f"decisions {day:%B %Y}"),
    ]


DONE_REPLIES["record-vote"] = done_reply_with(_decision_views)
DONE_REPLIES["record-decision"] = done_reply_with(_decision_views)
