"""The input gate: text from outside made safe before any command, store or renderer sees it.

What a person types arrives through many doors (the shell's argv and stdin, Slack and Teams messages,
button values, display names), and any of them may carry bytes no database or chat platform takes:
PostgreSQL refuses NUL in text, and a lone surrogate (half of a UTF-16 pair, as an undecodable
command-line byte or a broken JSON escape becomes) cannot be encoded as UTF-8 at all. ``printable``
makes any string storable and sendable:

- carriage returns become newlines; every other control character (C0 except tab and newline,
  DEL, and C1, which terminals read as escape sequences) is removed;
- a surrogate pair that forms a real character becomes that character; a lone surrogate becomes
  U+FFFD, the replacement character.

``gate`` is what ``App.answer`` applies once to every question: ``printable`` and then at most
``MAX_CHARS`` characters, with the note a reply carries when the question was cut. ``bounded`` does
the same for identifiers a door passes in (user, channel and thread ids, display names).
``web_address`` tells the links a renderer may make into buttons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_CHARS = 4000  # of a question; nothing secbot answers needs more
ELLIPSIS = "…"

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def printable(text: str | None) -> str:
    """``text`` without control characters or lone surrogates (see the module docstring)."""
    if not text:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if not _UNPRINTABLE.search(text):
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    if _SURROGATE.search(text):
        # UTF-16 joins the pairs that make a character and replaces every half left over.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def bounded(text: str | None, limit: int) -> str:
    """``printable(text)`` in at most ``limit`` characters ("…" marks a cut)."""
    text = printable(text)
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


@dataclass(frozen=True)
class Question:
    """What a person typed, through the gate: the text to answer and how long it was."""

    text: str  # printable, at most MAX_CHARS characters
    length: int  # characters typed (after removing control characters)

    @property
    def cut(self) -> bool:
        return self.length > MAX_CHARS

    def note(self) -> str | None:
        """What the reply says when the question was too long to read whole."""
        if not self.cut:
            return None
        return f"Your message was {self.length:,} characters; I read the first {MAX_CHARS:,}."


def gate(text: str | None) -> Question:
    cleaned = printable(text)
    return Question(cleaned[:MAX_CHARS], len(cleaned))


def web_address(url: str) -> bool:
    """Whether ``url`` is an http(s) address with a host, printable and without spaces: fit for a link
    button (platforms refuse a message whose button holds ``http://`` alone or ``javascript:``)."""
    if not url or any(c.isspace() for c in url) or _UNPRINTABLE.search(url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # an unclosed [IPv6 address
        return False
