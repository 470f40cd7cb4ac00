"""The prose of a report as the modification and vote readers see it: paragraphs put back together
(a PDF dump breaks every line), list items and the sentence that introduces them (their *lead*), the
heading each sits under, and the references and titles written in them ("MP161 'Title'",
"SECMP0004: Title – comment", a table cell "SECMP0035 – Title"), OCR damage in references repaired
and reported."""

from __future__ import annotations

import re
from dataclasses import dataclass

from secbot.ingest.document import Document, Line
from secbot.references import Ref, parse_reference

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


def cached(doc: Document, name: str, build):
    """What ``build(doc)`` returns, worked out once per document (every reader asks for the same)."""
    store = doc.__dict__.setdefault("_cache", {})
    if name not in store:
        store[name] = build(doc)
    return store[name]


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
        if groups and not line.bullet and not sub and _runs_on(texts[-1], text, width):
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
        if (in_table and len(previous.text.split("\n")[-1]) >= full) or (in_table and previous.text.endswith("|")):
            joined = (
                f"{previous.text.rstrip(' |')} |\n{text}" if previous.text.endswith("|") else f"{previous.text}\n{text}"
            )
            out[-1] = Line(previous.number, joined, previous.bullet)
            continue
        out.append(line)
    return tuple(Line(line.number, re.sub(r"\s*\n", " ", line.text), line.bullet) for line in out)


def heading_of(paras: tuple[Para, ...], index: int) -> Para | None:
    """The nearest heading above paragraph ``index``."""
    for para in reversed(paras[:index]):
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


# References as reports print them, OCR damage included: O/Q for 0 and l/I for 1 in the digits, a lost
# "P" ("D165") or a stray bracket ("[D165").
_REF_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_/])(?P<prefix>SEC\s?MP|MP|DP|\[D|D)[\s\-_]?(?P<digits>[0-9OQlI]{2,5})(?P<suffix>[A-Z])?(?![A-Za-z0-9])"
)
_DIGIT_SLIPS = str.maketrans("OQlI", "0011")


@dataclass(frozen=True)
class Mention:
    ref: Ref
    start: int
    end: int
    raw: str
    repaired: bool  # the text was damaged and has been read as ``ref``


def references_in(text: str) -> list[Mention]:
    """Every reference in ``text``, in order (repeats kept), with where it is."""
    found = []
    for match in _REF_TOKEN.finditer(text):
        digits = match["digits"]
        if not any(c.isdigit() for c in digits):
            continue
        prefix = match["prefix"]
        if prefix == "D" and len(digits.translate(_DIGIT_SLIPS)) != 3:
            continue  # a lone "D" is a damaged "DP" only before a DP's three digits
        fixed = digits.translate(_DIGIT_SLIPS)
        parsed = parse_reference(f"{'DP' if prefix in ('D', '[D') else prefix}{fixed}{match['suffix'] or ''}")
        if not isinstance(parsed, Ref):
            continue
        repaired = fixed != digits or prefix in ("D", "[D")
        found.append(Mention(parsed, match.start(), match.end(), match.group(0), repaired))
    return found


_FOOTNOTE = "¹²³⁴⁵⁶⁷⁸⁹⁰"
_OPEN_QUOTES = "'‘\"“"
_QUOTED = re.compile(r"\s*['‘\"“](?P<title>[^'‘’\"“”]*?(?:['’](?=\w)[^'‘’\"“”]*?)*)['’\"”](?!\w)")


def clean_title(title: str) -> str:
    """A title as printed without footnote marks, a footnoted aside ("(DUIS/MMC only³)") or
    trailing punctuation."""
    title = re.sub(rf"\s*\([^()]*[{_FOOTNOTE}][^()]*\)\s*$", "", title)
    title = re.sub(rf"[{_FOOTNOTE}]+", "", title)
    title = re.sub(r"\s+", " ", title).strip(" ,;:.–-")
    return title


_SENTENCE_WORDS = re.compile(
    r"\b(?:will|would|should|shall|has been|have been|was|were|is being|are being|we|this modification)\b", re.I
)


def looks_like_title(text: str) -> bool:
    """A title rather than a sentence: a few words, no verb of the report's narration."""
    words = text.split()
    return 1 <= len(words) <= 25 and not _SENTENCE_WORDS.search(text) and not text.endswith(".")


@dataclass(frozen=True)
class Titled:
    mention: Mention
    title: str | None
    rest: str  # what the paragraph says after the title (or after the reference)


def titled_mentions(text: str, *, cell: bool = False, starts_item: bool = False) -> list[Titled]:
    """Every reference in ``text`` with the title printed next to it, if any:
    ``REF 'Title'`` anywhere; ``REF: Title – comment`` at the start of a list item; ``REF – Title`` as a
    whole table cell."""
    found = []
    for mention in references_in(text):
        after = text[mention.end :]
        title = None
        rest = after
        quoted = _QUOTED.match(after)
        if quoted and quoted["title"].strip():
            title, rest = quoted["title"], after[quoted.end() :]
        elif cell and mention.start == 0:
            dashed = re.match(r"\s*[–—-]\s+(?P<title>.+)$", after)
            if dashed:
                title, rest = dashed["title"], ""
        elif starts_item and mention.start == 0:
            coloned = re.match(r"\s*:\s+(?P<body>.+)$", after)
            if coloned:
                title, rest = _split_comment(coloned["body"])
        if title is not None:
            title = clean_title(title)
            if not title or not looks_like_title(title):
                title, rest = None, after
        found.append(Titled(mention, title, rest))
    return found


def _split_comment(body: str) -> tuple[str, str]:
    """``Title – comment`` split at the first dash whose remainder reads as a comment on the title."""
    for match in re.finditer(r"\s[–—-]\s", body):
        rest = body[match.end() :]
        if rest[:1].islower() or re.match(r"(?:Change Board|The|It|This)\b", rest):
            return body[: match.start()], rest
    return body, ""


def subject_refs(text: str) -> list[Ref]:
    """The references ``text`` is about, in order, without repeats."""
    found: list[Ref] = []
    for mention in references_in(text):
        if mention.ref not in found:
            found.append(mention.ref)
    return found


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (never inside a quoted title or after an abbreviation's full stop)."""
    parts = re.split(r"(?<=[a-z0-9)’”'\]][.!?])\s+(?=[A-Z])", text)
    return [p for p in parts if p.strip()]
