"""The admin gate and the audit log: every admin command refused to readers on every door (and the
attempt stored), nothing else changed; ``audit`` listing, filtering and paging what was stored."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from secbot.app import App
from secbot.clock import Clock
from secbot.commands import Actor, Where
from secbot.commands.registry import ADMIN, REGISTRY
from secbot.settings import Settings
from secbot.store import audit
from secbot.store.models import AuditEntry
from secbot.store.queries import Register
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.doors import DOORS, RAE_READER, SAM_ADMIN, WHERE, Doors
from tests.support.replies import flat
from tests.support.rows import everything_else

pytestmark = pytest.mark.usefixtures("no_proxy")

ADMIN_COMMANDS = [c for c in REGISTRY if c.role == ADMIN]


@pytest.fixture
def doors(make_doors) -> Doors:
    return make_doors()


def rows(store) -> list[AuditEntry]:
    with store.sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


# --- the authorisation matrix ----------------------------------------------------------------------


# Each door is one test that goes through every admin command (a server and register per command would
# cost more than everything else in the suite); the command is named in every assertion's message.
@pytest.mark.parametrize("door", DOORS)
def test_a_reader_is_refused_every_admin_command_audited_and_nothing_changes(doors: Doors, door):
    before = everything_else(doors.app.store)
    expected = []
    for cmd in ADMIN_COMMANDS:
        typed = list(dict.fromkeys([cmd.name, *cmd.examples]))
        for text in typed:
            seen = " ".join(doors.ask(door, RAE_READER, text).split())  # the shell wraps lines
            assert f"Only SECAS admins can use {cmd.name}" in seen, text
            assert "You are a reader" in seen and "Nothing was changed" in seen, text
        assert everything_else(doors.app.store) == before, cmd.name
        expected += [(t, cmd.name, audit.REFUSED) for t in typed]
    refused = rows(doors.app.store)
    assert [(r.command, r.action, r.outcome) for r in refused] == expected
    for row in refused:
        assert (row.actor, row.platform, row.channel_id) == (RAE_READER.identity(door), door, WHERE[door])
    assert {r.actor_name for r in refused} == ({RAE_READER.name} if door == "teams" else {None})


@pytest.mark.parametrize("door", DOORS)
def test_an_admin_may_use_every_admin_command(doors: Doors, door):
    for cmd in ADMIN_COMMANDS:
        seen = doors.ask(door, SAM_ADMIN, cmd.name)
        assert "Only SECAS admins" not in seen, cmd.name
        assert "Sorry, something went wrong" not in seen, cmd.name
    assert all(r.outcome != audit.REFUSED for r in rows(doors.app.store))


# --- audit through the doors -----------------------------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
def test_an_admin_sees_the_readers_refused_attempt(doors: Doors, door):
    doors.ask(door, RAE_READER, "audit MP161")
    seen = doors.ask(door, SAM_ADMIN, "audit")
    assert "Audit log" in seen and "1 entry, newest first" in seen
    assert RAE_READER.identity(door) in seen
    assert "refused · “audit MP161”" in seen
    assert f"in {door}" in seen


def test_a_refused_attempt_names_the_reference_so_audit_by_reference_finds_it(doors: Doors):
    doors.ask("slack", RAE_READER, "audit mp 161")
    assert [r.reference for r in rows(doors.app.store)] == ["MP161"]
    seen = doors.ask("slack", SAM_ADMIN, "audit MP161")
    assert "Audit log: MP161" in seen and "refused · “audit mp 161”" in seen


def test_reading_the_audit_log_is_itself_recorded(doors: Doors):
    doors.ask("teams", SAM_ADMIN, "audit since 1 June 2021")
    [row] = rows(doors.app.store)
    assert (row.actor, row.action, row.outcome, row.command) == (
        SAM_ADMIN.identity("teams"),
        "audit",
        audit.DONE,
        "audit since 1 June 2021",
    )


# --- listing, filters, paging -----------------------------------------------------------------------


@pytest.fixture
def app(sample_copy) -> App:
    settings = Settings(database_url="sqlite://", today=REPORT_DAY, admins=[SAM_ADMIN.identity("slack")])
    return App(settings, sample_copy, Register(sample_copy, Clock(LONDON, REPORT_DAY)))


def as_admin(app: App, text: str):
    return app.answer(text, Actor("slack", f"T0001:{SAM_ADMIN.slack_user}"), Where("slack", "T0001:CADMIN"))


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def add(app: App, at: dt.datetime, who: audit.Who, command: str, **values) -> None:
    with app.store.sessions.begin() as session:
        action = command.split()[0]
        audit.record(session, who, command, action, values.pop("outcome", audit.DONE), at=at, **values)


PAT = audit.Who("slack:T0001:UPAT", "slack", "T0001:CSECAS", "Pat Admin")
LEE = audit.Who("teams:tenant:lee-object-id", "teams", "19:secas@thread.tacv2", "Lee Admin")


def test_a_line_says_when_in_london_who_where_what_and_what_changed(app):
    add(
        app,
        utc(2021, 6, 11, 13, 5),
        PAT,
        "set-phase MP161 report",
        reference="MP161",
        before={"phase": "Refinement", "status": "Open"},
        after={"phase": "Report", "status": "Open"},
    )
    reply = as_admin(app, "audit")
    [item] = reply.sections[0].items
    assert item.text == "11 June 2021 14:05 · Pat Admin (slack:T0001:UPAT)"  # BST
    assert item.detail == "done · “set-phase MP161 report” in slack T0001:CSECAS · phase: Refinement → Report"
    assert not reply.cacheable  # the log changes without the register's revision changing


def test_newest_first_filtered_by_reference_user_and_day(app):
    add(app, utc(2021, 5, 31, 22, 30), PAT, "set-phase MP161 refine", reference="MP161")  # 23:30 BST, 31 May
    add(app, utc(2021, 5, 31, 23, 30), LEE, "announce MP122A", reference="MP122A")  # 00:30 BST, 1 June
    add(app, utc(2021, 6, 2, 9, 0), PAT, "set-phase MP122A report", reference="MP122A", outcome=audit.REFUSED)

    def listed(text: str) -> list[str]:
        """The commands listed, less the admin's own earlier ``audit`` views (recorded as they happen)."""
        reply = as_admin(app, text)
        typed = [item.detail.split("“")[1].split("”")[0] for section in reply.sections for item in section.items]
        return [command for command in typed if not command.startswith("audit")]

    assert listed("audit") == ["set-phase MP122A report", "announce MP122A", "set-phase MP161 refine"]
    assert listed("audit mp 122a") == ["set-phase MP122A report", "announce MP122A"]
    assert listed("audit user slack:T0001:UPAT") == ["set-phase MP122A report", "set-phase MP161 refine"]
    assert listed("audit user <@UPAT|pat>") == listed("audit user upat")  # a Slack mention, or the bare user id
    assert listed("audit user Lee Admin") == ["announce MP122A"]
    assert listed("audit since 1 June 2021") == ["set-phase MP122A report", "announce MP122A"]
    assert "Nothing in the audit log matches." in flat(as_admin(app, "audit user nobody"))


def test_the_log_is_paged_like_other_lists(app):
    for minute in range(25):
        add(app, utc(2021, 6, 1, 9, minute), PAT, f"set-phase MP161 step {minute}", reference="MP161")
    first = as_admin(app, "audit MP161")
    assert first.summary.startswith("25 entries, newest first")
    assert first.sections[0].heading == "1–10 of 25"
    assert "step 24" in first.sections[0].items[0].detail
    assert [(a.label, a.command) for a in first.actions] == [("More (15 left)", "audit MP161 page 2")]
    last = as_admin(app, "audit MP161 page 3")
    assert last.sections[0].heading == "21–25 of 25" and last.actions == []
    assert "step 0" in last.sections[0].items[-1].detail
    beyond = as_admin(app, "audit MP161 page 4")
    assert beyond.title == "No more results"
    assert beyond.summary == "There is no page 4: `audit MP161` gave 25 results, on 3 pages; page 3 is the last."
    assert [(a.label, a.command) for a in beyond.actions] == [("Page 3", "audit MP161 page 3")]


@pytest.mark.parametrize("text", ["audit since whenever", "audit nonsense words"])
def test_what_audit_cannot_read_is_explained(app, text):
    reply = as_admin(app, text)
    assert reply.title == "Which audit entries?"
    assert "audit since 1 June 2021" in reply.summary


# --- whatever the text, the row is written ---------------------------------------------------------


def test_a_row_keeps_whatever_it_is_given_printable_and_cut_to_its_columns(empty_store):
    hostile = audit.Who("slack:T1:U\x00" + "u" * 500, "slack\x00\ud800", "C\x00\ud83d\ude00" + "c" * 1000, "Rae\ud800")
    audit.record_alone(
        empty_store,
        hostile,
        "set MP161 title \x00\ud800" + "t" * 1_000_000,
        "set-title\x00" + "a" * 100,
        audit.REFUSED,
        reference="MP\x00161" + "9" * 40,
        before={"title\x00": "old\ud800"},
        after={"title": "n" * 50_000, "count": 3, "words": ["\x1bx", None]},
        detail="d\x00" * 100_000,
    )
    [row] = rows(empty_store)
    assert row.actor == "slack:T1:U" + "u" * 189 + "…" and len(row.actor) == 200
    assert (row.platform, row.actor_name) == ("slack\ufffd", "Rae\ufffd")
    assert row.channel_id == ("C😀" + "c" * 1000)[:299] + "…"
    assert row.command.startswith("set MP161 title \ufffdttt") and len(row.command) == audit.COMMAND_LIMIT
    assert row.action == "set-title" + "a" * 50 + "…" and row.outcome == audit.REFUSED
    assert row.reference == "MP161" + "9" * 10 + "…"
    assert row.before == {"title": "old\ufffd"}
    assert row.after == {"title": "n" * (audit.VALUE_LIMIT - 1) + "…", "count": 3, "words": ["x", None]}
    assert row.detail == ("d" * audit.DETAIL_LIMIT)[:-1] + "…"


def test_a_refusal_that_cannot_be_recorded_is_logged_once_without_a_trace(tmp_path, caplog):
    from tests.support.unreachable import unreachable_app

    app = unreachable_app(f"sqlite:///{tmp_path}")  # a directory: SQLite cannot open it
    with caplog.at_level(logging.INFO):
        recorded = audit.record_attempt(app.store, PAT, "audit\x00", "audit", audit.REFUSED)
    assert recorded is False
    lines = [r for r in caplog.records if not r.getMessage().startswith("database outage:")]
    assert [r.getMessage().split(":")[0] for r in lines] == ["recording a refused audit"]
    assert all(r.exc_info is None for r in caplog.records)
    app.store.engine.dispose()


# --- Confirm and Cancel pressed by someone else ------------------------------------------------------

LEE_ACTOR = Actor("teams", "tenant:lee-object-id", "Lee Admin")
LEE_WHERE = Where("teams", "19:secas@thread.tacv2")


def phase_of(app: App, reference: str) -> str:
    from secbot.store.models import Modification

    with app.store.sessions() as session:
        return session.scalar(select(Modification.phase).where(Modification.reference == reference))


@pytest.mark.parametrize("verb", ["confirm", "cancel"])
def test_another_admins_press_on_a_preview_is_refused_and_audited(app, verb):
    app.settings = Settings(
        database_url="sqlite://", today=REPORT_DAY, admins=[SAM_ADMIN.identity("slack"), "teams:tenant:lee-object-id"]
    )
    preview = as_admin(app, "set MP161 phase report")
    [token] = [a.command.split()[1] for a in preview.actions if a.command.startswith("confirm ")]

    pressed = app.answer(f"{verb} {token}", LEE_ACTOR, LEE_WHERE)
    assert pressed.title == f"Only the admin who asked can {verb} this"
    assert "Only the admin who asked for this change can confirm or cancel it." in pressed.summary
    assert "Nothing was changed; the attempt was recorded." in pressed.summary
    assert phase_of(app, "MP161") == "Decision"
    [row] = rows(app.store)
    assert (row.actor, row.actor_name, row.platform, row.channel_id) == (
        "teams:tenant:lee-object-id",
        "Lee Admin",
        "teams",
        "19:secas@thread.tacv2",
    )
    assert (row.command, row.action, row.reference, row.outcome) == (
        f"{verb} {token} (set MP161 phase report)",
        "set-field",
        "MP161",
        audit.REFUSED,
    )
    assert row.detail == f"only {SAM_ADMIN.identity('slack')}, who asked for this change, may confirm or cancel it"

    # The preview is still the asker's to confirm, and the log shows both.
    assert as_admin(app, f"confirm {token}").title == "Done: MP161's phase"
    assert phase_of(app, "MP161") == "Report Phase"
    assert [(r.actor, r.outcome) for r in rows(app.store)] == [
        ("teams:tenant:lee-object-id", audit.REFUSED),
        (SAM_ADMIN.identity("slack"), audit.DONE),
    ]
    listing = flat(as_admin(app, "audit MP161"))
    assert "Lee Admin (teams:tenant:lee-object-id)" in listing and f"refused · “{verb} " in listing


def test_a_reader_pressing_confirm_is_refused_by_the_admin_gate_and_audited(app):
    preview = as_admin(app, "set MP161 phase report")
    [confirm] = [a.command for a in preview.actions if a.command.startswith("confirm ")]
    reader = Actor("slack", f"T0001:{RAE_READER.slack_user}")
    refused = app.answer(confirm, reader, Where("slack", "T0001:CADMIN"))
    assert refused.title == "Only SECAS admins can use confirm"
    assert phase_of(app, "MP161") == "Decision"
    [row] = rows(app.store)
    assert (row.actor, row.command, row.outcome) == (RAE_READER.identity("slack"), confirm, audit.REFUSED)
