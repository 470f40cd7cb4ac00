"""Pieces that several commands share: paging, "did you mean", and list items for modifications."""

from __future__ import annotations

import re

from secbot.commands.context import Context
from secbot.formatting import long_date, plural
from secbot.replies import Action, Item, Reply, Section
from secbot.store.views import ModSummary, Resolution

_PAGE = re.compile(r"(?:^|\s+)(?:page|p)\s*(\d{1,4})\s*$", re.IGNORECASE)
_ALL = re.compile(r"(?:^|\s+)all$", re.IGNORECASE)


def split_all(words: str) -> tuple[str, bool]:
    """``"refine all"`` -> ``("refine", True)``: "all" asks for stale modifications too."""
    match = _ALL.search(words)
    return (words[: match.start()].strip(), True) if match else (words, False)


def left_out_note(ctx: Context, left_out: int, again: str) -> str | None:
    """What a count or list left out as stale (``Register.stale``), and how to see it; None for nothing."""
    if not left_out:
        return None
    since = long_date(ctx.register.stale_before())
    were = "was" if left_out == 1 else "were"
    return (
        f"{plural(left_out, 'modification')} no report has restated since {since} {were} left out as "
        f"possibly out of date: `{again}` includes them."
    )


def split_page(args: str) -> tuple[str, int]:
    """``"firmware page 2"`` -> ``("firmware", 2)``."""
    match = _PAGE.search(args)
    if not match:
        return args.strip(), 1
    return args[: match.start()].strip(), max(1, int(match.group(1)))


def is_page_command(command: str) -> bool:
    """Whether a button's command asks for a later page ("… page 2"): such buttons page in place."""
    return split_page(command)[1] > 1


def replaces_card(command: str) -> bool:
    """Whether a button's answer replaces the card it was pressed on: paging ("More"), and Confirm and
    Cancel on a preview (so that they cannot be pressed twice). Other buttons answer below the card."""
    return is_page_command(command) or command.split(" ", 1)[0].lower() in ("confirm", "cancel")


def mod_item(summary: ModSummary, detail: str | None = None) -> Item:
    phase = " · ".join(filter(None, [summary.phase, summary.status])) or None
    return Item(summary.label, detail if detail is not None else phase, summary.reference)


def page_window(total: int, page: int, size: int) -> tuple[int, int, int]:
    """(the page actually shown, its first index, its end index) for ``total`` things ``size`` a page."""
    pages = max(1, -(-total // size))
    page = min(page, pages)
    return page, (page - 1) * size, min(total, page * size)


def more_action(total: int, page: int, size: int, command: str) -> Action | None:
    left = total - page * size
    return Action(f"More ({left} left)", f"{command} page {page + 1}") if left > 0 else None


def range_heading(total: int, start: int, end: int, heading: str | None = None) -> str | None:
    """ "11–20 of 45" when a list spans pages."""
    if end - start >= total:
        return heading
    return f"{heading + ' — ' if heading else ''}{start + 1}–{end} of {total}"


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
    reply = Reply(title, kind="list", summary=summary)
    if not items:
        reply.sections.append(Section(text=empty))
        return reply
    page, start, end = page_window(total, page, size)
    reply.sections.append(Section(heading=range_heading(total, start, end, heading), items=items[start:end]))
    if more := more_action(total, page, size, command):
        reply.actions.append(more)
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
