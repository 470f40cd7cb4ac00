"""Digest benchmark: building and rendering the monthly digest, and delivering it to 500 Slack channels.

In one run:

1. Builds the monthly digest and renders it as Markdown, HTML and (when ``secbot.digests.messages`` is
   there) Slack and Teams messages, on the bundled sample register and on the 10,000-modification
   synthetic register; prints the first run's time and the median of the next ones (target: build
   and any one rendering within 1 s).
2. Starts a fake Slack Web API in its own process that allows one post per channel per second and
   a workspace burst (100 posts, then 50 a second), answering 429 with Retry-After (whole seconds,
   as Slack does) beyond them; subscribes 500 channels and delivers the synthetic register's digest
   to all of them through ``secbot.delivery``. Prints the time taken as a ratio to the floor those
   limits impose (target: at most 1.2), and checks each channel got the digest once, threaded.

The floor for N messages, k to a channel: the workspace lets B through at once and r a second after,
so the last can go no sooner than (N - B) / r; a channel's k messages take at least k - 1 seconds.

Usage: python bench/digests.py [--mods 10000] [--channels 500] [--burst 100] [--rate 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import math
import os
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

TARGET_RENDER_S = 1.0
TARGET_RATIO = 1.2
TOKEN = "xoxb-bench"
TEAM = "T0BENCH"
LONDON = ZoneInfo("Europe/London")


# -- the rate-limited fake Slack (runs in its own process with --fake-slack PORT BURST RATE INTERVAL) ------
class RateLimitedSlack:
    """``chat.postMessage`` with Slack's two limits: per channel, and a workspace token bucket."""

    def __init__(self, burst: int, rate: float, interval: float) -> None:
        self.burst, self.rate, self.interval = burst, rate, interval
        self.tokens, self.refilled = float(burst), time.monotonic()
        self.last: dict[str, float] = {}  # channel -> when its last post was taken
        self.posts: dict[str, list[tuple[str, str | None]]] = defaultdict(list)  # channel -> (ts, thread_ts)
        self.refused: Counter[str] = Counter()
        self.ts = itertools.count(1_700_000_000_000_000, 100)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/auth.test", lambda _request: web.json_response({"ok": True, "team_id": TEAM}))
        app.router.add_post("/api/chat.postMessage", self.post_message)
        app.router.add_get("/stats", self.stats)
        return app

    def _limited(self, why: str, seconds: float) -> web.Response:
        self.refused[why] += 1
        retry_after = max(1, math.ceil(seconds))
        return web.json_response(
            {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
        )

    async def post_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        channel, now = body["channel"], time.monotonic()
        channel_wait = self.last.get(channel, -math.inf) + self.interval - now
        if channel_wait > 0:
            return self._limited("channel", channel_wait)
        self.tokens = min(self.burst, self.tokens + (now - self.refilled) * self.rate)
        self.refilled = now
        if self.tokens < 1:
            return self._limited("workspace", (1 - self.tokens) / self.rate)
        self.tokens -= 1
        self.last[channel] = now
        micros = next(self.ts)
        ts = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
        self.posts[channel].append((ts, body.get("thread_ts")))
        return web.json_response({"ok": True, "channel": channel, "ts": ts})

    async def stats(self, _request: web.Request) -> web.Response:
        return web.json_response({"posts": self.posts, "refused": self.refused})


def run_fake_slack(port: int, burst: int, rate: float, interval: float) -> None:
    web.run_app(RateLimitedSlack(burst, rate, interval).app(), host="127.0.0.1", port=port, access_log=None, print=None)


# -- 1. build and render ------------------------------------------------------------------------------------
def renderers() -> dict[str, object]:
    from secbot.digests.render import render

    found = {"md": lambda doc: render(doc, "md"), "html": lambda doc: render(doc, "html")}
    from secbot import platforms
    from secbot.digests.messages import chart_png, document_replies

    def chat(name: str):
        platform = platforms.package(name)
        return lambda doc: platform.render_digest(document_replies(doc), None)

    # Slack's monthly digest is its messages and the stage chart's PNG (served to Slack or uploaded)
    slack = chat("slack")
    return {**found, "slack": lambda doc: (slack(doc), chart_png(doc)), "teams": chat("teams")}


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def measure_digest(name: str, url: str, load_sample: bool, today: dt.date, runs: int, width: int):
    """Prints one row, the first time and the median of ``runs`` more for each step; returns the
    document and the slowest first build plus one rendering, in seconds."""
    from secbot.clock import Clock
    from secbot.digests.monthly import build_monthly
    from secbot.store.db import make_engine
    from secbot.store.opening import prepare_store
    from secbot.store.queries import Register

    store = prepare_store(make_engine(url), load_sample=load_sample)
    register = Register(store, Clock(LONDON, today))
    times: dict[str, list[float]] = defaultdict(list)
    document = None
    for _ in range(runs + 1):
        seconds, document = timed(build_monthly, register)
        times["build"].append(seconds)
        for step, render in renderers().items():
            times[step].append(timed(render, document)[0])
    store.engine.dispose()
    print(
        f"{name:{width}} "
        + " ".join(f"{t[0] * 1000:7.0f} /{statistics.median(t[1:]) * 1000:6.0f}" for t in times.values())
    )
    return document, times["build"][0] + max(t[0] for step, t in times.items() if step != "build")


# -- 2. deliver to many channels ------------------------------------------------------------------------------
def floor_seconds(messages: int, per_channel: int, burst: int, rate: float, interval: float) -> float:
    return max((messages - burst) / rate, (per_channel - 1) * interval, 0.0)


async def deliver_to_channels(args: argparse.Namespace, work: Path, register_url: str, today: dt.date):
    """Deliver the synthetic register's monthly digest as ``secbot serve`` does (``DigestRenders``: built
    once, rendered once, the chart an image block that secbot serves); the time taken and the fake's stats."""
    from slack_sdk.web.async_client import AsyncWebClient

    from secbot.app import App
    from secbot.clock import Clock
    from secbot.delivery.deliver import deliver
    from secbot.delivery.scheduler import DigestRenders
    from secbot.platforms.slack.sender import SlackSender
    from secbot.settings import Settings
    from secbot.store import subscriptions
    from secbot.store.db import make_engine
    from secbot.store.opening import prepare_store
    from secbot.store.queries import Register
    from secbot.store.subscriptions import Filters, SubscriptionView

    store = prepare_store(make_engine(register_url), load_sample=False)
    for n in range(args.channels):
        subscriptions.subscribe(store, "slack", f"{TEAM}:C{n:05d}", ("monthly",), Filters(), by="bench")
    settings = Settings(_env_file=None, admin_channels=[], public_url="https://secbot.example.org")
    app = App(settings, store, Register(store, Clock(LONDON, today)))
    issue = f"{today:%Y-%m}"

    port = harness.free_port()
    with harness.Children(work) as children:
        children.python(
            "fake-slack", __file__, "--fake-slack", str(port), str(args.burst), str(args.rate), str(args.interval)
        )
        api_url = f"http://127.0.0.1:{port}/api/"
        up = harness.Target("fake Slack", f"{api_url}auth.test", lambda _rng: (b"", {}), child="fake-slack")
        await harness.wait_until_up(up, children)
        sender = SlackSender(AsyncWebClient(token=TOKEN, base_url=api_url), interval=args.interval)
        render = DigestRenders(app, "monthly", issue, today, {"slack": sender})  # built and rendered below
        per_channel = len(render(SubscriptionView(0, "slack", f"{TEAM}:C00000", "monthly")))
        start = time.perf_counter()
        report = await deliver(store, {"slack": sender}, "monthly", issue, render, settings=settings)
        elapsed = time.perf_counter() - start
        async with harness.session() as client, client.get(f"http://127.0.0.1:{port}/stats") as response:
            stats = await response.json()
    store.engine.dispose()
    if report.failed or len(report.sent) != args.channels:
        raise SystemExit(f"delivery incomplete: {report.summary()}")
    return elapsed, stats, per_channel


def check_posts(stats: dict, channels: int, per_channel: int) -> str:
    """Each channel: exactly ``per_channel`` posts, the first in the channel and the rest in its thread."""
    posts = stats["posts"]
    wrong = [
        channel
        for channel, sent in posts.items()
        if len(sent) != per_channel or sent[0][1] is not None or any(thread != sent[0][0] for _, thread in sent[1:])
    ]
    if len(posts) != channels or wrong:
        raise SystemExit(f"{len(posts)} channels posted to, {len(wrong)} wrongly: {wrong[:5]}")
    return f"each of {channels} channels: {per_channel} post(s), once, replies in the first one's thread"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mods", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the first")
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between posts to one channel")
    args = parser.parse_args()
    for name in harness.PROXY_VARIABLES:  # slack_sdk reads HTTPS_PROXY; the fake is on 127.0.0.1
        os.environ.pop(name, None)
        os.environ.pop(name.upper(), None)

    work = Path(tempfile.mkdtemp(prefix="secbot-digest-bench-"))
    registers = [
        ("sample register (3 reports)", f"sqlite:///{work / 'sample.db'}", True, dt.date(2021, 6, 11)),
        (
            f"synthetic, {args.mods:,} modifications",
            harness.build_register(args.mods, work),
            False,
            dt.date(2024, 6, 11),
        ),
    ]
    width = harness.name_width(name for name, *_ in registers)
    print(f"Monthly digest — ms, first run / median of the next {args.runs} (SQLite)")
    print(f"{'register':{width}} " + " ".join(f"{step:>14}" for step in ["build", *renderers()]))
    slowest = 0.0
    for name, url, load_sample, today in registers:
        slowest = max(slowest, measure_digest(name, url, load_sample, today, args.runs, width)[1])
    verdict = "ok" if slowest <= TARGET_RENDER_S else "OVER TARGET"
    print(f"slowest first build + one rendering: {slowest * 1000:.0f} ms (target ≤ {TARGET_RENDER_S:g} s: {verdict})")

    synthetic_url, synthetic_day = registers[-1][1], registers[-1][3]
    elapsed, stats, per_channel = asyncio.run(deliver_to_channels(args, work, synthetic_url, synthetic_day))
    total = per_channel * args.channels
    floor = floor_seconds(total, per_channel, args.burst, args.rate, args.interval)
    ratio = elapsed / floor if floor else float("nan")
    print()
    print(
        f"Delivery — the synthetic digest ({per_channel} Slack messages) to {args.channels} channels, fake Slack "
        f"allowing 1 post a channel every {args.interval:g} s and a workspace burst of {args.burst} then "
        f"{args.rate:g}/s (429 + Retry-After beyond)"
    )
    bound = f"max(({total} - {args.burst}) / {args.rate:g}, ({per_channel} - 1) × {args.interval:g})"
    print(f"{total} messages; floor {bound} = {floor:.1f} s")
    verdict = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"delivered in {elapsed:.1f} s: {ratio:.2f} × the floor (target ≤ {TARGET_RATIO}: {verdict})")
    refused = stats["refused"]
    print(f"429s answered: {refused.get('workspace', 0)} workspace, {refused.get('channel', 0)} per-channel")
    print(check_posts(stats, args.channels, per_channel))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fake-slack"]:
        port, burst, rate, interval = sys.argv[2:6]
        run_fake_slack(int(port), int(burst), float(rate), float(interval))
    else:
        sys.exit(main())
