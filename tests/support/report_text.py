"""Reports for the ingest tests: a snippet of text made into a ``Document`` as ``secbot ingest`` would
read it, the seed reports (``tests/reports/``) read, and the rows of their hand-made sample YAML."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import yaml

from secbot.ingest.document import Document, lines_of, read

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ("2017-05-sec-update-dcusa", "2017-10-modification-release-status-report", "2021-06-change-status-report")


def snippet(text: str, issued: dt.date | None = None, paper_reference: str | None = None) -> Document:
    body = textwrap.dedent(text).strip("\n")
    return Document(Path("snippet.txt"), body, lines_of(body), "unknown", None, issued, paper_reference)


def seed(name: str) -> Document:
    return read(ROOT / "tests" / "reports" / f"{name}.txt")


def sample_rows(name: str, table: str) -> list[dict]:
    with (ROOT / "secbot" / "store" / "sample" / f"{name}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle).get(table) or []
