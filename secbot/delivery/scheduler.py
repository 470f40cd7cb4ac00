"""The digests on their schedules inside ``secbot serve``: APScheduler wakes each process, the database decides.

Each process runs its own APScheduler 3 ``AsyncIOScheduler`` with the default in-memory job store (a
job store shared between processes runs jobs twice): one cron job per digest kind from
``config/schedules.yaml`` in Europe/London, and one that resumes, every minute, outbox posts whose
lease ran out (their process died). A job carries no state; it calls ``DigestScheduler.tick(kind)``,
which reads the clock:

- each due time of that kind within the grace period (``SECBOT_DIGEST_GRACE_HOURS``, default 6) is
  delivered: the digest built as the register stood on the day it fell due, each subscription's
  filters applied, rendered for its platform, posted through the outbox, which posts to each channel
  once however many processes fire it and however often;
- each due time older than the grace period and newer than the last recorded one is recorded as
  missed in ``schedule_runs`` (insert-or-nothing, so one process records it) and the admins are told
  once.

On start every kind ticks: that is the catch-up after downtime. A kind never recorded before (a new
database) has nothing missed: secbot was not there to miss it. Missed due times are looked for at
most ``MISSED_LOOKBACK`` back.

With ``SECBOT_SYNC_URL`` and ``SECBOT_SYNC_EVERY_MINUTES`` a job also downloads and imports the
register (``secbot.store.sync``) at start and every so many minutes; a failure is told to the admins
once a day per distinct failure.

Consultation announcements are posted by the ``Announcer`` at once when confirmed in this process,
and every minute for any not yet settled (``secbot.delivery.announcements``).

The clock is ``now`` (a callable giving an aware datetime), so tests move time instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select

from secbot.app import App
from secbot.delivery.announcements import Announcer
from secbot.delivery.deliver import DEFAULT_POLICY, DeliveryReport, Policy, deliver, resume_stale, tell_admins
from secbot.delivery.senders import DigestChart, Sender
from secbot.digests import kinds
from secbot.digests.document import Document
from secbot.digests.filters import apply_filters
from secbot.digests.messages import chart_png, document_replies
from secbot.digests.schedule import Schedule, due_times, load_schedules, period, period_start
from secbot.formatting import long_date, plural
from secbot.store import announcements
from secbot.store.db import Store, as_utc, insert_or_nothing
from secbot.store.models import ScheduleRun
from secbot.store.outbox import utcnow
from secbot.store.subscriptions import SubscriptionView
from secbot.store.sync import SyncResult, sync_register

log = logging.getLogger(__name__)

CHARTS_PATH = "/charts"

FIRED, MISSED = "fired", "missed"
MISSED_LOOKBACK = dt.timedelta(days=35)  # long enough to notice a missed monthly digest
RESUME_EVERY_SECONDS = 60
PANEL_HORIZON = dt.timedelta(days=180)
Now = Callable[[], dt.datetime]


def _quiet_at_shutdown(job: Callable[..., Any]) -> Callable[..., Any]:
    """``job`` as an APScheduler job that ends quietly when the service stops under it. Stopping cancels
    its task, which APScheduler would log as a failed job with a traceback; what it was posting stays
    claimed in the outbox until its lease ends and another run resumes it."""

    @functools.wraps(job)
    async def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return await job(*args, **kwargs)
        except asyncio.CancelledError:
            log.info("%s: stopped with the service", job.__name__)
            return None

    return run


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DigestScheduler:
    def __init__(
        self,
        app: App,
        senders: Mapping[str, Sender],
        *,
        schedules: Mapping[str, Schedule] | None = None,
        now: Now = utc_now,
        policy: Policy = DEFAULT_POLICY,
        worker: str | None = None,
    ) -> None:
        self.app, self.senders, self.now = app, senders, now
        self.settings = app.settings
        self.zone = self.settings.zone
        self.schedules = dict(schedules if schedules is not None else load_schedules(self.settings.schedules_file))
        self.grace = dt.timedelta(hours=self.settings.digest_grace_hours)
        self.policy, self.worker = policy, worker
        self.scheduler: AsyncIOScheduler | None = None
        self.announcer = Announcer(app, senders, policy=policy, worker=worker, now=now)

    # -- the APScheduler jobs ------------------------------------------------------------------
    def start(self) -> AsyncIOScheduler:
        """Add the jobs to a new scheduler on the running loop, start it, and catch up in the background."""
        scheduler = AsyncIOScheduler(timezone=self.zone, job_defaults={"coalesce": True, "max_instances": 1})
        digest_jobs = [
            scheduler.add_job(
                _quiet_at_shutdown(self.tick),
                schedule.trigger(self.zone),
                args=[kind],
                id=f"digest:{kind}",
                name=f"{kind} digest",
                misfire_grace_time=int(self.grace.total_seconds()) or None,
            )
            for kind, schedule in self.schedules.items()
        ]
        scheduler.add_job(
            _quiet_at_shutdown(self.resume), IntervalTrigger(seconds=RESUME_EVERY_SECONDS), id="outbox:resume"
        )
        scheduler.add_job(
            _quiet_at_shutdown(self.announcer.publish_outstanding),
            IntervalTrigger(seconds=RESUME_EVERY_SECONDS),
            id="announcements:publish",
        )
        self.announcer.listen(asyncio.get_running_loop())
        if self.settings.sync_url and self.settings.sync_every_minutes > 0:
            every = IntervalTrigger(minutes=self.settings.sync_every_minutes)
            scheduler.add_job(
                _quiet_at_shutdown(self.sync), every, id="register:sync", next_run_time=dt.datetime.now(self.zone)
            )
        scheduler.add_job(_quiet_at_shutdown(self.catch_up), id="digest:catch-up")  # no trigger: once, now
        scheduler.start()
        self.scheduler = scheduler
        for job in digest_jobs:
            if job.next_run_time:
                log.info("%s: next wakes %s (sends if due then)", job.name, job.next_run_time.isoformat())
        return scheduler

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def catch_up(self) -> dict[str, list[DeliveryReport]]:
        """What start does: resume abandoned posts and announcements, then every kind's due and missed times."""
        await self.resume()
        await self.announcer.publish_outstanding()
        return {kind: await self.tick(kind) for kind in self.schedules}

    async def resume(self) -> DeliveryReport | None:
        try:
            return await resume_stale(
                self.app.store,
                self.senders,
                self.render_for,
                settings=self.settings,
                worker=self.worker,
                policy=self.policy,
                now=self.now,
            )
        except Exception:  # the next minute tries again
            log.exception("could not resume the outbox's abandoned posts")
            return None

    async def sync(self) -> SyncResult | None:
        """Download and import the register (``SECBOT_SYNC_URL``); admins hear of a failure once a day."""
        try:
            result = await asyncio.to_thread(sync_register, self.app.store, self.settings)
        except Exception:
            log.exception("the scheduled register sync failed")
            return None
        if not result.ok:
            # Only the schedule tries again, so only its log line and notice say so (`secbot sync` does not).
            every = self.settings.sync_every_minutes
            when = f"the next scheduled sync (every {plural(every, 'minute')})" if every else "the next scheduled sync"
            first, *problems = result.message.split("\n")
            text = "\n".join([f"{first} secbot will try again at {when}.", *problems])
            log.warning("%s", text)
            day = self.now().astimezone(self.zone).date().isoformat()
            key = f"sync:{day}:{hashlib.sha256(result.message.encode()).hexdigest()[:16]}"
            await tell_admins(
                self.app.store, self.senders, self.settings, key, text, title="The register sync failed", now=self.now
            )
        return result

    async def tick(self, kind: str) -> list[DeliveryReport]:
        """Deliver ``kind`` for each of its due times within the grace period; record older ones as missed."""
        try:
            now = self.now()
            schedule = self.schedules[kind]
            next_panel = await asyncio.to_thread(self._next_panel_finder) if schedule.rule else None
            last = await asyncio.to_thread(_last_due, self.app.store, kind)  # before this tick records any
            due = await asyncio.to_thread(due_times, schedule, self.zone, now - self.grace, now, next_panel)
            reports = [await self.send(kind, moment) for moment in due]
            if last is not None:  # else never run against this database: nothing was missed
                await self._record_missed(kind, schedule, last, now, next_panel)
            return reports
        except Exception:  # one kind's failure must not stop the scheduler or the other kinds
            log.exception("the %s digest's scheduled run failed", kind)
            return []

    async def send(self, kind: str, due: dt.datetime) -> DeliveryReport:
        """Deliver the digest that fell due at ``due`` to every subscription still without it."""
        issue = period(kind, due, self.zone)
        await asyncio.to_thread(_record_run, self.app.store, kind, issue, due, FIRED)
        renders = DigestRenders(self.app, kind, issue, due.astimezone(self.zone).date(), self.senders)
        return await deliver(
            self.app.store,
            self.senders,
            kind,
            issue,
            renders,
            settings=self.settings,
            worker=self.worker,
            policy=self.policy,
            now=self.now,
        )

    def render_for(self, kind: str, issue: str):
        """The renders for a post resumed from the outbox: the day its run was due (or the period's first);
        an announcement as it stands now."""
        if kind == announcements.KIND and (number := announcements.id_of(issue)) is not None:
            return self.announcer.render_for(number)
        return DigestRenders(self.app, kind, issue, run_day(self.app.store, kind, issue, self.zone), self.senders)

    # -- missed runs ------------------------------------------------------------------------------
    async def _record_missed(
        self, kind: str, schedule: Schedule, last: dt.datetime, now: dt.datetime, next_panel
    ) -> None:
        start = max(last, now - MISSED_LOOKBACK)
        missed = await asyncio.to_thread(due_times, schedule, self.zone, start, now - self.grace, next_panel)
        recorded = [
            moment
            for moment in missed
            if await asyncio.to_thread(
                _record_run, self.app.store, kind, period(kind, moment, self.zone), moment, MISSED
            )
        ]
        if recorded:
            await self._tell_missed(kind, recorded)

    async def _tell_missed(self, kind: str, moments: Sequence[dt.datetime]) -> None:
        days = [moment.astimezone(self.zone) for moment in moments]
        when = ", ".join(f"{long_date(day.date())} {day:%H:%M}" for day in days)
        newest = days[-1].date().isoformat()
        text = (
            f"secbot was not running when the {kind} digest fell due ({when}), and more than "
            f"{self.settings.digest_grace_hours:g} hours have passed, so it was not sent. "
            f"To send it by hand: secbot digest {kind} --as-of {newest}."
        )
        issues = [period(kind, moment, self.zone) for moment in moments]
        key = f"missed:{kind}:{issues[0]}..{issues[-1]}"
        log.warning("%s", text)
        await tell_admins(
            self.app.store, self.senders, self.settings, key, text, title="A digest was missed", now=self.now
        )

    def _next_panel_finder(self):
        """Day -> the next Panel meeting on or after it, from one read of the register's Panel dates."""
        register = self.app.register
        today = self.now().astimezone(self.zone).date()
        panels = sorted(
            m.date for m in register.meetings_between("panel", today - MISSED_LOOKBACK, today + PANEL_HORIZON)
        )
        return lambda day: next((p for p in panels if p >= day), None)


class DigestRenders:
    """The messages for each subscription of one digest issue: built once, filtered and rendered once per
    (platform, filters), so 500 channels with the same filters cost one rendering. Each platform's
    ``Sender`` renders (``render_digest``); the chart is drawn once, for the platforms that take images."""

    def __init__(
        self, app: App, kind: str, issue: str, day: dt.date, renderers: Mapping[str, Sender] | None = None
    ) -> None:
        self.app, self.kind, self.issue, self.day = app, kind, issue, day
        self.renderers = renderers or {}
        self.register = app.register.as_of(day)
        self._document: Document | None = None
        self._built = False
        self._chart: DigestChart | None = None
        self._rendered: dict[tuple[str, str], list[Any] | None] = {}
        self._lock = threading.RLock()

    def __call__(self, sub: SubscriptionView) -> list[Any] | None:
        key = (sub.platform, json.dumps(sub.filters.to_json(), sort_keys=True))
        with self._lock:  # deliver renders from many threads at once: build and render each once
            if key not in self._rendered:
                self._rendered[key] = self._render(sub)
            return self._rendered[key]

    def document(self) -> Document | None:
        with self._lock:
            return self._build()

    def _build(self) -> Document | None:
        if not self._built:
            settings = self.app.settings
            self._document = kinds.build(
                self.kind,
                self.register,
                reminder_days=settings.consultation_reminder_days,
                register_url=settings.register_url,
            )
            self._built = True
        return self._document

    def _render(self, sub: SubscriptionView) -> list[Any] | None:
        document = self._build()
        if document is None:
            return None
        if kinds.KINDS[self.kind].filtered:  # the monthly digest mirrors SECAS's report, whole
            document = apply_filters(document, sub.filters, self.register)
        if not document.sections:
            return None
        sender = self.renderers[sub.platform]
        chart = self._drawn(document) if sender.takes_images else None
        return sender.render_digest(document_replies(document), chart)

    def _drawn(self, document: Document) -> DigestChart | None:
        if not kinds.KINDS[self.kind].chart:
            return None
        if self._chart is None:
            png = chart_png(document)
            if png is None:
                return None
            title = f"{document.title}: modifications by stage"
            public_url = self.app.settings.public_url
            url = chart_url(public_url, self.kind, self.issue) if public_url else None
            self._chart = DigestChart(png, title, f"secbot-{self.kind}-{self.issue}.png", url)
        return self._chart


def chart_url(public_url: str, kind: str, issue: str) -> str:
    return f"{public_url.rstrip('/')}{CHARTS_PATH}/{kind}-{issue}.png"


def chart_for(app: App, kind: str, issue: str) -> bytes | None:
    """The chart of a digest issue, as posted (GET /charts/<kind>-<issue>.png); None when it has none."""
    document = DigestRenders(app, kind, issue, run_day(app.store, kind, issue, app.settings.zone)).document()
    return chart_png(document) if document is not None else None


# -- schedule_runs ------------------------------------------------------------------------------------
def _record_run(store: Store, kind: str, issue: str, due: dt.datetime, status: str) -> bool:
    """Insert-or-nothing: True when this call recorded (kind, issue)."""
    with store.engine.begin() as connection:
        return insert_or_nothing(
            connection,
            ScheduleRun,
            ScheduleRun.period,
            kind=kind,
            period=issue,
            due_at=due,
            recorded_at=utcnow(),
            status=status,
        )


def _last_due(store: Store, kind: str) -> dt.datetime | None:
    with store.engine.connect() as connection:
        return as_utc(connection.execute(select(func.max(ScheduleRun.due_at)).where(ScheduleRun.kind == kind)).scalar())


def run_day(store: Store, kind: str, issue: str, zone) -> dt.date:
    """The day the issue fell due, as recorded when it was sent (else the first day of its period)."""
    with store.engine.connect() as connection:
        due = as_utc(
            connection.execute(
                select(ScheduleRun.due_at).where(ScheduleRun.kind == kind, ScheduleRun.period == issue)
            ).scalar()
        )
    return due.astimezone(zone).date() if due is not None else period_start(issue)
