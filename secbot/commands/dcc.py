"""DCC Preliminary and Impact Assessments, with durations counted the SECAS way."""

from __future__ import annotations

import datetime as dt

from secbot.commands.common import split_page
from secbot.commands.context import Context
from secbot.commands.registry import command
from secbot.formatting import long_date
from secbot.replies import Action, Field, Reply, Section, Table
from secbot.workdays import end_of_previous_month

_RULE = "Working days counted Monday–Friday inclusive, bank holidays not removed, as SECAS's reports count them."


@command(
    "dcc",
    "dcc [open|completed]",
    "DCC assessments: open ones with their current duration, or those completed in the last 12 months",
    aliases=("assessments", "ia", "pa"),
    examples=("dcc", "dcc completed"),
)
def dcc_command(ctx: Context, args: str) -> Reply:
    register = ctx.register
    words, page = split_page(args)
    word = words.lower()
    today = register.today()
    if word in ("", "open"):
        views = register.assessments(open=True)
        counted_to = views[0].counted_to if views else None
        reply = Reply(
            "Open DCC assessments",
            kind="list",
            summary=f"Current durations to {long_date(counted_to)}, the end of the last reporting month."
            if counted_to
            else None,
            footer=_RULE,
        )
        if views:
            _add_table(
                ctx,
                reply,
                ["Modification", "Type", "Accepted", "Target", "Current duration"],
                [[a.reference, a.kind, long_date(a.accepted), _wd(a.target_wd), _wd(a.duration_wd)] for a in views],
                page,
                "dcc open",
            )
        else:
            reply.sections.append(Section(text=f"No DCC assessment is open on {long_date(today)}."))
        return reply
    if word in ("completed", "done", "returned", "closed"):
        period_end = end_of_previous_month(today)
        since = (period_end + dt.timedelta(days=1)).replace(year=period_end.year - 1)
        views = [a for a in register.assessments(open=False, completed_since=since) if a.returned <= period_end]
        reply = Reply(
            "DCC assessments completed in the last 12 months",
            kind="list",
            summary=f"Returned in the 12 months from {long_date(since)} to {long_date(period_end)}, "
            "the last reporting period.",
            footer=_RULE,
        )
        if views:
            _add_table(
                ctx,
                reply,
                ["Modification", "Type", "Returned", "Target", "Actual duration"],
                [[a.reference, a.kind, long_date(a.returned), _wd(a.target_wd), _wd(a.duration_wd)] for a in views],
                page,
                "dcc completed",
            )
        else:
            reply.sections.append(Section(text="None returned in the last 12 months."))
        return reply
    return Reply(
        f"“{args.strip()}” is not a DCC filter", kind="error", summary="Try `dcc`, `dcc open` or `dcc completed`."
    )


def _add_table(ctx: Context, reply: Reply, columns: list[str], rows: list[list[str]], page: int, command: str) -> None:
    """One page of a table (three times the list page size: rows are short), with a More action."""
    size = ctx.page_size * 3
    pages = max(1, -(-len(rows) // size))
    page = min(page, pages)
    shown = rows[(page - 1) * size : page * size]
    heading = f"{(page - 1) * size + 1}–{(page - 1) * size + len(shown)} of {len(rows)}" if pages > 1 else None
    reply.sections.append(Section(heading=heading, table=Table(columns, shown)))
    if page < pages:
        reply.actions.append(Action(f"More ({len(rows) - page * size} left)", f"{command} page {page + 1}"))
    averages = [int(r[-1].split()[0]) for r in rows if r[-1] != "—"]
    if averages:
        reply.sections.append(
            Section(
                fields=[
                    Field("Total", str(len(rows))),
                    Field("Average duration", f"{int(sum(averages) / len(averages) + 0.5)} WD"),
                ]
            )
        )


def _wd(value: int | None) -> str:
    return f"{value} WD" if value is not None else "—"
