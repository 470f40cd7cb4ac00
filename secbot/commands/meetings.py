"""Working Group meetings: ``wg``, ``wg next``, ``wg last``, ``wg <date>``."""

from __future__ import annotations

import datetime as dt

from secbot.commands.common import mod_item
from secbot.commands.context import Context
from secbot.commands.dates import month_bounds, parse_day, parse_month
from secbot.commands.registry import command
from secbot.formatting import long_date, on_day
from secbot.replies import Action, Item, Link, Reply, Section
from secbot.store.views import MeetingView, ModSummary


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
    register = ctx.register
    today = register.today()
    word = args.strip().lower()
    if word in ("", "next", "upcoming"):
        found = register.meetings("working_group", which="next")
        if not found:
            last = register.meetings("working_group", which="last")
            reply = Reply(
                "No Working Group meeting is scheduled",
                kind="notice",
                summary=f"The register has no Working Group meeting on or after {long_date(today)}.",
            )
            if last:
                reply.actions.append(Action(f"Last: {long_date(last[0].date)}", "wg last"))
            return reply
        return meeting_reply(found[0], "Next Working Group meeting.", today)
    if word in ("last", "previous", "latest"):
        found = register.meetings("working_group", which="last")
        if not found:
            return Reply(
                "No earlier Working Group meeting",
                kind="notice",
                summary=f"The register has no Working Group meeting before {long_date(today)}.",
            )
        return meeting_reply(found[0], "Last Working Group meeting.", today)
    day = parse_day(args, today)
    if day:
        found = register.meetings("working_group", on=day)
        if found:
            return meeting_reply(found[0], "Working Group meeting.", today)
        near = register.meetings_near("working_group", day)
        reply = Reply(f"No Working Group meeting on {long_date(day)}", kind="error")
        if near:
            reply.summary = "The nearest ones in the register: " + ", ".join(long_date(m.date) for m in near) + "."
            reply.actions = [Action(long_date(m.date), f"wg {m.date.isoformat()}") for m in near]
        return reply
    month = parse_month(args)
    if month:
        start, end = month_bounds(*month)
        found = [m for m in register.meetings("working_group") if start <= m.date <= end]
        if len(found) == 1:
            return meeting_reply(found[0], "Working Group meeting.", today)
        if found:
            reply = Reply(f"Working Group meetings in {start:%B %Y}", kind="list")
            reply.sections.append(
                Section(items=[Item(long_date(m.date), ", ".join(i.reference for i in m.items)) for m in found])
            )
            return reply
        return Reply(f"No Working Group meeting in {start:%B %Y}", kind="error", summary="Try `wg next` or `wg last`.")
    return Reply(
        f"I can't read “{args.strip()}” as a date",
        kind="error",
        summary="Try `wg`, `wg last`, `wg 7 July 2021` or `wg July 2021`.",
    )
