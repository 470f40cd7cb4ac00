"""When each digest falls due: the schedules in ``config/schedules.yaml``, as Europe/London times.

A schedule is an APScheduler ``CronTrigger`` (wall-clock fields, so 09:00 stays 09:00 across the
clock changes), optionally narrowed to deadline working days, or the rule
``friday-a-week-before-panel``: the Friday at least seven days before the register's next Panel
meeting. ``due_times`` lists the moments a schedule fell due in a window; ``period`` names the
digest issue a moment belongs to (the kind's ``issues``) (the outbox's key: one post per channel per period).

Nothing here keeps state: each process computes the same due times from the same file and register,
and the outbox decides who posts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from apscheduler.triggers.cron import CronTrigger

from secbot.digests.kind import PANEL_RULE
from secbot.digests.kinds import KINDS
from secbot.workdays import is_deadline_working_day

DEFAULTS: dict[str, dict[str, Any]] = {name: kind.schedule for name, kind in KINDS.items()}
# day -> the register's next Panel meeting on or after that day (None when there is none)
NextPanel = Callable[[dt.date], dt.date | None]


class ScheduleError(ValueError):
    """The schedules file is wrong; the message names the file and the digest."""


@dataclass(frozen=True)
class Schedule:
    kind: str
    cron: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None
    working_days_only: bool = False

    def trigger(self, zone: ZoneInfo) -> CronTrigger:
        return CronTrigger(timezone=zone, **self.cron)

    def falls_on(self, day: dt.date, next_panel: NextPanel | None) -> bool:
        """Whether a firing of the trigger on ``day`` is a real due time (working day, rule)."""
        if self.working_days_only and not is_deadline_working_day(day):
            return False
        if self.rule == PANEL_RULE:
            panel = next_panel(day) if next_panel else None
            return panel is not None and day == friday_a_week_before(panel)
        return True


def friday_a_week_before(meeting: dt.date) -> dt.date:
    latest = meeting - dt.timedelta(days=7)
    return latest - dt.timedelta(days=(latest.weekday() - 4) % 7)


def load_schedules(path: Path | None) -> dict[str, Schedule]:
    """The schedules file, or the built-in defaults when there is none."""
    raw: dict[str, Any] = DEFAULTS
    if path is not None and path.exists():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        raw = {**DEFAULTS, **(loaded.get("digests") or {})}
    schedules = {}
    for kind, spec in raw.items():
        if kind not in KINDS:
            raise ScheduleError(f"{path}: unknown digest {kind!r} (digests: {', '.join(KINDS)})")
        schedules[kind] = _schedule(kind, spec or {}, path)
    return schedules


def _schedule(kind: str, spec: dict[str, Any], path: Path | None) -> Schedule:
    rule = spec.get("rule")
    if rule is not None and rule != PANEL_RULE:
        raise ScheduleError(f"{path}: {kind}: unknown rule {rule!r} (rules: {PANEL_RULE})")
    if rule:  # the rule picks the day; the trigger fires at the time on Fridays and the rule checks the date
        cron = {"day_of_week": "fri", "hour": spec.get("hour", 9), "minute": spec.get("minute", 0)}
    else:
        cron = dict(spec.get("cron") or {})
        if not cron:
            raise ScheduleError(f"{path}: {kind}: give `cron:` fields or a `rule:`")
    try:
        CronTrigger(**cron)
    except (TypeError, ValueError) as error:
        raise ScheduleError(f"{path}: {kind}: {error}") from None
    return Schedule(kind, cron, rule, bool(spec.get("working_days_only", False)))


def due_times(
    schedule: Schedule, zone: ZoneInfo, start: dt.datetime, end: dt.datetime, next_panel: NextPanel | None = None
) -> list[dt.datetime]:
    """Every moment in (start, end] at which ``schedule`` fell due, oldest first."""
    trigger = schedule.trigger(zone)
    found: list[dt.datetime] = []
    previous: dt.datetime | None = None
    moment = start
    while True:
        fire = trigger.get_next_fire_time(previous, moment + dt.timedelta(microseconds=1))
        if fire is None or fire > end:
            return found
        if schedule.falls_on(fire.astimezone(zone).date(), next_panel):
            found.append(fire)
        previous, moment = fire, fire


def period(kind: str, due: dt.datetime, zone: ZoneInfo) -> str:
    """The digest issue that ``due`` belongs to: a day, an ISO week or a month, as the kind names them."""
    return KINDS[kind].issues.of_day(due.astimezone(zone).date())


def period_start(issue: str) -> dt.date:
    """The first day of the period an issue names (``period``'s inverse, to the day): 2026-W48 → its
    Monday, 2026-11 → 1 November, 2026-11-23 → that day."""
    if "-W" in issue:
        year, week = issue.split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1)
    if len(issue) == len("2026-11"):
        return dt.date.fromisoformat(f"{issue}-01")
    return dt.date.fromisoformat(issue)
