"""Files a test imports or reads: text written dedented, and workbooks built from rows."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

# What SECAS published on 19 May 2021 for the Working Group of 2 June 2021 (the bundled sample learns
# of that meeting only from the report of 11 June 2021): a register as of late May 2021 needs it.
MAY_2021_AGENDA = Path(__file__).parent / "registers" / "2021-05-wg-agenda.yaml"


def write(path: Path, text: str) -> Path:
    """Write a test file, dedenting the triple-quoted text it is given."""
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    """A workbook's bytes: each sheet's title and rows, in order."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
