"""The prose of a report as every reader sees it: its lines put back into paragraphs (a PDF dump
breaks every line), list items and sub-items (``o`` as a PDF writes a second-level bullet), headings,
labels and table rows; the heading a paragraph sits under, the sentence that introduces a list (its
*lead*) and the items a sentence introduces, with the count it announces ("five modifications");
a paragraph cut into sentences; and table rows a PDF wrapped put back on one line. References and titles
in the text are ``secbot.ingest.mentions``'s."""

from __future__ import annotations

import re
from dataclasses import dataclass

from secbot.ingest.document import Document, Line, cached

_SUB_BULLET = re.compile(r"^o\s+(?=\S)")
_ENDS_SENTENCE = re.compile(r"[.:;!?][’'\")\]”]?\W{0,2}$|[.:;!?][¹²³⁴⁵⁶⁷⁸⁹⁰]+$")
_NUMBERED_HEADING = re.compile(r"^\d+(?:\.\d+)*\.?\s+[A-Z][^.:;]{0,80}$")
_JOINING_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "of",
        "on",
        "or",
        "than",
        "that",
        "the",
        "to",
        "was",
        "were",
        "which",
        "with",
        "will",
    ]
)


@dataclass(frozen=True)
class Para:
    """A paragraph, heading, table row or list item, with the lines it was made of."""

    index: int
    lines: tuple[Line, ...]
    text: str
    level: int  # 0 a paragraph, heading or table row; 1 a list item; 2 a sub-item ("o …")

    @property
    def number(self) -> int:
        return self.lines[0].number

    @property
    def cells(self) -> list[str]:
        return self.lines[0].cells

    @property
    def table_row(self) -> bool:
        return " | " in self.text

    @property
    def heading(self) -> bool:
        """A short line that is no sentence: ``Working Group meetings``, ``3.2 Approvals and Rejections``."""
        return (
            self.level == 0
            and not self.table_row
            and len(self.text.split()) <= 10
            and not re.search(r"[.:;,!?]$", self.text)
            and bool(re.match(r"[A-Z0-9]", self.text))
            and bool(re.search(r"[A-Za-z]{2}", self.text))
            and not self.text.lower().startswith("http")
        )

    @property
    def label(self) -> bool:
        """A short lead-in naming a group of list items: ``Path 2 – Authority Determination:``."""
        words = self.text.rstrip(":").split()
        return (
            self.level == 0
            and self.text.endswith(":")
            and len(words) <= 6
            and all(not w[:1].islower() or w in ("and", "of", "the", "for") for w in words)
        )


def _wrap_width(lines: tuple[Line, ...]) -> int:
    """How long a line the PDF wrapped at: lines this long that end mid-sentence run on."""
    lengths = sorted(len(line.text) for line in lines if " | " not in line.text)
    if not lengths:
        return 10**6
    return max(40, int(lengths[int(len(lengths) * 0.9)] * 0.6))


def _unbalanced(text: str) -> bool:
    opened = text.count("(") - text.count(")")
    quotes = text.count("‘") - text.count("’")
    return opened > 0 or quotes > 0 or text.count("“") > text.count("”")


def _runs_on(previous: str, text: str, width: int) -> bool:
    if " | " in text or " | " in previous or text.lower().startswith("http") or previous.lower().startswith("http"):
        return False
    if _NUMBERED_HEADING.match(text) or _NUMBERED_HEADING.match(previous):
        return False
    if text[:1].islower() and not re.search(r"[.!?][’'\")\]”]?$", previous):
        return True  # "…approval of SECMP0008;" then "and"
    if _ENDS_SENTENCE.search(previous):
        return False
    last_word = previous.rsplit(None, 1)[-1].lower() if previous.split() else ""
    return (
        text[:1].islower()
        or _unbalanced(previous)
        or last_word in _JOINING_WORDS
        or (len(previous) >= width and not re.search(r"[’'\")\]”]$", previous))
    )


def _new_lead(previous: str, text: str, level: int, width: int) -> bool:
    """``and rejected:`` after a short list item that the page did not wrap: not the item's end but the
    lead of the next list."""
    return level >= 1 and text.endswith(":") and len(previous) < width and len(text.split()) <= 12


def paragraphs(doc: Document) -> tuple[Para, ...]:
    """``doc``'s lines joined into paragraphs and list items."""
    return cached(doc, "paragraphs", _paragraphs)


def _paragraphs(doc: Document) -> tuple[Para, ...]:
    width = _wrap_width(doc.lines)
    raw = doc.text.splitlines()
    groups: list[list[Line]] = []
    texts: list[str] = []
    levels: list[int] = []
    for line in doc.lines:
        text = line.text
        numbered = re.match(r"\s*(\d+(?:\.\d+)*\.?)\s+", raw[line.number - 1]) if line.bullet else None
        if numbered and len(text.split()) <= 10 and not re.search(r"[.:;,!?]$", text):
            line = Line(line.number, f"{numbered[1]} {text}", False)  # a numbered heading, not a list item
            text = line.text
        sub = bool(_SUB_BULLET.match(text)) and not line.bullet
        if sub:
            text = _SUB_BULLET.sub("", text)
        if (
            groups
            and not line.bullet
            and not sub
            and _runs_on(texts[-1], text, width)
            and not _new_lead(texts[-1], text, levels[-1], width)
        ):
            groups[-1].append(line)
            texts[-1] = f"{texts[-1]} {text}"
            continue
        groups.append([line])
        texts.append(text)
        levels.append(2 if sub else 1 if line.bullet else 0)
    return tuple(Para(i, tuple(g), t, lvl) for i, (g, t, lvl) in enumerate(zip(groups, texts, levels, strict=True)))


def table_lines(doc: Document) -> tuple[Line, ...]:
    """``doc``'s lines with table rows that a PDF wrapped put back on one line: the lines after a row
    ("SECMP0004 | Inclusion of … | Awaiting" then "Authority Decision") continue its last cell, when the
    row ends in an open cell ("… |") or the table goes on within three lines."""
    return cached(doc, "table_lines", _table_lines)


def _table_lines(doc: Document) -> tuple[Line, ...]:
    lengths = sorted(len(line.text) for line in doc.lines)
    full = int(lengths[int(len(lengths) * 0.9)] * 0.85) if lengths else 10**6  # a line the page wrapped
    out: list[Line] = []
    width = 0  # cells in the current table's first row
    for line in doc.lines:
        text = line.text
        previous = out[-1] if out else None
        in_table = previous is not None and (" | " in previous.text or previous.text.endswith(" |"))
        if " | " in text or text.endswith(" |"):
            cells = len(text.split(" | "))
            if not in_table:
                width = cells
            elif len(previous.cells) < width and len(previous.cells) + cells - 1 == width:
                # A cell the page wrapped: its end came down with the cells after it.
                out[-1] = Line(previous.number, f"{previous.text} {text}", previous.bullet)
                continue
            out.append(line)
            continue
        caption = re.match(r"(?:Table|Figure|Chart)\s+\w+\s*[:.–-]", text, re.IGNORECASE)  # the table's caption
        if not caption and (
            (in_table and len(previous.text.split("\n")[-1]) >= full) or (in_table and previous.text.endswith("|"))
        ):
            joined = (
                f"{previous.text.rstrip(' |')} |\n{text}" if previous.text.endswith("|") else f"{previous.text}\n{text}"
            )
            out[-1] = Line(previous.number, joined, previous.bullet)
            continue
        out.append(line)
    return tuple(Line(line.number, re.sub(r"\s*\n", " ", line.text), line.bullet) for line in out)


def heading_of(paras: tuple[Para, ...], index: int, within: int | None = None) -> Para | None:
    """The nearest heading above paragraph ``index`` (at most ``within`` paragraphs up, if given)."""
    for para in reversed(paras[max(0, index - within) : index] if within else paras[:index]):
        if para.heading:
            return para
    return None


def lead_of(paras: tuple[Para, ...], index: int) -> Para | None:
    """For a list item, the sentence that introduces its list (past other items, labels and
    paragraphs, never past a heading); ``None`` for anything else."""
    if paras[index].level == 0:
        return None
    for para in reversed(paras[:index]):
        if para.level >= 1 or para.label or para.table_row:
            continue
        if para.heading:
            return None
        return para
    return None


def label_of(paras: tuple[Para, ...], index: int) -> Para | None:
    """For a list item, the label of its group (``Path 3 – Self Governance:``), if any."""
    if paras[index].level == 0:
        return None
    for para in reversed(paras[:index]):
        if para.level >= 1:
            continue
        return para if para.label else None
    return None


def items_after(paras: tuple[Para, ...], index: int, count: int | None = None) -> list[Para]:
    """The list items a sentence (paragraph ``index``) introduces: the items that follow it, past short
    labels (``Path 3 – Self Governance:``), and, while fewer than the ``count`` it announced, past
    paragraphs too (never past a heading or a table row)."""
    found: list[Para] = []
    for para in paras[index + 1 :]:
        if para.level >= 1:
            found.append(para)
            continue
        if para.label and (count is None or len(found) < count):
            continue
        if count is not None and len(found) < count and not para.heading and not para.table_row:
            continue
        break
    return found[:count] if count is not None else found


_COUNT_WORDS = (
    "no one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty"
)
_NUMBER_WORDS = {w: i for i, w in enumerate(_COUNT_WORDS.split())}
_COUNT = re.compile(
    rf"\b(?P<n>\d+|{'|'.join(_NUMBER_WORDS)})\s+(?:new\s+|open\s+)?(?:Modification Proposals?|"
    r"Draft Proposals?|modifications?|proposals?|Modification Reports?)\b",
    re.IGNORECASE,
)


def count_word(text: str) -> int | None:
    """``five`` → 5, ``12`` → 12, ``no`` → 0; ``None`` for anything else."""
    word = text.strip().lower()
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word)


def announced_count(text: str) -> int | None:
    """The number of items a sentence announces ("There are currently five modifications …")."""
    match = _COUNT.search(text)
    return count_word(match["n"]) if match else None


_SENTENCE_END = re.compile(r"(?<=[A-Za-z0-9)’”'\]][.!?])[¹²³⁴⁵⁶⁷⁸⁹]?\s+(?=[A-Z])")


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences: after a stop that follows a word, a number, a bracket or a quote, before
    a capital ("… to the DCC. The Panel …"); a footnote mark on the stop is dropped with the break."""
    return [p for p in _SENTENCE_END.split(text) if p.strip()]
