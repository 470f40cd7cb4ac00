"""Consultation announcements from chat (SECAS admins): announce, correct, withdraw, and list them.

``announce consultation <ref> <refinement|report|other> opens <date> closes <date> [link] [note]``
always shows a preview (the announcement as channels will see it, where it will go, and anything to
check: a closing day that is a weekend or bank holiday, an opening day in the past); Confirm records
the consultation in the register and the service posts it to every channel subscribed to
consultations, once each. ``announce correct <id> [opens <date>] [closes <date>] [link <url>]
[note <text>]`` and ``announce withdraw <id>`` also need Confirm, and the service then edits every
posted copy. ``announcements`` lists the recent ones with their ids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from secbot.commands.changing import DONE_REPLIES, PREVIEW_REPLIES, carry_out, changed_fields
from secbot.commands.context import Context
from secbot.commands.dates import parse_day
from secbot.commands.registry import ADMIN, command
from secbot.commands.upkeep import leading_reference, usage_error
from secbot.digests.announcement import announcement_reply, consultation_name, recipients
from secbot.formatting import long_date, plural, readable
from secbot.replies import Field, Item, Reply, Section
from secbot.roles import identity
from secbot.store import announcements
from secbot.store.announcements import CORRECTABLE, AnnouncementView
from secbot.store.changes import Outcome, Plan
from secbot.vocabulary import canonical_consultation_kind
from secbot.workdays import is_bank_holiday

ANNOUNCE_USAGE = "announce consultation <reference> <refinement|report|other> opens <date> closes <date> [link] [note]"
CORRECT_USAGE = "announce correct <id> [opens <date>] [closes <date>] [link <url>] [note <text>]"
WITHDRAW_USAGE = "announce withdraw <id> [reason]"
_KIND_WORDS = r"refinement|modification\s+report|report|working\s+group|wg|other|industry"
_ANNOUNCE = re.compile(
    rf"^(?P<ref>.+?)\s+(?P<kind>{_KIND_WORDS})(?:\s+consultation)?\s+opens?\s+(?P<opens>.+?)\s+closes?\s+(?P<rest>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_SLACK_LINK = re.compile(r"^<(https?://[^|>]+)(?:\|[^>]*)?>$")
_KEYWORDS = re.compile(r"(?:^|\s)(opens?|closes?|link|note)(?=\s|$)", re.IGNORECASE)
_ID = re.compile(r"^#?A?(\d{1,9})$", re.IGNORECASE)


# -- announce consultation --------------------------------------------------------------------------
@command(
    "announce consultation",
    ANNOUNCE_USAGE,
    "Announce a consultation to every channel subscribed to consultations (shows a preview to confirm)",
    examples=(
        "announce consultation MP161 refinement opens 1 December 2026 closes 15 December 2026",
        "announce consultation MP122A report opens 2026-12-07 closes 2026-12-21 https://smartenergycodecompany.co.uk/x",
    ),
    details="Dates as 7 December 2026, 2026-12-07 or 7/12/2026. After the closing date: an https link, then a note.",
    role=ADMIN,
)
def announce_command(ctx: Context, args: str) -> Reply:
    typed = f"announce consultation {args}".strip()
    match = _ANNOUNCE.match(args.strip())
    if not match:
        return usage_error("How should I announce it?", ANNOUNCE_USAGE, _what_is_missing(args))
    found = leading_reference(ctx, match["ref"])
    if isinstance(found, Reply):
        return found
    mod, extra = found
    if extra:
        return usage_error(f"What is “{extra}”?", ANNOUNCE_USAGE)
    kind = canonical_consultation_kind(re.sub(r"\s+", " ", match["kind"]))
    today = ctx.register.today()
    opens = parse_day(match["opens"], today)
    if opens is None:
        return usage_error(f"I couldn't read “{match['opens']}” as the opening date", ANNOUNCE_USAGE)
    closes, rest = _leading_day(match["rest"], today)
    if closes is None:
        return usage_error(f"I couldn't read the closing date in “{match['rest'][:60]}”", ANNOUNCE_USAGE)
    url, note = _link_and_note(rest)
    problem = _dates_problem(opens, closes, today) or _link_problem(url)
    if problem:
        return usage_error("Please check the dates" if "clos" in problem else "Please check the link", "", problem)
    with ctx.register.store.sessions() as session:
        already = announcements.active_for(session, mod.reference, kind)
    if already is not None:
        return usage_error(
            f"{mod.reference}'s {consultation_name(kind)} is already announced",
            "",
            f"It is announcement {already}: use `announce correct {already} …` to change it, or "
            f"`announce withdraw {already}` first.",
        )
    payload = {
        "reference": mod.reference,
        "kind": kind,
        "opens": opens.isoformat(),
        "closes": closes.isoformat(),
        "url": url,
        "note": note,
        "by": identity(ctx.actor),
    }
    plan = Plan(
        "announce",
        f"{consultation_name(kind)} on {mod.reference}",
        payload,
        mod.reference,
        None,
        {key: payload[key] for key in ("kind", *CORRECTABLE)},
        warnings=_date_warnings(opens, closes, today),
    )
    return carry_out(ctx, typed, plan, always_confirm=True)


def _what_is_missing(args: str) -> str:
    lowered = f" {args.lower()} "
    if not args.strip():
        return "Say which modification, the kind of consultation and its dates."
    if not re.search(rf"\s({_KIND_WORDS})\s", lowered):
        return "Say which kind: refinement, report or other."
    if " opens " not in lowered and " open " not in lowered:
        return "Say when it opens: `opens <date>`."
    if " closes " not in lowered and " close " not in lowered:
        return "Say when it closes: `closes <date>`."
    return ""


def _leading_day(text: str, today: dt.date) -> tuple[dt.date | None, str]:
    """The date ``text`` starts with (the longest that reads as one) and what follows it."""
    words = text.split()
    for taken in range(min(4, len(words)), 0, -1):
        day = parse_day(" ".join(words[:taken]), today)
        if day is not None:
            return day, " ".join(words[taken:])
    return None, text


def _link_and_note(rest: str) -> tuple[str | None, str | None]:
    words = rest.split()
    if words and (link := _link(words[0])):
        return link, " ".join(words[1:]) or None
    return None, rest.strip() or None


def _link(word: str) -> str | None:
    word = _SLACK_LINK.sub(r"\1", word.strip())
    return word if word.lower().startswith(("https://", "http://")) else None


def _dates_problem(opens: dt.date, closes: dt.date, today: dt.date) -> str | None:
    if closes <= opens:
        return f"It closes on {long_date(closes)}, which is not after it opens ({long_date(opens)})."
    if closes < today:
        return f"It closed on {long_date(closes)}, before today: there is nothing to announce."
    return None


def _link_problem(url: str | None) -> str | None:
    if url and not url.lower().startswith("https://"):
        return f"The link {url} is not https: give the consultation's https address."
    return None


def _date_warnings(opens: dt.date, closes: dt.date, today: dt.date) -> list[str]:
    warnings = []
    if closes.weekday() >= 5:
        warnings.append(f"It closes on a {closes:%A} ({long_date(closes)}): is that right?")
    elif is_bank_holiday(closes):
        warnings.append(f"It closes on a bank holiday ({long_date(closes)}): is that right?")
    if opens < today:
        warnings.append(f"It opened in the past ({long_date(opens)}).")
    return warnings


def _preview_view(plan: Plan, ctx: Context) -> AnnouncementView:
    """The announcement as it will be once confirmed."""
    payload = plan.payload
    summary = ctx.register.index().summary(payload["reference"])
    now = dt.datetime.now(dt.UTC)
    return AnnouncementView(
        0,
        payload["reference"],
        summary.title if summary else None,
        payload["kind"],
        dt.date.fromisoformat(payload["opens"]),
        dt.date.fromisoformat(payload["closes"]),
        payload.get("url"),
        payload.get("note"),
        announcements.ACTIVE,
        1,
        0,
        now,
        now,
    )


def _recipients(ctx: Context, reference: str) -> list[str]:
    return [f"{sub.platform} {sub.channel_id}" for sub in recipients(ctx.register, reference)]


def _where_it_goes(ctx: Context, reference: str) -> Section:
    channels = _recipients(ctx, reference)
    if not channels:
        return Section(
            heading="Where it goes",
            text="No channel is subscribed to consultations yet: it will be recorded in the register only.",
        )
    return Section(
        heading=f"Where it goes: {plural(len(channels), 'channel')} subscribed to consultations",
        items=[Item(channel) for channel in channels[:20]],
    )


def _announce_preview(ctx: Context, plan: Plan) -> Reply:
    shown = announcement_reply(_preview_view(plan, ctx), ctx.register.today(), ctx.register_url)
    reply = Reply(
        f"Preview: {shown.title}",
        summary=shown.summary,
        sections=[*shown.sections, _where_it_goes(ctx, plan.payload["reference"])],
        links=shown.links,
    )
    return reply


def _announce_done(ctx: Context, plan: Plan, outcome: Outcome) -> Reply:
    channels = _recipients(ctx, plan.payload["reference"])
    number = outcome.result["announcement"]
    where = (
        f"It goes to {plural(len(channels), 'channel')} subscribed to consultations."
        if channels
        else "No channel is subscribed to consultations, so it is in the register only."
    )
    return Reply(
        f"Announced: {plan.title}",
        summary=f"Recorded in the register as announcement {number}. {where}",
        sections=[
            Section(
                fields=[
                    Field("Opens", readable(plan.payload["opens"])),
                    Field("Closes", readable(plan.payload["closes"])),
                ]
            )
        ],
        footer=f"To change it: `announce correct {number} …`; to take it back: `announce withdraw {number}`.",
    )


PREVIEW_REPLIES["announce"] = _announce_preview
DONE_REPLIES["announce"] = _announce_done


# -- announce correct / withdraw -------------------------------------------------------------------
def _announcement(ctx: Context, text: str, usage: str) -> tuple[AnnouncementView, str] | Reply:
    first, _, rest = text.strip().partition(" ")
    match = _ID.match(first)
    if not match:
        return usage_error("Which announcement?", usage, "Give its number: `announcements` lists them.")
    found = announcements.get(ctx.register.store, int(match[1]))
    if found is None:
        return usage_error(f"There is no announcement {match[1]}", "", "`announcements` lists them.")
    if found.withdrawn:
        return usage_error(
            f"Announcement {found.id} has been withdrawn", "", "Announce the consultation again instead."
        )
    return found, rest.strip()


@command(
    "announce correct",
    CORRECT_USAGE,
    "Correct an announcement: every posted copy is edited (shows a preview to confirm)",
    examples=("announce correct 1 closes 18 December 2026", "announce correct 1 note Responses by 5pm, please."),
    role=ADMIN,
)
def correct_command(ctx: Context, args: str) -> Reply:
    found = _announcement(ctx, args, CORRECT_USAGE)
    if isinstance(found, Reply):
        return found
    view, rest = found
    changes = _corrections(rest, ctx.register.today())
    if isinstance(changes, Reply):
        return changes
    opens = dt.date.fromisoformat(changes.get("opens") or view.opens.isoformat())
    closes = dt.date.fromisoformat(changes.get("closes") or view.closes.isoformat())
    problem = _dates_problem(opens, closes, ctx.register.today()) or _link_problem(changes.get("url"))
    if problem:
        return usage_error("Please check the correction", "", problem)
    before = {key: announcements.shown(view, key) for key in changes}
    if before == changes:
        return Reply(
            "Nothing to correct", kind="notice", summary="The announcement already says that.", cacheable=False
        )
    plan = Plan(
        "announce-correct",
        f"announcement {view.id} ({consultation_name(view.kind)} on {view.reference})",
        {"id": view.id, "changes": changes, "before": before},
        view.reference,
        before,
        changes,
        needs_confirm=True,
        warnings=_date_warnings(opens, closes, ctx.register.today()) if "closes" in changes else [],
    )
    return carry_out(ctx, f"announce correct {args}".strip(), plan)


def _corrections(text: str, today: dt.date) -> dict[str, str | None] | Reply:
    parts = _KEYWORDS.split(f" {text}")
    if len(parts) < 3 or parts[0].strip():
        return usage_error("What should I correct?", CORRECT_USAGE)
    changes: dict[str, str | None] = {}
    pairs = list(zip(parts[1::2], parts[2::2], strict=True))
    for index, (word, value) in enumerate(pairs):
        key = {"open": "opens", "close": "closes"}.get(word.lower(), word.lower())
        if key == "note":  # the note is the rest, whatever words it holds
            changes["note"] = (value + "".join(f" {w}{v}" for w, v in pairs[index + 1 :])).strip() or None
            break
        value = value.strip()
        if key == "link":
            changes["url"] = _link(value) if value else None
            if value and changes["url"] is None:
                return usage_error(f"“{value}” is not a link", CORRECT_USAGE)
            continue
        day = parse_day(value, today)
        if day is None:
            return usage_error(f"I couldn't read “{value}” as a date", CORRECT_USAGE)
        changes[key] = day.isoformat()
    return changes


def _correct_preview(ctx: Context, plan: Plan) -> Reply:
    view = announcements.get(ctx.register.store, plan.payload["id"])
    reply = Reply(f"Confirm: correct {plan.title}", summary="Every posted copy will be edited to read:")
    if view is not None:
        changed = {
            key: (dt.date.fromisoformat(v) if key in ("opens", "closes") and v else v)
            for key, v in plan.payload["changes"].items()
        }
        corrected = dataclasses.replace(view, **changed, version=view.version + 1)
        shown = announcement_reply(corrected, ctx.register.today(), ctx.register_url)
        reply.sections = [Section(heading=shown.title, text=shown.summary), *shown.sections]
    reply.sections.insert(0, Section(fields=changed_fields(plan.before, plan.after)))
    return reply


PREVIEW_REPLIES["announce-correct"] = _correct_preview


@command(
    "announce withdraw",
    WITHDRAW_USAGE,
    "Withdraw an announcement: every posted copy is marked withdrawn (shows a preview to confirm)",
    examples=("announce withdraw 1", "announce withdraw 1 the Panel deferred it"),
    details="The reason, if given, is kept in the audit log.",
    role=ADMIN,
)
def withdraw_command(ctx: Context, args: str) -> Reply:
    found = _announcement(ctx, args, WITHDRAW_USAGE)
    if isinstance(found, Reply):
        return found
    view, reason = found
    plan = Plan(
        "announce-withdraw",
        f"withdraw announcement {view.id} ({consultation_name(view.kind)} on {view.reference})",
        {"id": view.id, "reason": reason or None},
        view.reference,
        {"status": view.status},
        {"status": announcements.WITHDRAWN, **({"reason": reason} if reason else {})},
        needs_confirm=True,
    )
    return carry_out(ctx, f"announce withdraw {args}".strip(), plan)


# -- announcements ---------------------------------------------------------------------------------
@command(
    "announcements",
    "announcements",
    "The recent consultation announcements, with their numbers and how many channels have them",
    examples=("announcements",),
    role=ADMIN,
)
def announcements_command(ctx: Context, args: str) -> Reply:
    store = ctx.register.store
    found = announcements.recent(store, 20)
    reply = Reply("Consultation announcements", kind="list", cacheable=False)
    if not found:
        reply.sections.append(Section(text="None yet: `announce consultation …` makes one."))
        return reply
    items = []
    counts = announcements.copy_counts(store, [view.id for view in found])
    for view in found:
        posted = counts.get(view.id, 0)
        state = "withdrawn" if view.withdrawn else f"{long_date(view.opens)} to {long_date(view.closes)}"
        corrected = " · corrected" if view.version > 1 and not view.withdrawn else ""
        items.append(
            Item(
                f"{view.id} · {consultation_name(view.kind)} on {view.reference}",
                f"{state} · posted to {plural(posted, 'channel')}{corrected}",
                view.reference,
            )
        )
    reply.sections.append(Section(items=items))
    return reply
