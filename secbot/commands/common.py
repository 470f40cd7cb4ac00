"""Pieces that several commands share: paging, "did you mean", and list items for modifications."""

from __future__ import annotations

import re

from secbot.commands.context import Context
from secbot.formatting import plural
from secbot.replies import Action, Item, Reply, Section
from secbot.store.views import ModSummary, Resolution

_PAGE = re.compile(r"(?:^|\s+)(?:page|p)\s*(\d{1,4})\s*$", re.IGNORECASE)


def split_page(args: str) -> tuple[str, int]:
    """``"firmware page 2"`` -> ``("firmware", 2)``."""
    match = _PAGE.search(args)
    if not match:
        return args.strip(), 1
    return args[: match.start()].strip(), max(1, int(match.group(1)))


def mod_item(summary: ModSummary, detail: str | None = None) -> Item:
    phase = " · ".join(filter(None, [summary.phase, summary.status])) or None
    return Item(summary.label, detail if detail is not None else phase, summary.reference)


def paged(
    ctx: Context,
    title: str,
    items: list[Item],
    page: int,
    command: str,
    *,
    total: int | None = None,
    summary: str | None = None,
    empty: str = "Nothing to show.",
    heading: str | None = None,
) -> Reply:
    """A list reply showing one page of ``items``, with a More action when more remain.

    ``items`` may stop at the end of the page asked for when ``total`` says how many there are.
    """
    size = ctx.page_size
    total = len(items) if total is None else total
    pages = max(1, -(-total // size))
    page = min(page, pages)
    shown = items[(page - 1) * size : page * size]
    reply = Reply(title, kind="list", summary=summary)
    if not items:
        reply.sections.append(Section(text=empty))
        return reply
    if pages > 1:
        first = (page - 1) * size + 1
        heading = f"{heading + ' — ' if heading else ''}{first}–{first + len(shown) - 1} of {total}"
    reply.sections.append(Section(heading=heading, items=shown))
    if page < pages:
        reply.actions.append(Action(f"More ({total - page * size} left)", f"{command} page {page + 1}"))
    return reply


def not_found(resolution: Resolution, what: str = "modification") -> Reply:
    asked = resolution.asked
    reply = Reply(f"No {what} {asked} in the register", kind="error")
    if resolution.suggestions:
        reply.summary = f"I couldn't find {asked}. Did you mean {_or_list(resolution.suggestions)}?"
        reply.suggestions = list(resolution.suggestions)
        reply.actions = [Action(ref, ref) for ref in resolution.suggestions]
    else:
        reply.summary = f"I couldn't find {asked}, and nothing in the register is close to it."
    reply.footer = "Try `search <words>` to look by title, proposer or organisation."
    return reply


def _or_list(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def count_line(items: list, word: str) -> str:
    return plural(len(items), word)
