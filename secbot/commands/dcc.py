"""DCC Preliminary and Impact Assessments, with durations counted the SECAS way."""

from __future__ import annotations

from secbot.commands.common import more_action, page_window, past_the_end, range_heading, split_page
from secbot.commands.context import Context
from secbot.commands.registry import command
from secbot.formatting import average_wd, long_date, wd
from secbot.replies import Field, Reply, Section, Table
from secbot.vocabulary import ASSESSMENT_KINDS
from secbot.workdays import end_of_previous_month, report_average_wd, twelve_months_to

_RULE = (
    "Working days counted Monday–Friday inclusive, bank holidays not removed, as SECAS's reports count them. "
    "A duration that cannot be counted shows as — and is left out of its average."
)


@command(
    "dcc",
    "dcc [open|late|completed] [PA|IA]",
    "DCC assessments: open ones with their current duration, those over their target, or those "
    "completed in the last 12 months; PA or IA for one kind",
    aliases=("assessments", "ia", "pa"),
    examples=("dcc", "dcc late", "dcc completed IA"),
    cached=True,
)
def dcc_command(ctx: Context, args: str) -> Reply:
    register = ctx.register
    words, page = split_page(args)
    tokens = [token for token in words.lower().split() if token not in ("dcc", "assessment", "assessments", "the")]
    kind = next((token.upper() for token in tokens if token.upper() in ASSESSMENT_KINDS), None)
    word = " ".join(token for token in tokens if token.upper() not in ASSESSMENT_KINDS)
    today = register.today()
    counted_to = end_of_previous_month(today)
    late = word in ("late", "overdue", "over target", "behind")
    if word in ("", "open") or late:
        views = register.assessments(open=True)
        counted = f"Current durations to {long_date(counted_to)}, the end of the last reporting month"
        columns, when = ["Modification", "Type", "Accepted", "Target", "Current duration"], "accepted"
        reply = Reply("Open DCC assessments", kind="list", footer=_RULE, summary=f"{counted}.")
        empty, command = f"No DCC assessment is open on {long_date(today)}.", "dcc open"
        if late:
            views = [a for a in views if None not in (a.duration_wd, a.target_wd) and a.duration_wd > a.target_wd]
            reply.title, reply.summary = "Open DCC assessments over their target", f"{counted}, longer than the target."
            empty, command = f"No open DCC assessment is over its target on {long_date(today)}.", "dcc late"
    elif word in ("completed", "done", "returned", "closed", "average", "averages"):
        period_end = counted_to
        since = twelve_months_to(period_end)
        views = [a for a in register.assessments(open=False, completed_since=since) if a.returned <= period_end]
        reply = Reply(
            "DCC assessments completed in the last 12 months",
            kind="list",
            footer=_RULE,
            summary=f"Returned in the 12 months from {long_date(since)} to {long_date(period_end)}, "
            "the last reporting period.",
        )
        columns, when = ["Modification", "Type", "Returned", "Target", "Actual duration"], "returned"
        empty, command = "None returned in the last 12 months.", "dcc completed"
    else:
        return Reply(
            f"“{args.strip()[:60]}” is not a DCC filter",
            kind="error",
            summary="Try `dcc`, `dcc late`, `dcc completed` or `dcc completed IA`.",
        )
    if kind:
        views = [a for a in views if a.kind == kind]
        reply.title = f"{reply.title}: {ASSESSMENT_KINDS[kind]}s ({kind})"
        command = f"{command} {kind}"
    if not views:
        reply.sections.append(Section(text=empty))
        return reply
    # Three list pages' worth of rows per page: table rows are short.
    size = ctx.page_size * 3
    if beyond := past_the_end(len(views), page, size, command):
        return beyond
    page, start, end = page_window(len(views), page, size)
    rows = [
        [a.reference, a.kind, long_date(getattr(a, when)), wd(a.target_wd), wd(a.duration_wd)] for a in views[start:end]
    ]
    reply.sections.append(Section(heading=range_heading(len(views), start, end), table=Table(columns, rows)))
    if more := more_action(len(views), page, size, command):
        reply.actions.append(more)
    # Preliminary and Impact Assessments averaged apart, as SECAS's reports give them; a duration that
    # cannot be counted is left out of its average, and the average says so.
    for each, name in ASSESSMENT_KINDS.items():
        if kind and each != kind:
            continue
        of_kind = [a.duration_wd for a in views if a.kind == each]
        average = report_average_wd(of_kind)
        reply.sections.append(
            Section(
                heading=f"{name}s ({each})",
                fields=[Field("Total", str(len(of_kind))), Field("Average duration", average_wd(*average))],
            )
        )
    return reply
