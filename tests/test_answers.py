"""App.answer: the one entry point of every door, and its answer cache keyed on the register revision."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from secbot.app import build
from secbot.commands import Actor, Where
from secbot.settings import Settings
from secbot.store.importer.loader import import_paths
from tests.support.dates import REPORT_DAY
from tests.support.files import write
from tests.support.replies import flat

WHO, WHERE = Actor("shell", "tester"), Where("shell", "here")


def test_a_new_import_is_answered_at_once(sample_db_url, tmp_path):
    app = build(Settings(database_url=sample_db_url, today=dt.date(2021, 7, 12)))  # after the July report
    before = app.answer("MP161", WHO, WHERE)
    assert app.answer("mp 161", WHO, WHERE).title == before.title
    write(
        tmp_path / "update.yaml",
        """
        source: {key: CSR-2021-07, title: Change Status Report – July 2021, issued: 2021-07-09}
        modifications:
          - {reference: MP161, status: Approved, phase: Implementation}
        decisions:
          - {reference: MP161, date: 2021-07-01, outcome: approved, authority: Ofgem}
    """,
    )
    import_paths(app.store, [tmp_path / "update.yaml"])
    after = flat(app.answer("MP161", WHO, WHERE))
    assert "Status: Approved" in after
    assert "Awaiting Authority Decision" not in after


def test_an_apology_is_not_kept(sample_db_url):
    app = build(Settings(database_url=sample_db_url, today=REPORT_DAY))
    app.answer("help", WHO, WHERE)  # the index exists; the revision is fresh

    def down(*_args):
        raise ConnectionError("database unreachable")

    event.listen(app.store.engine, "before_cursor_execute", down)
    try:
        assert app.answer("MP144", WHO, WHERE).title == "The register is unavailable"
    finally:
        event.remove(app.store.engine, "before_cursor_execute", down)
    assert app.answer("MP144", WHO, WHERE).title.startswith("MP144")
