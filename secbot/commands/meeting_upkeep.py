"""Working Group meetings kept from chat (SECAS admins): ``wg add``, ``wg move`` and ``wg agenda``.

Adding a meeting or an agenda item is made at once; moving a meeting or taking an item off its
agenda alters a fact and needs Confirm. Also the pieces ``secbot.commands.record`` shares: reading a
day at the start or end of what was typed, and the done reply with buttons to see the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from secbot.commands.changing import DONE_REPLIES, carry_out, changed_fields
from secbot.commands.context import Context
from secbot.commands.dates import parse_day
from secbot.commands.registry import ADMIN, command
from secbot.commands.upkeep import leading_reference, usage_error
from secbot.formatting import long_date
from secbot.replies import Action, Reply, Section
from secbot.store.changes import Conflict, Outcome, Plan, applier, chat_source, modification
from secbot.store.models import AgendaItem, Meeting, Modification
from secbot.store.views import ModSummary

WG = "working_group"
NOTE_LIMIT = 500
ADD_USAGE = "wg add <date> [<reference> …]"
MOVE_USAGE = "wg move <date> to <date>"
AGENDA_USAGE = "wg agenda <date> add <reference> [note] | wg agenda <date> remove <reference>"
_DATE_WORDS = 3  # the longest date parse_day reads: "7 July 2021"


# -- shared with secbot.commands.record -------------------------------------------------------------
def leading_day(text: str, today: dt.date) -> tuple[dt.date, str] | None:
    """The day ``text`` starts with ("7 July 2021 MP161" -> 7 July 2021, "MP161"), longest reading first."""
    words = text.split()
    for taken in range(min(_DATE_WORDS, len(words)), 0, -1):
        day = parse_day(" ".join(words[:taken]), today)
        if day is not None:
            return day, " ".join(words[taken:])
    return None


def trailing_day(text: str, today: dt.date) -> tuple[str, dt.date] | None:
    """The day ``text`` ends with and what comes before it (at least one word must come before)."""
    words = text.split()
    for taken in range(min(_DATE_WORDS, len(words) - 1), 0, -1):
        day = parse_day(" ".join(words[-taken:]), today)
        if day is not None:
            return " ".join(words[:-taken]), day
    return None


def not_a_date(text: str, usage: str) -> Reply:
    shown = text.strip() or "nothing"
    return usage_error(
        f"I can't read “{shown}” as a date" if text.strip() else "Which date?",
        usage,
        "Dates can be written 7 July 2021, 2021-07-07 or 7/7/21.",
    )


def past_warning(day: dt.date, today: dt.date) -> list[str]:
    if day < today:
        return [f"{long_date(day)} is before today ({long_date(today)}): is that the date you meant?"]
    return []


def done_reply_with(views: Callable[[Plan], list[Action]]) -> Callable[[Context, Plan, Outcome], Reply]:
    """A done reply: the values changed, any warnings, and buttons to see the change (``views``)."""

    def reply(ctx: Context, plan: Plan, outcome: Outcome) -> Reply:
        done = Reply(
            f"Done: {plan.title}",
            summary="The register is updated; every answer and digest from now on shows it.",
            sections=[Section(fields=changed_fields(plan.before, outcome.after))],
            actions=views(plan),
        )
        if plan.warnings:
            done.sections.append(Section(heading="Please check", text="\n".join(f"⚠ {w}" for w in plan.warnings)))
        return done

    return reply


def reference_actions(references: list[str]) -> list[Action]:
    return [Action(reference, reference) for reference in references[:4]]


def nothing_to_change(title: str, summary: str = "Nothing to change.") -> Reply:
    return Reply(title, kind="notice", summary=summary, cacheable=False)


# -- reading the register ---------------------------------------------------------------------------
def _meeting_on(ctx: Context, day: dt.date) -> list[str] | None:
    """The references on the agenda of the Working Group meeting on ``day`` (None: no meeting)."""
    found = ctx.register.meetings(WG, on=day)
    return [item.reference for item in found[0].items] if found else None


def _stored_meeting(session: Session, day: dt.date) -> Meeting | None:
    return session.scalar(select(Meeting).where(Meeting.kind == WG, Meeting.date == day))


def _agenda_of(session: Session, meeting: Meeting) -> list[str]:
    session.flush()
    return list(
        session.scalars(
            select(Modification.reference)
            .join(AgendaItem, AgendaItem.modification_id == Modification.id)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position)
        )
    )


def _no_meeting(ctx: Context, day: dt.date, usage: str) -> Reply:
    near = ctx.register.meetings_near(WG, day)
    reply = usage_error(f"No Working Group meeting on {long_date(day)}", usage)
    if near:
        reply.summary = (
            "The nearest ones in the register: " + ", ".join(long_date(m.date) for m in near) + f". {reply.summary}"
        )
        reply.actions = [Action(long_date(m.date), f"wg {m.date.isoformat()}") for m in near]
    return reply


def _wg_view(day: dt.date) -> Action:
    return Action(f"Working Group {long_date(day)}", f"wg {day.isoformat()}")


# -- wg add -------------------------------------------------------------------------------------------
@command(
    "wg add",
    ADD_USAGE,
    "Add a Working Group meeting, with the modifications on its agenda in order",
    examples=("wg add 21 July 2021 MP161 MP162", "wg add 2021-08-04"),
    details="Made at once. To change the agenda of a meeting the register already has, use `wg agenda`.",
    role=ADMIN,
)
def wg_add_command(ctx: Context, args: str) -> Reply:
    today = ctx.register.today()
    found = leading_day(args, today)
    if found is None:
        return not_a_date(" ".join(args.split()[:3]), ADD_USAGE)
    day, rest = found
    existing = _meeting_on(ctx, day)
    if existing is not None:
        reply = usage_error(
            f"There is already a Working Group meeting on {long_date(day)}",
            f"wg agenda {day.isoformat()} add <reference> [note]",
            "To put a modification on its agenda, use `wg agenda`.",
        )
        reply.actions = [_wg_view(day)]
        return reply
    mods = _references(ctx, rest)
    if isinstance(mods, Reply):
        return mods
    references = [m.reference for m in mods]
    plan = Plan(
        "wg-add",
        f"Working Group meeting on {long_date(day)}",
        {"date": day.isoformat(), "references": references},
        references[0] if len(references) == 1 else None,
        None,
        {"date": long_date(day), "agenda": references},
        warnings=past_warning(day, today),
    )
    return carry_out(ctx, f"wg add {args}".strip(), plan)


def _references(ctx: Context, text: str) -> list[ModSummary] | Reply:
    """Every modification named in ``text`` ("MP161, MP162 and mp 163"), in order, once each."""
    words = [w for w in text.replace(",", " ").replace(";", " ").split() if w.lower() not in ("and", "&")]
    found: dict[str, ModSummary] = {}
    while words:
        named = leading_reference(ctx, " ".join(words))
        if isinstance(named, Reply):
            named.cacheable = False
            named.footer = f"Nothing was added. {named.footer or ''}".strip()
            return named
        found.setdefault(named[0].reference, named[0])
        words = named[1].split()
    return list(found.values())


@applier("wg-add")
def apply_wg_add(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    day = dt.date.fromisoformat(payload["date"])
    if _stored_meeting(session, day) is not None:
        raise Conflict(f"A Working Group meeting on {long_date(day)} is now in the register.")
    mods = [modification(session, reference) for reference in payload["references"]]
    source = chat_source(session, today)
    meeting = Meeting(kind=WG, date=day, source=source)
    meeting.items = [
        AgendaItem(modification_id=mod.id, position=position, source=source) for position, mod in enumerate(mods)
    ]
    session.add(meeting)
    session.flush()
    return Outcome(
        {"date": long_date(day), "agenda": [m.reference for m in mods]},
        {"meeting_id": meeting.id, "date": day.isoformat()},
    )


# -- wg move ------------------------------------------------------------------------------------------
@command(
    "wg move",
    MOVE_USAGE,
    "Move a Working Group meeting to another day (needs Confirm)",
    examples=("wg move 7 July 2021 to 14 July 2021",),
    role=ADMIN,
)
def wg_move_command(ctx: Context, args: str) -> Reply:
    today = ctx.register.today()
    words = args.split()
    lowered = [w.lower() for w in words]
    if "to" not in lowered:
        return usage_error("Move which meeting to when?", MOVE_USAGE, "Give both dates, with “to” between them.")
    split = lowered.index("to")
    old_text, new_text = " ".join(words[:split]), " ".join(words[split + 1 :])
    old = parse_day(old_text, today)
    if old is None:
        return not_a_date(old_text, MOVE_USAGE)
    new = parse_day(new_text, today)
    if new is None:
        return not_a_date(new_text, MOVE_USAGE)
    if _meeting_on(ctx, old) is None:
        return _no_meeting(ctx, old, MOVE_USAGE)
    if old == new:
        return nothing_to_change(f"The Working Group meeting is already on {long_date(old)}")
    if _meeting_on(ctx, new) is not None:
        reply = usage_error(
            f"There is already a Working Group meeting on {long_date(new)}",
            "",
            f"Moving the {long_date(old)} meeting there would make two. Choose another day, "
            "or move the agenda items one by one with `wg agenda`.",
        )
        reply.actions = [_wg_view(old), _wg_view(new)]
        return reply
    plan = Plan(
        "wg-move",
        f"Date of the Working Group meeting on {long_date(old)}",
        {"from": old.isoformat(), "to": new.isoformat()},
        None,
        {"date": long_date(old)},
        {"date": long_date(new)},
        needs_confirm=True,
        warnings=past_warning(new, today),
    )
    return carry_out(ctx, f"wg move {args}".strip(), plan)


@applier("wg-move")
def apply_wg_move(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    old, new = dt.date.fromisoformat(payload["from"]), dt.date.fromisoformat(payload["to"])
    meeting = _stored_meeting(session, old)
    if meeting is None:
        raise Conflict(f"There is no longer a Working Group meeting on {long_date(old)}.")
    if _stored_meeting(session, new) is not None:
        raise Conflict(f"A Working Group meeting on {long_date(new)} is now in the register.")
    # The meeting and its agenda are now stated under the new day; under the old one they are removed.
    removed = [("meetings", (meeting.kind, old))]
    source = chat_source(session, today)
    for item in meeting.items:
        removed.append(("agenda_items", (meeting.kind, old, session.get(Modification, item.modification_id).reference)))
        item.source = source
    meeting.date = new
    meeting.source = source
    return Outcome({"date": long_date(new)}, {"meeting_id": meeting.id, "date": new.isoformat()}, removed=removed)


# -- wg agenda ----------------------------------------------------------------------------------------
@command(
    "wg agenda",
    AGENDA_USAGE,
    "Add a modification to a Working Group meeting's agenda, or remove one (removing needs Confirm)",
    examples=("wg agenda 7 July 2021 add MP161 first discussion", "wg agenda 2 June 2021 remove MP154"),
    details="An added modification goes at the end of the agenda; anything after the reference is its note.",
    role=ADMIN,
)
def wg_agenda_command(ctx: Context, args: str) -> Reply:
    today = ctx.register.today()
    words = args.split()
    verbs = [i for i, w in enumerate(words) if w.lower() in ("add", "remove")]
    if not verbs:
        return usage_error("Add or remove what?", AGENDA_USAGE, "Say `add` or `remove` after the meeting's date.")
    split = verbs[0]
    verb = words[split].lower()
    day_text, rest = " ".join(words[:split]), " ".join(words[split + 1 :])
    day = parse_day(day_text, today)
    if day is None:
        return not_a_date(day_text, AGENDA_USAGE)
    agenda = _meeting_on(ctx, day)
    if agenda is None:
        reply = _no_meeting(ctx, day, AGENDA_USAGE)
        reply.footer = f"To add a meeting: `wg add {day.isoformat()} <reference> …`."
        return reply
    if not rest.strip():
        return usage_error(f"Which modification should I {verb}?", AGENDA_USAGE)
    found = leading_reference(ctx, rest)
    if isinstance(found, Reply):
        return found
    mod, note = found
    note = note.strip()
    typed = f"wg agenda {args}".strip()
    when = long_date(day)
    if verb == "add":
        if mod.reference in agenda:
            reply = nothing_to_change(
                f"{mod.reference} is already on the agenda of the Working Group meeting on {when}",
                "Nothing was added.",
            )
            reply.actions = [_wg_view(day)]
            return reply
        if len(note) > NOTE_LIMIT:
            return usage_error("That note is too long", "", f"A note can be at most {NOTE_LIMIT} characters.")
        plan = Plan(
            "wg-agenda-add",
            f"{mod.reference} on the agenda of the Working Group meeting on {when}",
            {"date": day.isoformat(), "reference": mod.reference, "note": note or None},
            mod.reference,
            {"agenda": agenda},
            {"agenda": [*agenda, mod.reference], "note": note or None},
            warnings=past_warning(day, today),
        )
        return carry_out(ctx, typed, plan)
    if note:
        return usage_error(f"What is “{note}”?", AGENDA_USAGE, "Removing takes just the reference.")
    if mod.reference not in agenda:
        reply = usage_error(f"{mod.reference} is not on the agenda of the Working Group meeting on {when}", "")
        reply.summary = "Its agenda: " + (", ".join(agenda) or "nothing yet") + "."
        reply.actions = [_wg_view(day)]
        return reply
    plan = Plan(
        "wg-agenda-remove",
        f"Removing {mod.reference} from the agenda of the Working Group meeting on {when}",
        {"date": day.isoformat(), "reference": mod.reference},
        mod.reference,
        {"agenda": agenda},
        {"agenda": [r for r in agenda if r != mod.reference]},
        needs_confirm=True,
    )
    return carry_out(ctx, typed, plan)


@applier("wg-agenda-add")
def apply_wg_agenda_add(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    day, reference = dt.date.fromisoformat(payload["date"]), payload["reference"]
    meeting = _stored_meeting(session, day)
    if meeting is None:
        raise Conflict(f"There is no longer a Working Group meeting on {long_date(day)}.")
    mod = modification(session, reference)
    if any(item.modification_id == mod.id for item in meeting.items):
        raise Conflict(f"{reference} is now on that meeting's agenda already.")
    last = session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
    source = chat_source(session, today)
    meeting.items.append(
        AgendaItem(
            modification_id=mod.id, position=0 if last is None else last + 1, note=payload["note"], source=source
        )
    )
    return Outcome({"agenda": _agenda_of(session, meeting), "note": payload["note"]}, {"meeting_id": meeting.id})


@applier("wg-agenda-remove")
def apply_wg_agenda_remove(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    day, reference = dt.date.fromisoformat(payload["date"]), payload["reference"]
    meeting = _stored_meeting(session, day)
    if meeting is None:
        raise Conflict(f"There is no longer a Working Group meeting on {long_date(day)}.")
    mod = modification(session, reference)
    item = next((i for i in meeting.items if i.modification_id == mod.id), None)
    if item is None:
        raise Conflict(f"{reference} is no longer on that meeting's agenda.")
    meeting.items.remove(item)
    return Outcome(
        {"agenda": _agenda_of(session, meeting)},
        {"meeting_id": meeting.id},
        removed=[("agenda_items", (meeting.kind, day, reference))],
    )


def _meeting_views(plan: Plan) -> list[Action]:
    day = plan.payload.get("to") or plan.payload["date"]
    references = plan.payload.get("references") or ([plan.payload["reference"]] if "reference" in plan.payload else [])
    return [_wg_view(dt.date.fromisoformat(day)), *reference_actions(references)]


for _action in ("wg-add", "wg-move", "wg-agenda-add", "wg-agenda-remove"):
    DONE_REPLIES[_action] = done_reply_with(_meeting_views)
