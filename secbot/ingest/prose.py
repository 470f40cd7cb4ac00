"""The prose of a report as every reader sees it: its lines put back into paragraphs (a PDF dump
breaks every line), list items and sub-items (``o`` as a PDF writes a second-level bullet), headings,
labels and table rows; the heading a paragraph sits under, the sentence that introduces a list (its
*lead*) and the items a sentence introduces, with the count it announces ("five modifications");
a paragraph cut into sentences; table rows a PDF wrapped put back on one line; and tables a PDF's text
prints as lines of words (``lined_tables``), which are no paragraph's. References and titles
in the text are ``secbot.ingest.mentions``'s."""

from __future__ import annotations

import re
from dataclasses import dataclass

from secbot.ingest.document import Document, Line, cached

_SUB_BULLET = re.compile(r"^o\s+(?=\S)")
_ENDS_SENTENCE = re.compile(r"[.:;!?][’'\")\]”]?\W{0,2}$|[.:;!?][¹²³⁴⁵⁶⁷⁸⁹⁰]+$")
_NUMBERED_HEADING = re.compile(r"^\d{1,3}(?:\.\d+)*\.?\s+[A-Z][^.:;]{0,80}$")
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
    lined: bool = False  # a line of a table printed as lines of words (``lined_tables``)

    @property
    def number(self) -> int:
        return self.lines[0].number

    @property
    def cells(self) -> list[str]:
        return self.lines[0].cells

    @property
    def table_row(self) -> bool:
        return self.lined or " | " in self.text

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


_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*"
_DAY_MONTH_END = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}$", re.IGNORECASE)
_YEAR_START = re.compile(r"^(?:19|20)\d{2}\b")


def _runs_on(previous: str, text: str, width: int) -> bool:
    if " | " in text or " | " in previous or text.lower().startswith("http") or previous.lower().startswith("http"):
        return False
    if _NUMBERED_HEADING.match(text) or _NUMBERED_HEADING.match(previous):
        return False
    if text[:1].islower() and not re.search(r"[.!?][’'\")\]”]?$", previous):
        return True  # "…approval of SECMP0008;" then "and"
    if _ENDS_SENTENCE.search(previous):
        return False
    if _DAY_MONTH_END.search(previous) and _YEAR_START.match(text):
        return True  # "… raised on 26th June" then "2017. The Proposer …": the page broke a date
    last_word = previous.rsplit(None, 1)[-1].lower() if previous.split() else ""
    return (
        text[:1].islower()
        or _unbalanced(previous)
        or last_word in _JOINING_WORDS
        or (len(previous) >= width and not re.search(r"[’'\")\]”]$", previous))
    )


def _item_goes_on(
    group: list[Line], level: int, lines: tuple[Line, ...], at: int, raw: list[str], full: int, width: int
) -> bool:
    """A list item's next sentence on a line of its own, between it and the list's next item: the item's
    last line was filled to the page's width (so the page, not the writer, broke it), nothing (no blank
    line) stands between them, and the lines the sentence runs on to are followed by another item."""
    line = lines[at]
    before = raw[line.number - 2] if line.number >= 2 else ""
    if not (
        level >= 1
        and before.strip()
        and len(group[-1].text) >= full
        and line.text[:1].isupper()
        and not _NUMBERED_HEADING.match(line.text)
        and " | " not in line.text
        and not line.text.endswith(":")
    ):
        return False
    end = at + 1
    while end < len(lines) and not lines[end].bullet and _runs_on(lines[end - 1].text, lines[end].text, width):
        end += 1
    return end < len(lines) and (lines[end].bullet or bool(_SUB_BULLET.match(lines[end].text)))


def _new_lead(previous: str, text: str, level: int, width: int) -> bool:
    """``and rejected:`` after a short list item that the page did not wrap: not the item's end but the
    lead of the next list."""
    return level >= 1 and text.endswith(":") and len(previous) < width and len(text.split()) <= 12


def paragraphs(doc: Document) -> tuple[Para, ...]:
    """``doc``'s lines joined into paragraphs and list items."""
    return cached(doc, "paragraphs", _paragraphs)


def _paragraphs(doc: Document) -> tuple[Para, ...]:
    width = _wrap_width(doc.lines)
    lengths = sorted(len(line.text) for line in doc.lines if " | " not in line.text)
    full = int(lengths[int(len(lengths) * 0.9)] * 0.85) if lengths else 10**6  # a line the page filled
    raw = doc.text.splitlines()
    in_tables = {line.number for table in lined_tables(doc) for line in table.lines}
    groups: list[list[Line]] = []
    texts: list[str] = []
    levels: list[int] = []
    lined: list[bool] = []
    for at, line in enumerate(doc.lines):
        text = line.text
        if line.number in in_tables:
            groups.append([line])
            texts.append(text)
            levels.append(0)
            lined.append(True)
            continue
        numbered = re.match(r"\s*(\d+(?:\.\d+)*\.?)\s+", raw[line.number - 1]) if line.bullet else None
        if numbered and len(text.split()) <= 10 and not re.search(r"[.:;,!?]$", text):
            line = Line(line.number, f"{numbered[1]} {text}", False)  # a numbered heading, not a list item
            text = line.text
        sub = bool(_SUB_BULLET.match(text)) and not line.bullet
        if sub:
            text = _SUB_BULLET.sub("", text)
        if (
            groups
            and not lined[-1]
            and not line.bullet
            and not sub
            and (
                _runs_on(texts[-1], text, width)
                or _item_goes_on(groups[-1], levels[-1], doc.lines, at, raw, full, width)
            )
            and not _new_lead(texts[-1], text, levels[-1], width)
        ):
            groups[-1].append(line)
            texts[-1] = f"{texts[-1]} {text}"
            continue
        groups.append([line])
        texts.append(text)
        levels.append(2 if sub else 1 if line.bullet else 0)
        lined.append(False)
    return tuple(
        Para(i, tuple(g), t, lvl, tab)
        for i, (g, t, lvl, tab) in enumerate(zip(groups, texts, levels, lined, strict=True))
    )


# Tables a PDF's text prints as lines of words, their columns run together: found by a header line of
# nothing but column names, one of them naming the modification.
_COLUMN_WORDS = (
    r"Modification\s+Report(?:\s+Consultation)?|(?:Draft\s+)?(?:Modification|Mod)(?:\s+(?:Proposal|Ref(?:erence)?))?s?|Ref(?:erence)?|(?:Draft\s+)?Proposals?|"
    r"Title|Status|Stage|Phase|Release(?:\s+name)?|Date|Type|Kind|Accepted|Returned|Requested|"
    r"Target(?:\s+duration)?|Current(?:\s+duration)?|Actual(?:\s+duration)?|Duration|Opens|Closes|Opened|"
    r"Closed|Decision|Next\s+steps?|Description|Summary|Proposer|Organisation|Raised|Path|"
    r"Report|Consultation|Change(?:\s+Board)?|Board"
)
_LINED_HEADER = re.compile(rf"^(?:(?:{_COLUMN_WORDS})(?:\s*\(WD\))?\s*)+$", re.IGNORECASE)
_REF_COLUMN = re.compile(r"^(?:(?:Draft\s+)?(?:Modification|Mod|Proposal)|Ref(?:erence)?)", re.IGNORECASE)
_PROSE = re.compile(r"\b(?:is|are|was|were|will|has|have|had|would|should|can|may|we)\b|['‘\"“][^'’\"”]+['’\"”]\s+\w")
_FOOTNOTE_LINE = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰]|^\d\s+[A-Z][a-z]")


@dataclass(frozen=True)
class LinedRow:
    line: Line  # the row's first line, where its reference is
    more: tuple[Line, ...]  # the lines its wrapped cells went on to


@dataclass(frozen=True)
class LinedTable:
    header: Line
    columns: tuple[str, ...]  # the header's column names, lower case, in order
    rows: tuple[LinedRow, ...]
    header_more: tuple[Line, ...] = ()  # the lines a wrapped header went on to ("Current" / "duration")

    @property
    def lines(self) -> tuple[Line, ...]:
        return (self.header, *self.header_more, *(line for row in self.rows for line in (row.line, *row.more)))


def lined_tables(doc: Document) -> tuple[LinedTable, ...]:
    """Tables printed as lines of words (a PDF's text, no cell separators), each row a line opening or
    going on with a reference (after the cells to its left: a release's name and date) and the lines its
    wrapped cells went on to. Such a line is no sentence: no verb of the report's narration, nothing in
    quotes, no full stop at its end. A run of such lines after a row goes with it when another row
    follows; before the text after the table, its last line is that text's heading."""
    return cached(doc, "lined_tables", _lined_tables)


def _columns_of(text: str, *, needs_reference: bool = True) -> tuple[str, ...] | None:
    if " | " in text or not _LINED_HEADER.match(text):
        return None
    if not needs_reference:
        return ("",)
    columns = tuple(re.sub(r"\s+", " ", m.group(0)).lower() for m in re.finditer(_COLUMN_WORDS, text, re.IGNORECASE))
    if len(columns) < 2 or not any(_REF_COLUMN.match(c) for c in columns):
        return None
    return columns


def _is_row(text: str) -> bool:
    from secbot.ingest.mentions import references_in

    mentions = references_in(text)
    if not mentions or " | " in text or text.endswith((".", ":")):
        return False
    return not _PROSE.search(text[mentions[0].end :]) and len(text[: mentions[0].start].split()) <= 8


def _is_more(text: str) -> bool:
    return not (
        " | " in text
        or _ENDS_SENTENCE.search(text)
        or _NUMBERED_HEADING.match(text)
        or _FOOTNOTE_LINE.match(text)
        or _PROSE.search(text)
        or _columns_of(text)
    )


def _lined_tables(doc: Document) -> tuple[LinedTable, ...]:
    lines = doc.lines
    tables = []
    i = 0
    while i < len(lines):
        columns = _columns_of(lines[i].text)
        if columns is None:
            i += 1
            continue
        rows: list[LinedRow] = []
        j = i + 1
        # A header the page wrapped: its next lines are more column words ("Current" then "duration").
        while (
            j < len(lines)
            and j - i <= 4
            and not _is_row(lines[j].text)
            and _columns_of(lines[j].text, needs_reference=False)
        ):
            j += 1
        header_more = lines[i + 1 : j]
        if header_more:
            joined = " ".join(line.text for line in (lines[i], *header_more))
            columns = _columns_of(joined) or columns
        while j < len(lines) and _is_row(lines[j].text):
            first = lines[j]
            k = j + 1
            while k < len(lines) and _is_more(lines[k].text) and not _is_row(lines[k].text):
                k += 1
            run = lines[j + 1 : k]
            if not (k < len(lines) and _is_row(lines[k].text)) and run:
                run = run[:-1]  # the heading of what follows the table
            rows.append(LinedRow(first, tuple(run)))
            j = j + 1 + len(run)
            if j < k:
                break
        if rows:
            tables.append(LinedTable(lines[i], columns, tuple(rows), tuple(header_more)))
        i = max(j, i + 1)
    return tuple(tables)


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


_SENTENCE_END = re.compile(
    r"(?<=[A-Za-z0-9)’”'\]][.!?])[¹²³⁴⁵⁶⁷⁸⁹]?\s+(?=[A-Z])"
    # A list item that ends in a day without a stop, and the paragraph after it that a PDF's text ran on
    # to it: "… on 26th October 2018 The Initial Modification Reports …".
    r"|(?<=\b(?:19|20)\d\d)\s+(?=(?:The|This|These|It|We)\s+[a-z]*[A-Z]?)"
)


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences: after a stop that follows a word, a number, a bracket or a quote, before
    a capital ("… to the DCC. The Panel …"); a footnote mark on the stop is dropped with the break."""
    return [p for p in _SENTENCE_END.split(text) if p.strip()]
