"""Scheduled digests as `secbot serve` runs them: each kind fires at its Europe/London time across the
2026 clock changes, catches up after downtime within the grace period and reports what it missed beyond
it, and APScheduler really drives it. The clock is moved, not waited for, and never the machine's: the
same on any day at any hour; Slack is FakeSlack over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time

import pytest
import requests
import responses
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlalchemy import select

from secbot.app import App
from secbot.clock import Clock
from secbot.delivery.deliver import Policy
from secbot.delivery.scheduler import DigestScheduler
from secbot.digests.schedule import Schedule
from secbot.platforms.slack.sender import SlackSender
from secbot.platforms.teams.door import TeamsDoor
from secbot.platforms.teams.sender import TeamsSender
from secbot.settings import Settings
from secbot.store import subscriptions
from secbot.store.importer.loader import import_paths, import_sample
from secbot.store.models import OutboxPost, ScheduleRun
from secbot.store.queries import Register
from secbot.store.subscriptions import Filters
from tests.fakes.slack_api import UPLOAD_METHOD, FakeSlack
from tests.fakes.workspace import TEAM_ID
from tests.servers import running
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.files import write
from tests.support.teams_client import TEAMS_FINE

pytestmark = pytest.mark.usefixtures("no_proxy")

ADMINS = "CADMINS"
SETTINGS = Settings(admin_channels=[f"slack:{TEAM_ID}:{ADMINS}"], digest_grace_hours=6, load_sample=False)
FAST = Policy(retry_base=0.01, max_attempts=3)

REGISTER_2026 = """
source: {key: TEST-2026, title: Test register for 2026, issued: 2026-01-05}
modifications:
  - {reference: MP301, title: Opens the Friday before the spring change, phase: Refine}
  - {reference: MP302, title: Opens the Monday after it, phase: Refine}
  - {reference: MP303, title: Opens the Friday before the autumn change, phase: Refine}
  - {reference: MP304, title: Opens the Monday after it, phase: Refine}
meetings:
  - {kind: working_group, date: 2026-03-25, items: [{reference: MP301}]}
  - {kind: working_group, date: 2026-04-01, items: [{reference: MP302}]}
  - {kind: working_group, date: 2026-10-21, items: [{reference: MP303}]}
  - {kind: working_group, date: 2026-10-28, items: [{reference: MP304}]}
  - {kind: panel, date: 2026-03-27}
  - {kind: panel, date: 2026-04-17}
  - {kind: panel, date: 2026-10-30}
  - {kind: panel, date: 2026-11-20}
consultations:
  - {reference: MP301, kind: refinement, opens: 2026-03-27, closes: 2026-04-24}
  - {reference: MP302, kind: refinement, opens: 2026-03-30, closes: 2026-04-27}
  - {reference: MP303, kind: refinement, opens: 2026-10-23, closes: 2026-11-20}
  - {reference: MP304, kind: refinement, opens: 2026-10-26, closes: 2026-11-23}
"""


@pytest.fixture
def app_2026(empty_store, tmp_path) -> App:
    import_paths(empty_store, [write(tmp_path / "register-2026.yaml", REGISTER_2026)])
    # the register as it stood on the Monday the agenda tests start from, whatever the date today
    return App(SETTINGS, empty_store, Register(empty_store, Clock(LONDON, dt.date(2026, 3, 30))))


class MovableClock:
    def __init__(self) -> None:
        self.moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def set(self, local: str) -> dt.datetime:
        """Set the time from a Europe/London wall-clock time, "YYYY-MM-DD HH:MM"."""
        self.moment = dt.datetime.fromisoformat(local).replace(tzinfo=LONDON)
        return self.moment

    def __call__(self) -> dt.datetime:
        return self.moment


def scheduler(app: App, fake: FakeSlack, clock: MovableClock, **kwargs) -> DigestScheduler:
    senders = {"slack": SlackSender(fake.web_client(), interval=0.01)}
    return DigestScheduler(app, senders, now=clock, policy=FAST, **kwargs)


def subscribe(app: App, kind: str, channel: str = "CDIGEST", filters: Filters | None = None) -> int:
    [sub] = subscriptions.subscribe(app.store, "slack", f"{TEAM_ID}:{channel}", (kind,), filters or Filters(), by="t")
    return sub.id


def channel_posts(fake: FakeSlack, channel: str) -> list:
    """Messages posted to ``channel`` outside any thread: one per digest."""
    return [c for c in fake.calls("chat.postMessage") if c.arg("channel") == channel and not c.arg("thread_ts")]


def digest_text(fake: FakeSlack, channel: str) -> str:
    """Everything posted to ``channel``, the thread replies included, as one string to search."""
    return json.dumps([c.body for c in fake.calls("chat.postMessage") if c.arg("channel") == channel])


def outbox(app: App) -> list[tuple[str, str, str, str | None]]:
    with app.store.session() as session:
        rows = session.execute(select(OutboxPost.kind, OutboxPost.period, OutboxPost.status, OutboxPost.message_id))
        return [tuple(row) for row in rows]


def runs(app: App) -> dict[tuple[str, str], str]:
    with app.store.session() as session:
        return {(r.kind, r.period): r.status for r in session.scalars(select(ScheduleRun))}


# --- each kind at its time across the 2026 clock changes --------------------------------------------------

FIRINGS = [
    # kind, London wall clock, the digest issue, the UTC hour it is (GMT until 29 March, BST to 25 October)
    ("agenda", "2026-03-23 09:00", "2026-W13", 9, "MP301"),
    ("agenda", "2026-03-30 09:00", "2026-W14", 8, "MP302"),
    ("agenda", "2026-10-19 09:00", "2026-W43", 8, "MP303"),
    ("agenda", "2026-10-26 09:00", "2026-W44", 9, "MP304"),
    ("consultations", "2026-03-27 09:00", "2026-03-27", 9, "MP301"),
    ("consultations", "2026-03-30 09:00", "2026-03-30", 8, "MP302"),
    ("consultations", "2026-10-23 09:00", "2026-10-23", 8, "MP303"),
    ("consultations", "2026-10-26 09:00", "2026-10-26", 9, "MP304"),
    ("monthly", "2026-03-20 09:00", "2026-03", 9, "Panel"),  # the Fridays a week before each Panel
    ("monthly", "2026-04-10 09:00", "2026-04", 8, "Panel"),
    ("monthly", "2026-10-23 09:00", "2026-10", 8, "Panel"),
    ("monthly", "2026-11-13 09:00", "2026-11", 9, "Panel"),
]


@pytest.mark.parametrize(("kind", "local", "issue", "utc_hour", "mentions"), FIRINGS)
def test_each_digest_fires_at_nine_london_time_across_the_clock_changes(
    app_2026, fake, kind, local, issue, utc_hour, mentions
):
    subscribe(app_2026, kind)
    clock = MovableClock()
    digests = scheduler(app_2026, fake, clock)
    due = clock.set(local)
    assert due.astimezone(dt.UTC).hour == utc_hour

    clock.moment = due - dt.timedelta(minutes=1)
    asyncio.run(digests.tick(kind))
    assert channel_posts(fake, "CDIGEST") == [] and outbox(app_2026) == []

    clock.moment = due + dt.timedelta(seconds=30)
    asyncio.run(digests.tick(kind))
    assert len(channel_posts(fake, "CDIGEST")) == 1
    assert mentions in digest_text(fake, "CDIGEST")
    [(row_kind, row_issue, status, message_id)] = outbox(app_2026)
    assert (row_kind, row_issue, status) == (kind, issue, "sent") and message_id
    assert runs(app_2026) == {(kind, issue): "fired"}

    asyncio.run(digests.tick(kind))  # the same minute again (another process, a retried job): nothing new
    assert len(channel_posts(fake, "CDIGEST")) == 1


def test_consultations_skip_good_friday_and_easter_monday(app_2026, fake):
    subscribe(app_2026, "consultations")
    clock = MovableClock()
    digests = scheduler(app_2026, fake, clock)
    for day in ("2026-04-03 09:30", "2026-04-06 09:30", "2026-04-04 09:30"):
        clock.set(day)
        asyncio.run(digests.tick("consultations"))
    assert outbox(app_2026) == [] and runs(app_2026) == {}


# --- catch-up after downtime ---------------------------------------------------------------------------------


def test_a_digest_due_while_down_is_sent_on_start_within_the_grace_period(app_2026, fake):
    subscribe(app_2026, "consultations")
    clock = MovableClock()
    clock.set("2026-03-26 09:01")  # Thursday: running, fires (nothing opens that day)
    asyncio.run(scheduler(app_2026, fake, clock).tick("consultations"))
    clock.set("2026-03-27 14:55")  # down from Thursday evening; back 5 h 55 min after Friday's 09:00

    reports = asyncio.run(scheduler(app_2026, fake, clock).catch_up())

    assert len(channel_posts(fake, "CDIGEST")) == 1
    assert "MP301" in digest_text(fake, "CDIGEST")
    assert reports["consultations"][0].sent
    assert runs(app_2026)[("consultations", "2026-03-27")] == "fired"
    assert channel_posts(fake, ADMINS) == []


def test_beyond_the_grace_period_it_is_recorded_missed_and_admins_are_told_once(app_2026, fake):
    subscribe(app_2026, "consultations")
    clock = MovableClock()
    clock.set("2026-03-26 09:01")
    asyncio.run(scheduler(app_2026, fake, clock).tick("consultations"))
    clock.set("2026-03-30 10:00")  # down Thursday evening to Monday 10:00: Friday's missed, Monday's in grace

    asyncio.run(scheduler(app_2026, fake, clock).catch_up())
    asyncio.run(scheduler(app_2026, fake, clock).catch_up())  # a second replica starting too

    assert len(channel_posts(fake, "CDIGEST")) == 1
    text = digest_text(fake, "CDIGEST")
    assert "30 March 2026" in text and "MP302" in text and "MP301" not in text  # Monday's, not Friday's
    assert runs(app_2026)[("consultations", "2026-03-27")] == "missed"
    assert runs(app_2026)[("consultations", "2026-03-30")] == "fired"
    [notice] = channel_posts(fake, ADMINS)
    text = str(notice.body)
    assert "consultations digest fell due (27 March 2026 09:00)" in text
    assert "secbot digest consultations --as-of 2026-03-27" in text
    assert ("consultations", "2026-03-27", "sent", None) not in outbox(app_2026)


def test_a_new_database_reports_nothing_missed(app_2026, fake):
    subscribe(app_2026, "agenda")
    clock = MovableClock()
    clock.set("2026-03-30 18:00")  # Monday's agenda is 9 h old, and secbot never ran here before
    asyncio.run(scheduler(app_2026, fake, clock).catch_up())
    assert channel_posts(fake, "CDIGEST") == [] and channel_posts(fake, ADMINS) == []
    assert runs(app_2026) == {}


# --- what a channel receives -----------------------------------------------------------------------------


def test_the_june_2021_monthly_digest_in_slack_summary_chart_then_sections_in_its_thread(sample_copy, fake):
    app = App(SETTINGS, sample_copy, Register(sample_copy, Clock(LONDON, REPORT_DAY)))
    subscribe(app, "monthly")
    clock = MovableClock()
    clock.set("2021-06-11 09:00")  # the Friday a week before the 18 June 2021 Panel
    clock.moment += dt.timedelta(seconds=5)

    asyncio.run(scheduler(app, fake, clock).tick("monthly"))

    [summary] = channel_posts(fake, "CDIGEST")
    assert summary.arg("text").startswith("Monthly status digest – June 2021\nAs of 11 June 2021, covering May 2021.")
    assert [c.method for c in fake.calls()][:4] == [
        "chat.postMessage",  # the summary, with the stage counts as text
        "files.getUploadURLExternal",  # then the stage chart, uploaded into its thread
        UPLOAD_METHOD,
        "files.completeUploadExternal",
    ]
    [upload] = fake.calls("files.completeUploadExternal")
    thread = upload.arg("thread_ts")
    assert upload.arg("channel_id") == "CDIGEST" and thread  # the summary's ts, as every reply's below
    [sent] = fake.calls(UPLOAD_METHOD)
    assert fake.uploads[sent.body["file_id"]].startswith(b"\x89PNG")
    replies = [c for c in fake.calls("chat.postMessage") if c.arg("thread_ts")]
    assert [c.arg("text").split("\n")[0] for c in replies] == [
        "Summary",
        "What changed",
        "Define",
        "Refine",
        "Opine",
        "Releases",
    ]
    assert {c.arg("thread_ts") for c in replies} == {thread}
    text = digest_text(fake, "CDIGEST")
    assert all(ref in text for ref in ("DP162", "DP167", "MP099", "MP144", "MP161"))


def test_filters_narrow_what_each_channel_gets_and_empty_means_no_post(app_2026, fake):
    subscribe(app_2026, "consultations", "CALL")
    subscribe(app_2026, "consultations", "CMP302", Filters(references=("MP302",)))
    subscribe(app_2026, "consultations", "CMP301", Filters(references=("MP301",)))
    clock = MovableClock()
    clock.set("2026-03-30 09:05")
    asyncio.run(scheduler(app_2026, fake, clock).tick("consultations"))
    assert "MP302" in digest_text(fake, "CALL") and "MP302" in digest_text(fake, "CMP302")
    assert channel_posts(fake, "CMP301") == []  # MP301 neither opens nor closes soon on 30 March
    assert sorted(status for _k, _p, status, _m in outbox(app_2026)) == ["sent", "sent", "sent"]


# --- APScheduler drives it ----------------------------------------------------------------------------------


class RunningClock:
    """A clock that starts at a Europe/London wall-clock time, "YYYY-MM-DD HH:MM", and runs at the real pace."""

    def __init__(self, local: str) -> None:
        self.start, self.started = dt.datetime.fromisoformat(local).replace(tzinfo=LONDON), time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=time.monotonic() - self.started)


def test_apscheduler_fires_the_jobs_and_the_outbox_posts_once_per_period(app_2026, fake):
    # APScheduler wakes each replica every second of the real clock; what falls due then, and which issue it
    # is, the digests read from a clock running from Monday 30 March 2026 09:00 (the agenda of 1 April's
    # meeting), so the test means the same on any day at any hour. A grace period of seconds, not hours,
    # keeps each tick to a few due times.
    settings = SETTINGS.model_copy(update={"digest_grace_hours": 0.01})
    app = App(settings, app_2026.store, app_2026.register)
    subscribe(app, "agenda")
    every_second = {"agenda": Schedule("agenda", cron={"second": "*"})}
    clock = RunningClock("2026-03-30 09:00")

    async def run_a_while() -> list[str]:
        two = [
            DigestScheduler(
                app, {"slack": SlackSender(fake.web_client(), interval=0.01)}, schedules=every_second, now=clock
            )
            for _ in range(2)  # two replicas, each with its own APScheduler
        ]
        ticks = [0, 0]  # each replica's digest job runs that have finished

        def counter(replica: int):
            def count(event: JobExecutionEvent) -> None:
                if event.job_id == "digest:agenda":
                    ticks[replica] += 1

            return count

        jobs = []
        for replica, digests in enumerate(two):
            scheduler = digests.start()
            scheduler.add_listener(counter(replica), EVENT_JOB_EXECUTED)
            jobs.append(sorted(job.id for job in scheduler.get_jobs()))
        await fake.wait_for_async("chat.postMessage", 1, timeout=10)
        # Two more finished runs of each replica's job: the second of them started after the post arrived.
        posted = list(ticks)
        deadline = time.monotonic() + 30
        while any(now < then + 2 for now, then in zip(ticks, posted, strict=True)):
            assert time.monotonic() < deadline, f"the digest jobs ran {ticks} times, {posted} by the post"
            await asyncio.sleep(0.05)
        for digests in two:
            digests.stop()
        return jobs[0]

    jobs = asyncio.run(run_a_while())
    assert "digest:agenda" in jobs and "outbox:resume" in jobs
    assert len(channel_posts(fake, "CDIGEST")) == 1
    assert "MP302" in digest_text(fake, "CDIGEST")
    assert runs(app) == {("agenda", "2026-W14"): "fired"}


def test_the_monthly_digest_in_teams_is_a_card_per_section_without_the_chart(teams):
    app, connector = teams
    import_sample(app.store)
    subscriptions.subscribe(app.store, "teams", TEAMS_FINE, ("monthly",), Filters(), by="t")
    clock = MovableClock()
    clock.set("2021-06-11 09:00")
    clock.moment += dt.timedelta(seconds=5)
    senders = {"teams": TeamsSender(TeamsDoor(app), interval=0.01)}

    asyncio.run(DigestScheduler(app, senders, now=clock, policy=FAST).tick("monthly"))

    cards = [c for c in connector.calls if c.conversation_id == TEAMS_FINE]
    bodies = [json.dumps(c.body) for c in cards]
    assert len(cards) == 7  # the summary and Summary, What changed, Define, Refine, Opine, Releases: no chart upload
    assert "Monthly status digest" in bodies[0] and "As of 11 June 2021" in bodies[0]
    assert "DP162" in bodies[3] and "Releases" in bodies[6]
    assert all("adaptivecard" in body.lower() for body in bodies)


def test_with_a_public_address_the_chart_is_in_the_summary_and_secbot_serves_it(sample_copy, fake):
    settings = SETTINGS.model_copy(update={"public_url": "https://secbot.example.org/"})
    app = App(settings, sample_copy, Register(sample_copy, Clock(LONDON, REPORT_DAY)))
    subscribe(app, "monthly")
    clock = MovableClock()
    clock.set("2021-06-11 09:00")
    clock.moment += dt.timedelta(seconds=5)

    asyncio.run(scheduler(app, fake, clock).tick("monthly"))

    [summary] = channel_posts(fake, "CDIGEST")
    [image] = [b for b in summary.arg("blocks") if b["type"] == "image"]
    assert image["image_url"] == "https://secbot.example.org/charts/monthly-2021-06.png"
    assert "modifications by stage" in image["alt_text"]
    assert fake.calls("files.completeUploadExternal") == []  # nothing uploaded
    with running(app) as base:
        served = requests.get(f"{base}/charts/monthly-2021-06.png", timeout=30)
        unknown = requests.get(f"{base}/charts/weekly-2021-06.png", timeout=30)
        malformed = requests.get(f"{base}/charts/monthly-June.png", timeout=30)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    assert served.content.startswith(b"\x89PNG")
    assert unknown.status_code == 404 and "No digest called weekly" in unknown.text
    assert malformed.status_code == 404


def test_a_failing_scheduled_sync_changes_nothing_and_tells_admins_once_a_day(app_2026, fake):
    url = "https://secas.example.org/register.xlsx"
    app = App(SETTINGS.model_copy(update={"sync_url": url}), app_2026.store, app_2026.register)
    revision = app.register.revision()
    clock = MovableClock()
    clock.set("2026-03-30 10:00")
    digests = scheduler(app, fake, clock)
    with responses.RequestsMock() as http:
        http.get(url, status=404)
        http.get(url, status=404)
        first, second = asyncio.run(digests.sync()), asyncio.run(digests.sync())
    assert not first.ok and not second.ok and app.register.revision() == revision
    [notice] = channel_posts(fake, ADMINS)
    assert "The register sync failed" in notice.arg("text") and "404" in json.dumps(notice.body)
    assert "secbot will try again at the next scheduled sync." in json.dumps(notice.body)
