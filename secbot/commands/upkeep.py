"""Register upkeep from chat (SECAS admins): ``set <ref> phase|status|title|path <value>``.

Filling in a blank value is made at once; replacing a value needs Confirm. The values people type
are checked against the register's vocabulary (phases, decision paths) and a bad one is explained
with the values that would do. A title that is replaced stays searchable as an earlier title.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from secbot.commands.changing import carry_out
from secbot.commands.common import not_found
from secbot.commands.context import Context
from secbot.commands.registry import ADMIN, command
from secbot.references import parse_reference
from secbot.replies import Reply
from secbot.store.changes import Conflict, Outcome, Plan, applier, modification, touch
from secbot.store.models import EarlierTitle, Modification
from secbot.store.views import ModSummary
from secbot.vocabulary import PHASES, canonical_phase

FIELDS = ("phase", "status", "title", "path")
PATHS = ("Self-Governance", "Authority Determination", "Fast-Track")
_PATH_ALIASES = {
    "self governance": "Self-Governance",
    "sg": "Self-Governance",
    "authority": "Authority Determination",
    "authority determination": "Authority Determination",
    "ad": "Authority Determination",
    "fast track": "Fast-Track",
    "fast-track": "Fast-Track",
    "ft": "Fast-Track",
}
_LIMITS = {"phase": 40, "status": 80, "path": 80, "title": 500}


def leading_reference(ctx: Context, text: str) -> tuple[ModSummary, str] | Reply:
    """The modification ``text`` starts with ("MP161 …", "mp 161 …") and the rest, or a "did you mean"."""
    words = text.split()
    if not words:
        return usage_error("Which modification?", "")
    for taken in (2, 1):  # "mp 161" before "mp"
        if len(words) >= taken and parse_reference(" ".join(words[:taken])) is not None:
            resolution = ctx.register.resolve(" ".join(words[:taken]))
            if resolution.found is None:
                return not_found(resolution)
            return resolution.found, " ".join(words[taken:])
    return not_found(ctx.register.resolve(words[0]))


def usage_error(title: str, usage: str, problem: str = "") -> Reply:
    summary = " ".join(filter(None, [problem, f"Usage: `{usage}`." if usage else ""]))
    return Reply(title, kind="error", summary=summary or None, cacheable=False)


@command(
    "set",
    "set <reference> phase|status|title|path <value>",
    "Set a modification's phase, status, title or path (changing a value already held needs Confirm)",
    examples=("set MP161 phase Report Phase", "set MP161 status Modification Report Consultation open"),
    details=f"Phases: {', '.join(PHASES)}. Paths: {', '.join(PATHS)}.",
    role=ADMIN,
)
def set_command(ctx: Context, args: str) -> Reply:
    usage = "set <reference> phase|status|title|path <value>"
    found = leading_reference(ctx, args)
    if isinstance(found, Reply):
        return found
    mod, rest = found
    name, _, value = rest.partition(" ")
    name, value = name.lower().rstrip(":"), value.strip()
    if name not in FIELDS:
        return usage_error(f"What should I set on {mod.reference}?", usage, "I can set phase, status, title or path.")
    if not value:
        return usage_error(f"What should {mod.reference}'s {name} be?", usage)
    value = _canonical(name, value)
    if isinstance(value, Reply):
        return value
    before = _current(ctx, mod.reference, name)
    if before == value:
        return Reply(
            f"{mod.reference}'s {name} is already {value}",
            kind="notice",
            summary="Nothing to change.",
            cacheable=False,
        )
    plan = Plan(
        "set-field",
        f"{mod.reference}'s {name}",
        {"reference": mod.reference, "field": name, "value": value, "before": before},
        mod.reference,
        {name: before},
        {name: value},
        needs_confirm=bool(before),
    )
    return carry_out(ctx, f"set {args}".strip(), plan)


def _canonical(name: str, value: str) -> str | Reply:
    if len(value) > _LIMITS[name]:
        return usage_error(f"That {name} is too long", "", f"A {name} can be at most {_LIMITS[name]} characters.")
    if name == "phase":
        phase = canonical_phase(value)
        if phase is None:
            return usage_error(f"“{value}” is not a phase", "", f"The phases are: {', '.join(PHASES)}.")
        return phase
    if name == "path":
        key = re.sub(r"[\s_\-]+", " ", value.lower()).strip()
        path = _PATH_ALIASES.get(key) or next((p for p in PATHS if p.lower() == value.lower()), None)
        if path is None:
            return usage_error(f"“{value}” is not a decision path", "", f"The paths are: {', '.join(PATHS)}.")
        return path
    return value


def _current(ctx: Context, reference: str, name: str) -> Any:
    with ctx.register.store.sessions() as session:
        return session.scalar(select(getattr(Modification, name)).where(Modification.reference == reference))


@applier("set-field")
def apply_set_field(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    name, value, reference = payload["field"], payload["value"], payload["reference"]
    mod = modification(session, reference)
    current = getattr(mod, name)
    if current != payload["before"]:
        raise Conflict(
            f"{reference}'s {name} is now “{current or '–'}”, not “{payload['before'] or '–'}” as when you asked."
        )
    if name == "title" and current and not any(t.title == current for t in mod.earlier_titles):
        mod.earlier_titles.append(EarlierTitle(title=current, source=mod.source))
    setattr(mod, name, value)
    touch(session, mod, today)
    return Outcome({name: value})
