"""The register importer as a user meets it: YAML, CSV and XLSX files in, rows and messages out.

Every test that writes uses ``empty_store``; errors are checked for what a user needs to fix the
file (file, row, field, value) and for leaving the register untouched.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from secbot.references import parse_reference
from secbot.store.db import Store
from secbot.store.importer import readers
from secbot.store.importer.loader import ImportFailed, import_paths
from secbot.store.importer.schema import FLAT_TABLES, SourceIn
from secbot.store.models import (
    AgendaItem,
    Assessment,
    Consultation,
    Conversion,
    Decision,
    Event,
    ImportRecord,
    Meeting,
    Modification,
    RegisterState,
    Release,
    ReleaseScope,
    Source,
    Vote,
)
from tests.support.files import write, xlsx


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mod(store: Store, reference: str) -> Modification | None:
    reference = parse_reference(reference).text
    with store.sessions() as session:
        found = session.scalar(select(Modification).where(Modification.reference == reference))
        if found is not None:
            _ = list(found.earlier_titles)  # load while the session is open
        return found


def count(store: Store, model) -> int:
    with store.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def revision(store: Store) -> int:
    with store.sessions() as session:
        return session.scalar(select(RegisterState.revision).where(RegisterState.id == 1)) or 0


def assert_nothing_stored(store: Store) -> None:
    for model in (Source, Modification, Event, Meeting, Vote, Release, ImportRecord):
        assert count(store, model) == 0, model.__name__
    assert revision(store) == 0


FULL_YAML = """
source: {key: CSR-2021-06, title: "Change Status Report – June 2021", paper_reference: SECP_93_1806_17, issued: 2021-06-11, url: null}
modifications:
  - reference: DP162
    title: SEC changes required to deliver MHHS
    proposer: Richard Vernon
    organisation: DCC
    raised: 2021-05-07
    phase: Development Stage
    status: Draft Proposal
    impacted_parties: [Large Suppliers, DCC]
  - reference: mp 161
    title: "Significant Code Review – Retail Code Consolidation"
    earlier_titles: ["Retail Code Consolidation"]
    phase: awaiting authority decision
  - reference: MP162
    title: SEC changes required to deliver MHHS
  - reference: SECMP7
    title: Firmware updates to mandated HAN devices
events:
  - {reference: DP162, date: 2021-05-07, kind: raised, text: Draft Proposal raised}
meetings:
  - kind: wg
    date: 2021-06-02
    items: [MP161, {reference: SECMP0007, note: first look}]
consultations:
  - {reference: MP161, kind: refinement, opens: 2021-06-14, closes: 2021-07-05}
assessments:
  - {reference: SECMP0007, kind: IA, accepted: 2021-04-12, target_wd: 40}
votes:
  - {reference: MP161, date: 2021-05-26, outcome: recommend_approval, governance: authority, objective: "(a)"}
decisions:
  - {reference: SECMP0007, date: 2021-06-01, outcome: approved, authority: Ofgem}
releases:
  - name: November 2021 SEC Release
    date: 2021-11-04
    scope:
      - {reference: SECMP0007, status: approved}
      - {reference: MP161, status: targeted, note: subject to decision}
conversions:
  - {draft: DP162, proposal: MP162, date: 2021-06-18, next_phase: refinement}
"""  # noqa: E501 -- the source line is kept whole on purpose


def test_yaml_round_trip_stores_every_table(empty_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "register.yaml", FULL_YAML)

    result = import_paths(empty_store, [path])

    assert result.changed and result.revision == 1
    assert result.count("modifications").added == 4
    assert result.summary_text().startswith(
        "Imported register.yaml: sources 1 added; modifications 4 added; conversions 1 added; events 1 added; "
        "meetings 1 added; agenda items 2 added; consultations 1 added; assessments 1 added; votes 1 added; "
        "decisions 1 added; releases 1 added; release scope 2 added."
    )
    dp = mod(empty_store, "DP162")
    assert (dp.proposer, dp.organisation, dp.raised, dp.phase) == (
        "Richard Vernon",
        "DCC",
        dt.date(2021, 5, 7),
        "Define",
    )
    assert dp.impacted_parties == ["Large Suppliers", "DCC"]
    assert (dp.family, dp.number, dp.suffix, dp.source, dp.source_date) == (
        "DP",
        162,
        "",
        "CSR-2021-06",
        dt.date(2021, 6, 11),
    )
    mp = mod(empty_store, "MP161")  # "mp 161" normalised
    assert mp.phase == "Decision"
    assert [t.title for t in mp.earlier_titles] == ["Retail Code Consolidation"]
    assert mod(empty_store, "SECMP0007").title == "Firmware updates to mandated HAN devices"
    with empty_store.sessions() as session:
        meeting = session.scalar(select(Meeting))
        assert (meeting.kind, meeting.date) == ("working_group", dt.date(2021, 6, 2))
        assert [(i.position, i.note) for i in meeting.items] == [(0, None), (1, "first look")]
        release = session.scalar(select(Release))
        assert [(s.position, s.status, s.note) for s in release.scope] == [
            (0, "approved", None),
            (1, "targeted", "subject to decision"),
        ]
        assert session.scalar(select(Assessment.target_wd)) == 40
        assert session.scalar(select(Vote.outcome)) == "recommend_approval"
        assert session.scalar(select(Decision.authority)) == "Ofgem"
        assert session.scalar(select(Consultation.kind)) == "refinement"
        assert session.scalar(select(Conversion.next_phase)) == "Refine"
        assert session.scalar(select(Event.text)) == "Draft Proposal raised"
        source = session.get(Source, "CSR-2021-06")
        assert (source.paper_reference, source.issued) == ("SECP_93_1806_17", dt.date(2021, 6, 11))
        record = session.scalar(select(ImportRecord))
        assert record.name == "register.yaml" and len(record.sha256) == 64
        assert record.summary["counts"]["modifications"] == {"added": 4, "updated": 0, "unchanged": 0}


def test_reimport_of_the_same_file_changes_nothing_and_says_so(empty_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "register.yaml", FULL_YAML)
    import_paths(empty_store, [path])

    again = import_paths(empty_store, [path])

    assert not again.changed
    assert again.revision == 1 and revision(empty_store) == 1
    assert again.count("modifications").unchanged == 4
    assert again.added == again.updated == 0
    assert again.summary_text() == "No changes: register.yaml matches the register (revision 1)."
    assert count(empty_store, ImportRecord) == 1


def test_counts_added_updated_unchanged_and_revision(empty_store: Store, tmp_path: Path) -> None:
    first = write_csv(
        tmp_path / "modifications.csv", ["Reference,Title,Status", "MP1,One,Refinement", "MP2,Two,Refinement"]
    )
    import_paths(empty_store, [first])
    second = write_csv(
        tmp_path / "modifications.csv",
        ["Reference,Title,Status", "MP1,One,Refinement", "MP2,Two,Report Phase", "MP3,Three,"],
    )

    result = import_paths(empty_store, [second])

    counts = result.count("modifications")
    assert (counts.added, counts.updated, counts.unchanged) == (1, 1, 1)
    assert result.revision == 2 == revision(empty_store)
    assert result.summary_text() == (
        "Imported modifications.csv: sources 1 unchanged; modifications 1 added, 1 updated, 1 unchanged. "
        "The register is now at revision 2."
    )
    assert mod(empty_store, "MP2").status == "Report Phase"
    assert count(empty_store, ImportRecord) == 2


def test_csv_with_header_aliases_and_file_name_source(empty_store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "Modifications Register.csv",
        [
            (
                "Mod Ref,Modification Title,Date Raised,Proposer Name,Organization,Stage,Who is impacted?,"
                "SEC Documents Affected,Web Address,Aliases,Lead Analyst,Implementation Date,Latest Update"
            ),
            (
                "DP162,SEC changes required to deliver MHHS,07/05/2021,Richard Vernon,DCC,Define,"
                '"Large Suppliers; Small Suppliers",Section H; Appendix AB,https://example.org/dp162,Old MHHS title,'
                "Joe Bloggs,Not yet determined,Raised"
            ),
            ",,,,,,,,,,,,",
            "SECMP-23,Correct Units of Measure,7 May 2017,,,refinement,,,,,,,",
        ],
    )

    result = import_paths(empty_store, [path])

    assert result.count("modifications").added == 2
    dp = mod(empty_store, "DP162")
    assert dp.raised == dt.date(2021, 5, 7)
    assert dp.organisation == "DCC" and dp.proposer == "Richard Vernon" and dp.lead_analyst == "Joe Bloggs"
    assert dp.impacted_parties == ["Large Suppliers", "Small Suppliers"]
    assert dp.sec_documents == ["Section H", "Appendix AB"]
    assert dp.url == "https://example.org/dp162" and dp.implementation_date == "Not yet determined"
    assert [t.title for t in dp.earlier_titles] == ["Old MHHS title"]
    assert dp.source == "import:Modifications Register.csv" and dp.source_date is None
    assert mod(empty_store, "SECMP0023").phase == "Refine"
    with empty_store.sessions() as session:
        source = session.get(Source, "import:Modifications Register.csv")
        assert (source.title, source.issued) == ("Modifications Register.csv", None)


def test_csv_source_given_by_the_caller_and_by_a_column(empty_store: Store, tmp_path: Path) -> None:
    sources = write_csv(
        tmp_path / "sources.csv", ["Key,Title,Issued", "CSR-2021-05,Change Status Report – May 2021,2021-05-14"]
    )
    mods = write_csv(tmp_path / "register.csv", ["Ref,Title,Source", "MP1,One,CSR-2021-05", "MP2,Two,"])
    caller = SourceIn(key="SECAS-register-2021-06", title="SECAS register export", issued=dt.date(2021, 6, 30))

    import_paths(empty_store, [sources, mods], source=caller)

    assert mod(empty_store, "MP1").source == "CSR-2021-05"
    assert mod(empty_store, "MP1").source_date == dt.date(2021, 5, 14)
    assert mod(empty_store, "MP2").source == "SECAS-register-2021-06"
    assert count(empty_store, Source) == 2  # no import:register.csv source


def test_directory_of_csv_files_is_one_import(empty_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    write_csv(folder / "modifications.csv", ["Reference,Title", "MP161,Retail Code Consolidation", "SECMP0015,Two"])
    write_csv(
        folder / "votes.csv",
        [
            "Mod Ref,Vote Date,Outcome,SEC Objective,Governance",
            "MP161,26/05/2021,recommend approval,(a),Authority Determination",
        ],
    )
    write_csv(
        folder / "release-scope.csv",
        ["SEC Release,Modification,Status,Notes", "June 2022 SEC Release,SECMP0015,Approved,documents"],
    )
    write_csv(
        folder / "agenda.csv",
        ["Meeting,Meeting Date,Ref,Note", "Working Group,2021-06-02,MP161,", "WG,2021-06-02,SECMP0015,x"],
    )
    write(folder / "README.txt", "not a register file")

    result = import_paths(empty_store, [folder])

    assert result.names == ["agenda.csv", "modifications.csv", "release-scope.csv", "votes.csv"]
    assert result.revision == 1 and count(empty_store, ImportRecord) == 1
    with empty_store.sessions() as session:
        vote = session.scalar(select(Vote))
        assert (vote.date, vote.outcome, vote.objective) == (dt.date(2021, 5, 26), "recommend_approval", "(a)")
        assert vote.governance == "authority"
        release = session.scalar(select(Release))
        assert release.name == "June 2022 SEC Release" and release.date is None  # created from the scope row
        assert [(s.status, s.note) for s in release.scope] == [("approved", "documents")]
        meeting = session.scalar(select(Meeting))
        assert meeting.kind == "working_group" and [i.position for i in meeting.items] == [0, 1]
    assert result.count("meetings").added == 1 and result.count("agenda_items").added == 2


def test_csv_cannot_name_its_table(empty_store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "stuff.csv", ["Reference", "MP1"])
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])
    assert "stuff.csv: cannot tell which table this file holds" in str(failure.value)
    assert "modifications.csv" in str(failure.value)


def test_unknown_column_is_named_with_the_accepted_ones(empty_store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "modifications.csv", ["Reference,Title,Colour", "MP1,One,red"])

    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])

    message = str(failure.value)
    assert message.startswith(
        f"{tmp_path}/modifications.csv: unknown column 'Colour' for modifications; the accepted "
        "columns are reference, title,"
    )
    assert "lead_analyst" in message and "implementation_date" in message
    assert_nothing_stored(empty_store)


def test_missing_required_column(empty_store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "votes.csv", ["Reference,Date", "MP1,2021-05-26"])
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])
    assert "votes.csv: missing column 'outcome' for votes" in str(failure.value)


def test_bad_date_names_file_row_field_and_value(empty_store: Store, tmp_path: Path) -> None:
    yaml_path = write(
        tmp_path / "register.yaml",
        """
        source: {key: S1, title: Source one, issued: 2021-06-11}
        modifications:
          - reference: MP1
            title: One
          - reference: MP2
            raised: next tuesday
        """,
    )
    csv_path = write_csv(tmp_path / "modifications.csv", ["Reference,Date Raised", "MP3,2021-01-01", "MP4,31/02/2021"])

    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [yaml_path, csv_path])

    assert failure.value.errors == [
        (
            f"{tmp_path}/register.yaml: modifications[2] (line 5): field 'raised': 'next tuesday' is not a date "
            "(use YYYY-MM-DD, DD/MM/YYYY or '7 May 2021')"
        ),
        (
            f"{tmp_path}/modifications.csv: row 2 (line 3): field 'raised': '31/02/2021' is not a date "
            "(use YYYY-MM-DD, DD/MM/YYYY or '7 May 2021')"
        ),
    ]
    assert_nothing_stored(empty_store)


def test_several_errors_are_reported_at_once_up_to_twenty(empty_store: Store, tmp_path: Path) -> None:
    lines = ["Reference,Kind,Accepted,Target WD"] + [f"MP{n},XA,2021-01-01,{n}" for n in range(1, 26)]
    path = write_csv(tmp_path / "assessments.csv", lines)

    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])

    assert len(failure.value.errors) == 20 and failure.value.total == 25
    assert failure.value.errors[0] == (
        f"{tmp_path}/assessments.csv: row 1 (line 2): field 'kind': 'XA' is not a known assessment "
        "kind (one of: PA, IA)"
    )
    assert str(failure.value).splitlines()[-1] == "... and 5 more errors"


def test_other_value_errors_read_naturally(empty_store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "register.yaml",
        """
        source: {key: S1, title: Source one}
        modifications:
          - {reference: XYZ1, title: bad reference}
          - {reference: MP2, phase: pondering, colour: red}
        assessments:
          - {reference: MP2, kind: IA, target_wd: forty}
        consultations:
          - {reference: MP2, kind: refinement, opens: 2021-06-10, closes: 2021-06-01}
        votes:
          - {reference: MP2, date: 2021-05-26}
        """,
    )
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])
    errors = failure.value.errors
    assert errors[0].startswith(
        f"{tmp_path}/register.yaml: modifications[1] (line 3): field 'reference': 'XYZ1' is not a "
        "modification reference"
    )
    assert errors[1].startswith(
        f"{tmp_path}/register.yaml: modifications[2] (line 4): field 'phase': 'pondering' is not a "
        "known phase (one of: Define,"
    )
    assert errors[2].startswith(
        f"{tmp_path}/register.yaml: modifications[2] (line 4): unknown field 'colour' "
        "(the fields of this table are: source, reference, title,"
    )
    assert errors[3].startswith(
        f"{tmp_path}/register.yaml: assessments[1] (line 6): field 'target_wd': 'forty': input should "
        "be a valid integer"
    )
    assert errors[4] == f"{tmp_path}/register.yaml: consultations[1] (line 8): closes before it opens"
    assert errors[5] == f"{tmp_path}/register.yaml: votes[1] (line 10): field 'outcome' is required"


def test_malformed_yaml_names_file_and_line(empty_store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "register.yaml",
        """
        source: {key: S1, title: Source one}
        modifications:
          - reference: MP1
            title: "unterminated
          - reference: MP2
        """,
    )
    good = write_csv(tmp_path / "modifications.csv", ["Reference", "MP9"])

    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [good, path])

    message = str(failure.value)
    assert message == (
        f"{tmp_path}/register.yaml: line 6, column 1: not valid YAML: found unexpected end of stream "
        "(while scanning a quoted scalar that starts on line 4)"
    )
    assert_nothing_stored(empty_store)


def test_duplicate_yaml_key_is_an_error(empty_store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "register.yaml",
        """
        source: {key: S1, title: Source one}
        modifications:
          - reference: MP1
            title: One
            title: Two
        """,
    )
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])
    assert "register.yaml: line 5, column 5: not valid YAML: found duplicate key 'title'" in str(failure.value)


def test_missing_source_is_an_error(empty_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "register.yaml", "modifications:\n  - {reference: MP1, title: One}\n")
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])
    assert failure.value.errors == [
        (
            f"{tmp_path}/register.yaml: modifications[1] (line 2): field 'source' is required: the file has no default "
            "'source:' and the row names none"
        )
    ]


def test_source_named_by_key_and_unknown_source(empty_store: Store, tmp_path: Path) -> None:
    first = write(
        tmp_path / "a.yaml", "source: {key: S1, title: One, issued: 2021-01-01}\nmodifications: [{reference: MP1}]\n"
    )
    import_paths(empty_store, [first])
    by_key = write(tmp_path / "b.yaml", "source: S1\nmodifications: [{reference: MP2}]\n")
    import_paths(empty_store, [by_key])
    assert mod(empty_store, "MP2").source == "S1"

    unknown = write(
        tmp_path / "c.yaml", "source: S9\nmodifications: [{reference: MP3}, {reference: MP4, source: S8}]\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [unknown])
    assert failure.value.errors[0].startswith(f"{tmp_path}/c.yaml: source: 'S9' is not a known source")
    assert failure.value.errors[1].startswith(
        f"{tmp_path}/c.yaml: modifications[2] (line 2): field 'source': 'S8' is not a known source"
    )
    assert mod(empty_store, "MP3") is None


def test_duplicate_reference_names_both_rows(empty_store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "modifications.csv", ["Reference,Title", "MP161,One", "MP2,Two", "mp-161,Again"])

    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])

    assert failure.value.errors == [
        f"{tmp_path}/modifications.csv: row 3 (line 4): duplicate modification MP161: "
        f"already given by {tmp_path}/modifications.csv: row 1 (line 2)"
    ]
    assert_nothing_stored(empty_store)


def test_duplicate_natural_key_in_a_child_table(empty_store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "register.yaml",
        """
        source: {key: S1, title: Source one}
        modifications: [{reference: MP1}]
        votes:
          - {reference: MP1, date: 2021-05-26, outcome: approved}
          - {reference: MP1, date: 26/05/2021, outcome: rejected}
        """,
    )
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])
    assert failure.value.errors == [
        f"{tmp_path}/register.yaml: votes[2] (line 5): duplicate vote MP001 2021-05-26: "
        f"already given by {tmp_path}/register.yaml: votes[1] (line 4)"
    ]


def test_unknown_reference_in_a_child_table(empty_store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "register.yaml",
        """
        source: {key: S1, title: Source one}
        modifications: [{reference: MP1}]
        meetings:
          - kind: panel
            date: 2021-06-18
            items:
              - MP1
              - MP404
        conversions:
          - {draft: DP2, proposal: MP1}
        """,
    )
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])
    assert sorted(failure.value.errors) == [
        f"{tmp_path}/register.yaml: conversions[1] (line 10): field 'draft': 'DP002' is neither in "
        "the register nor in this import",
        f"{tmp_path}/register.yaml: meetings[1].items[2] (line 8): field 'reference': 'MP404' "
        "is neither in the register nor in this import",
    ]
    assert_nothing_stored(empty_store)


def test_child_rows_may_name_modifications_already_in_the_register(empty_store: Store, tmp_path: Path) -> None:
    import_paths(empty_store, [write_csv(tmp_path / "modifications.csv", ["Reference", "MP1"])])
    result = import_paths(
        empty_store, [write_csv(tmp_path / "decisions.csv", ["Ref,Decision Date,Outcome", "MP1,2021-06-01,approved"])]
    )
    assert result.count("decisions").added == 1


def test_bad_row_in_the_last_file_rolls_back_the_earlier_files(empty_store: Store, tmp_path: Path) -> None:
    good = write(
        tmp_path / "a.yaml", "source: {key: S1, title: One}\nmodifications: [{reference: MP1}, {reference: MP2}]\n"
    )
    bad = write(
        tmp_path / "b.yaml",
        "source: {key: S2, title: Two}\nvotes: [{reference: MP3, date: 2021-01-01, outcome: approved}]\n",
    )

    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [good, bad])

    assert "b.yaml: votes[1] (line 2): field 'reference': 'MP003'" in str(failure.value)
    assert_nothing_stored(empty_store)


def test_database_error_after_writing_rolls_back_everything(empty_store: Store, tmp_path: Path) -> None:
    base = write(
        tmp_path / "base.yaml",
        "source: {key: S1, title: One}\nmodifications: [{reference: DP1}, {reference: MP1}, {reference: DP2}]\n"
        "conversions: [{draft: DP1, proposal: MP1}]\n",
    )
    import_paths(empty_store, [base])
    more = write(tmp_path / "more.yaml", "source: {key: S2, title: Two}\nmodifications: [{reference: MP7}]\n")
    # MP1 is already the proposal of DP1: a second conversion into it breaks a unique constraint.
    clash = write(
        tmp_path / "clash.yaml", "source: {key: S3, title: Three}\nconversions: [{draft: DP2, proposal: MP1}]\n"
    )

    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [more, clash])

    assert str(failure.value).startswith(
        f"{tmp_path}/more.yaml, {tmp_path}/clash.yaml: database error, nothing was imported:"
    )
    assert mod(empty_store, "MP7") is None
    assert count(empty_store, Source) == 1 and revision(empty_store) == 1


def test_string_longer_than_its_column_is_reported(empty_store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "votes.csv", ["Reference,Date,Outcome,Objective", f"MP1,2021-01-01,approved,{'x' * 41}"]
    )
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])
    assert "votes.csv: row 1 (line 2): field 'objective': 'xxx" in failure.value.errors[0]
    assert failure.value.errors[0].endswith("is longer than 40 characters")


def test_missing_file_and_unsupported_format(empty_store: Store, tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [tmp_path / "nope.yaml", tmp_path / "old.xls", tmp_path / "notes.txt"])
    assert failure.value.errors == [
        f"{tmp_path}/nope.yaml: no such file",
        f"{tmp_path}/old.xls: old .xls workbooks are not supported; save it as .xlsx",
        f"{tmp_path}/notes.txt: not a register file (use .yaml, .yml, .csv or .xlsx)",
    ]


def test_problems_name_files_relative_to_the_current_directory_or_else_absolute(
    empty_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = "source: {key: S1, title: One}\nmodifications:\n  - {reference: MP1, raised: someday}\n"
    for folder in ("exports/june", "exports/july", "elsewhere"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "register.yaml").write_text(bad)
    monkeypatch.chdir(tmp_path / "exports")
    given = [
        Path("june"),
        tmp_path / "exports/july/register.yaml",
        Path("../elsewhere/register.yaml"),
        Path("../x.yaml"),
    ]

    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, given)

    not_a_date = (
        "modifications[1] (line 3): field 'raised': 'someday' is not a date "
        "(use YYYY-MM-DD, DD/MM/YYYY or '7 May 2021')"
    )
    assert failure.value.errors == [  # two register.yaml told apart; outside the current directory, absolute
        f"{tmp_path}/x.yaml: no such file",
        f"june/register.yaml: {not_a_date}",
        f"july/register.yaml: {not_a_date}",
        f"{tmp_path}/elsewhere/register.yaml: {not_a_date}",
    ]


# --------------------------------------------------------------------------------------------
# XLSX


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    path.write_bytes(xlsx(sheets))
    return path


def test_xlsx_round_trip_with_sheet_aliases(empty_store: Store, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "SEC register.xlsx",
        {
            "Modifications Register": [
                ["Mod Ref", "Title", "Date Raised", "Stage", "Implementation Date", "Who is impacted"],
                [
                    "MP161",
                    "Retail Code Consolidation",
                    dt.datetime(2021, 3, 1),
                    "Refinement",
                    dt.datetime(2022, 11, 3),
                    "DCC",
                ],
                [None, None, None, None, None, None],
                ["SECMP0015", "Two", "01/02/2017", "Implementation", "June 2022 SEC Release", None],
            ],
            "Assessments": [
                ["Modification", "Type", "Accepted", "Target (WD)", "Round"],
                ["MP161", "IA", dt.datetime(2021, 5, 10), 40.0, 1.0],
            ],
            "Votes": [
                ["Ref", "Date", "Outcome", "Majority"],
                ["MP161", dt.datetime(2021, 5, 26), "approved", "unanimous"],
            ],
            "Release Scope": [
                ["Release", "Reference", "Status"],
                ["June 2022 SEC Release", "SECMP0015", "Implemented"],
            ],
            "Agenda Items": [
                ["Meeting Kind", "Meeting Date", "Reference"],
                ["Panel", dt.datetime(2021, 6, 18), "MP161"],
            ],
            "Notes": [["anything", "goes"]],
        },
    )

    result = import_paths(empty_store, [path])

    ignored = f"{tmp_path}/SEC register.xlsx: sheet 'Notes' ignored (not a register table)"
    assert result.warnings == [ignored]
    assert result.summary_text().endswith(f"Warning: {ignored}")
    mp = mod(empty_store, "MP161")
    assert mp.raised == dt.date(2021, 3, 1) and mp.phase == "Refine"
    assert mp.implementation_date == "03/11/2022"  # a date typed into a free-text column
    assert mp.source == "import:SEC register.xlsx"
    with empty_store.sessions() as session:
        assessment = session.scalar(select(Assessment))
        assert (assessment.kind, assessment.target_wd, assessment.round) == ("IA", 40, 1)
        assert session.scalar(select(Vote.majority)) == "unanimous"
        assert session.scalar(select(ReleaseScope.status)) == "implemented"
        assert session.scalar(select(AgendaItem.position)) == 0
    assert import_paths(empty_store, [path]).changed is False


def test_xlsx_errors_name_the_sheet_and_row(empty_store: Store, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "register.xlsx",
        {
            "Register": [["Reference", "Title"], ["MP1", "One"]],
            "Votes": [["Reference", "Date", "Outcome"], [None, None, None], ["MP1", "someday", "approved"]],
        },
    )
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])
    assert failure.value.errors == [
        f"{tmp_path}/register.xlsx: sheet 'Votes' row 3: field 'date': 'someday' "
        "is not a date (use YYYY-MM-DD, DD/MM/YYYY or '7 May 2021')"
    ]
    assert_nothing_stored(empty_store)


def test_xlsx_without_register_sheets(empty_store: Store, tmp_path: Path) -> None:
    path = workbook(tmp_path / "book.xlsx", {"Sheet1": [["a"]]})
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [path])
    assert failure.value.errors[0].startswith(f"{tmp_path}/book.xlsx: no sheet is a register table")


# --------------------------------------------------------------------------------------------
# Reader tables


@pytest.mark.parametrize("table", list(readers.COLUMN_ALIASES))
def test_every_column_alias_names_one_field_of_the_table(table: str) -> None:
    seen: dict[str, str] = {}
    for name, aliases in readers.COLUMN_ALIASES[table].items():
        assert name in FLAT_TABLES[table].model_fields, name
        for alias in (name, *aliases):
            key = readers.normalise(alias)
            assert seen.setdefault(key, name) == name, f"{alias!r} names both {seen[key]} and {name}"
    assert set(FLAT_TABLES[table].model_fields) - {"items", "scope"} <= set(readers.COLUMN_ALIASES[table])


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("register", "modifications"),
        ("modifications-register", "modifications"),
        ("Modifications Register", "modifications"),
        ("release_scope", "release_scope"),
        ("release-scope", "release_scope"),
        ("Agenda", "agenda_items"),
        ("agenda items", "agenda_items"),
        ("VOTES", "votes"),
        ("notes", None),
    ],
)
def test_table_names(name: str, table: str | None) -> None:
    assert readers.table_for_name(name) == table


def test_docs_list_every_table_name_and_header_alias() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "import-format.md").read_text(encoding="utf-8")
    for table, aliases in readers.TABLE_ALIASES.items():
        assert f"**{table}**" in docs
        for alias in aliases:
            if readers.normalise(alias) != readers.normalise(table):  # "Votes" is just "votes"
                assert f"`{alias}`" in docs, alias
    for table, columns in readers.COLUMN_ALIASES.items():
        section = docs.split(f"**{table}** — ", 1)[1].split("\n\n**", 1)[0]
        for name, aliases in columns.items():
            row = next(line for line in section.splitlines() if line.startswith(f"| `{name}`"))
            for alias in aliases:
                assert alias in row, (table, name, alias)


def test_caller_source_is_stored_only_when_used(empty_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "register.yaml", "source: {key: S1, title: One}\nmodifications: [{reference: MP1}]\n")
    import_paths(empty_store, [path], source=SourceIn(key="unused", title="Unused"))
    with empty_store.sessions() as session:
        assert session.scalars(select(Source.key)).all() == ["S1"]


def test_nothing_to_import(empty_store: Store) -> None:
    with pytest.raises(ImportFailed) as failure:
        import_paths(empty_store, [])
    assert failure.value.errors == ["nothing to import: no files were given"]


def test_import_failed_survives_pickling() -> None:
    import pickle

    error = ImportFailed([f"line {n}" for n in range(25)])
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.errors, copy.total, str(copy)) == (error.errors, 25, str(error))


def test_large_import_uses_a_bounded_number_of_statements(empty_store: Store, tmp_path: Path) -> None:
    """No SELECT per row: a 1,500-row import and its re-import each run a handful of statements."""
    from sqlalchemy import event

    rows = [f"MP{n},Title {n},2021-05-07,Refinement" for n in range(1, 1501)]
    first = write_csv(tmp_path / "modifications.csv", ["Reference,Title,Raised,Status", *rows])
    statements: list[str] = []
    event.listen(empty_store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    assert import_paths(empty_store, [first]).count("modifications").added == 1500
    assert len(statements) < 25, statements
    statements.clear()
    renamed = write_csv(
        tmp_path / "modifications.csv", ["Reference,Title", *[f"MP{n},New {n}" for n in range(1, 1501)]]
    )
    result = import_paths(empty_store, [renamed])

    assert result.count("modifications").updated == 1500
    assert len(statements) < 25, statements
    assert mod(empty_store, "MP1500").title == "New 1500"
    assert [t.title for t in mod(empty_store, "MP1500").earlier_titles] == ["Title 1500"]
