"""References and titles as a report's prose writes them: every reference in a text with where it is
("MP161", OCR damage such as "MPO78", "D165", "[D165" repaired and flagged), the title printed next
to one ("MP161 'Title'", "SECMP0004: Title – comment" opening a list item, a table cell
"SECMP0035 – Title"), and the references a text is about."""

from __future__ import annotations

import re
from dataclasses import dataclass

from secbot.references import Ref, parse_reference

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
# The title in quotes after its reference, maybe after a dash or colon ("DP113 – 'Title'", "MP101: 'Title'").
_QUOTED = re.compile(
    # "MP113 is 'Title'." — a sentence giving just the title — as well as "MP113 – 'Title'".
    r"(?:\s*[–—:-]|\s+is(?=\s+['‘\"“][^'‘’\"“”]+['’\"”]\.(?:\s|$)))?"
    r"\s*['‘\"“](?P<title>[^'‘’\"“”]*?(?:['’](?=\w)[^'‘’\"“”]*?)*)['’\"”](?!\w)"
)


def clean_title(title: str) -> str:
    """A title as printed without footnote marks, a footnoted aside ("(DUIS/MMC only³)", or "(DUIS/MMC
    only3)" as a PDF's text has it) or trailing punctuation."""
    title = re.sub(rf"\s*\([^()]*[{_FOOTNOTE}][^()]*\)\s*$", "", title)
    # A PDF's text prints the mark as a plain digit on the word: "(DUIS/MMC only2)".
    title = re.sub(r"\s*\([^()]*\b[a-z]{3,}\d\)\s*$", "", title)
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
