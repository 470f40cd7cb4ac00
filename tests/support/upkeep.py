"""Keeping the register from chat, as an admin does it: an App over the sample register with one admin,
what each request answers, the audit rows it writes, and the Confirm each alteration waits for.
Shared by ``test_upkeep_meetings`` and ``test_upkeep_records``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from secbot.app import App
from secbot.clock import Clock
from secbot.commands import Actor, Where
from secbot.replies import Reply
from secbot.settings import Settings
from secbot.store import audit
from secbot.store.models import AuditEntry, Base
from secbot.store.queries import Register
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.replies import flat

ADMIN = Actor("slack", "T0001:UADMIN")
ADMIN_IDENTITY = "slack:T0001:UADMIN"
WHERE = Where("slack", "T0001:CADMIN")
CHAT_SOURCE = f"chat:{REPORT_DAY.isoformat()}"
# What a preview writes (the change kept for Confirm) and what every change writes besides the change.
NOT_THE_REGISTER = {"audit_log", "pending_actions", "remembered_questions"}  # the last, for follow-ups


def sample_app(store, today: dt.date = REPORT_DAY) -> App:
    """An App over ``store`` (the sample register imported into it), as of ``today``, with one admin."""
    settings = Settings(database_url="sqlite://", today=today, admins=[ADMIN_IDENTITY])
    return App(settings, store, Register(store, Clock(LONDON, today)))


def ask(app: App, text: str) -> Reply:
    return app.answer(text, ADMIN, WHERE)


def seen(app: App, text: str) -> str:
    return flat(ask(app, text))


def audit_rows(app: App, outcome: str | None = None) -> list[AuditEntry]:
    with app.store.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if outcome:
            query = query.where(AuditEntry.outcome == outcome)
        return list(session.scalars(query))


def register_rows(app: App) -> dict[str, list[str]]:
    """Every row of every table a change could touch (not the audit log or the changes kept for Confirm)."""
    with app.store.engine.connect() as connection:
        return {
            table.name: sorted(map(repr, connection.execute(select(table))))
            for table in Base.metadata.sorted_tables
            if table.name not in NOT_THE_REGISTER
        }


def token(preview: Reply) -> str:
    """The token the preview's Confirm button carries (its Cancel button carries the same)."""
    assert preview.title.startswith("Confirm: "), flat(preview)
    (confirm, cancel) = preview.actions
    assert confirm.label == "Confirm" and cancel.label == "Cancel"
    tok = confirm.command.removeprefix("confirm ")
    assert cancel.command == f"cancel {tok}"
    return tok


def done_once(app: App, action: str, before: dict | None, after: dict) -> AuditEntry:
    """The one audit row saying ``action`` was done, with the values before and after."""
    [row] = audit_rows(app, audit.DONE)
    assert (row.action, row.actor, row.outcome) == (action, ADMIN_IDENTITY, audit.DONE)
    assert (row.before, row.after) == (before, after)
    return row


def confirm_waits(app: App, text: str, check_unchanged) -> str:
    """Ask for ``text``: a preview that changes nothing; Cancel changes nothing either. Returns a new token."""
    before, done = register_rows(app), audit_rows(app, audit.DONE)
    tok = token(ask(app, text))
    assert register_rows(app) == before
    check_unchanged()
    cancelled = ask(app, f"cancel {tok}")
    assert cancelled.title.startswith("Cancelled: ") and "Nothing was changed" in cancelled.summary
    assert register_rows(app) == before
    check_unchanged()
    assert [(r.action, r.outcome) for r in audit_rows(app)][-1][1] == audit.CANCELLED
    assert [r.id for r in audit_rows(app, audit.DONE)] == [r.id for r in done]
    return token(ask(app, text))
