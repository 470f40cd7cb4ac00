"""Decisions: Change Board votes and Authority decisions in a month, and what awaits the Authority."""

from __future__ import annotations

from secbot.commands.context import Context
from secbot.commands.dates import month_bounds, month_name, parse_month_phrase
from secbot.commands.registry import command
from secbot.formatting import long_date, quoted_title
from secbot.replies import Item, Reply, Section
from secbot.workdays import end_of_previous_month


@command(
    "decisions",
    "decisions [<Month YYYY>|last month|this month]",
    "Change Board votes and Authority decisions in a month (default: the last month)",
    aliases=("decision", "votes"),
    examples=("decisions May 2021", "decisions", "decisions last month"),
    cached=True,
)
def decisions_command(ctx: Context, args: str) -> Reply:
    register = ctx.register
    text = args.strip()
    if text:
        month = parse_month_phrase(text, register.today())
        if month is None:
            return Reply(
                f"I can't read “{text[:60]}” as a month",
                kind="error",
                summary="Try `decisions May 2021` or `decisions last month`.",
            )
    else:
        last = end_of_previous_month(register.today())
        month = (last.year, last.month)
    start, end = month_bounds(*month)
    votes = register.votes(start, end)
    decisions = register.decisions(start, end)
    reply = Reply(f"Decisions in {month_name(*month)}", kind="list")
    if votes:
        reply.sections.append(
            Section(
                heading="Change Board votes",
                items=[
                    Item(
                        quoted_title(v.reference, v.title),
                        f"{long_date(v.date)}: {v.outcome_label}"
                        + (f", SEC Objective {v.objective}" if v.objective else "")
                        + (f" ({v.majority})" if v.majority else ""),
                        v.reference,
                    )
                    for v in votes
                ],
            )
        )
    if decisions:
        reply.sections.append(
            Section(
                heading="Authority decisions",
                items=[
                    Item(
                        quoted_title(d.reference, d.title),
                        f"{long_date(d.date)}: {d.authority or 'the Authority'} {d.outcome}"
                        + (f" ({d.conditions})" if d.conditions else ""),
                        d.reference,
                    )
                    for d in decisions
                ],
            )
        )
    if not votes and not decisions:
        reply.sections.append(Section(text=f"The register records no votes or decisions in {month_name(*month)}."))
    pending = [p for p in register.pending_authority() if p.date <= end]
    if pending:
        reply.sections.append(
            Section(
                heading="With the Authority for decision",
                items=[
                    Item(quoted_title(p.reference, p.title), f"{p.outcome_label} on {long_date(p.date)}", p.reference)
                    for p in pending
                ],
            )
        )
    return reply
