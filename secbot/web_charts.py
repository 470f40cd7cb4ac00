"""``GET /charts/<kind>-<issue>.png``: a digest's chart, for the image in Slack's monthly summary.

Anyone can fetch these (Slack fetches them without credentials), and drawing one costs about a
tenth of a second of CPU, so a chart is drawn only for an issue secbot could have posted:

- the issue is a real period written as the outbox names that kind's issues: ``monthly-2021-06``,
  ``agenda-2026-W48`` (an ISO week the year has), ``consultations-2026-11-23`` (a real day);
- and the period lies within the register's dates (its earliest to its latest dated fact, a year
  either side), or the digest was actually due then (``schedule_runs``), whatever the register holds.

Anything else is a 404 with one short line. Drawn charts are kept per (kind, issue, register
revision), at most ``KEPT`` of them, and at most ``DRAWING`` are drawn at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import threading

from aiohttp import web
from sqlalchemy import func, select

from secbot.app import App
from secbot.digests.kinds import KINDS
from secbot.store.db import Store
from secbot.store.models import (
    Assessment,
    Consultation,
    Decision,
    Event,
    Meeting,
    Modification,
    Release,
    ScheduleRun,
    Source,
    Vote,
)

KEPT = 64
DRAWING = 2
MARGIN = dt.timedelta(days=366)
_DATED_COLUMNS = (
    Source.issued,
    Modification.raised,
    Event.date,
    Meeting.date,
    Consultation.opens,
    Consultation.closes,
    Assessment.requested,
    Assessment.returned,
    Vote.date,
    Decision.date,
    Release.date,
)


def issue_period(kind: str, issue: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the period ``issue`` names for ``kind``; None if there is no such period."""
    found = KINDS.get(kind)
    return found.issues.span(issue) if found is not None else None


def register_dates(store: Store) -> tuple[dt.date, dt.date] | None:
    """The register's earliest and latest dated fact; None for an empty register."""
    # One statement: a MIN and a MAX per dated column, each a scalar subquery.
    columns = [select(agg(column)).scalar_subquery() for column in _DATED_COLUMNS for agg in (func.min, func.max)]
    with store.engine.connect() as connection:
        found = [day for day in connection.execute(select(*columns)).one() if day is not None]
    return (min(found), max(found)) if found else None


def was_due(store: Store, kind: str, issue: str) -> bool:
    with store.engine.connect() as connection:
        return (
            connection.scalar(select(ScheduleRun.period).where(ScheduleRun.kind == kind, ScheduleRun.period == issue))
            is not None
        )


def _widened(day: dt.date, by: dt.timedelta) -> dt.date:
    try:
        return day + by
    except OverflowError:
        return dt.date.min if by < dt.timedelta(0) else dt.date.max


class ChartPaths:
    """Which charts exist, and each drawn chart kept, for one service."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._dates: tuple[int, tuple[dt.date, dt.date] | None] | None = None  # (revision, register_dates)
        self._lock = threading.Lock()
        self.draw = functools.lru_cache(maxsize=KEPT)(self._draw)

    def servable(self, kind: str, issue: str) -> tuple[bool, int]:
        """(whether a chart of this issue may be drawn, the register revision); blocking, runs in a thread."""
        revision = self.app.register.revision()
        period = issue_period(kind, issue)
        if period is None:
            return False, revision
        dates = self._register_dates(revision)
        if dates is not None and _widened(dates[0], -MARGIN) <= period[1] and period[0] <= _widened(dates[1], MARGIN):
            return True, revision
        return was_due(self.app.store, kind, issue), revision

    def _register_dates(self, revision: int) -> tuple[dt.date, dt.date] | None:
        with self._lock:
            if self._dates is not None and self._dates[0] == revision:
                return self._dates[1]
        dates = register_dates(self.app.store)
        with self._lock:
            self._dates = (revision, dates)
        return dates

    def _draw(self, kind: str, issue: str, revision: int) -> bytes | None:
        from secbot.delivery.scheduler import chart_for

        return chart_for(self.app, kind, issue)


def chart_handler(app: App):
    """The aiohttp handler for ``/charts/{kind}-{issue}.png``."""
    paths = ChartPaths(app)
    drawing = asyncio.Semaphore(DRAWING)

    async def handler(request: web.Request) -> web.Response:
        kind, issue = request.match_info["kind"], request.match_info["issue"]
        if kind not in KINDS:
            raise web.HTTPNotFound(text=f"No digest called {kind}.\n")
        if issue_period(kind, issue) is None:  # no database needed to say so
            raise web.HTTPNotFound(text=f"{issue} is not an issue of the {kind} digest.\n")
        servable, revision = await asyncio.to_thread(paths.servable, kind, issue)
        if not servable:
            raise web.HTTPNotFound(text=f"secbot has no {kind} digest for {issue}.\n")
        async with drawing:
            png = await asyncio.to_thread(paths.draw, kind, issue, revision)
        if png is None:
            raise web.HTTPNotFound(text=f"The {kind} digest for {issue} has no chart.\n")
        return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "public, max-age=86400"})

    return handler
