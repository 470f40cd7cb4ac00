"""``changes [since <date> | last month | last report]``: what changed in the register between two days."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, TypeVar

from secbot.commands.common import mod_item
from secbot.commands.context import Context
from secbot.commands.dates import first_day_of, parse_as_of, parse_month_phrase
from secbot.commands.registry import command
from secbot.formatting import long_date, plural, quoted_title
from secbot.replies import Item, Reply, Section
from secbot.store.differences import Changes, between, dated_in
from secbot.store.views import ModSummary, ScopeEntry
from secbot.workdays import end_of_previous_month

T = TypeVar("T")
_A_MONTHS_REPORT = re.compile(
    r"^(?:the\s+)?(?P<month>[a-z]+(?:\s+\d{4})?)\s+(?:update|report|paper|csr|status\s+report)$", re.IGNORECASE
)
_USAGE = "`changes`, `changes since 1 May 2021`, `changes last month` or `changes last report`"


@command(
    "changes",
    "changes [since <date> | last month | last report]",
    "What changed in the register: new proposals, phase and status changes, votes, decisions, "
    "consultations, release scope (default: since the report before the latest)",
    aliases=("changed",),
    examples=("changes", "changes since 1 May 2021", "changes last month"),
    cached=True,
)
def changes_command(ctx: Context, args: str) -> Reply:
    span = _span(ctx, args.strip().lower())
    if isinstance(span, Reply):
        return span
    start, end, label = span
    if (start, end) == _last_month(ctx.register.today()):  # what happened in it, though a later report told of it
        return _month_reply(dated_in(ctx.register, start, end), label, ctx.register.today())
    return _reply(between(ctx.register, start, end), label)


def _span(ctx: Context, words: str) -> tuple[dt.date, dt.date, str] | Reply:
    today = ctx.register.today()
    if words in ("", "last report", "since last report", "since the last report"):
        days = ctx.register.report_days()
        if len(days) < 2:
            return Reply(
                "No earlier report to compare with",
                kind="notice",
                summary=f"The register holds {plural(len(days), 'report')} up to {long_date(today)}. Ask {_USAGE}.",
            )
        return days[-2], today, f"since the report of {long_date(days[-2])}"
    if words in ("last month", "in the last month"):
        start, end = _last_month(today)
        return start, end, f"in {end:%B %Y}"
    when = words.removeprefix("since").strip()
    named = _A_MONTHS_REPORT.match(when)
    if named:  # "since the May report": since the report issued that month
        month = parse_month_phrase(named["month"], today)
        issued = [day for day in ctx.register.report_days() if month and (day.year, day.month) == month]
        if not issued:
            return Reply(f"No report was issued in {named['month'].title()}", kind="error", summary=f"Ask {_USAGE}.")
        return issued[-1], today, f"since the report of {long_date(issued[-1])}"
    # "since May", "since 2019": since the month's or year's first day (as "since 1 May"), not its end
    start = (first_day_of(when, today) or parse_as_of(when, today)) if when else None
    if start is None:
        return Reply(f"“{words[:60]}” is not a day I can read", kind="error", summary=f"Ask {_USAGE}.")
    if start >= today:
        return Reply(
            "Nothing can have changed yet", kind="notice", summary=f"Ask about a day before {long_date(today)}."
        )
    return start, today, f"since {long_date(start)}"


def _last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The end of the month before last, and of last month: the days ``changes last month`` lies between."""
    end = end_of_previous_month(today)
    return end_of_previous_month(end), end


_SHOWN = 25  # things a section lists; its heading counts them all


def shown_items(things: list[T], item: Callable[[T], Item]) -> list[Item]:
    """The first ``_SHOWN`` of ``things`` as items (only those are made), and how many more there are."""
    items = [item(thing) for thing in things[:_SHOWN]]
    if len(things) > _SHOWN:
        items.append(Item("…", f"and {len(things) - _SHOWN} more"))
    return items


def span(changes: Changes) -> str:
    return f"From the end of {long_date(changes.start)} to the end of {long_date(changes.end)}"


def _reply(changes: Changes, label: str) -> Reply:
    title = f"What changed {label}"
    if not changes:
        return Reply(title, kind="list", summary=f"{span(changes)}, the register records no change.")
    reply = Reply(title, kind="list", summary=f"{span(changes)}.")
    reply.sections += [
        Section(heading=f"{heading} ({len(things)})", items=shown_items(things, item))
        for heading, things, item in parts(changes)
    ]
    return reply


def _month_reply(changes: Changes, label: str, today: dt.date) -> Reply:
    month, since = f"{changes.end:%B %Y}", long_date(changes.start + dt.timedelta(days=1))
    stands = f"The register, as it stands on {long_date(today)},"
    reply = _reply(changes, label)
    reply.summary = f"{stands} dates {'these' if changes else 'nothing'} in {month}."
    reply.footer = f"Phase changes and release scope carry no day of their own: `changes since {since}` lists them."
    return reply


def parts(changes: Changes) -> list[tuple[str, list, Callable[[Any], Item]]]:
    """Each kind of change there was: its heading, the changes, and how one reads as a list item."""
    drafts = [m for m in changes.new if m.reference.startswith("DP")]
    proposals = [m for m in changes.new if not m.reference.startswith("DP")]
    parts: list[tuple[str, list, Callable[[Any], Item]]] = [
        ("New Draft Proposals", drafts, mod_item),
        ("New in the register", proposals, mod_item),
        (
            "Phase and status changes",
            changes.moved,
            lambda m: mod_item(m.after, f"{_stage(m.before)} → {_stage(m.after)}"),
        ),
        ("Change Board votes", changes.votes, lambda v: _item(v, f"{v.outcome_label} on {long_date(v.date)}")),
        ("Authority decisions", changes.decisions, lambda d: _item(d, f"{d.outcome} on {long_date(d.date)}")),
        ("Consultations opened", changes.opened, lambda c: _item(c, f"{c.kind_label}, opened {long_date(c.opens)}")),
        ("Consultations closed", changes.closed, lambda c: _item(c, f"{c.kind_label}, closed {long_date(c.closes)}")),
        (
            "Release scope",
            changes.scope,
            lambda s: _item(s.entry, f"{s.release}: {_scope_change(s.before, s.after)}"),
        ),
    ]
    return [(heading, things, item) for heading, things, item in parts if things]


def _item(about: Any, detail: str) -> Item:
    """An item about one modification (anything with its ``reference`` and ``title``)."""
    return Item(quoted_title(about.reference, about.title), detail, about.reference)


def _scope_change(before: ScopeEntry | None, after: ScopeEntry | None) -> str:
    if before is None:
        return f"added ({after.status})"
    if after is None:
        return f"no longer listed (was {before.status})"
    return f"{before.status} → {after.status}"


def _stage(mod: ModSummary) -> str:
    return " · ".join(filter(None, [mod.phase, mod.status])) or "not reported"
