"""Meetings and their agendas: ``wg``, ``panel``, ``cb`` (Change Board) and ``csc`` (Change
Sub-Committee), each ``next``, ``last``, on a day or in a month."""

from __future__ import annotations

import datetime as dt

from secbot.commands.common import mod_item
from secbot.commands.context import Context
from secbot.commands.dates import month_bounds, parse_day, parse_day_without_year, parse_month_phrase
from secbot.commands.registry import command
from secbot.formatting import long_date, on_day
from secbot.replies import Action, Item, Link, Reply, Section
from secbot.store.views import MeetingView, ModSummary
from secbot.vocabulary import MEETING_KINDS


def meeting_reply(meeting: MeetingView, label: str, today: dt.date) -> Reply:
    reply = Reply(f"{meeting.kind_label}: {long_date(meeting.date)}", kind="list", summary=label)
    if meeting.title:
        reply.sections.append(Section(text=meeting.title))
    if meeting.agenda_published:
        when = on_day(meeting.agenda_published, today, "announced", "to be announced")
        reply.sections.append(Section(text=f"Provisional agenda {when}."))
    if meeting.items:
        reply.sections.append(
            Section(
                heading="Agenda",
                items=[
                    mod_item(
                        ModSummary(i.reference, i.title, i.phase, None),
                        " · ".join(filter(None, [i.phase, i.note])) or None,
                    )
                    for i in meeting.items
                ],
            )
        )
    else:
        reply.sections.append(Section(text="The register has no agenda items for this meeting."))
    if meeting.url:
        reply.links.append(Link("Meeting page", meeting.url))
    reply.actions = [Action(i.reference, i.reference) for i in meeting.items[:5]]
    if meeting.kind == "working_group":  # the agenda digest is the Working Group's
        reply.actions.append(Action("Subscribe", "subscribe agenda"))
    return reply


@command(
    "wg",
    "wg [next|last|<date>|<Month YYYY>]",
    "The next Working Group meeting and its agenda, or the last or a given one",
    aliases=("working-group", "workinggroup"),
    examples=("wg", "wg last", "wg 2 June 2021", "wg July 2021"),
    cached=True,
)
def wg_command(ctx: Context, args: str) -> Reply:
    return meetings_reply(ctx, args, "working_group", "wg")


@command(
    "panel",
    "panel [next|last|<date>|<Month YYYY>]",
    "The next SEC Panel meeting and its agenda, or the last or a given one",
    aliases=("sec-panel",),
    examples=("panel", "panel last", "panel 18 June 2021"),
    cached=True,
)
def panel_command(ctx: Context, args: str) -> Reply:
    return meetings_reply(ctx, args, "panel", "panel")


@command(
    "cb",
    "cb [next|last|<date>|<Month YYYY>]",
    "The next Change Board meeting and its agenda, or the last or a given one",
    aliases=("change-board", "changeboard"),
    examples=("cb", "cb last", "cb May 2021"),
    cached=True,
)
def change_board_command(ctx: Context, args: str) -> Reply:
    return meetings_reply(ctx, args, "change_board", "cb")


@command(
    "csc",
    "csc [next|last|<date>|<Month YYYY>]",
    "The next Change Sub-Committee meeting and its agenda, or the last or a given one",
    aliases=("change-sub-committee",),
    examples=("csc", "csc last", "csc May 2021"),
    cached=True,
)
def sub_committee_command(ctx: Context, args: str) -> Reply:
    return meetings_reply(ctx, args, "change_sub_committee", "csc")


def meetings_reply(ctx: Context, args: str, kind: str, word_command: str) -> Reply:
    """A meeting of ``kind`` (``MEETING_KINDS``) as ``args`` names it: next, last, on a day or in a month."""
    register = ctx.register
    today = register.today()
    label = MEETING_KINDS[kind]
    word = args.strip().lower()
    if word in ("", "next", "upcoming"):
        found = register.meetings(kind, which="next")
        if not found:
            last = register.meetings(kind, which="last")
            reply = Reply(
                f"No {label} meeting is scheduled",
                kind="notice",
                summary=f"The register has no {label} meeting on or after {long_date(today)}.",
            )
            if last:
                reply.actions.append(Action(f"Last: {long_date(last[0].date)}", f"{word_command} last"))
            return reply
        return meeting_reply(found[0], f"Next {label} meeting.", today)
    if word in ("last", "previous", "latest"):
        found = register.meetings(kind, which="last")
        if not found:
            return Reply(
                f"No earlier {label} meeting",
                kind="notice",
                summary=f"The register has no {label} meeting before {long_date(today)}.",
            )
        return meeting_reply(found[0], f"Last {label} meeting.", today)
    day = parse_day(args, today) or parse_day_without_year(args, today)
    if day:
        found = register.meetings(kind, on=day)
        if found:
            return meeting_reply(found[0], f"{label} meeting.", today)
        near = register.meetings_near(kind, day)
        reply = Reply(f"No {label} meeting on {long_date(day)}", kind="error")
        if near:
            reply.summary = "The nearest ones in the register: " + ", ".join(long_date(m.date) for m in near) + "."
            reply.actions = [Action(long_date(m.date), f"{word_command} {m.date.isoformat()}") for m in near]
        return reply
    month = parse_month_phrase(args, today, ahead=None)
    if month:
        start, end = month_bounds(*month)
        found = [m for m in register.meetings(kind) if start <= m.date <= end]
        if len(found) == 1:
            return meeting_reply(found[0], f"{label} meeting.", today)
        if found:
            reply = Reply(f"{label} meetings in {start:%B %Y}", kind="list")
            reply.sections.append(
                Section(items=[Item(long_date(m.date), ", ".join(i.reference for i in m.items)) for m in found])
            )
            return reply
        return Reply(
            f"No {label} meeting in {start:%B %Y}",
            kind="error",
            summary=f"Try `{word_command} next` or `{word_command} last`.",
        )
    return Reply(
        f"I can't read “{args.strip()[:60]}” as a date",
        kind="error",
        summary=f"Try `{word_command}`, `{word_command} last`, `{word_command} 7 July 2021` or "
        f"`{word_command} July 2021`.",
    )
