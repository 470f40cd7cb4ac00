"""``set <ref> phase|status|title|path`` and the Confirm machinery every change shares: what the next status
answer, list and digest show, the audit row written with the change, Confirm only for values already
held, and a preview that cannot be confirmed once stale, expired, cancelled or already done."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from secbot.app import App
from secbot.clock import Clock
from secbot.commands import Actor, Where
from secbot.settings import Settings
from secbot.store import audit
from secbot.store.models import AuditEntry, EarlierTitle, Modification, PendingAction, RegisterState, Source
from secbot.store.queries import Register
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.replies import flat

SAM = Actor("slack", "T0001:USAM")
LEE = Actor("teams", "tenant:lee")
HERE = Where("slack", "T0001:CSECAS")


@pytest.fixture
def app(sample_copy) -> App:
    settings = Settings(database_url="sqlite://", today=REPORT_DAY, admins=["slack:T0001:USAM", "teams:tenant:lee"])
    return App(settings, sample_copy, Register(sample_copy, Clock(LONDON, REPORT_DAY)))


def say(app: App, text: str, actor: Actor = SAM) -> str:
    return flat(app.answer(text, actor, HERE if actor is SAM else Where("teams", "19:secas")))


def token(app: App, text: str, actor: Actor = SAM) -> str:
    reply = app.answer(text, actor, HERE)
    [confirm] = [a.command for a in reply.actions if a.command.startswith("confirm ")]
    return confirm.split()[1]


def row(app: App, reference: str) -> Modification:
    with app.store.sessions() as session:
        return session.scalar(select(Modification).where(Modification.reference == reference))


def audit_rows(app: App) -> list[AuditEntry]:
    with app.store.sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def revision(app: App) -> int:
    with app.store.sessions() as session:
        return session.scalar(select(RegisterState.revision))


def test_a_phase_change_needs_confirm_then_shows_in_the_card_the_phase_list_and_the_monthly_digest(app):
    assert "Phase: Decision" in say(app, "MP161")
    # SECMP0011 is in Decision too, but no report since May 2017 has restated it: not counted.
    assert "Report Phase 2" in say(app, "digest monthly") and "Decision 1" in say(app, "digest monthly")
    preview = say(app, "set MP161 phase report")
    assert "Confirm: MP161's phase" in preview and "Phase: Decision → Report Phase" in preview
    assert "Nothing has changed yet" in preview
    assert row(app, "MP161").phase == "Decision" and audit_rows(app) == []

    done = say(app, f"confirm {token(app, 'set MP161 phase report')}")
    assert "Done: MP161's phase" in done and "Phase: Decision → Report Phase" in done
    card = say(app, "MP161")
    assert "Phase: Report Phase" in card
    assert "As reported in SECAS updates in chat (11 June 2021)." in card
    assert "MP161" in say(app, "phase report")
    monthly = say(app, "digest monthly")
    assert "Report Phase 3" in monthly and "Decision 0" in monthly

    [entry] = audit_rows(app)
    assert (entry.actor, entry.action, entry.outcome, entry.reference) == (
        "slack:T0001:USAM",
        "set-field",
        audit.DONE,
        "MP161",
    )
    assert (entry.before, entry.after) == ({"phase": "Decision"}, {"phase": "Report Phase"})
    assert entry.command.startswith("confirm ") and "(set MP161 phase report)" in entry.command
    with app.store.sessions() as session:
        assert session.get(Source, "chat:2021-06-11").title == "SECAS updates in chat"


def test_filling_a_blank_is_immediate_and_bumps_the_revision(app):
    assert row(app, "MP161").path is None
    before = revision(app)
    done = say(app, "set mp 161 path self governance")
    assert "Done: MP161's path" in done and "Path: Self-Governance" in done
    assert revision(app) == before + 1
    assert "Path: Self-Governance" in say(app, "MP161")
    assert [(r.before, r.after) for r in audit_rows(app)] == [({"path": None}, {"path": "Self-Governance"})]


def test_a_new_title_is_searchable_and_the_old_one_still_finds_it(app):
    old = row(app, "MP096").title
    say(app, f"confirm {token(app, 'set MP096 title Outage alerts for network operators')}")
    assert "MP096: Outage alerts for network operators" in say(app, "MP096")
    assert "MP096" in say(app, "search outage alerts network")
    assert "MP096" in say(app, f"search {old}")
    with app.store.sessions() as session:
        kept = session.scalars(select(EarlierTitle.title).join(Modification).where(Modification.reference == "MP096"))
        assert old in list(kept)


def test_a_status_is_listed_under_its_words(app):
    say(app, f"confirm {token(app, 'set MP161 status With the Authority since May')}")
    assert "MP161" in say(app, "list With the Authority since May")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("set MP161 phase nowhere", "“nowhere” is not a phase"),
        ("set MP161 path sideways", "“sideways” is not a decision path"),
        ("set MP161 colour blue", "What should I set on MP161?"),
        ("set MP161 phase", "What should MP161's phase be?"),
        ("set MP1611 phase refine", "No modification MP1611 in the register"),
        ("set MP161 phase decision", "MP161's phase is already Decision"),
        ("set", "Which modification?"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(app, text, expected):
    before = revision(app)
    assert expected in say(app, text)
    assert revision(app) == before and audit_rows(app) == []


def test_confirming_a_stale_preview_changes_nothing_and_says_why(app):
    stale = token(app, "set MP161 phase report")
    say(app, f"confirm {token(app, 'set MP161 phase change board')}")  # another change got there first
    answer = say(app, f"confirm {stale}")
    assert "Not changed: MP161's phase" in answer
    assert "MP161's phase is now “Change Board”, not “Decision” as when you asked." in answer
    assert row(app, "MP161").phase == "Change Board"
    assert [r.outcome for r in audit_rows(app)] == [audit.DONE, audit.FAILED]


def test_an_expired_cancelled_or_finished_preview_cannot_be_confirmed(app):
    expired = token(app, "set MP161 phase report")
    with app.store.sessions.begin() as session:
        session.execute(
            update(PendingAction)
            .where(PendingAction.id == expired)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert "That preview has expired (after 30 minutes): nothing was changed." in say(app, f"confirm {expired}")

    cancelled = token(app, "set MP161 phase report")
    assert "Cancelled: MP161's phase" in say(app, f"cancel {cancelled}")
    assert "That change was cancelled" in say(app, f"confirm {cancelled}")

    done = token(app, "set MP161 phase report")
    say(app, f"confirm {done}")
    assert "That change was already confirmed: it is done." in say(app, f"confirm {done}")
    assert "I have no change waiting under that token" in say(app, "confirm not-a-token")
    assert [r.outcome for r in audit_rows(app)] == [audit.CANCELLED, audit.DONE]


def test_only_the_admin_who_asked_may_confirm(app):
    mine = token(app, "set MP161 phase report")
    assert "Only the admin who asked for this change can confirm or cancel it." in say(app, f"confirm {mine}", LEE)
    assert row(app, "MP161").phase == "Decision"
    assert "Done: MP161's phase" in say(app, f"confirm {mine}")


def test_a_change_from_chat_is_kept_as_a_statement_and_stands_in_the_register_of_later_days(app, tmp_path):
    from secbot.commands import Context, dispatch
    from secbot.store.importer.loader import import_paths
    from secbot.store.models import Statement
    from tests.support.files import write

    say(app, f"confirm {token(app, 'set MP161 phase report')}")
    with app.store.sessions() as session:
        kept = session.scalars(
            select(Statement).where(Statement.key == '["MP161"]', Statement.source == "chat:2021-06-11")
        ).one()
    assert (kept.table, kept.fields["phase"], kept.recorded) == ("modifications", "Report Phase", REPORT_DAY)
    # A report dated after the change: a day between the two is then read from statements alone.
    write(
        tmp_path / "july.yaml",
        """
        source: {key: CSR-2021-07, title: Change Status Report – July 2021, issued: 2021-07-09}
        modifications:
          - {reference: MP162, phase: Refine, status: Refinement}
        """,
    )
    import_paths(app.store, [tmp_path / "july.yaml"])
    late_june = dispatch("MP161", Context(Register(app.store, Clock(LONDON, dt.date(2021, 6, 30)))))
    assert late_june.summary.startswith("Report Phase")
    assert late_june.footer == "As reported in SECAS updates in chat (11 June 2021)."
    before = dispatch("MP161", Context(Register(app.store, Clock(LONDON, dt.date(2021, 6, 10)))))
    assert before.title == "No modification MP161 in the register"  # the June report came on the 11th
