"""``secbot ingest`` as a user runs it: YAML to standard output or a file, warnings to standard error,
``--apply`` all or nothing; a file that is not a readable report is one polite line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.cli import run
from tests.support.pdfs import font, write_pdf

REPORTS = Path(__file__).parent / "reports"
JUNE_2021 = REPORTS / "2021-06-change-status-report.txt"


def test_yaml_to_standard_output_and_warnings_to_standard_error(db_url):
    result = run(["ingest", str(JUNE_2021)], db_url)
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    assert data["source"]["key"] == "CSR-2021-06"
    assert list(data) == [
        "source", "modifications", "events", "meetings", "consultations", "assessments", "votes", "decisions",
        "releases", "conversions",
    ]  # fmt: skip
    assert "Warning: line 89: read 'D165' as DP165" in result.stderr
    assert "Traceback" not in result.stderr


def test_output_file_in_the_samples_style(db_url, tmp_path):
    out = tmp_path / "june.yaml"
    result = run(["ingest", str(JUNE_2021), "--output", str(out)], db_url)
    assert result.returncode == 0 and result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Facts stated by Change Status Report – June 2021 (SECP_93_1806_17),")
    assert "  issued: 2021-06-11\n" in text and "    raised: 2021-05-07\n" in text
    assert "&id" not in text  # register files refuse YAML anchors
    assert f"Wrote {out}" in result.stderr


def test_apply_imports_it_all_and_says_what_changed(db_url):
    first = run(["ingest", str(JUNE_2021), "--apply"], db_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("What changed in the register: sources: 1 new; modifications: 45 new;")
    assert "\n  + DP162 'SEC changes required to deliver MHHS' (Define · Draft Proposal)\n" in first.stdout
    assert "\nImported 2021-06-change-status-report.yaml: sources 1 added; modifications 45 added" in first.stdout
    again = run(["ingest", str(JUNE_2021), "--apply"], db_url)
    assert again.stdout.startswith("No changes")


@pytest.mark.skipif(font() is None, reason="no DejaVuSans.ttf to write a PDF with")
def test_a_pdf_report(db_url, tmp_path):
    pdf = write_pdf(JUNE_2021.read_text(encoding="utf-8"), tmp_path / "june.pdf")
    result = run(["ingest", str(pdf)], db_url)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["votes"][0]["reference"] == "MP099"


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n\x00\x01 not really a PDF")
    docx = tmp_path / "report.docx"
    docx.write_bytes(b"PK\x03\x04")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    other = tmp_path / "minutes.txt"
    other.write_text("Minutes of the cricket club\n\nMP161 was discussed on 3 May 2021.\n")
    return {"missing": tmp_path / "nowhere.pdf", "docx": docx, "corrupt": corrupt, "empty": empty, "other": other}


@pytest.mark.parametrize("which", ["missing", "docx", "corrupt", "empty", "other"])
def test_not_a_readable_report_is_one_line_exit_2_and_nothing_imported(db_url, tmp_path, which):
    path = _bad_files(tmp_path)[which]
    result = run(["ingest", str(path), "--apply"], db_url)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"secbot ingest: {path}")
    assert "Traceback" not in result.stderr
