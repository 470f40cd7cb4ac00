"""An in-memory word index of the register, rebuilt when the register's revision changes.

Search and "did you mean" run here rather than in SQL: one code path for SQLite and PostgreSQL,
prefix matching, field weights, and user text never reaches a query language. The index is cached
per process and keyed on ``RegisterState.revision``, so replicas pick up each other's imports.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import logging
import re
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from secbot.slips import closest
from secbot.store.models import EarlierTitle, Modification, RegisterState
from secbot.store.views import ModSummary, SearchHit

log = logging.getLogger(__name__)
_WORD = re.compile(r"[a-z0-9]+")
FREEZE_FROM = 1000  # modifications: from this size the index is moved out of the garbage collector's way
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "what",
        "who",
        "which",
        "when",
        "how",
        "does",
        "did",
        "do",
        "about",
        # words that say a modification is meant, not what it is about ("communication hub mods")
        "mod",
        "mods",
        "modifications",
        "proposals",
    ]
)
# Field weights: a word in the title counts more than one in a summary.
_WEIGHTS = {
    "reference": 5.0,
    "title": 3.0,
    "earlier title": 2.0,
    "proposer": 2.0,
    "organisation": 2.0,
    "issue": 1.0,
    "solution": 1.0,
}
# A posting is (weight, field): one tuple per field, shared by every posting of that field. The index
# holds hundreds of thousands of postings at 10,000 modifications, and a tuple each was half its memory.
_POSTING = {name: (weight, name) for name, weight in _WEIGHTS.items()}


def words(text: str | None) -> list[str]:
    return _WORD.findall(text.lower()) if text else []


def _shared(word: str | None) -> str | None:
    """One string object per phase or status: a few values on thousands of summaries (less memory, and
    comparing two registers' summaries compares the same objects)."""
    return sys.intern(word) if word else word


def revision(session: Session) -> int:
    return session.scalar(select(RegisterState.revision).where(RegisterState.id == 1)) or 0


class RegisterIndex:
    """Every modification's summary by family and number (``summaries``), the word postings, and the
    titles (current and earlier) that "did you mean" matches against, each with its position."""

    def __init__(
        self,
        summaries: list[ModSummary],
        numbers: list[int],
        postings: dict[str, dict[int, tuple[float, str]]],
        titles: list[str],
        title_positions: list[int],
    ) -> None:
        self.summaries = summaries
        self._numbers = numbers
        self._postings = postings
        self._vocabulary = sorted(postings)
        self._titles = titles
        self._title_positions = title_positions
        self.references = [summary.reference for summary in summaries]
        self.by_reference = {reference: i for i, reference in enumerate(self.references)}

    @classmethod
    def build(cls, session: Session) -> RegisterIndex:
        rows = session.execute(
            select(
                Modification.id,
                Modification.reference,
                Modification.number,
                Modification.title,
                Modification.phase,
                Modification.status,
                Modification.proposer,
                Modification.organisation,
                Modification.issue_summary,
                Modification.solution_summary,
            ).order_by(Modification.family, Modification.number, Modification.suffix)
        ).all()
        earlier: dict[int, list[str]] = defaultdict(list)
        for mod_id, title in session.execute(select(EarlierTitle.modification_id, EarlierTitle.title)):
            earlier[mod_id].append(title)
        summaries: list[ModSummary] = []
        numbers: list[int] = []
        postings: dict[str, dict[int, tuple[float, str]]] = defaultdict(dict)
        titles: list[str] = []
        title_positions: list[int] = []
        for row in rows:
            position = len(summaries)
            summaries.append(ModSummary(row.reference, row.title, _shared(row.phase), _shared(row.status)))
            numbers.append(row.number)
            fields = [
                ("reference", row.reference),
                ("title", row.title),
                ("proposer", row.proposer),
                ("organisation", row.organisation),
                ("issue", row.issue_summary),
                ("solution", row.solution_summary),
            ]
            fields += [("earlier title", title) for title in earlier.get(row.id, [])]
            for name, value in fields:
                posting = _POSTING[name]
                for word in set(words(value)):
                    best = postings[word].get(position)
                    if best is None or best[0] < posting[0]:
                        postings[word][position] = posting
            for title in [row.title, *earlier.get(row.id, [])]:
                if title:
                    titles.append(title)
                    title_positions.append(position)
        return cls(summaries, numbers, dict(postings), titles, title_positions)

    def _matches(self, word: str) -> dict[int, tuple[float, str]]:
        """Postings for ``word`` and, for words of 3+ letters, every indexed word it begins; a plural also
        finds its singular when that is indexed ("hubs" finds "Communication Hub returns")."""
        if len(word) < 3:
            return self._postings.get(word, {})
        singular = word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else None
        stem = singular if singular in self._postings else word
        merged: dict[int, tuple[float, str]] = {}
        start = bisect.bisect_left(self._vocabulary, stem)
        for candidate in self._vocabulary[start:]:
            if not candidate.startswith(stem):
                break
            exact = candidate in (word, stem)
            for position, (weight, name) in self._postings[candidate].items():
                weight = weight if exact else weight * 0.8
                if position not in merged or merged[position][0] < weight:
                    merged[position] = (weight, name)
        return merged

    def search(self, text: str, limit: int | None = None) -> tuple[int, list[SearchHit]]:
        """(how many modifications match every meaningful word, the best ``limit`` of them ranked)."""
        query = words(text)
        meaningful = [w for w in query if w not in STOPWORDS] or query
        if not meaningful:
            return 0, []
        scores: dict[int, float] = {}
        matched: dict[int, str] = {}
        for n, word in enumerate(dict.fromkeys(meaningful)):
            postings = self._matches(word)
            if n == 0:
                scores = {position: weight for position, (weight, _) in postings.items()}
                matched = {position: name for position, (_, name) in postings.items()}
            else:
                scores = {p: s + postings[p][0] for p, s in scores.items() if p in postings}
            if not scores:
                return 0, []
        numbers, summaries = self._numbers, self.summaries
        rank = lambda p: (-scores[p], -numbers[p])  # noqa: E731 - best score, then newest
        best = heapq.nsmallest(limit, scores, key=rank) if limit is not None else sorted(scores, key=rank)
        return len(scores), [SearchHit(summaries[p], scores[p], matched.get(p, "")) for p in best]

    def spelled(self, text: str) -> str:
        """``text`` with each word no modification holds put right to the indexed word it is a slip of
        ("firmwre" -> "firmware", within the edits ``secbot.slips`` allows); ``text`` itself when none is."""
        put_right = []
        for word in words(text):
            found = [] if word in STOPWORDS or self._matches(word) else closest(word, self._vocabulary, limit=1)
            put_right.append(found[0][0] if found else word)
        spelled = " ".join(put_right)
        return spelled if spelled != " ".join(words(text)) else text

    def search_most(self, text: str, limit: int | None = None) -> tuple[int, list[SearchHit]]:
        """``search`` for the modifications that match most of the meaningful words (at least half, and at
        least two when more than two were given), when none matches every one: the best matched count first,
        then the best score. "postponing planned maintenance in adverse weather" finds the one about
        planned maintenance in adverse weather that never says "postponing"."""
        meaningful = list(dict.fromkeys(w for w in words(text) if w not in STOPWORDS))
        if len(meaningful) < 2:
            return 0, []
        scores: dict[int, float] = {}
        counts: dict[int, int] = {}
        matched: dict[int, str] = {}
        for word in meaningful:
            for position, (weight, name) in self._matches(word).items():
                scores[position] = scores.get(position, 0.0) + weight
                counts[position] = counts.get(position, 0) + 1
                matched.setdefault(position, name)
        least = max(2 if len(meaningful) > 2 else 1, -(-len(meaningful) // 2))
        found = [p for p, count in counts.items() if count >= least]
        best = max((counts[p] for p in found), default=0)
        found = [p for p in found if counts[p] == best]  # only the closest: a search, not a scatter
        numbers, summaries = self._numbers, self.summaries
        rank = lambda p: (-scores[p], -numbers[p])  # noqa: E731
        ranked = heapq.nsmallest(limit, found, key=rank) if limit is not None else sorted(found, key=rank)
        return len(found), [SearchHit(summaries[p], scores[p], matched.get(p, "")) for p in ranked]

    def summary(self, reference: str) -> ModSummary | None:
        position = self.by_reference.get(reference)
        return self.summaries[position] if position is not None else None

    def close_references(self, text: str, limit: int = 3) -> list[str]:
        from rapidfuzz import fuzz, process  # here: only "did you mean" needs it, and most answers never ask

        found = process.extract(text.upper(), self.references, scorer=fuzz.ratio, limit=limit, score_cutoff=60)
        return [reference for reference, _score, _i in found]

    def close_titles(self, text: str, limit: int = 3) -> list[ModSummary]:
        if not text.strip() or not self._titles:
            return []
        from rapidfuzz import fuzz, process

        found = process.extract(text, self._titles, scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=70)
        result: list[ModSummary] = []
        for _title, _score, i in found:
            summary = self.summaries[self._title_positions[i]]
            if summary not in result:
                result.append(summary)
        return result[:limit]


class IndexCache:
    """One ``RegisterIndex`` per store and process, rebuilt when an import bumps the revision.

    The revision is read at most once per ``recheck_seconds``: an import or change in this process calls
    ``invalidate`` at once, and other replicas' are noticed within that interval. Rebuilding a large
    index takes a while (about 0.7 s for 10,000 modifications), so ``secbot serve`` runs ``keep_fresh``
    in a thread of its own: the index is rebuilt as soon as the revision moves, not by the next
    question (which waits for a rebuild already under way rather than starting its own).
    """

    def __init__(self, recheck_seconds: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._moved = threading.Event()
        self._revision: int | None = None
        self._index: RegisterIndex | None = None
        self._checked = -float("inf")
        self._frozen = False
        self.recheck_seconds = recheck_seconds

    def invalidate(self) -> None:
        self._checked = -float("inf")
        self._moved.set()

    def keep_fresh(self, sessions: Callable[[], Session], stop: threading.Event) -> None:
        """Rebuild whenever the revision moves, until ``stop`` is set (a thread's whole life)."""
        while not stop.is_set():
            self._moved.wait(self.recheck_seconds)
            self._moved.clear()
            try:
                self.get(sessions)
            except Exception:  # the database is away: the next question says so; try again
                log.warning("could not refresh the search index", exc_info=True)

    def revision(self, sessions: Callable[[], Session]) -> int:
        """The register revision the current index was built at (rechecked as ``get`` does)."""
        self.get(sessions)
        return self._revision or 0

    def built(self, sessions: Callable[[], Session]) -> RegisterIndex | None:
        """The index as ``get`` gives it if one has been built, else None (not building one): for a
        reader that can do without it, such as a snapshot's, whose index only its questions build."""
        if self._index is None:
            return None
        return self.get(sessions)

    def get(self, sessions: Callable[[], Session]) -> RegisterIndex:
        if self._index is not None and time.monotonic() - self._checked < self.recheck_seconds:
            return self._index
        with self._lock, sessions() as session:
            current = revision(session)
            self._checked = time.monotonic()
            if self._index is None or self._revision != current:
                # A large index is millions of long-lived objects: freezing them keeps full garbage
                # collections (100 ms pauses on a 10,000-modification register) from rescanning them.
                # Unfreeze first so that the index being replaced can be collected. A small register
                # is not worth a full collection of the whole process at every change.
                if self._frozen:
                    gc.unfreeze()
                    self._frozen = False
                self._index = None
                self._index = RegisterIndex.build(session)
                self._revision = current
                if len(self._index.references) >= FREEZE_FROM:
                    gc.collect()
                    gc.freeze()
                    self._frozen = True
            return self._index
