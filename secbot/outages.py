"""Known outages: the database not answering, told apart from bugs and logged without flooding.

During an outage every request fails the same way, so a stack trace per request says nothing new
and buries the log (a 20 s outage once wrote 230,000 lines). ``report`` logs one line per failed
request, without a trace, plus a summary at most once per ``SUMMARY_SECONDS`` saying how many
requests the outage has failed so far; anything that is not an outage is logged with its trace as
before. The doors answer an outage with 503 and ``Retry-After: RETRY_AFTER_SECONDS`` (HTTP) or a
polite "the register is unavailable" (chat).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable

from sqlalchemy import exc as sa_exc

log = logging.getLogger("secbot.outage")

RETRY_AFTER_SECONDS = 30
SUMMARY_SECONDS = 60.0


# HTTP clients: their connection errors are about a service secbot calls (Slack's or Teams' API, the
# register's download), never the database; told by module so that no HTTP library is imported here.
_HTTP_CLIENTS = ("aiohttp", "requests", "urllib3", "slack_sdk", "slack_bolt", "microsoft_agents", "msal")


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached or used just now (not a bug of ours)."""
    if type(error).__module__.split(".")[0] in _HTTP_CLIENTS:
        return False
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):  # the pool waited in vain
        return True
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return True
    if isinstance(error, sqlite3.OperationalError | ConnectionError):
        return True
    cause = error.__cause__ or error.__context__
    return cause is not None and cause is not error and is_outage(cause)


def describe(error: BaseException) -> str:
    """One short line naming what failed, for the log: the driver's error without its SQL or a trace.

    Drivers do not put passwords in these messages; the SQL is left out because it may carry what a
    user typed.
    """
    original = getattr(error, "orig", None) or error
    first = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {first[:200]}" if first else type(original).__name__


class OutageLog:
    """Counts requests failed by an outage; logs each in one line and a summary now and then."""

    def __init__(self, summary_seconds: float = SUMMARY_SECONDS, monotonic: Callable[[], float] = time.monotonic):
        self.summary_seconds = summary_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._failed = 0  # since the last summary
        self._total = 0  # since the outage began
        self._last_summary: float | None = None

    def failed(self, what: str, error: BaseException) -> None:
        with self._lock:
            self._failed += 1
            self._total += 1
            now = self._monotonic()
            summary = self._last_summary is None or now - self._last_summary >= self.summary_seconds
            if summary:
                failed, self._failed, self._last_summary = self._failed, 0, now
        log.warning("%s: the database is unavailable (%s)", what, describe(error))
        if summary:
            log.warning("database outage: %d request(s) failed since the last summary, %d in all", failed, self._total)

    def recovered(self) -> None:
        """The database answered again: the next failure starts a new outage (and a new summary)."""
        with self._lock:
            if self._total:
                log.warning("database answering again after %d failed request(s)", self._total)
            self._failed = self._total = 0
            self._last_summary = None


OUTAGES = OutageLog()


def report(what: str, error: BaseException, logger: logging.Logger | None = None) -> bool:
    """Log ``error`` met while doing ``what``: one line if it is an outage (True), else with its trace."""
    if is_outage(error):
        OUTAGES.failed(what, error)
        return True
    (logger or log).error("%s failed", what, exc_info=error)
    return False
