"""Render a ``Reply`` as Slack Block Kit: messages, link unfurls and the App Home view.

Every block is built with ``slack_sdk.models`` and turned into JSON as its ``to_dict()`` would
(``_as_dict``), running slack_sdk's validators. On top of those, this module keeps Slack's documented
limits whatever the Reply holds:

- at most 50 blocks a message (100 in the home view); a Reply that would need more keeps its first
  blocks, then a context line saying what was left out, then its buttons and footer (the "More"
  button of a paged list is never the part that is cut);
- section text at most 3,000 characters: a list's items are packed several to a section up to that
  limit, a table is a preformatted block split at row boundaries (its column header repeated);
- at most 10 fields a section (each at most 2,000 characters), 25 elements an actions block,
  button text 75 characters, a button value 2,000 characters, header text 150 characters.

Register text is untrusted: ``&``, ``<`` and ``>`` are escaped in everything that comes from the
Reply, and every mrkdwn text object is ``verbatim`` so that Slack does not auto-link names or
parse mentions in it. Our own marks (``*bold*``, ``code``, ``<url|label>`` links) stay.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.basic_objects import EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    LinkButtonElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from secbot.commands.common import is_page_command
from secbot.inputs import printable, web_address
from secbot.replies import Action, Field, Item, Link, Reply, Section, Table

SHARE_ACTION_ID = "secbot_share"
RUN_ACTION_PREFIX = "secbot_run"
LINK_ACTION_PREFIX = "secbot_link"

HOME_TITLE = "SEC Modifications Register"

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
FIELDS_PER_SECTION = 10
ELEMENTS_PER_ACTIONS = 25
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
VALUE_LIMIT = 2000
URL_LIMIT = 3000
CONTEXT_TEXT_LIMIT = 2000
FALLBACK_LIMIT = 3000
_TABLE_HEAD_LIMIT = 800  # each of the column header and its rule
_TABLE_LEAD_LIMIT = 800  # a heading kept above a table in the same block

_ERROR_CUE = ":warning:"
_ELLIPSIS = "…"
_FENCE = "```"
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")
_CUT_HINT = "Ask a narrower question to see the rest"
_HOME_CUT_HINT = "Ask me in a message to see the rest"
_UNIT_WORDS = {"item": "items", "row": "table rows", "field": "fields", "text": "paragraphs"}


@dataclass
class SlackMessage:
    text: str  # plain-text fallback (notifications, screen readers): title + summary
    blocks: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------


def escape(text: str | None) -> str:
    """Make register text inert in mrkdwn: no mentions, links or entities of its own."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with "…", preferring a word boundary and never
    leaving half an ``&amp;`` entity behind."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit - 20:
        cut = cut[:space]
    cut = _PARTIAL_ENTITY.sub("", cut).rstrip()
    return cut + _ELLIPSIS


def _split_long(line: str, limit: int) -> list[str]:
    """A long (escaped) line of prose as pieces of at most ``limit`` characters, at spaces."""
    pieces: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit + 1)
        if cut <= limit // 2:
            cut = limit
            while _PARTIAL_ENTITY.search(line[:cut]) and cut > limit - 4:
                cut -= 1
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    if line:
        pieces.append(line)
    return pieces


def _bold(text: str) -> str:
    return f"*{escape(text)}*" if text.strip() else ""


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def _plain(text: str, limit: int) -> PlainTextObject:
    text = " ".join(text.split()) or "—"
    return PlainTextObject(text=shorten(text, limit), emoji=True)


def _safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for a button or a ``<url|label>`` link, or None."""
    url = (url or "").strip()
    if not web_address(url):
        return None
    url = url.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return url if len(url) <= URL_LIMIT else None


# ---------------------------------------------------------------------------------------------
# Body parts: each block with what it holds, so a cut can say what was left out
# ---------------------------------------------------------------------------------------------


@dataclass
class _Part:
    block: Block
    units: Counter = field(default_factory=Counter)


_Line = tuple[str, str | None]  # (escaped mrkdwn line, the unit it counts as)


def _pack(lines: list[_Line], limit: int = SECTION_TEXT_LIMIT) -> list[tuple[str, Counter]]:
    """Lines joined into as few texts of at most ``limit`` characters as they fit in, in order."""
    texts: list[tuple[str, Counter]] = []
    current: list[str] = []
    units: Counter = Counter()
    size = 0
    for line, unit in lines:
        line = shorten(line, limit)
        if current and size + 1 + len(line) > limit:
            texts.append(("\n".join(current), units))
            current, units, size = [], Counter(), 0
        size += len(line) + (1 if current else 0)
        current.append(line)
        if unit:
            units[unit] += 1
    if current:
        texts.append(("\n".join(current), units))
    return texts


def _text_lines(text: str | None, unit: str | None = "text") -> list[_Line]:
    lines: list[_Line] = []
    for paragraph in (text or "").splitlines():
        for piece in _split_long(escape(paragraph), SECTION_TEXT_LIMIT):
            lines.append((piece, unit))
    return [(line, unit) for line, unit in lines if line.strip()]


def _item_line(item: Item) -> str:
    text = escape(item.text)
    ref = escape(item.reference) if item.reference else ""
    if ref and text.startswith(ref) and "*" not in ref:
        text = f"*{ref}*{text[len(ref) :]}"
    detail = f" — {escape(item.detail)}" if item.detail else ""
    return f"• {text}{detail}"


def _field_text(f: Field) -> str:
    label = _bold(f.label)
    value = escape(f.value).strip() or "—"
    return shorten(f"{label}\n{value}" if label else value, FIELD_TEXT_LIMIT)


def _table_lines(table: Table) -> tuple[list[str], list[str]]:
    """(the header and rule lines, one line a row): columns aligned on the unescaped text."""

    def cell(value: object) -> str:
        return " ".join(str(value if value is not None else "").split()).replace("`", "'")

    columns = [cell(c) for c in table.columns]
    rows = [[cell(c) for c in row] for row in table.rows]
    count = max([len(columns), *(len(r) for r in rows)]) if columns or rows else 0
    columns += [""] * (count - len(columns))
    rows = [r + [""] * (count - len(r)) for r in rows]
    widths = [max(len(r[i]) for r in [columns, *rows]) for i in range(count)]

    def line(values: list[str]) -> str:
        return escape("  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip())

    head = [line(columns), escape("  ".join("-" * w for w in widths))] if any(columns) else []
    return [shorten(h, _TABLE_HEAD_LIMIT) for h in head], [line(r) for r in rows]


def _table_texts(table: Table, lead: list[_Line]) -> list[tuple[str, Counter]]:
    """The table as ``` blocks of at most 3,000 characters, split at row boundaries with the column
    header repeated; a short ``lead`` (heading, text) goes above the first one."""
    head, rows = _table_lines(table)
    texts = _pack(lead)
    above, above_units = texts.pop() if texts and len(texts[-1][0]) <= _TABLE_LEAD_LIMIT else ("", Counter())
    if not head and not rows:
        return [*texts, (above, above_units)] if above else texts
    closing = "\n" + _FENCE
    body: list[str] = []
    units: Counter = Counter()

    def opening() -> str:
        return (above + "\n" if above else "") + _FENCE + "\n" + "".join(h + "\n" for h in head)

    def flush() -> None:
        nonlocal above, above_units, body, units
        code = "\n".join(body) if body else "(no rows)"
        texts.append((opening() + code + closing, units + above_units))
        above, above_units, body, units = "", Counter(), [], Counter()

    for row in rows:
        room = SECTION_TEXT_LIMIT - len(opening()) - len(closing)
        if body and len("\n".join(body)) + 1 + len(row) > room:
            flush()
            room = SECTION_TEXT_LIMIT - len(opening()) - len(closing)
        body.append(shorten(row, room))
        units["row"] += 1
    flush()
    return texts


def _section_parts(section: Section) -> list[_Part]:
    """One Reply section as section blocks: heading and text, fields, items, table, in that order."""
    parts: list[_Part] = []
    pending: list[_Line] = []
    if section.heading and section.heading.strip():
        pending.append((_bold(section.heading), None))
    pending += _text_lines(section.text)

    if section.fields:
        fields = [_mrkdwn(_field_text(f)) for f in section.fields]
        chunks = [fields[i : i + FIELDS_PER_SECTION] for i in range(0, len(fields), FIELDS_PER_SECTION)]
        leads = _pack(pending)
        for text, units in leads[:-1]:
            parts.append(_Part(SectionBlock(text=_mrkdwn(text)), units))
        for n, chunk in enumerate(chunks):
            text, units = leads[-1] if leads and n == 0 else (None, Counter())
            block = SectionBlock(text=_mrkdwn(text) if text else None, fields=chunk)
            parts.append(_Part(block, units + Counter(field=len(chunk))))
        pending = []

    if section.items:
        item_lines: list[_Line] = [(_item_line(i), "item") for i in section.items]
        for text, units in _pack(pending + item_lines):
            parts.append(_Part(SectionBlock(text=_mrkdwn(text)), units))
        pending = []

    if section.table is not None:
        for text, units in _table_texts(section.table, pending):
            parts.append(_Part(SectionBlock(text=_mrkdwn(text)), units))
        pending = []

    for text, units in _pack(pending):
        parts.append(_Part(SectionBlock(text=_mrkdwn(text)), units))
    return parts


def _summary_parts(reply: Reply, *, with_title: bool) -> list[_Part]:
    lines: list[_Line] = []
    if with_title:
        cue = f"{_ERROR_CUE} " if not reply.ok else ""
        lines.append((cue + _bold(_title(reply)), None))
    lines += _text_lines(reply.summary, None)
    return [_Part(SectionBlock(text=_mrkdwn(text)), units) for text, units in _pack(lines)]


def _title(reply: Reply) -> str:
    return " ".join((reply.title or "").split()) or "secbot"


def _header(reply: Reply) -> HeaderBlock:
    title = _title(reply)
    if not reply.ok:
        title = f"{_ERROR_CUE} {title}"
    return HeaderBlock(text=_plain(title, HEADER_LIMIT))


# ---------------------------------------------------------------------------------------------
# Buttons and the tail of a message
# ---------------------------------------------------------------------------------------------


def _run_button(n: str, action: Action) -> ButtonElement | None:
    command = (action.command or "").strip()
    if not command or len(command) > VALUE_LIMIT:
        return None  # a cut command would run something else: better no button
    return ButtonElement(
        text=_plain(action.label or command, BUTTON_TEXT_LIMIT),
        action_id=f"{RUN_ACTION_PREFIX}_{n}",
        value=command,
        style=action.style,
    )


def _link_button(n: str, link: Link) -> ButtonElement | None:
    url = _safe_url(link.url)
    if url is None:
        return None
    return LinkButtonElement(
        text=_plain(link.label or "Open", BUTTON_TEXT_LIMIT), url=url, action_id=f"{LINK_ACTION_PREFIX}_{n}"
    )


def _buttons(reply: Reply, *, share: str | None, scope: str = "", run: bool = True) -> list[ButtonElement]:
    """Run buttons, then link buttons, then Share; at most 25, paging ("More") and Share kept first.

    ``scope`` makes action ids unique in a view holding several replies (``secbot_run_2_0``)."""
    runs = [(a, b) for n, a in enumerate(reply.actions) if run and (b := _run_button(f"{scope}{n}", a))]
    paging = [b for a, b in runs if is_page_command(a.command)]
    others = [b for a, b in runs if not is_page_command(a.command)]
    link_buttons = [b for n, link in enumerate(reply.links) if (b := _link_button(f"{scope}{n}", link))]
    share = (share or "").strip()
    share_button = []
    if share and len(share) <= VALUE_LIMIT:
        share_button = [
            ButtonElement(text=_plain("Share in channel", BUTTON_TEXT_LIMIT), action_id=SHARE_ACTION_ID, value=share)
        ]
    kept: set[int] = set()
    for button in [*paging, *share_button, *link_buttons[:1], *others, *link_buttons[1:]]:
        if len(kept) < ELEMENTS_PER_ACTIONS:
            kept.add(id(button))
    ordered = [b for _a, b in runs] + link_buttons + share_button
    return [b for b in ordered if id(b) in kept]


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[_mrkdwn(shorten(text, CONTEXT_TEXT_LIMIT))])


def _left_out(units: Counter, reply: Reply, hint: str) -> ContextBlock:
    said = [f"{n} {_UNIT_WORDS[u] if n != 1 else u}" for u, n in units.items() if n and u in _UNIT_WORDS]
    what = ", ".join(said) if said else "part of this answer"
    url = next((u for link in reply.links if (u := _safe_url(link.url))), None)
    if url:
        hint += f", or open <{url.replace('&', '&amp;')}|the register>"
    return _context(f":scissors: Not shown, to fit Slack's limits: {what}. {hint}.")


def _fit(parts: list[_Part], tail: list[Block], limit: int, reply: Reply, hint: str = _CUT_HINT) -> list[Block]:
    """``parts`` then ``tail`` in at most ``limit`` blocks; if they don't fit, the first parts, a
    note of what was left out and how to see it, then the whole tail (buttons are never cut)."""
    if len(parts) + len(tail) <= limit:
        return [p.block for p in parts] + tail
    room = max(0, limit - len(tail) - 1)
    left: Counter = Counter()
    for part in parts[room:]:
        left.update(part.units)
    return [p.block for p in parts[:room]] + [_left_out(left, reply, hint)] + tail


def _to_dicts(blocks: list[Block]) -> list[dict]:
    return [_as_dict(block) for block in blocks]


# The slack_sdk classes this module builds messages from: none changes ``to_dict`` or what it reads, and
# each names the same ``attributes`` for every instance.
_PLAIN_CLASSES = (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    LinkButtonElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
_EMPTY_ALLOWED = {(entry["type"], entry["property"]) for entry in EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST}
_KEYS: dict[type, tuple[str, ...]] = {}  # the attribute names to_dict writes, by class, in its (sorted) order


def _as_dict(value: Any) -> Any:
    """``value.to_dict()`` as slack_sdk gives it, validators and all, for a fraction of the CPU time.

    slack_sdk's ``to_dict`` runs the object's validators (Slack's limits: the SlackObjectFormationError
    safety net under this module's own cuts), then rebuilds its attribute set and sorts it, object by
    object, and converts every nested object twice: that took a quarter of the CPU time of answering an
    uncached ``/sec MP161`` (one not in the answer cache). Here every object's validators run just the
    same; the sorted attribute names are kept per class; anything not of ``_PLAIN_CLASSES`` goes through
    its own ``to_dict``. ``tests/test_renderers_property.py`` checks the result against slack_sdk's.
    """
    if isinstance(value, list | tuple):
        return [_as_dict(v) for v in value]
    if type(value) not in _PLAIN_CLASSES:
        to_dict = getattr(value, "to_dict", None)
        return {k: _as_dict(v) for k, v in to_dict().items()} if callable(to_dict) else value
    value.validate_json()
    keys = _KEYS.get(type(value)) or _KEYS.setdefault(type(value), tuple(sorted(value.attributes)))
    kind = getattr(value, "type", None)
    result = {}
    for key in keys:
        field_value = getattr(value, key, None)
        if field_value is None:
            continue
        if (kind, key) not in _EMPTY_ALLOWED and hasattr(field_value, "__len__") and len(field_value) == 0:
            continue
        result[key] = _as_dict(field_value)
    return result


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def fallback_text(reply: Reply) -> str:
    """Title and summary for notifications and screen readers (mrkdwn-escaped: Slack parses it)."""
    return _fallback(reply.printable())


def _fallback(reply: Reply) -> str:
    """``fallback_text`` of a reply already made printable."""
    parts = [_title(reply)]
    if reply.summary:
        parts.append(reply.summary.strip())
    return shorten(escape("\n".join(parts)), FALLBACK_LIMIT)


def render_reply(reply: Reply, *, command: str | None = None, shareable: bool = True) -> SlackMessage:
    """A message: header, summary, sections, the cut note if any, buttons, footer."""
    reply = reply.printable()
    command = printable(command)
    parts = [_Part(_header(reply)), *_summary_parts(reply, with_title=False)]
    for section in reply.sections:
        parts += _section_parts(section)
    tail: list[Block] = []
    buttons = _buttons(reply, share=command if shareable else None)
    if buttons:
        tail.append(ActionsBlock(elements=buttons))
    if reply.footer and reply.footer.strip():
        tail.append(_context(escape(reply.footer.strip())))
    blocks = _fit(parts, tail, MAX_BLOCKS, reply)
    return SlackMessage(text=_fallback(reply), blocks=_to_dicts(blocks))


def render_unfurl(reply: Reply) -> dict:
    """One entry of ``chat.unfurl``'s ``unfurls`` map: a compact card with no buttons."""
    reply = reply.printable()
    title = _title(reply)
    url = next((u for link in reply.links if (u := _safe_url(link.url))), None)
    cue = f"{_ERROR_CUE} " if not reply.ok else ""
    heading = f"*<{url.replace('&', '&amp;')}|{escape(shorten(title, 500))}>*" if url else _bold(shorten(title, 500))
    lines = [cue + heading]
    if reply.summary and reply.summary.strip():
        lines.append(shorten(escape(" ".join(reply.summary.split())), 1000))
    blocks: list[Block] = [SectionBlock(text=_mrkdwn("\n".join(lines)))]
    fields = next((s.fields for s in reply.sections if s.fields), [])
    if fields:
        blocks.append(SectionBlock(fields=[_mrkdwn(_field_text(f)) for f in fields[:FIELDS_PER_SECTION]]))
    blocks.append(_context(escape(reply.footer.strip()) if reply.footer and reply.footer.strip() else HOME_TITLE))
    return {"blocks": _to_dicts(blocks)}


def render_home(sections: list[Reply]) -> dict:
    """An App Home view: a header, then each Reply compact (bold title and summary, its sections,
    its link buttons), separated by dividers, in at most 100 blocks."""
    replies = [r.printable() for r in sections if r is not None]
    blocks: list[Block] = [HeaderBlock(text=_plain(HOME_TITLE, HEADER_LIMIT))]
    # Each reply's fair share of the view, not counting its divider.
    fair = max(3, (MAX_HOME_BLOCKS - 1 - len(replies)) // max(1, len(replies)))
    for n, reply in enumerate(replies):
        more_follow = n < len(replies) - 1
        room = MAX_HOME_BLOCKS - len(blocks) - 1 - (1 if more_follow else 0)  # less divider and a note
        if room < 2:
            blocks.append(_context(f"{len(replies) - n} more not shown here: ask me in a message."))
            break
        limit = min(fair, room)
        parts = _summary_parts(reply, with_title=True)
        for section in reply.sections:
            parts += _section_parts(section)
        # Link buttons only: a run button on Home would have no message to answer in.
        buttons = _buttons(reply, share=None, scope=f"{n}_", run=False)
        tail: list[Block] = [ActionsBlock(elements=buttons)] if buttons and limit >= 3 else []
        blocks.append(DividerBlock())
        blocks += _fit(parts, tail, limit, reply, _HOME_CUT_HINT)
    return View(type="home", blocks=blocks).to_dict()


def action_command(action: dict) -> str | None:
    """The command a ``block_actions`` action asks to run, or None (link and share buttons,
    anything not ours)."""
    action_id = action.get("action_id") if isinstance(action, dict) else None
    if not isinstance(action_id, str) or not action_id.startswith(f"{RUN_ACTION_PREFIX}_"):
        return None
    value = action.get("value")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


__all__ = [
    "LINK_ACTION_PREFIX",
    "RUN_ACTION_PREFIX",
    "SHARE_ACTION_ID",
    "SlackMessage",
    "action_command",
    "escape",
    "fallback_text",
    "render_home",
    "render_reply",
    "render_unfurl",
]
