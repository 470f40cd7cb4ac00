"""How much one import may read: the size cap (``SECBOT_IMPORT_MAX_MB``) and the readers' other bounds.

Every reader is bounded before it builds anything from a file:

- a file larger than the cap is refused from its size, before it is read (``too_large``);
- a workbook whose unpacked contents (the sizes in its ZIP central directory, which Python's
  ``zipfile`` never exceeds when it inflates) add up to more than the cap is refused before openpyxl
  opens it (``workbook_problem``), and a sheet is read up to ``MAX_SHEET_ROWS`` rows and
  ``MAX_SHEET_COLUMNS`` columns;
- a CSV value may be at most ``MAX_FIELD_CHARS`` long;
- YAML may nest at most ``MAX_DEPTH`` levels and may not use anchors or aliases (``yaml_document``).

A megabyte here is 1,000,000 bytes, as in ``SECBOT_SYNC_MAX_BYTES``.
"""

from __future__ import annotations

import io
import zipfile

from secbot.settings import Settings

DEFAULT_MAX_MB: float = Settings.model_fields["import_max_mb"].default
SETTING = "SECBOT_IMPORT_MAX_MB"

MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLUMNS = 200
MAX_FIELD_CHARS = 131_072  # also the csv module's own default limit
MAX_DEPTH = 16  # the register format needs 5: tables, entries, items, an item, a list value
MAX_WORKBOOK_MEMBERS = 10_000  # an .xlsx has a few dozen parts; each costs memory before anything is read


def max_bytes(max_mb: float) -> int:
    return int(max_mb * 1_000_000)


def size_text(size: int) -> str:
    """``25.3 MB`` from a megabyte up, ``1,234 bytes`` below."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"
    return f"{size:,} byte" + ("" if size == 1 else "s")


def too_large(name: str, size: int, limit: int) -> str:
    return (
        f"{name}: the file is {size_text(size)}, larger than the import limit of {size_text(limit)} "
        f"({SETTING}); nothing in it was read"
    )


def workbook_problem(name: str, content: bytes, limit: int) -> str | None:
    """Why a workbook may not be opened (its unpacked size is over ``limit``), or None.

    A ZIP archive that cannot be opened is left for the reader to report as unreadable.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return None
    if len(members) > MAX_WORKBOOK_MEMBERS:
        return (
            f"{name}: the workbook holds {len(members):,} parts, more than an .xlsx file ever needs; "
            "nothing in it was read"
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > limit:
        return (
            f"{name}: the workbook unpacks to {size_text(unpacked)}, more than the import limit of "
            f"{size_text(limit)} ({SETTING}); nothing in it was read"
        )
    return None
