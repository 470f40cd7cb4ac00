"""``record dcc``: a DCC Preliminary or Impact Assessment step (requested, accepted, returned) from chat."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from secbot.commands.changing import DONE_REPLIES, carry_out
from secbot.commands.context import Context
from secbot.commands.dates import parse_day
from secbot.commands.meeting_upkeep import (
    done_reply_with,
    not_a_date,
    nothing_to_change,
    reference_actions,
)
from secbot.commands.record import (
    DCC_USAGE,
    DEFAULT_TARGET_WD,
    STEP_WORDS,
    future_warning,
    given_values,
    session_of,
)
from secbot.commands.registry import ADMIN, command
from secbot.commands.upkeep import leading_reference, usage_error
from secbot.formatting import long_date
from secbot.replies import Action, Reply
from secbot.store.changes import Conflict, Outcome, Plan, applier, chat_source, from_iso, iso, modification
from secbot.store.models import Assessment
from secbot.vocabulary import ASSESSMENT_KINDS

# -- record dcc -----------------------------------------------------------------------------------------
_DCC_FIELDS = ("requested", "accepted", "returned", "target_wd")


@command(
    "record dcc",
    DCC_USAGE,
    "Record a DCC Preliminary or Impact Assessment being requested, accepted or returned "
    "(changing a date already recorded needs Confirm)",
    examples=("record dcc MP104 IA returned 9 June 2021", "record dcc MP161 PA requested 14 June 2021 target 15 WD"),
    details="The step goes on the latest round of that assessment; `requested` after a returned one starts a new "
    f"round. A new round's target is the last round's, else {DEFAULT_TARGET_WD['PA']} WD for a PA and "
    f"{DEFAULT_TARGET_WD['IA']} WD for an IA.",
    role=ADMIN,
)
def record_dcc_command(ctx: Context, args: str) -> Reply:
    if not args.strip():
        return usage_error("Which modification's DCC assessment?", DCC_USAGE)
    found = leading_reference(ctx, args)
    if isinstance(found, Reply):
        return found
    mod, rest = found
    reference, words = mod.reference, rest.split()
    kind = words[0].upper() if words else ""
    if kind not in ASSESSMENT_KINDS:
        return usage_error(
            f"“{words[0]}” is not a DCC assessment" if words else f"Which of {reference}'s DCC assessments?",
            DCC_USAGE,
            "Say PA (Preliminary Assessment) or IA (Impact Assessment).",
        )
    step = STEP_WORDS.get(words[1].lower()) if len(words) > 1 else None
    if step is None:
        return usage_error(
            f"“{words[1]}” is not a DCC assessment step" if len(words) > 1 else f"What happened to the {kind}?",
            DCC_USAGE,
            "Steps: requested, accepted, returned.",
        )
    rest_words = words[2:]
    lowered = [w.lower() for w in rest_words]
    target = None
    if "target" in lowered:
        at = lowered.index("target")
        target = _target(rest_words[at + 1 :])
        if target is None:
            return usage_error("What is the target?", DCC_USAGE, "Give it in working days, e.g. `target 40 WD`.")
        rest_words = rest_words[:at]
    today = ctx.register.today()
    day = parse_day(" ".join(rest_words), today)
    if day is None:
        return not_a_date(" ".join(rest_words), DCC_USAGE)
    with session_of(ctx) as session:
        row = _latest_round(session, modification(session, reference).id, kind)
        latest = _dcc_values(row) if row else None
        latest_round = row.round if row else None
    creating = latest is None or (step == "requested" and latest["returned"] is not None)
    name = ASSESSMENT_KINDS[kind]
    if creating:
        number = (latest_round or 0) + 1
        current = None
        values: dict[str, Any] = dict.fromkeys(_DCC_FIELDS)
        values["target_wd"] = target or (latest and latest["target_wd"]) or DEFAULT_TARGET_WD[kind]
    else:
        assert latest is not None and latest_round is not None
        number, current, values = latest_round, latest, dict(latest)
        if target is not None:
            values["target_wd"] = target
    values[step] = day.isoformat()
    title = f"{reference}'s DCC {name}, round {number}"
    if current == values:
        return nothing_to_change(f"{title} is already recorded as {step} on {long_date(day)}")
    replaced = [
        field
        for field in (step, "target_wd")
        if current and current[field] is not None and current[field] != values[field]
    ]
    plan = Plan(
        "record-dcc",
        title,
        {
            "reference": reference,
            "kind": kind,
            "round": number,
            "create": creating,
            "latest_round": latest_round,
            "values": values,
            "current": current,
        },
        reference,
        _dcc_shown(number, current) if current else None,
        _dcc_shown(number, values),
        needs_confirm=bool(replaced),
        warnings=_dcc_warnings(values, day, today),
    )
    return carry_out(ctx, f"record dcc {args}".strip(), plan)


def _target(words: list[str]) -> int | None:
    text = " ".join(words).lower().replace("working days", "").replace("wd", "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 1000 else None


def _latest_round(session: Session, mod_id: int, kind: str) -> Assessment | None:
    return session.scalar(
        select(Assessment)
        .where(Assessment.modification_id == mod_id, Assessment.kind == kind)
        .order_by(Assessment.round.desc())
        .limit(1)
    )


def _dcc_values(row: Assessment) -> dict[str, Any]:
    return {
        "requested": iso(row.requested),
        "accepted": iso(row.accepted),
        "returned": iso(row.returned),
        "target_wd": row.target_wd,
    }


def _dcc_shown(number: int, values: dict[str, Any]) -> dict[str, Any]:
    return given_values(
        {
            "round": number,
            **{step: long_date(from_iso(values[step]), "") or None for step in ("requested", "accepted", "returned")},
            "target": f"{values['target_wd']} WD" if values["target_wd"] is not None else None,
        }
    )


def _dcc_warnings(values: dict[str, Any], day: dt.date, today: dt.date) -> list[str]:
    warnings = future_warning(day, today, "a DCC assessment step")
    steps = [(step, from_iso(values[step])) for step in ("requested", "accepted", "returned") if values[step]]
    for (earlier, first), (later, second) in itertools.pairwise(steps):
        if second < first:
            warnings.append(f"It would be {later} ({long_date(second)}) before it was {earlier} ({long_date(first)}).")
    return warnings


@applier("record-dcc")
def apply_record_dcc(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    reference, kind, number, values = payload["reference"], payload["kind"], payload["round"], payload["values"]
    mod = modification(session, reference)
    row = _latest_round(session, mod.id, kind)
    name = f"{reference}'s DCC {ASSESSMENT_KINDS[kind]}"
    if (row.round if row else None) != payload["latest_round"] or (
        not payload["create"] and _dcc_values(row) != payload["current"]
    ):
        raise Conflict(f"{name} is no longer recorded as it was when you asked.")
    source = chat_source(session, today)
    dates = {step: from_iso(values[step]) for step in ("requested", "accepted", "returned")}
    if payload["create"]:
        row = Assessment(
            modification_id=mod.id, kind=kind, round=number, target_wd=values["target_wd"], source=source, **dates
        )
        session.add(row)
    else:
        assert row is not None
        for step, day in dates.items():
            setattr(row, step, day)
        row.target_wd = values["target_wd"]
        row.source = source
    return Outcome(_dcc_shown(number, values), {"reference": reference, "kind": kind, "round": number})


def _dcc_views(plan: Plan) -> list[Action]:
    return [*reference_actions([plan.payload["reference"]]), Action("Open DCC assessments", "dcc open")]


DONE_REPLIES["record-dcc"] = done_reply_with(_dcc_views)
