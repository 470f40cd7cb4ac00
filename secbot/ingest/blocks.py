"""A report's lines put back together as blocks: paragraphs (a PDF dump breaks every line, so a line
that does not end a sentence and is long, or is followed by one starting in lower case, runs on),
list items and sub-items (``o`` as a PDF writes a second-level bullet), headings, and table rows.
The readers of sentences ("will be held on …", "week commencing …") work on blocks, and find the list
a sentence introduces (``items_after``) and the heading a block sits under (``heading_before``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from secbot.ingest.document import Document, Line
from secbot.ingest.tables import count_word

_SUB_BULLET = re.compile(r"^o\s+(?=\S)")
_ENDS_SENTENCE = re.compile(r"[.:;!?]\W{0,2}$|[.:;!?][¹²³⁴⁵⁶⁷⁸⁹⁰\d]$")
_ENDS_CLOSED = re.compile(r"[’'\")\]”]$")  # a finished title or aside: what follows starts afresh
_NUMBERED_HEADING = re.compile(r"^\d+(?:\.\d+)*\.?\s+[A-Z][^.:;]{0,80}$")
_WRAPPED = 45  # a line at least this long that ends mid-sentence was wrapped by the PDF


@dataclass(frozen=True)
class Block:
    lines: tuple[Line, ...]
    text: str
    level: int  # 0 a paragraph or heading, 1 a list item, 2 a sub-item

    @property
    def number(self) -> int:
        return self.lines[0].number

    @property
    def table_row(self) -> bool:
        return " | " in self.lines[0].text

    @property
    def heading(self) -> bool:
        """A short line of its own that is no sentence: ``Working Group meetings``, ``3.1 New proposals``."""
        return (
            self.level == 0
            and len(self.lines) == 1
            and not self.table_row
            and len(self.text.split()) <= 10
            and not re.search(r"[.:;,!?]$", self.text)
            and not self.text.lower().startswith("http")
        )

    @property
    def label(self) -> bool:
        """A short lead-in to a list: ``Path 2 – Authority Determination:``."""
        return self.level == 0 and len(self.text.split()) <= 8 and self.text.endswith(":")


def blocks(doc: Document) -> list[Block]:
    found: list[list[Line]] = []
    levels: list[int] = []
    texts: list[str] = []
    for line in doc.lines:
        text = line.text
        sub = bool(_SUB_BULLET.match(text)) and not line.bullet
        if sub:
            text = _SUB_BULLET.sub("", text)
        previous = found[-1][-1] if found else None
        runs_on = (
            previous is not None
            and not line.bullet
            and not sub
            and " | " not in text
            and " | " not in previous.text
            and not text.lower().startswith("http")
            and not previous.text.lower().startswith("http")
            and not _NUMBERED_HEADING.match(previous.text)
            and not _NUMBERED_HEADING.match(text)
            and not _ENDS_SENTENCE.search(previous.text)
            and (text[:1].islower() or (len(previous.text) >= _WRAPPED and not _ENDS_CLOSED.search(previous.text)))
        )
        if runs_on:
            found[-1].append(line)
            texts[-1] = f"{texts[-1]} {text}"
        else:
            found.append([line])
            levels.append(2 if sub else 1 if line.bullet else 0)
            texts.append(text)
    return [Block(tuple(lines), text, level) for lines, text, level in zip(found, texts, levels, strict=True)]


def heading_before(all_blocks: list[Block], index: int, within: int = 40) -> Block | None:
    """The nearest heading above block ``index`` (at most ``within`` blocks up)."""
    for block in reversed(all_blocks[max(0, index - within) : index]):
        if block.heading:
            return block
    return None


def items_after(all_blocks: list[Block], index: int, count: int | None = None) -> list[Block]:
    """The list items a sentence (block ``index``) introduces: the items that follow it, past short
    labels (``Path 3 – Self Governance:``), and, while fewer than the ``count`` it announced, past
    paragraphs too (never past a heading)."""
    found: list[Block] = []
    for block in all_blocks[index + 1 :]:
        if block.level >= 1:
            found.append(block)
            continue
        if block.label and (count is None or len(found) < count):
            continue
        if count is not None and len(found) < count and not block.heading and not block.table_row:
            continue
        break
    if count is not None and len(found) > count:
        found = found[:count]
    return found


_COUNT = re.compile(
    r"\b(?P<n>\d+|no|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty)\s+(?:new\s+|open\s+)?(?:Modification Proposals?|"
    r"Draft Proposals?|modifications?|proposals?|Modification Reports?)\b",
    re.IGNORECASE,
)


def announced_count(text: str) -> int | None:
    """The number of items a sentence announces ("There are currently five modifications …")."""
    match = _COUNT.search(text)
    return count_word(match["n"]) if match else None
