"""A SECAS report sent to the bot as a file (issue 17, item 4): an admin sees what importing it would
change, with Confirm and Cancel; Confirm imports it all or nothing, from any replica, audited; a reader's
file is refused and audited; a file that is not a report is explained and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from secbot.app import App
from secbot.clock import Clock
from secbot.commands import Actor, Where
from secbot.settings import Settings
from secbot.store.importer.loader import import_paths, sample_paths
from secbot.store.models import AuditEntry, Modification, PendingAction
from secbot.store.queries import Register
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.pdfs import write_pdf
from tests.support.replies import flat

REPORTS = Path(__file__).parent / "reports"
JUNE_2021 = REPORTS / "2021-06-change-status-report.txt"
SAM = Actor("slack", "T0001:USAM")  # a SECAS admin
RILEY = Actor("slack", "T0001:URILEY")  # a reader
DM = Where("slack", "T0001:DSAM")


@pytest.fixture
def store_of_2017(empty_store):
    """The register as the 2017 reports left it: the June 2021 report is news to it."""
    import_paths(empty_store, [p for p in sample_paths() if p.name.startswith("2017")])
    return empty_store


def replica(store) -> App:
    settings = Settings(database_url="sqlite://", today=REPORT_DAY, admins=["slack:T0001:USAM"])
    return App(settings, store, Register(store, Clock(LONDON, REPORT_DAY)))


def held(store, reference: str) -> Modification | None:
    with store.sessions() as session:
        return session.scalar(select(Modification).where(Modification.reference == reference))


def audited(store) -> list[tuple[str, str, str]]:
    with store.sessions() as session:
        return [(a.actor, a.action, a.outcome) for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def pressed(reply, button: str) -> str:
    [command] = [a.command for a in reply.actions if a.label == button]
    return command


def test_an_admin_sees_what_the_report_changes_and_confirm_imports_it_from_another_replica(store_of_2017):
    one, other = replica(store_of_2017), replica(store_of_2017)

    reply = one.receive_report(JUNE_2021.name, JUNE_2021.read_bytes(), SAM, DM)

    assert reply.title == "Confirm: import Change Status Report – June 2021"
    text = flat(reply)
    assert "modifications: 41 new and 2 changed" in text
    assert "+ DP162 'SEC changes required to deliver MHHS' (Define · Draft Proposal)" in text
    assert "~ SECMP0007: phase Refine → Implementation; status Refinement → Approved" in text
    assert "… and " in text and "more changes" in text  # 150 lines: the first ones shown, the rest counted
    assert "read 'D165' as DP165" in text  # what the reader was unsure of, to check
    assert held(store_of_2017, "DP162") is None  # nothing yet

    done = other.answer(pressed(reply, "Confirm"), SAM, DM)

    assert done.title == "Imported Change Status Report – June 2021"
    assert "modifications 41 added" in flat(done)
    assert (held(store_of_2017, "DP162").title, held(store_of_2017, "SECMP0007").status) == (
        "SEC changes required to deliver MHHS",
        "Approved",
    )
    assert audited(store_of_2017)[-1] == ("slack:T0001:USAM", "import-report", "done")
    assert "Awaiting Authority Decision" in flat(other.answer("MP161", RILEY, DM))
    again = one.receive_report(JUNE_2021.name, JUNE_2021.read_bytes(), SAM, DM)
    assert again.title == "Nothing new in Change Status Report – June 2021"


def test_cancel_imports_nothing_and_a_pdf_reads_as_its_text_does(store_of_2017, tmp_path):
    app = replica(store_of_2017)
    pdf = write_pdf(JUNE_2021.read_text(encoding="utf-8"), tmp_path / "csr-june-2021.pdf")

    reply = app.receive_report(pdf.name, pdf.read_bytes(), SAM, DM)
    assert "modifications: 41 new and 2 changed" in flat(reply)

    cancelled = app.answer(pressed(reply, "Cancel"), SAM, DM)
    assert "ancel" in cancelled.title
    assert held(store_of_2017, "DP162") is None
    assert audited(store_of_2017)[-1] == ("slack:T0001:USAM", "import-report", "cancelled")


def test_a_readers_report_is_refused_unread_and_the_attempt_audited(store_of_2017):
    app = replica(store_of_2017)

    reply = app.receive_report(JUNE_2021.name, JUNE_2021.read_bytes(), RILEY, DM)

    assert (reply.kind, reply.title) == ("error", "Only SECAS admins can use ingest")
    assert audited(store_of_2017) == [("slack:T0001:URILEY", "ingest", "refused")]
    with store_of_2017.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PendingAction)) == 0


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("minutes.docx", b"PK\x03\x04 a word file", "A report must be a PDF or a text file (.pdf or .txt)."),
        ("broken.pdf", b"%PDF-1.7\n this is not really a PDF", "Not a readable PDF"),
        ("empty.txt", b"", "I couldn't read empty.txt"),
        ("shopping.txt", b"eggs\nmilk\nflour\n", "Not a SECAS report this reader knows"),
        ("../../etc/passwd.txt", b"root:x:0:0", "I couldn't read passwd.txt"),
    ],
)
def test_a_file_that_is_not_a_report_is_explained_and_changes_nothing(store_of_2017, name, data, says):
    app = replica(store_of_2017)
    before = audited(store_of_2017)

    reply = app.receive_report(name, data, SAM, DM)

    assert reply.kind == "error"
    assert says in flat(reply)
    assert "Nothing was changed." in flat(reply)
    assert audited(store_of_2017) == before
    with store_of_2017.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PendingAction)) == 0


def test_a_report_larger_than_an_import_may_be_is_refused_before_it_is_read(store_of_2017):
    settings = Settings(database_url="sqlite://", today=REPORT_DAY, admins=["slack:T0001:USAM"], import_max_mb=0.01)
    app = App(settings, store_of_2017, Register(store_of_2017, Clock(LONDON, REPORT_DAY)))

    reply = app.receive_report(JUNE_2021.name, JUNE_2021.read_bytes(), SAM, DM)

    assert reply.kind == "error" and "It is 13,339 bytes; a report may be at most 10,000." in flat(reply)
