"""Hostile and oversized register files: refused at once, in one line each, with the register untouched.

Every reader is bounded (the size cap ``SECBOT_IMPORT_MAX_MB``, YAML anchors and aliases, a
workbook's unpacked size, a CSV value's length), text the database cannot store is a named
problem, and one run reports the problems of every file and every pass together.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from sqlalchemy import func, select

from secbot.settings import Settings
from secbot.store.db import Store
from secbot.store.importer.loader import ImportFailed, import_paths
from secbot.store.models import AuditEntry, ImportRecord, Modification, RegisterState, Source, Vote
from secbot.store.sync import FAILED, sync_register
from tests.support.files import write, xlsx

ROOT = Path(__file__).resolve().parents[1]
MAIN = "import sys; from secbot.cli import main; sys.exit(main())"  # `secbot ...` in a fresh process

ALIAS_BOMB = (ROOT / "tests" / "fakes" / "alias_bomb.yaml").read_text(encoding="utf-8")  # 9 lines, ~2 GB expanded
BOMB_ERROR = (
    "bomb.yaml: line 1, column 4: YAML anchors (&a) are not accepted in register files; write each value out in full"
)
BASE = "source: {key: S1, title: Source one, issued: 2021-06-11}\nmodifications: [{reference: MP1, title: One}]\n"


@pytest.fixture
def store(empty_store: Store, tmp_path: Path) -> Store:
    """A register holding one modification (revision 1), so that "unchanged" means something."""
    import_paths(empty_store, [write(tmp_path / "base.yaml", BASE)])
    return empty_store


def state(store: Store) -> dict:
    """What an import could change: row counts and the revision."""
    with store.sessions() as session:
        counted = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Source, Modification, Vote, ImportRecord)
        }
        return {**counted, "revision": session.scalar(select(RegisterState.revision))}


def failure_of(store: Store, paths: list[Path], **options) -> list[str]:
    before = state(store)
    with pytest.raises(ImportFailed) as failure:
        import_paths(store, paths, **options)
    assert state(store) == before
    return failure.value.errors


def workbook_bomb(megabytes: int) -> bytes:
    """A real workbook whose sheet is padded (valid XML whitespace) to unpack to ``megabytes`` more."""
    good = xlsx({"Register": [["Reference", "Title"], ["MP2", "Two"]]})
    padded = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            data = source.read(member)
            if member.filename.startswith("xl/worksheets/"):
                data += b" " * (megabytes * 1_000_000)
            out.writestr(member.filename, data)
    return padded.getvalue()


# --------------------------------------------------------------------------------------------
# Alias bombs and other YAML that only an attacker needs


def test_the_alias_bomb_is_refused_in_one_line_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB, encoding="utf-8")

    assert failure_of(store, [bomb]) == [f"{tmp_path}/{BOMB_ERROR}"]  # outside the current directory: absolute


def test_an_alias_in_a_register_file_is_refused_with_its_line(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "register.yaml",
        """
        source: S1
        modifications:
          - {reference: MP2, raised: someday}
          - {reference: MP3, title: *title}
        """,
    )
    # The file's own problems first, then its rows': the row read before the alias is still checked.
    assert failure_of(store, [path]) == [
        f"{tmp_path}/register.yaml: line 4, column 29: YAML aliases (*title) are not accepted in register files; "
        "write each value out in full",
        (
            f"{tmp_path}/register.yaml: modifications[1] (line 3): field 'raised': 'someday' is not a date "
            "(use YYYY-MM-DD, DD/MM/YYYY or '7 May 2021')"
        ),
    ]


def test_merge_keys_and_python_tags_are_refused(store: Store, tmp_path: Path) -> None:
    merged = write(
        tmp_path / "merged.yaml",
        """
        source: S1
        modifications:
          - &base {reference: MP2}
          - {<<: *base, reference: MP3}
        """,
    )
    tagged = write(tmp_path / "tagged.yaml", "source: S1\nmodifications:\n  - !!python/object:os.system {}\n")

    assert failure_of(store, [merged, tagged]) == [
        f"{tmp_path}/merged.yaml: line 3, column 5: YAML anchors (&base) are not accepted in register files; "
        "write each value out in full",
        f"{tmp_path}/tagged.yaml: line 3, column 5: the YAML tag !!python/object:os.system is not "
        "accepted in register files",
    ]


def test_nesting_beyond_any_register_shape_is_refused(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "deep.yaml", "source: S1\nmodifications: " + "[" * 50 + "]" * 50 + "\n")
    errors = failure_of(store, [path])
    assert errors == [
        f"{tmp_path}/deep.yaml: line 2, column 31: nested more than 16 levels deep; register files need far fewer"
    ]


# --------------------------------------------------------------------------------------------
# The size cap and the other readers' bounds


@pytest.mark.parametrize("name", ["huge.yaml", "modifications.csv", "register.xlsx"])
def test_a_file_over_the_cap_is_refused_from_its_size_unread(store: Store, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x00not: [valid" * 200)  # 2,400 bytes that no reader could make sense of

    errors = failure_of(store, [path], max_mb=0.001)

    assert errors == [
        f"{path}: the file is 2,400 bytes, larger than the import limit of 1,000 bytes (SECBOT_IMPORT_MAX_MB); "
        "nothing in it was read"
    ]


def test_a_file_under_the_cap_is_imported(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "small.yaml", "source: S1\nmodifications: [{reference: MP2, title: Two}]\n")
    assert import_paths(store, [path], max_mb=0.001).count("modifications").added == 1


def test_a_zip_bomb_workbook_is_refused_before_it_is_opened(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(workbook_bomb(30))
    assert path.stat().st_size < 200_000  # small on disk: only the unpacked size gives it away

    assert failure_of(store, [path]) == [
        f"{tmp_path}/bomb.xlsx: the workbook unpacks to 30 MB, more than the import limit of 20 MB "
        "(SECBOT_IMPORT_MAX_MB); "
        "nothing in it was read"
    ]


def test_an_xml_entity_bomb_in_a_workbook_is_refused(store: Store, tmp_path: Path) -> None:
    entities = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 10))
    dtd = f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY e0 "lol">{entities}]>'
    good = xlsx({"Register": [["Reference", "Title"], ["MP2", "Two"]]})
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(bomb, "w") as out:
        for member in source.infolist():
            data = source.read(member)
            if member.filename.startswith("xl/worksheets/"):
                sheet = data.decode().split("?>", 1)[-1].replace("<t>Two</t>", "<t>&e9;</t>")
                data = (dtd + sheet).encode()
            out.writestr(member.filename, data)
    path = tmp_path / "register.xlsx"
    path.write_bytes(bomb.getvalue())

    errors = failure_of(store, [path])

    # A billion "lol"s if expanded: the XML parser's amplification limit stops the sheet, or, when
    # defusedxml is installed (fpdf2 installs it), openpyxl refuses the workbook's entities outright.
    assert len(errors) == 1
    assert errors[0].startswith(f"{tmp_path}/register.xlsx: "), errors[0]
    assert re.search(r"sheet 'Register' could not be read \(ParseError: |not a readable \.xlsx workbook", errors[0])


def test_a_workbook_value_beyond_the_last_column_read_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    path.write_bytes(xlsx({"Register": [["Reference", "Title"], ["MP2", "Two", *[None] * 198, "far out"]]}))
    assert failure_of(store, [path]) == [
        f"{tmp_path}/wide.xlsx: sheet 'Register' row 2: a value beyond column GR; a register sheet is "
        "read up to its 200th column"
    ]


def test_a_csv_value_of_monstrous_length_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "modifications.csv"
    path.write_text(f"Reference,Title\nMP2,Two\nMP3,{'x' * 200_000}\n", encoding="utf-8")

    assert failure_of(store, [path]) == [
        f"{tmp_path}/modifications.csv: line 3: a value longer than the 131,072 characters any "
        "register field may have; "
        "reading stopped there"
    ]


# --------------------------------------------------------------------------------------------
# Every problem of every pass in one run


def test_a_syntax_error_in_one_file_does_not_hide_problems_in_another(store: Store, tmp_path: Path) -> None:
    broken = write(
        tmp_path / "a.yaml",
        """
        source: S1
        modifications:
          - {reference: MP2, raised: someday}
          - reference: MP3
            title: "unterminated
        """,
    )
    other = write(
        tmp_path / "b.yaml",
        """
        source: S1
        votes:
          - {reference: MP1, date: 2021-05-26, outcome: approved}
          - {reference: MP2, date: 2021-05-26, outcome: approved}
          - {reference: MP9, date: 2021-05-26, outcome: approved}
          - {reference: MP1, date: 2021-05-27, outcome: maybe}
        """,
    )

    assert failure_of(store, [broken, other]) == [
        (
            f"{tmp_path}/a.yaml: line 6, column 1: not valid YAML: found unexpected end of stream "
            "(while scanning a quoted scalar that starts on line 5)"
        ),
        (
            f"{tmp_path}/a.yaml: modifications[1] (line 3): field 'raised': 'someday' is not a date "
            "(use YYYY-MM-DD, DD/MM/YYYY or '7 May 2021')"
        ),
        (
            f"{tmp_path}/b.yaml: votes[4] (line 6): field 'outcome': 'maybe' is not a known Change Board outcome "
            "(one of: approved, rejected, recommend_approval, recommend_rejection, sent_back, referred)"
        ),
        # MP1 is in the register; MP2's row is invalid, not unknown; MP9 may be in the unread part of a.yaml.
        (
            f"{tmp_path}/b.yaml: votes[3] (line 5): field 'reference': 'MP009' is neither in the "
            "register nor in this import "
            f"(it may be in {tmp_path}/a.yaml, which could not be read in full)"
        ),
    ]


def test_unknown_sources_and_references_are_reported_beside_bad_values(store: Store, tmp_path: Path) -> None:
    path = write_csv_file(
        tmp_path / "votes.csv",
        [
            "Reference,Date,Outcome,Source",
            "MP1,2021-05-26,approved,S7",
            "MP404,2021-05-26,approved,",
            "MP1,no,approved,",
        ],
    )
    assert failure_of(store, [path]) == [
        f"{tmp_path}/votes.csv: row 3 (line 4): field 'date': 'no' is not a date (use YYYY-MM-DD, "
        "DD/MM/YYYY or '7 May 2021')",
        f"{tmp_path}/votes.csv: row 1 (line 2): field 'source': 'S7' is not a known source; define it under 'sources:' "
        "(or in sources.csv)",
        f"{tmp_path}/votes.csv: row 2 (line 3): field 'reference': 'MP404' is neither in the register "
        "nor in this import",
    ]


def write_csv_file(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Text the register cannot store


def test_nul_and_control_characters_are_named_problems(store: Store, tmp_path: Path) -> None:
    yaml_path = write(tmp_path / "register.yaml", 'source: S1\nmodifications:\n  - {reference: MP2, title: "Bad\\0"}\n')
    csv_path = tmp_path / "modifications.csv"
    csv_path.write_bytes(b"Reference,Title,Earlier Titles\nMP3,Fine,Old\x1b[31m name\nMP4,Nul\x00byte,\n")

    assert failure_of(store, [yaml_path, csv_path]) == [
        f"{tmp_path}/register.yaml: modifications[1] (line 3): field 'title': 'Bad\\x00' contains a control character "
        "(U+0000), which the register cannot store; remove it",
        f"{tmp_path}/modifications.csv: row 1 (line 2): field 'earlier_titles': 'Old\\x1b[31m name' contains a control "
        "character (U+001B), which the register cannot store; remove it",
        f"{tmp_path}/modifications.csv: row 2 (line 3): field 'title': 'Nul\\x00byte' contains a "
        "control character (U+0000), "
        "which the register cannot store; remove it",
    ]


def test_tabs_and_line_breaks_are_fine(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "modifications.csv"
    path.write_bytes(b'Reference,Title,Issue Summary\r\nMP2,Two,"First line\r\nsecond\tline"\r\n')
    import_paths(store, [path])
    with store.sessions() as session:
        summary = session.scalar(select(Modification.issue_summary).where(Modification.reference == "MP002"))
    assert summary == "First line\r\nsecond\tline"


def test_an_unpaired_surrogate_is_refused_with_its_file_and_line(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "register.yaml", 'source: S1\nmodifications:\n  - {reference: MP2, title: "A\\ud800"}\n')
    errors = failure_of(store, [path])
    assert len(errors) == 1 and errors[0].startswith(f"{tmp_path}/register.yaml: ")
    # libyaml refuses the escape as it scans; PyYAML's own parser lets validation name the field.
    assert "line 3" in errors[0] or "(line 3): field 'title'" in errors[0]


# --------------------------------------------------------------------------------------------
# The doors: `secbot import` and `secbot sync`


def test_secbot_import_of_the_bomb_exits_non_zero_with_one_line_and_no_traceback(
    store: Store, migrated_db_url: str, tmp_path: Path
) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB, encoding="utf-8")
    before = state(store)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECBOT_")} | {"XDG_DATA_HOME": str(tmp_path)}

    done = subprocess.run(
        [sys.executable, "-c", MAIN, "--database-url", migrated_db_url, "import", str(bomb)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr.splitlines() == ["Import failed; the register is unchanged.", BOMB_ERROR]  # cwd: its folder
    assert "Traceback" not in done.stdout + done.stderr
    assert state(store) == before


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


SYNC_URL = "https://secas.example/files/register.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_sync_downloads_no_more_than_the_import_would_read(store: Store, http: responses.RequestsMock) -> None:
    http.get(SYNC_URL, body=xlsx({"Register": [["Reference", "Title"], ["MP2", "Two"]]}), content_type=XLSX)
    before = state(store)

    result = sync_register(store, Settings(_env_file=None, sync_url=SYNC_URL, import_max_mb=0.001))

    assert result.outcome == FAILED
    assert "the file is larger than the limit of 1,000 bytes (SECBOT_IMPORT_MAX_MB)" in result.message
    assert state(store) == before


def test_sync_refuses_a_zip_bomb_before_inflating_it(store: Store, http: responses.RequestsMock) -> None:
    http.get(SYNC_URL, body=workbook_bomb(30), content_type=XLSX)
    before = state(store)

    result = sync_register(store, Settings(_env_file=None, sync_url=SYNC_URL))

    assert result.outcome == FAILED
    assert result.message.splitlines()[0] == (
        f"The register sync from {SYNC_URL} failed, so the register is unchanged: the workbook unpacks to 30 MB, "
        "more than the import limit of 20 MB (SECBOT_IMPORT_MAX_MB); nothing in it was read."
    )
    assert state(store) == before
    with store.sessions() as session:
        assert session.scalar(select(AuditEntry.outcome).order_by(AuditEntry.id.desc()).limit(1)) == "failed"
