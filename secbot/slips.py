"""How far a typed word may be from the word meant and still be read as it: the one rule for a slip
in a command word ("statsu") and in a word searched for ("firmwre"). A swap of two neighbouring letters
counts as one edit (optimal string alignment); short words must be exact ("pa" and "ia" are one edit
apart, as are "cb" and "wg")."""

from __future__ import annotations

from collections.abc import Iterable


def allowed_edits(word: str) -> int:
    """How many slips a word of this length may hold and still be read as the word meant."""
    length = len(word)
    return 0 if length < 4 else 1 if length < 7 else 2


def closest(word: str, known: Iterable[str], limit: int = 3) -> list[tuple[str, int]]:
    """The known words within ``word``'s allowed edits, closest first, as (word, edits)."""
    edits = allowed_edits(word)
    if edits == 0:
        return []
    from rapidfuzz import process  # here: a word typed right never needs it
    from rapidfuzz.distance import OSA

    found = process.extract(word.lower(), known, scorer=OSA.distance, score_cutoff=edits, limit=limit)
    return [(choice, int(distance)) for choice, distance, _index in found]
