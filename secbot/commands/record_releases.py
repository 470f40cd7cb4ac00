"""``record release`` (a SEC Release and its date) and ``record scope`` (a modification in or out of it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from secbot.commands.changing import DONE_REPLIES, carry_out
from secbot.commands.context import Context
from secbot.commands.dates import month_name, parse_day, parse_month
from secbot.commands.meeting_upkeep import (
    done_reply_with,
    nothing_to_change,
    past_warning,
    reference_actions,
    trailing_day,
)
from secbot.commands.record import (
    RELEASE_USAGE,
    SCOPE_USAGE,
    SCOPE_WORDS,
    session_of,
    word_key,
)
from secbot.commands.registry import ADMIN, command
from secbot.commands.upkeep import leading_reference, usage_error
from secbot.formatting import long_date
from secbot.replies import Action, Reply
from secbot.store.changes import Conflict, Outcome, Plan, applier, chat_source, from_iso, iso, modification
from secbot.store.models import Modification, Release, ReleaseScope
from secbot.vocabulary import SCOPE_STATUSES


# -- record release -------------------------------------------------------------------------------------
@command(
    "record release",
    RELEASE_USAGE,
    "Record a SEC Release and its date (changing a release's date needs Confirm)",
    examples=("record release June 2027 24 June 2027", "record release November 2027: no earlier than November 2027"),
    details="The date is the last words that read as a date; for a date in words, put a colon after the name. "
    "A name that is a month (June 2027) becomes “June 2027 SEC Release”.",
    role=ADMIN,
)
def record_release_command(ctx: Context, args: str) -> Reply:
    today = ctx.register.today()
    text = " ".join(args.split())
    if ":" in text:
        name, _, when = (part.strip() for part in text.partition(":"))
        day = parse_day(when, today)
        date_text = None if day else when
        if not when:
            return usage_error(f"When is the {name or 'release'}?", RELEASE_USAGE)
    else:
        split = trailing_day(text, today)
        if split is None:
            return usage_error(
                "Which release, and when?" if not text else f"I can't find a date at the end of “{text}”",
                RELEASE_USAGE,
                "End with a date (24 June 2027), or put a colon after the name and say when in words.",
            )
        name, day = split
        date_text = None
    if not name:
        return usage_error("What is the release called?", RELEASE_USAGE)
    name = _release_name(name)
    if len(name) > 80 or (date_text and len(date_text) > 200):
        return usage_error("That is too long", RELEASE_USAGE, "A name can be 80 characters and a date 200.")
    with session_of(ctx) as session:
        release = _stored_release(session, name)
        current = _release_values(release) if release else None
        name = release.name if release else name
    new = {"date": iso(day), "date_text": date_text}
    if current == new:
        return nothing_to_change(f"The {name} is already recorded for {_when(new)}")
    warnings = past_warning(day, today) if day else []
    named = parse_month(name.removesuffix(" SEC Release"))
    if day and named and named != (day.year, day.month):
        warnings.append(f"The {name} would be on {long_date(day)}, not in {month_name(*named)}.")
    plan = Plan(
        "record-release",
        f"The {name}'s date" if current else f"The {name}",
        {"name": name, "values": new, "current": current},
        None,
        {"release": name, "date": _when(current)} if current else None,
        {"release": name, "date": _when(new)},
        needs_confirm=current is not None,
        warnings=warnings,
    )
    return carry_out(ctx, f"record release {args}".strip(), plan)


def _release_name(name: str) -> str:
    month = parse_month(name)
    return f"{month_name(*month)} SEC Release" if month else name


def _stored_release(session: Session, name: str) -> Release | None:
    return session.scalar(select(Release).where(func.lower(Release.name) == name.lower()))


def _release_values(release: Release) -> dict[str, Any]:
    return {"date": iso(release.date), "date_text": release.date_text}


def _when(values: dict[str, Any] | None) -> str | None:
    if not values:
        return None
    return long_date(from_iso(values["date"]), values["date_text"] or "date to be confirmed")


@applier("record-release")
def apply_record_release(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    name, new = payload["name"], payload["values"]
    release = _stored_release(session, name)
    current = _release_values(release) if release else None
    if current != payload["current"]:
        now = f"dated {_when(current)}" if current else "no longer in the register"
        raise Conflict(f"The {name} is now {now}.")
    source = chat_source(session, today)
    if release is None:
        standalone = name.lower().startswith(("stand-alone", "standalone"))
        release = Release(name=name, standalone=standalone, source=source)
        session.add(release)
    release.date, release.date_text, release.source = from_iso(new["date"]), new["date_text"], source
    return Outcome({"release": name, "date": _when(new)}, {"release": name})


# -- record scope ---------------------------------------------------------------------------------------
@command(
    "record scope",
    SCOPE_USAGE,
    "Put a modification in a SEC Release's scope, or take it out (changing its status or taking it out needs Confirm)",
    examples=("record scope November 2022 add MP161 targeted", "record scope June 2021 remove MP153"),
    details=f"Statuses: {', '.join(SCOPE_STATUSES)} (targeted when none is given).",
    role=ADMIN,
)
def record_scope_command(ctx: Context, args: str) -> Reply:
    words = args.split()
    verbs = [i for i, w in enumerate(words) if w.lower() in ("add", "remove")]
    if not verbs:
        return usage_error("Add or remove what?", SCOPE_USAGE, "Say `add` or `remove` after the release's name.")
    verb = words[verbs[0]].lower()
    asked, rest = " ".join(words[: verbs[0]]), " ".join(words[verbs[0] + 1 :])
    if not asked:
        return usage_error("Which release?", SCOPE_USAGE)
    with session_of(ctx) as session:
        release = _find_release(session, asked)
        name = release.name if release else None
    if name is None:
        return _unknown_release(ctx, asked)
    if not rest:
        return usage_error(f"Which modification should I {verb}?", SCOPE_USAGE)
    found = leading_reference(ctx, rest)
    if isinstance(found, Reply):
        return found
    mod, status_text = found
    reference = mod.reference
    status = SCOPE_WORDS.get(word_key(status_text)) if status_text else "targeted"
    if verb == "remove" and status_text:
        return usage_error(f"What is “{status_text}”?", SCOPE_USAGE, "Removing takes just the reference.")
    if status is None:
        return usage_error(
            f"“{status_text}” is not a release scope status", SCOPE_USAGE, f"Statuses: {', '.join(SCOPE_STATUSES)}."
        )
    with session_of(ctx) as session:
        mod_id = modification(session, reference).id
        release = _stored_release(session, name)
        assert release is not None
        row = _scope_row(session, release.id, mod_id)
        in_scope = list(
            session.scalars(
                select(Modification.reference)
                .join(ReleaseScope, ReleaseScope.modification_id == Modification.id)
                .where(ReleaseScope.release_id == release.id)
                .order_by(ReleaseScope.position)
            )
        )
        current = row.status if row else None
        elsewhere = [
            r
            for r in session.scalars(
                select(Release.name).join(ReleaseScope).where(ReleaseScope.modification_id == mod_id)
            )
            if r != name
        ]
    views = [Action(name, f"release {name}")]
    if verb == "remove":
        if current is None:
            reply = usage_error(f"{reference} is not in the {name}'s scope", "")
            reply.summary = f"Its scope: {', '.join(in_scope) or 'nothing yet'}. Nothing was changed."
            reply.actions = views
            return reply
        plan = Plan(
            "record-scope-remove",
            f"Taking {reference} out of the {name}",
            {"release": name, "reference": reference, "current": current},
            reference,
            {"release": name, "status": SCOPE_STATUSES.get(current, current)},
            {"release": name, "status": None},
            needs_confirm=True,
        )
        return carry_out(ctx, f"record scope {args}".strip(), plan)
    if current == status:
        reply = nothing_to_change(f"{reference} is already in the {name} ({SCOPE_STATUSES[status]})")
        reply.actions = views
        return reply
    warnings = [f"{reference} is also in the scope of: {', '.join(elsewhere)}."] if elsewhere else []
    plan = Plan(
        "record-scope-add",
        f"{reference} in the {name}",
        {"release": name, "reference": reference, "status": status, "current": current},
        reference,
        {"release": name, "status": SCOPE_STATUSES.get(current, current)} if current else None,
        {"release": name, "status": SCOPE_STATUSES[status]},
        needs_confirm=current is not None,
        warnings=warnings,
    )
    return carry_out(ctx, f"record scope {args}".strip(), plan)


def _find_release(session: Session, asked: str) -> Release | None:
    """The release ``asked`` names: its name, "<name> SEC Release", or the one release in a month."""
    for name in (asked, f"{asked} SEC Release"):
        if found := _stored_release(session, name):
            return found
    month = parse_month(asked)
    if month:
        year, number = month
        start = dt.date(year, number, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        found = list(session.scalars(select(Release).where(Release.date >= start, Release.date < end)))
        if len(found) == 1:
            return found[0]
    return None


def _unknown_release(ctx: Context, asked: str) -> Reply:
    names = [r.name for r in ctx.register.releases() if r.date]
    reply = usage_error(f"No release called “{asked}”", "")
    reply.summary = (
        "Releases in the register: " + ", ".join(names[-6:]) + "." if names else "The register has no releases."
    )
    reply.footer = "To add one: `record release <name> <date>`."
    return reply


def _scope_row(session: Session, release_id: int, mod_id: int) -> ReleaseScope | None:
    return session.scalar(
        select(ReleaseScope).where(ReleaseScope.release_id == release_id, ReleaseScope.modification_id == mod_id)
    )


def _scope_target(session: Session, payload: dict[str, Any]) -> tuple[Release, Modification, ReleaseScope | None]:
    release = _stored_release(session, payload["release"])
    if release is None:
        raise Conflict(f"The {payload['release']} is no longer in the register.")
    mod = modification(session, payload["reference"])
    row = _scope_row(session, release.id, mod.id)
    if (row.status if row else None) != payload["current"]:
        now = f"{SCOPE_STATUSES.get(row.status, row.status)}" if row else "not in its scope"
        raise Conflict(f"{mod.reference} is now {now} in the {release.name}.")
    return release, mod, row


@applier("record-scope-add")
def apply_record_scope_add(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    release, mod, row = _scope_target(session, payload)
    source = chat_source(session, today)
    if row is None:
        last = session.scalar(select(func.max(ReleaseScope.position)).where(ReleaseScope.release_id == release.id))
        session.add(
            ReleaseScope(
                release_id=release.id,
                modification_id=mod.id,
                position=0 if last is None else last + 1,
                status=payload["status"],
                source=source,
            )
        )
    else:
        row.status, row.source = payload["status"], source
    return Outcome({"release": release.name, "status": SCOPE_STATUSES[payload["status"]]}, {"release": release.name})


@applier("record-scope-remove")
def apply_record_scope_remove(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    release, mod, row = _scope_target(session, payload)
    assert row is not None  # _scope_target checked it is still there
    session.delete(row)
    return Outcome(
        {"release": release.name, "status": None},
        {"release": release.name},
        removed=[("release_scope", (release.name, mod.reference))],
    )


def _release_views(plan: Plan) -> list[Action]:
    name = plan.payload.get("name") or plan.payload["release"]
    references = [plan.payload["reference"]] if "reference" in plan.payload else []
    return [Action(name, f"release {name}"), *reference_actions(references)]


for _action in ("record-release", "record-scope-add", "record-scope-remove"):
    DONE_REPLIES[_action] = done_reply_with(_release_views)
