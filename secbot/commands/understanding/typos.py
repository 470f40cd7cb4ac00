"""Words typed with a slip: "statsu", "serach", "consultatons", "relase".

A word is taken for a known one when it is within the edits ``secbot.slips`` allows of it and no other
known word is as close. A word of the English
dictionary (pyspellchecker's) is never a slip: "looking" is not "working", nor "returns" "returned".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from secbot.slips import closest

__all__ = ["EVERYDAY", "closest", "correct_words", "corrected", "is_english"]


_WORD = re.compile(r"[A-Za-z]+")

# Everyday words a slip is never taken for another word in: "many" is not "may", "there" not "where".
EVERYDAY = frozenset(
    {
        "about",
        "above",
        "after",
        "again",
        "also",
        "anything",
        "been",
        "before",
        "being",
        "both",
        "came",
        "come",
        "could",
        "does",
        "doing",
        "done",
        "down",
        "each",
        "even",
        "ever",
        "every",
        "from",
        "give",
        "going",
        "gone",
        "good",
        "have",
        "having",
        "here",
        "into",
        "just",
        "know",
        "like",
        "look",
        "made",
        "make",
        "many",
        "more",
        "most",
        "much",
        "must",
        "need",
        "never",
        "none",
        "number",
        "only",
        "other",
        "over",
        "please",
        "said",
        "same",
        "says",
        "seen",
        "should",
        "show",
        "some",
        "something",
        "stale",
        "such",
        "take",
        "tell",
        "than",
        "thanks",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "thing",
        "think",
        "this",
        "those",
        "through",
        "under",
        "until",
        "very",
        "want",
        "week",
        "well",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "whom",
        "whose",
        "will",
        "with",
        "would",
        "year",
        "your",
    }
)


def correct_words(text: str, known: frozenset[str]) -> str:
    """``text`` with each word that is not a known one, but is a slip of exactly one, put right
    ("whats chnaged recently" -> "whats changed recently"); references, numbers and names are left
    as they are unless one is a slip of a known word."""

    def put_right(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.lower() in known or word.lower() in EVERYDAY:
            return word
        meant = corrected(word, known)
        return meant if meant and not is_english(word) else word

    return _WORD.sub(put_right, text)


def is_english(word: str) -> bool:
    """Whether ``word`` is a word of the English dictionary (asked only of a word close to a known one)."""
    return word.lower() in _dictionary()


@functools.cache
def _dictionary() -> frozenset[str]:
    from spellchecker import SpellChecker  # here: its 160,000 words load only when a slip is suspected

    return frozenset(SpellChecker(language="en", distance=1).word_frequency.dictionary)


def corrected(word: str, known: Iterable[str]) -> str | None:
    """The one known word ``word`` was meant to be, or None when none is close or two are as close."""
    found = closest(word, known)
    if not found or (len(found) > 1 and found[1][1] == found[0][1]):
        return None
    return found[0][0]
