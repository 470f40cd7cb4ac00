"""What was last asked in each place, for follow-ups ("more", "and its timeline?", "who raised it?").

``remember`` keeps the question just answered in this process at once and writes it to the database
behind the answers (``remembered_questions``, one row per place), at most once a second for all the
places asked in, so that answering costs no extra write; ``recall`` looks in this process first and
then in the database, so a follow-up that reaches another replica is understood too. What was asked
more than ``KEEP`` ago is forgotten. A place is a platform's channel, thread or personal chat.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from secbot.store.db import Store, as_utc, insert_for
from secbot.store.models import RememberedQuestion

log = logging.getLogger(__name__)

KEEP = dt.timedelta(minutes=30)
FLUSH_SECONDS = 1.0


@dataclass(frozen=True)
class Remembered:
    line: str  # the command line the question was read as
    reference: str | None  # the modification last asked about in the place
    at: dt.datetime


class Memory:
    """The places' last questions: in this process until written, in the database after."""

    def __init__(self, store: Store, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.store = store
        self.flush_seconds = flush_seconds
        self.pending: dict[str, Remembered] = {}
        self.recent: dict[str, Remembered] = {}  # written, kept here too: most follow-ups come back here
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.writer: threading.Thread | None = None
        self.closing = False

    def remember(self, place: str, line: str, reference: str | None, at: dt.datetime) -> None:
        """``line`` was answered in ``place`` at ``at``; ``reference`` None keeps the one asked before."""
        with self.lock:
            before = self.pending.get(place) or self.recent.get(place)
            kept = reference or (before.reference if before and at - before.at <= KEEP else None)
            self.pending[place] = Remembered(line, kept, at)
            if self.writer is None and self.flush_seconds > 0 and not self.closing:
                self.writer = threading.Thread(target=self._write_behind, name="secbot-memory", daemon=True)
                self.writer.start()

    def recall(self, place: str, now: dt.datetime) -> Remembered | None:
        """What was last asked in ``place``, if within ``KEEP`` of ``now``."""
        with self.lock:
            found = self.pending.get(place) or self.recent.get(place)
        with self.store.sessions() as session:  # another replica may have answered there since
            row = session.get(RememberedQuestion, place)
            if row is not None and (found is None or as_utc(row.at) > found.at):
                found = Remembered(row.line, row.reference, as_utc(row.at))
        if found is None or now - found.at > KEEP:
            return None
        return found

    def flush(self) -> int:
        """Write what is pending; how many places. A later question in a place replaces an earlier one."""
        with self.lock:
            pending, self.pending = self.pending, {}
            self.recent.update(pending)
            if len(self.recent) > 10_000:  # places asked in long ago: the database has them
                self.recent = dict(pending)
        if not pending:
            return 0
        rows = [{"place": place, "line": r.line, "reference": r.reference, "at": r.at} for place, r in pending.items()]
        with self.store.sessions.begin() as session:
            insert = insert_for(session.get_bind().dialect.name)(RememberedQuestion)
            newer = RememberedQuestion.__table__.c.at < insert.excluded.at  # another replica's may be newer
            session.execute(
                insert.on_conflict_do_update(
                    index_elements=["place"],
                    set_={
                        "line": insert.excluded.line,
                        "reference": insert.excluded.reference,
                        "at": insert.excluded.at,
                    },
                    where=newer,
                ),
                rows,
            )
            session.execute(
                RememberedQuestion.__table__.delete().where(
                    RememberedQuestion.__table__.c.at < min(r.at for r in pending.values()) - KEEP
                )
            )
        return len(rows)

    def close(self) -> None:
        """Stop writing behind, and write what is pending now (the service is stopping)."""
        with self.lock:
            self.closing, writer = True, self.writer
        self.wake.set()
        if writer is not None:
            writer.join()
        self.flush()

    def _write_behind(self) -> None:
        """Write every ``flush_seconds`` while there is something to write; then end (``remember``
        starts another when there is again), so an idle process holds no thread for it."""
        while True:
            self.wake.wait(self.flush_seconds)
            try:
                self.flush()
            except Exception:  # the next second tries again; a follow-up may then miss one question
                log.warning("could not write the questions asked to the database", exc_info=True)
            with self.lock:
                if not self.pending or self.closing:
                    self.writer = None
                    return


def place_of(platform: str, channel_id: str, thread_id: str | None) -> str:
    return f"{platform}:{channel_id}:{thread_id or ''}"[:700]
