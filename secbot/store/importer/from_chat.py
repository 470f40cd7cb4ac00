"""A report's import confirmed in chat: the ``import-report`` change (``secbot.store.changes``).

The pending change holds the import-format YAML read from the report (``secbot ingest`` made it), so
that Confirm, on whichever replica it lands, imports exactly what the preview showed was read. It is
applied by the importer's own ``Applier`` inside the change's transaction, all or nothing, with the
change's audit row and revision: a problem found then (the register changed meanwhile so that a row
no longer fits) is a ``Conflict`` and nothing is imported.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from secbot.store.changes import Conflict, Outcome, applier
from secbot.store.importer import apply
from secbot.store.importer.loader import validated
from secbot.store.importer.results import ImportFailed

ACTION = "import-report"


@applier(ACTION)
def apply_report(session: Session, payload: dict[str, Any], today: dt.date) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="secbot-report-") as folder:
        path = Path(folder) / payload["file"]
        path.write_text(payload["yaml"], encoding="utf-8")
        try:
            read = validated(None, [path], relative_to=Path(folder))
        except ImportFailed as failed:
            raise Conflict(f"The report no longer imports: {'; '.join(failed.errors[:3])}") from None
    importer = apply.Applier(session, read.plan)
    importer.run()
    if importer.errors:
        raise Conflict(f"The report no longer imports: {'; '.join(importer.errors[:3])}")
    counts = {table: c.text() for table, c in importer.counts().items() if c.added or c.updated}
    return Outcome(after={"report": payload["report"], "imported": counts})
