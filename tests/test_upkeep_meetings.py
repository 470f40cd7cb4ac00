"""Working Group meetings kept from chat: ``wg add``, ``wg move`` and ``wg agenda``, seen through ``wg``,
``digest agenda`` and the status card, with the audit row each change writes and Confirm where a fact
is altered or removed. The helpers are in ``tests/support/upkeep.py``, shared with ``test_upkeep_records``."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from secbot.app import App
from secbot.replies import Reply
from secbot.store import audit
from secbot.store.models import AgendaItem, Meeting, Modification
from tests.support.dates import REPORT_DAY
from tests.support.replies import flat
from tests.support.upkeep import (
    CHAT_SOURCE,
    ask,
    audit_rows,
    confirm_waits,
    done_once,
    register_rows,
    sample_app,
    seen,
    token,
)


@pytest.fixture
def make_app(sample_copy):
    """A function building an App over the sample register, as of ``today`` (default 11 June 2021)."""
    return lambda today=REPORT_DAY: sample_app(sample_copy, today)


@pytest.fixture
def app(make_app) -> App:
    return make_app()


def meeting(app: App, day: dt.date) -> tuple[Meeting, list[tuple[str, str | None, str]]] | None:
    """The stored Working Group meeting on ``day`` and its agenda: (reference, note, source) in order."""
    with app.store.sessions() as session:
        found = session.scalar(select(Meeting).where(Meeting.kind == "working_group", Meeting.date == day))
        if found is None:
            return None
        items = session.execute(
            select(Modification.reference, AgendaItem.note, AgendaItem.source)
            .join(Modification)
            .where(AgendaItem.meeting_id == found.id)
            .order_by(AgendaItem.position)
        ).all()
        return found, [tuple(item) for item in items]


def agenda_lines(reply: Reply) -> list[str]:
    return [item.text.split(" ")[0] for section in reply.sections for item in section.items]


JULY_7, JUNE_21 = dt.date(2021, 7, 7), dt.date(2021, 6, 21)
JUNE_2_AGENDA = ["MP096", "MP117", "MP121", "MP128", "MP149", "MP154"]


# --- wg add --------------------------------------------------------------------------------------------


def test_a_new_meeting_is_added_at_once_and_is_next_in_wg_and_the_agenda_digest(app):
    assert ask(app, "wg").title == "Working Group: 7 July 2021"
    assert ask(app, "digest agenda").title == "No agenda digest today"

    done = ask(app, "wg add 21 June 2021 MP161, mp 104 and MP096")
    assert done.title == "Done: Working Group meeting on 21 June 2021"
    assert "Date: 21 June 2021" in flat(done) and "Agenda: MP161, MP104, MP096" in flat(done)
    assert ("Working Group 21 June 2021", "wg 2021-06-21") in [(a.label, a.command) for a in done.actions]

    wg = ask(app, "wg")
    assert wg.title == "Working Group: 21 June 2021" and wg.summary == "Next Working Group meeting."
    assert agenda_lines(wg) == ["MP161", "MP104", "MP096"]
    digest = ask(app, "digest agenda")
    assert digest.title == "Working Group agenda – 21 June 2021"
    shown = flat(digest)
    assert "On Monday 21 June 2021, in 10 days." in shown
    assert "MP161 'Significant Code Review – Retail Code Consolidation' — Decision" in shown
    assert shown.index("MP161 '") < shown.index("MP104") < shown.index("MP096 '")
    assert "Working Group on 21 June 2021" in seen(app, "MP161")  # the card's next milestone

    stored, items = meeting(app, JUNE_21)
    assert (stored.source, stored.title) == (CHAT_SOURCE, None)
    assert items == [("MP161", None, CHAT_SOURCE), ("MP104", None, CHAT_SOURCE), ("MP096", None, CHAT_SOURCE)]
    done_once(app, "wg-add", None, {"date": "21 June 2021", "agenda": ["MP161", "MP104", "MP096"]})


def test_a_meeting_with_no_agenda_yet(app):
    assert ask(app, "wg add 2021-06-30").title == "Done: Working Group meeting on 30 June 2021"
    assert "The register has no agenda items for this meeting." in seen(app, "wg")
    assert meeting(app, dt.date(2021, 6, 30))[1] == []
    done_once(app, "wg-add", None, {"date": "30 June 2021", "agenda": []})


def test_a_meeting_in_the_past_is_added_with_a_warning(app):
    done = ask(app, "wg add 1 June 2021 MP161")
    assert done.title == "Done: Working Group meeting on 1 June 2021"
    assert "1 June 2021 is before today (11 June 2021): is that the date you meant?" in flat(done)
    assert ask(app, "wg last").title == "Working Group: 2 June 2021"  # still the latest before today
    assert agenda_lines(ask(app, "wg 1 June 2021")) == ["MP161"]
    assert "1 June 2021 — Working Group" in seen(app, "MP161 timeline")
    done_once(app, "wg-add", None, {"date": "1 June 2021", "agenda": ["MP161"]})


def test_a_day_that_has_a_meeting_points_at_wg_agenda(app):
    before = register_rows(app)
    reply = ask(app, "wg add 7 July 2021 MP161")
    assert reply.kind == "error"
    assert reply.title == "There is already a Working Group meeting on 7 July 2021"
    assert "`wg agenda`" in reply.summary and "wg agenda 2021-07-07 add <reference> [note]" in reply.summary
    assert register_rows(app) == before and audit_rows(app) == []


def test_an_unknown_reference_is_a_did_you_mean_and_nothing_is_added(app):
    before = register_rows(app)
    reply = ask(app, "wg add 21 June 2021 MP161 mp 999")
    assert reply.kind == "error" and reply.title == "No modification MP999 in the register"
    assert "Did you mean MP099" in reply.summary
    assert reply.footer.startswith("Nothing was added.")
    assert register_rows(app) == before and audit_rows(app) == []
    assert ask(app, "wg").title == "Working Group: 7 July 2021"


# --- wg move -------------------------------------------------------------------------------------------


def test_moving_a_meeting_waits_for_confirm(make_app):
    app = make_app(dt.date(2021, 7, 1))
    assert ask(app, "digest agenda").title == "Working Group agenda – 7 July 2021"

    def unchanged():
        assert ask(app, "wg").title == "Working Group: 7 July 2021"

    preview = ask(app, "wg move 7 July 2021 to 16 July 2021")
    assert preview.title == "Confirm: Date of the Working Group meeting on 7 July 2021"
    assert "Date: 7 July 2021 → 16 July 2021" in flat(preview)
    assert "Nothing has changed yet" in preview.footer
    tok = confirm_waits(app, "wg move 7 July 2021 to 16 July 2021", unchanged)

    done = ask(app, f"confirm {tok}")
    assert done.title == "Done: Date of the Working Group meeting on 7 July 2021"
    assert ask(app, "wg").title == "Working Group: 16 July 2021"
    assert ask(app, "wg 7 July 2021").title == "No Working Group meeting on 7 July 2021"
    assert ask(app, "digest agenda").title == "No agenda digest today"  # 16 July is beyond the 14 days
    stored, _items = meeting(app, dt.date(2021, 7, 16))
    assert stored.source == "chat:2021-07-01"
    assert stored.agenda_published == dt.date(2021, 6, 23)  # the rest of the meeting is as it was
    row = done_once(app, "wg-move", {"date": "7 July 2021"}, {"date": "16 July 2021"})
    assert row.command == f"confirm {tok} (wg move 7 July 2021 to 16 July 2021)"
    assert ask(app, f"confirm {tok}").title == "No change waiting"  # once only


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("wg move 8 July 2021 to 14 July 2021", "No Working Group meeting on 8 July 2021"),
        ("wg move 7 July 2021 to 2 June 2021", "There is already a Working Group meeting on 2 June 2021"),
        ("wg move 7 July 2021 14 July 2021", "Move which meeting to when?"),
        ("wg move soon to 14 July 2021", "I can't read “soon” as a date"),
        ("wg move 7 July 2021 to", "Which date?"),
        ("wg move", "Move which meeting to when?"),
    ],
)
def test_a_move_that_cannot_be_made_is_explained_and_changes_nothing(app, text, title):
    before = register_rows(app)
    reply = ask(app, text)
    assert (reply.kind, reply.title) == ("error", title)
    assert register_rows(app) == before and audit_rows(app) == []


def test_the_nearest_meetings_are_offered_for_a_day_without_one(app):
    reply = ask(app, "wg move 8 July 2021 to 14 July 2021")
    assert "The nearest ones in the register: 7 July 2021, 2 June 2021." in reply.summary
    assert [a.command for a in reply.actions] == ["wg 2021-07-07", "wg 2021-06-02"]


def test_a_preview_overtaken_by_another_change_is_not_made(app):
    first = token(ask(app, "wg move 7 July 2021 to 14 July 2021"))
    second = token(ask(app, "wg move 7 July 2021 to 15 July 2021"))
    assert ask(app, f"confirm {second}").title.startswith("Done: ")
    before = register_rows(app)
    reply = ask(app, f"confirm {first}")
    assert reply.kind == "error" and reply.title == "Not changed: Date of the Working Group meeting on 7 July 2021"
    assert "There is no longer a Working Group meeting on 7 July 2021." in reply.summary
    assert register_rows(app) == before
    assert ask(app, "wg").title == "Working Group: 15 July 2021"
    assert [r.outcome for r in audit_rows(app)] == [audit.DONE, audit.FAILED]


# --- wg agenda -----------------------------------------------------------------------------------------


def test_adding_to_an_agenda_is_made_at_once_at_the_end(make_app):
    app = make_app(dt.date(2021, 7, 1))
    done = ask(app, "wg agenda 7 July 2021 add MP161 first discussion")
    assert done.title == "Done: MP161 on the agenda of the Working Group meeting on 7 July 2021"
    assert "Agenda: MP161" in flat(done) and "Note: first discussion" in flat(done)
    assert ask(app, "wg agenda 7 July 2021 add mp 104").title.startswith("Done: MP104 on the agenda")

    wg = ask(app, "wg")
    assert agenda_lines(wg) == ["MP161", "MP104"]
    assert "MP161 'Significant Code Review – Retail Code Consolidation' — Decision · first discussion" in flat(wg)
    digest = flat(ask(app, "digest agenda"))
    assert "first discussion" in digest and digest.index("MP161 '") < digest.index("MP104")
    assert "Working Group on 7 July 2021: first discussion" in seen(app, "MP161")

    _stored, items = meeting(app, JULY_7)
    assert items == [("MP161", "first discussion", "chat:2021-07-01"), ("MP104", None, "chat:2021-07-01")]
    rows = audit_rows(app, audit.DONE)
    assert [(r.action, r.reference, r.before, r.after) for r in rows] == [
        ("wg-agenda-add", "MP161", {"agenda": []}, {"agenda": ["MP161"], "note": "first discussion"}),
        ("wg-agenda-add", "MP104", {"agenda": ["MP161"]}, {"agenda": ["MP161", "MP104"], "note": None}),
    ]


def test_a_modification_already_on_the_agenda_is_not_added_twice(app):
    before = register_rows(app)
    reply = ask(app, "wg agenda 2 June 2021 add MP096")
    assert reply.title == "MP096 is already on the agenda of the Working Group meeting on 2 June 2021"
    assert reply.summary == "Nothing was added."
    assert register_rows(app) == before and audit_rows(app) == []


def test_removing_from_an_agenda_waits_for_confirm(app):
    def unchanged():
        assert agenda_lines(ask(app, "wg last")) == JUNE_2_AGENDA

    preview = ask(app, "wg agenda 2 June 2021 remove MP154")
    assert preview.title == "Confirm: Removing MP154 from the agenda of the Working Group meeting on 2 June 2021"
    assert "Agenda: MP096, MP117, MP121, MP128, MP149, MP154 → MP096, MP117, MP121, MP128, MP149" in flat(preview)
    tok = confirm_waits(app, "wg agenda 2 June 2021 remove MP154", unchanged)

    assert ask(app, f"confirm {tok}").title.startswith("Done: Removing MP154")
    assert agenda_lines(ask(app, "wg last")) == JUNE_2_AGENDA[:-1]
    assert "Working Group" not in seen(app, "MP154 timeline")
    assert [ref for ref, _note, _source in meeting(app, dt.date(2021, 6, 2))[1]] == JUNE_2_AGENDA[:-1]
    done_once(app, "wg-agenda-remove", {"agenda": JUNE_2_AGENDA}, {"agenda": JUNE_2_AGENDA[:-1]})


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("wg agenda", "Add or remove what?"),
        ("wg agenda 7 July 2021", "Add or remove what?"),
        ("wg agenda add MP161", "Which date?"),
        ("wg agenda someday add MP161", "I can't read “someday” as a date"),
        ("wg agenda 9 July 2021 add MP161", "No Working Group meeting on 9 July 2021"),
        ("wg agenda 7 July 2021 add", "Which modification should I add?"),
        ("wg agenda 7 July 2021 add MP999", "No modification MP999 in the register"),
        (
            "wg agenda 7 July 2021 remove MP161",
            "MP161 is not on the agenda of the Working Group meeting on 7 July 2021",
        ),
        ("wg agenda 2 June 2021 remove MP154 please", "What is “please”?"),
        ("wg agenda 7 July 2021 add MP161 " + "x" * 501, "That note is too long"),
        ("wg add", "Which date?"),
        ("wg add someday MP161", "I can't read “someday MP161” as a date"),
    ],
)
def test_agenda_input_that_does_not_parse_is_explained_and_changes_nothing(app, text, title):
    before = register_rows(app)
    reply = ask(app, text)
    assert (reply.kind, reply.title) == ("error", title)
    assert register_rows(app) == before and audit_rows(app) == []


# --- removals kept as statements -----------------------------------------------------------------------

JULY_REPORT = """
    source: {key: CSR-2021-07, title: Change Status Report – July 2021, issued: 2021-07-09}
    modifications:
      - {reference: MP162, phase: Refine, status: Refinement}
    """


def confirmed(app: App, text: str) -> Reply:
    preview = ask(app, text)
    return ask(app, f"confirm {token(preview)}")


def reimport(app: App, tmp_path, *texts: str) -> None:
    """Import the June 2021 report again, then each of ``texts`` (YAML), as ``secbot import`` would."""
    from secbot.store.importer.loader import import_paths, sample_paths
    from tests.support.files import write

    import_paths(app.store, [sample_paths()[-1]])
    for number, text in enumerate(texts):
        import_paths(app.store, [write(tmp_path / f"later-{number}.yaml", text)])


def test_an_agenda_item_removed_from_chat_stays_removed_as_of_later_days_and_after_reimports(make_app, tmp_path):
    june_20 = make_app(dt.date(2021, 6, 20))
    assert confirmed(june_20, "wg agenda 2 June 2021 remove MP154").title.startswith("Done: Removing MP154")
    reimport(june_20, tmp_path, JULY_REPORT)
    later = make_app(dt.date(2021, 7, 20))
    assert agenda_lines(ask(later, "wg 2 June 2021")) == JUNE_2_AGENDA[:-1]  # the June report again did not undo it
    assert agenda_lines(ask(later, "wg 2 June 2021 as of 30 June 2021")) == JUNE_2_AGENDA[:-1]
    assert agenda_lines(ask(later, "wg 2 June 2021 as of 15 June 2021")) == JUNE_2_AGENDA  # before the removal

    august = """
        source: {key: CSR-2021-08, title: Change Status Report – August 2021, issued: 2021-08-06}
        meetings:
          - {kind: WG, date: 2021-06-02, items: [MP154]}
        """
    reimport(later, tmp_path, august)  # a report after the removal states it again
    assert "MP154" in agenda_lines(ask(make_app(dt.date(2021, 8, 9)), "wg 2 June 2021"))
    assert agenda_lines(ask(make_app(dt.date(2021, 8, 9)), "wg 2 June 2021 as of 30 June 2021")) == JUNE_2_AGENDA[:-1]


def test_a_meeting_moved_from_chat_is_on_its_new_day_as_of_later_days_and_after_reimports(make_app, tmp_path):
    app = make_app(dt.date(2021, 7, 1))
    agenda = agenda_lines(ask(app, "wg"))
    assert confirmed(app, "wg move 7 July 2021 to 16 July 2021").title.startswith("Done: Date of the Working Group")
    reimport(app, tmp_path, JULY_REPORT)
    later = make_app(dt.date(2021, 7, 20))
    for question in ("wg 16 July 2021", "wg 16 July 2021 as of 5 July 2021"):
        reply = ask(later, question)
        assert reply.title == "Working Group: 16 July 2021" and agenda_lines(reply) == agenda, question
    for question in ("wg 7 July 2021", "wg 7 July 2021 as of 5 July 2021"):
        assert ask(later, question).title == "No Working Group meeting on 7 July 2021", question
    assert ask(later, "wg 7 July 2021 as of 30 June 2021").title == "Working Group: 7 July 2021"  # before the move
