"""Register sync: download the register workbook or CSV from an HTTPS address and import it.

Owns ``sync_register`` (what ``secbot sync`` and the scheduled sync job run) and the
``register_sync`` row of each address: the ETag / Last-Modified validators for the next conditional
GET, the SHA-256 of the file last imported, and the last outcome.

A sync either imports the file through the all-or-nothing importer (``import_paths``), with its
audit entry and the new validators in the import's own transaction, or leaves the register exactly
as it was: an HTTP or network error, a web page instead of a file, a truncated or oversized
download, or a row that fails validation is recorded as ``failed`` (with an audit entry) and the
old validators are kept, so that the same file is downloaded and tried again next time.

A download is capped at the smaller of ``SECBOT_SYNC_MAX_BYTES`` and the importer's own cap
(``SECBOT_IMPORT_MAX_MB``), so that nothing is downloaded that the import would refuse; a workbook
whose unpacked contents exceed the import cap is refused before its parts are inflated.

Addresses are shown, logged and stored without user name, password or query string
(``display_url``). ``sync_register`` blocks; async code calls it with ``asyncio.to_thread``.
"""

from __future__ import annotations

import datetime as dt
import email.message
import hashlib
import io
import logging
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from secbot import __version__
from secbot.settings import Settings
from secbot.store import audit
from secbot.store.db import Store, insert_for
from secbot.store.importer import limits, readers
from secbot.store.importer.loader import ImportFailed, ImportResult, import_paths
from secbot.store.models import RegisterSync

__all__ = ["FAILED", "IMPORTED", "UNCHANGED", "SyncResult", "display_url", "sync_register"]

log = logging.getLogger(__name__)

IMPORTED, UNCHANGED, FAILED = "imported", "unchanged", "failed"
COMMAND, ACTION = "secbot sync", "sync"

_CHUNK = 64 * 1024
_ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a ZIP archive
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an old .xls workbook
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_XLSX_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Excel's own type is often sent for CSV downloads too; an old .xls is caught by its magic first.
_CSV_TYPES = {"text/csv", "application/csv", "text/comma-separated-values", "text/plain", "application/vnd.ms-excel"}


@dataclass(frozen=True)
class SyncResult:
    """What a sync did.

    ``outcome`` is ``imported`` (the register changed), ``unchanged`` (304, the same file as last
    time, or a file that matches the register) or ``failed`` (the register is exactly as it was).
    ``message`` is one paragraph for an admin; a failed import's problem lines follow it.
    ``import_result`` is the importer's report whenever the importer ran and committed or found
    nothing to change.
    """

    ok: bool
    outcome: str
    message: str
    url: str  # as shown: no user name, password or query string
    import_result: ImportResult | None = None


class SyncFailed(Exception):
    """Why a download cannot be imported, in words for an admin; ``lines`` are the importer's problems."""

    def __init__(self, reason: str, lines: list[str] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.lines = lines or []


@dataclass(frozen=True)
class _Download:
    status: int  # 200, or 304 when the file has not changed
    name: str  # the file name the server suggests (Content-Disposition or the address's path)
    content_type: str
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


def display_url(url: str) -> str:
    """The address as it may be shown, logged and stored: no user name, password, query or fragment."""
    parts = urlsplit(url)
    shown = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    return f"{shown}?…" if parts.query else shown


def sync_register(
    store: Store, settings: Settings, *, session: requests.Session | None = None, force: bool = False
) -> SyncResult:
    """Download ``settings.sync_url`` and import it, all or nothing.

    ``force`` downloads without If-None-Match / If-Modified-Since and imports even a file identical
    to the last one. ``session`` is the ``requests`` session to use (a new one by default).
    """
    if not settings.sync_url:
        message = "No register address is set: set SECBOT_SYNC_URL to the HTTPS address of the register workbook."
        return SyncResult(False, FAILED, message, "")
    shown = display_url(settings.sync_url)[: RegisterSync.url.type.length]
    previous = None if force else _previous(store, shown)
    try:
        download = _fetch(settings, previous, session)
        if download.status == HTTPStatus.NOT_MODIFIED:
            message = (
                f"The register at {shown} has not changed since the last sync (the server answered "
                "304 Not Modified), so nothing was imported."
            )
            return _unchanged(store, shown, download, None, message)
        digest = hashlib.sha256(download.body).hexdigest()
        if previous is not None and previous.sha256 == digest:
            message = f"The file at {shown} is the same as the one last imported, so nothing was imported."
            return _unchanged(store, shown, download, digest, message)
        name = _file_name(download, limits.max_bytes(settings.import_max_mb))
        result = _import(store, shown, download, name, digest, settings.import_max_mb)
    except SyncFailed as failure:
        return _failed(store, shown, failure)
    if not result.changed:
        message = f"Downloaded {name} from {shown}: {result.summary_text()}"
        return _unchanged(store, shown, download, digest, message, result)
    log.info("register sync from %s: %s", shown, result.summary_text())
    return SyncResult(True, IMPORTED, f"Synced the register from {shown}. {result.summary_text()}", shown, result)


# --------------------------------------------------------------------------------------------
# Downloading


def _fetch(settings: Settings, previous: RegisterSync | None, session: requests.Session | None) -> _Download:
    url = settings.sync_url or ""
    if urlsplit(url).scheme.lower() != "https":
        raise SyncFailed("the address must start with https:// (secbot downloads the register only over HTTPS)")
    headers = {"User-Agent": f"secbot/{__version__} (register sync)"}
    if previous is not None and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous is not None and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    http = session or requests.Session()
    try:
        with http.get(url, headers=headers, timeout=settings.sync_timeout_seconds, stream=True) as response:
            return _read(response, url, *_download_cap(settings))
    except requests.Timeout:
        raise SyncFailed(
            f"the server did not answer within {settings.sync_timeout_seconds:g} seconds (SECBOT_SYNC_TIMEOUT_SECONDS)"
        ) from None
    except requests.ConnectionError:
        raise SyncFailed("the server could not be reached (a network or TLS error)") from None
    except requests.RequestException as error:
        # The exception's own text may quote the full address, secrets and all, so only its kind is told.
        raise SyncFailed(f"the download failed ({type(error).__name__})") from None
    finally:
        if session is None:
            http.close()


def _download_cap(settings: Settings) -> tuple[int, str]:
    """The download's size cap and the setting it comes from: the import's cap when that is smaller."""
    import_cap = limits.max_bytes(settings.import_max_mb)
    if import_cap < settings.sync_max_bytes:
        return import_cap, limits.SETTING
    return settings.sync_max_bytes, "SECBOT_SYNC_MAX_BYTES"


def _read(response: requests.Response, url: str, max_bytes: int, setting: str) -> _Download:
    if urlsplit(response.url).scheme.lower() != "https":
        raise SyncFailed("the address redirected to one that is not HTTPS, so nothing was downloaded")
    etag, last_modified = _validators(response)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    name = _suggested_name(response, url)
    if response.status_code == HTTPStatus.NOT_MODIFIED:
        return _Download(HTTPStatus.NOT_MODIFIED, name, content_type, etag=etag, last_modified=last_modified)
    try:
        response.raise_for_status()
    except requests.HTTPError:
        raise SyncFailed(f"the server answered {_status(response)}") from None
    if response.status_code != HTTPStatus.OK:
        raise SyncFailed(f"the server answered {_status(response)} instead of sending the file")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_big(max_bytes, setting)
    body = bytearray()
    try:
        for chunk in response.iter_content(_CHUNK):
            body += chunk
            if len(body) > max_bytes:
                raise _too_big(max_bytes, setting)
    except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError):
        # urllib3 raises this when the connection closes before Content-Length bytes arrived.
        raise SyncFailed(f"the download of {name} was cut short before the whole file arrived") from None
    if not body:
        raise SyncFailed(f"the server sent {name} empty")
    return _Download(HTTPStatus.OK, name, content_type, bytes(body), etag, last_modified)


def _status(response: requests.Response) -> str:
    reason = response.reason
    if not reason:
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = ""
    return f"{response.status_code} {reason}".strip()


def _too_big(max_bytes: int, setting: str) -> SyncFailed:
    limit = f"{max_bytes / 1_000_000:g} MB" if max_bytes >= 1_000_000 else f"{max_bytes:,} bytes"
    return SyncFailed(f"the file is larger than the limit of {limit} ({setting})")


def _validators(response: requests.Response) -> tuple[str | None, str | None]:
    """ETag and Last-Modified, dropped when too long to store (a cut validator would never match)."""
    etag = response.headers.get("ETag")
    last_modified = response.headers.get("Last-Modified")
    if etag and len(etag) > RegisterSync.etag.type.length:
        etag = None
    if last_modified and len(last_modified) > RegisterSync.last_modified.type.length:
        last_modified = None
    return etag or None, last_modified or None


def _suggested_name(response: requests.Response, url: str) -> str:
    name = None
    disposition = response.headers.get("Content-Disposition")
    if disposition:
        header = email.message.Message()
        header["Content-Disposition"] = disposition
        name = header.get_filename()
    name = name or PurePosixPath(unquote(urlsplit(url).path)).name
    name = PurePosixPath(name.replace("\\", "/")).name
    # Never a hidden file or an Excel lock-file name ("~$register.xlsx"), which a directory import skips.
    name = "".join(c for c in name if c.isprintable()).strip().lstrip(".~$ ")
    return name[-120:] or "register"


# --------------------------------------------------------------------------------------------
# What was downloaded


def _file_name(download: _Download, max_bytes: int) -> str:
    """The name to import the download under, its suffix saying its type; refuses what is not a register file."""
    kind = _kind(download)
    name = download.name
    if PurePosixPath(name).suffix.lower() != f".{kind}":
        name = f"{PurePosixPath(name).stem or 'register'}.{kind}"
    if kind == "xlsx":
        _check_workbook(name, download.body, max_bytes)
    elif readers.table_for_name(PurePosixPath(name).stem) is None:
        name = "register.csv"  # a CSV's table comes from its name, and a synced CSV is the register
    return name


def _kind(download: _Download) -> str:
    body, content_type = download.body, download.content_type
    suffix = PurePosixPath(download.name).suffix.lower()
    start = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if content_type in _HTML_TYPES or start.startswith((b"<!doctype", b"<html")):
        raise SyncFailed(
            "the address returned a web page, not a workbook or CSV file (often a sign-in or error page: "
            "check that the address downloads the file itself)"
        )
    if body.startswith(_ZIP_MAGIC):
        return "xlsx"
    if body.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise SyncFailed(f"{download.name} is an old .xls workbook; save it as .xlsx")
    if content_type in _XLSX_TYPES or suffix == ".xlsx":
        raise SyncFailed(f"{download.name} is not a readable workbook: the file is damaged or not really an .xlsx file")
    if content_type in _CSV_TYPES or suffix == ".csv":
        return "csv"
    raise SyncFailed(
        f"the address returned {content_type or 'a file of unknown type'}, which is neither a workbook (.xlsx) "
        "nor a CSV file"
    )


def _check_workbook(name: str, body: bytes, max_bytes: int) -> None:
    refused = limits.workbook_problem(name, body, max_bytes)  # before testzip inflates every part
    if refused is not None:
        raise SyncFailed(refused.removeprefix(f"{name}: "))
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            damaged = archive.testzip() is not None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        damaged = True
    if damaged:
        raise SyncFailed(f"{name} is not a complete workbook: the download was cut short or the file is damaged")


# --------------------------------------------------------------------------------------------
# Importing and recording


def _import(store: Store, shown: str, download: _Download, name: str, digest: str, max_mb: float) -> ImportResult:
    def record(session: Session, result: ImportResult) -> None:
        now = dt.datetime.now(dt.UTC)
        audit.record(session, audit.SYNC, COMMAND, ACTION, audit.DONE, detail=f"{shown}: {result.summary_text()}")
        _save(session, shown, **_good_file(download, digest), checked_at=now, imported_at=now, outcome=IMPORTED)

    with tempfile.TemporaryDirectory(prefix="secbot-sync-") as folder:
        path = Path(folder) / name
        path.write_bytes(download.body)
        try:
            # relative_to: problem lines name the file as downloaded, not by the temporary folder it is in
            return import_paths(store, [path], before_commit=record, max_mb=max_mb, relative_to=Path(folder))
        except ImportFailed as failure:
            problems = "a problem" if failure.total == 1 else f"{failure.total} problems"
            lines = str(failure).splitlines()
            raise SyncFailed(f"{name} has {problems} to fix in the file (listed below)", lines) from None


def _unchanged(
    store: Store,
    shown: str,
    download: _Download,
    digest: str | None,
    message: str,
    result: ImportResult | None = None,
) -> SyncResult:
    if download.status == HTTPStatus.NOT_MODIFIED:  # a 304 need not repeat the validators; keep the stored ones
        values = {"etag": download.etag, "last_modified": download.last_modified}
        values = {key: value for key, value in values.items() if value is not None} | {"error": None}
    else:
        values = _good_file(download, digest)
    with store.sessions.begin() as session:
        _save(session, shown, **values, checked_at=dt.datetime.now(dt.UTC), outcome=UNCHANGED)
    log.info("register sync from %s: unchanged", shown)
    return SyncResult(True, UNCHANGED, message, shown, result)


def _failed(store: Store, shown: str, failure: SyncFailed) -> SyncResult:
    message = "\n".join(
        [f"The register sync from {shown} failed, so the register is unchanged: {failure.reason}.", *failure.lines]
    )
    # Not logged here: `secbot sync` prints the message, and the scheduled job logs it with when it tries again.
    # Only the outcome changes: the validators stay as they were, so the same file is not skipped next time.
    with store.sessions.begin() as session:
        _save(session, shown, checked_at=dt.datetime.now(dt.UTC), outcome=FAILED, error=message)
        audit.record(session, audit.SYNC, COMMAND, ACTION, audit.FAILED, detail=message)
    return SyncResult(False, FAILED, message, shown)


def _good_file(download: _Download, digest: str | None) -> dict:
    return {"etag": download.etag, "last_modified": download.last_modified, "sha256": digest, "error": None}


def _previous(store: Store, shown: str) -> RegisterSync | None:
    with store.sessions() as session:
        return session.scalar(select(RegisterSync).where(RegisterSync.url == shown))


def _save(session: Session, shown: str, **values: object) -> None:
    statement = insert_for(session.get_bind().dialect.name)(RegisterSync).values(url=shown, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[RegisterSync.url], set_={key: statement.excluded[key] for key in values}
    )
    session.execute(statement)
