"""Statements: every row of every register file kept with its source (``models.Statement``).

``key_text`` is the one canonical form of a natural key (``importer.validation.natural_key``) as
stored in ``statements.key``; ``order`` is the order statements are resolved in (later wins).
"""

from __future__ import annotations

import datetime as dt
import json


def key_text(key: tuple) -> str:
    """A natural key as canonical JSON: dates in ISO form, no spaces, characters as they are."""
    return json.dumps(
        [part.isoformat() if isinstance(part, dt.date) else part for part in key],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def order(issued: dt.date | None, recorded: dt.date, source: str) -> tuple[dt.date, str]:
    """Where a statement stands among others about the same row: by its source's issue date (the day
    it was first imported when the source has none), then by source key, so that the result never
    depends on the order files were imported in."""
    return (issued or recorded, source)
