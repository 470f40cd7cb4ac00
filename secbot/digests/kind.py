"""What a digest kind is: one ``DigestKind`` object holds everything secbot knows about a kind — its
builder, why it has nothing to send on a day, its default schedule, how its issues are named (one post
per channel per issue), whether subscription filters apply, whether it is posted with its chart, the
words members type for it, and its help line. Each builder module declares its kind (``KIND``);
``secbot.digests.kinds`` is the registry."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from secbot.commands.context import DEFAULT_REGISTER_URL
from secbot.digests.document import Document
from secbot.replies import Action
from secbot.store.queries import Register

PANEL_RULE = "friday-a-week-before-panel"  # a schedule rule: the Friday at least a week before the next Panel
DEFAULT_REMINDER_DAYS = 3


@dataclass(frozen=True)
class Options:
    """What a builder may take from the settings."""

    reminder_days: int = DEFAULT_REMINDER_DAYS  # consultations: remind this many working days before a close
    register_url: str = DEFAULT_REGISTER_URL


@dataclass(frozen=True)
class IssueNaming:
    """How a kind's issues are written (the outbox's period: one post per channel per issue)."""

    name: str  # "day", "week" or "month"
    pattern: re.Pattern[str]
    of_day: Callable[[dt.date], str]
    days: Callable[[dict[str, int]], tuple[dt.date, dt.date]]

    def span(self, issue: str) -> tuple[dt.date, dt.date] | None:
        """The first and last day of the period ``issue`` names; None if there is no such period."""
        found = self.pattern.fullmatch(issue)
        if found is None:
            return None
        try:
            return self.days({name: int(value) for name, value in found.groupdict().items()})
        except (ValueError, OverflowError):  # month 13, 31 February, week 53 of a 52-week year, year 0
            return None


def _week_days(parts: dict[str, int]) -> tuple[dt.date, dt.date]:
    monday = dt.date.fromisocalendar(parts["year"], parts["week"], 1)
    return monday, monday + dt.timedelta(days=6)


def _month_days(parts: dict[str, int]) -> tuple[dt.date, dt.date]:
    first = dt.date(parts["year"], parts["month"], 1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _day_days(parts: dict[str, int]) -> tuple[dt.date, dt.date]:
    day = dt.date(parts["year"], parts["month"], parts["day"])
    return day, day


DAILY = IssueNaming("day", re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"), dt.date.isoformat, _day_days)
WEEKLY = IssueNaming(
    "week",
    re.compile(r"(?P<year>\d{4})-W(?P<week>\d{2})"),
    lambda day: "{}-W{:02d}".format(*day.isocalendar()[:2]),
    _week_days,
)
MONTHLY = IssueNaming("month", re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})"), lambda day: f"{day:%Y-%m}", _month_days)


@dataclass(frozen=True)
class DigestKind:
    name: str
    about: str  # the help line: "the Working Group agenda, when a meeting is within 14 days"
    build: Callable[[Register, Options], Document | None]
    nothing_to_send: Callable[[Register, Options], str]  # why ``build`` gave None today, one sentence
    schedule: dict[str, Any]  # the default schedule (config/schedules.yaml may replace it)
    issues: IssueNaming
    words: tuple[str, ...] = ()  # what else members type for it in ``subscribe`` ("wg", "month")
    filtered: bool = True  # subscription filters narrow it (the monthly digest mirrors SECAS's report, whole)
    chart: bool = False  # posted with its chart (Slack: in the summary, or uploaded)
    when_quiet: tuple[Action, ...] = field(default=())  # buttons on "No <kind> digest today"
