"""Pieces that several commands share: paging (and "No more results" past the last page), "did you
mean", and list items for modifications."""

from __future__ import annotations

import re

from secbot.commands.context import Context
from secbot.formatting import agreeing, long_date, plural
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
    return (
        f"{plural(left_out, 'modification')} no report has restated since {since} "
        f"{agreeing(left_out, 'was', 'were')} left out as possibly out of date: "
        f"`{again}` includes {agreeing(left_out, 'it', 'them')}."
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


def page_count(total: int, size: int) -> int:
    """How many pages ``total`` things fill, ``size`` a page (at least one, even for nothing)."""
    return max(1, -(-total // size))


def page_window(total: int, page: int, size: int) -> tuple[int, int, int]:
    """(the page actually shown, its first index, its end index) for ``total`` things ``size`` a page.

    A page past the last is the last: callers answer it with ``past_the_end`` before asking.
    """
    page = min(page, page_count(total, size))
    return page, (page - 1) * size, min(total, page * size)


def page_command(command: str, page: int) -> str:
    """The text that asks for ``page`` of ``command``'s list: the command alone for the first page."""
    return f"{command} page {page}" if page > 1 else command


def more_action(total: int, page: int, size: int, command: str) -> Action | None:
    left = total - page * size
    return Action(f"More ({left} left)", page_command(command, page + 1)) if left > 0 else None


def past_the_end(total: int, page: int, size: int, command: str) -> Reply | None:
    """ "No more results" for a page past the last of ``total`` things (how many, and which page is
    the last, with a button back to it); None for a page that has something on it, or when there is
    nothing at all (the list's own "nothing" says it better)."""
    pages = page_count(total, size)
    if not total or page <= pages:
        return None
    where = "all on page 1" if pages == 1 else f"on {plural(pages, 'page')}; page {pages} is the last"
    reply = Reply(
        "No more results",
        kind="notice",
        summary=f"There is no page {page}: `{command}` gave {plural(total, 'result')}, {where}.",
    )
    reply.actions.append(Action(f"Page {pages}" if pages > 1 else "Back to the list", page_command(command, pages)))
    return reply


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
    if beyond := past_the_end(total, page, size, command):
        return beyond
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
        reply.summary = f"I couldn't find {asked}. Did you mean {or_list(resolution.suggestions)}?"
        reply.suggestions = list(resolution.suggestions)
        reply.actions = [Action(ref, ref) for ref in resolution.suggestions]
    else:
        reply.summary = f"I couldn't find {asked}, and nothing in the register is close to it."
    reply.footer = "Try `search <words>` to look by title, proposer or organisation."
    return reply


def closest(text: str, choices: list[str], *, limit: int = 3, ignore: tuple[str, ...] = ()) -> list[str]:
    """The ``choices`` closest to ``text`` as people mistype them (rapidfuzz), best first; none below a
    close match. Words in ``ignore`` (those every choice shares, "SEC Release") are left out of both."""
    return [choice for choice, _score in _scored(text, choices, limit, ignore)]


def clearly_closest(text: str, choices: list[str]) -> str | None:
    """The one choice ``text`` was clearly meant as ("nothern powergrid": Northern PowerGrid, well ahead of
    Npower), or None when none is close or several are about as close ("power")."""
    found = _scored(text, choices, 2, ())
    if not found or found[0][1] < _CLEAR_SCORE:
        return None
    return found[0][0] if len(found) == 1 or found[0][1] - found[1][1] >= _CLEAR_LEAD else None


_CLEAR_SCORE, _CLEAR_LEAD = 90, 8  # rapidfuzz WRatio: a close match, well ahead of the next


def _scored(text: str, choices: list[str], limit: int, ignore: tuple[str, ...]) -> list[tuple[str, float]]:
    from rapidfuzz import fuzz, process, utils  # here: only answers to a near miss need it

    ignored = {word.lower() for word in ignore}

    def words(value: str) -> str:
        return " ".join(w for w in utils.default_process(value).split() if w not in ignored)

    wanted = words(text)
    if not wanted:
        return []
    found = process.extract(wanted, choices, scorer=fuzz.WRatio, processor=words, limit=limit, score_cutoff=75)
    return [(choice, score) for choice, score, _index in found]


def or_list(values: list[str]) -> str:
    """ "A", "A or B", "A, B or C"."""
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def count_line(items: list, word: str) -> str:
    return plural(len(items), word)
