"""Slack HTTP benchmark: signed `/sec MP161` round trips against `secbot serve`, beside a bare bolt app.

In one run: builds the 10,000-modification synthetic register, starts a local fake Slack Web API
(bolt calls auth.test once), starts `secbot serve` and a bare slack-bolt AsyncApp that only
acknowledges an empty command, each in its own process, then drives each with the same signed
slash-command requests at a fixed concurrency: `/sec MP161` (answered from secbot's answer cache
after the first) and `/sec MPnnn`, a different modification each time (the cache misses: the register
is read and the reply rendered for each). Prints p50/p99 latency, requests per second and the
server's CPU time per request for each, and secbot's throughput, cached and uncached, as a ratio of
the bare app's.

Usage: python bench/slack_http.py [--mods 10000] [--requests 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

SECRET = "bench-signing-secret"
BARE, OURS, MIXED = "bare bolt AsyncApp (ack only)", "secbot `/sec MP161`", "secbot `/sec MPnnn` (random)"
TOKEN = "xoxb-bench"
TARGET_CACHED, TARGET_P99_MS, TARGET_UNCACHED = 0.6, 50, 0.7


# -- the bare app (runs in its own process with --bare PORT API_URL) ---------------------------
def run_bare(port: int, api_url: str) -> None:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token=TOKEN, base_url=api_url))

    @bolt.command("/sec")
    async def on_command(ack) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# -- a fake Web API: just enough for bolt's authorisation ------------------------------------
async def start_fake_api() -> tuple[web.AppRunner, str]:
    async def auth_test(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "team_id": "T0001",
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team": "Bench",
                "user": "secbot",
                "url": "https://bench.slack.com/",
            }
        )

    app = web.Application()
    app.router.add_post("/api/auth.test", auth_test)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = harness.free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/api/"


def signed_command(text: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "token": "x",
            "team_id": "T0001",
            "team_domain": "bench",
            "channel_id": "C1",
            "channel_name": "general",
            "user_id": "U1",
            "user_name": "bench",
            "command": "/sec",
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": "http://127.0.0.1:9/respond",
            "trigger_id": uuid.uuid4().hex,
        }
    )
    timestamp = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    return body.encode(), headers


async def measure(args: argparse.Namespace, work: Path) -> dict[str, harness.Result]:
    database_url = harness.build_register(args.mods, work)
    fake_runner, api_url = await start_fake_api()
    ours_port, bare_port = harness.free_port(), harness.free_port()
    try:
        with harness.Children(work) as children:
            children.python(
                "secbot",
                "-m",
                "secbot",
                "serve",
                settings={
                    "SECBOT_DATABASE_URL": database_url,
                    "SECBOT_SLACK_BOT_TOKEN": TOKEN,
                    "SECBOT_SLACK_SIGNING_SECRET": SECRET,
                    "SECBOT_SLACK_API_URL": api_url,
                    "SECBOT_HOST": "127.0.0.1",
                    "SECBOT_PORT": str(ours_port),
                    "SECBOT_LOAD_SAMPLE": "false",
                    "SECBOT_TODAY": "2024-06-11",
                    "SECBOT_DATA_DIR": str(work),
                },
            )
            children.python("bare", __file__, "--bare", str(bare_port), api_url)
            ours_url = f"http://127.0.0.1:{ours_port}/slack/events"
            targets = [
                harness.Target(BARE, f"http://127.0.0.1:{bare_port}/slack/events", command(""), child="bare"),
                harness.Target(OURS, ours_url, command("MP161"), child="secbot"),
                harness.Target(MIXED, ours_url, command("MP{n:03d}"), child="secbot"),
            ]
            await harness.warm_up(targets, args.requests, args.concurrency, children)
            return await harness.alternate(targets, args.requests, args.concurrency, children=children)
    finally:
        await fake_runner.cleanup()


def command(text: str) -> Callable[[random.Random], tuple[bytes, dict[str, str]]]:
    """Signed ``/sec {text}`` requests; ``text`` may hold ``{n}``: each then asks about a different modification
    (of the first 9,999, in a shuffled order: none asked again before all have been)."""
    numbers = harness.distinct_numbers(1, 9999)
    return lambda _rng: signed_command(text.format(n=next(numbers)))


async def main_async(args: argparse.Namespace) -> int:
    with harness.work_dir("secbot-slack-bench-") as work:
        results = await measure(args, work)
    print(
        f"Slack HTTP benchmark — {args.mods} modifications (SQLite), {args.requests} signed slash commands "
        f"per app, concurrency {args.concurrency}"
    )
    harness.print_table(results)
    bare = results[BARE].rps
    cached, uncached = results[OURS].rps / bare, results[MIXED].rps / bare
    p99, mixed_p99 = results[OURS].p99, results[MIXED].p99
    print("ratios of req/s, secbot / bare bolt (measured in this run):")
    print(
        f"  cached   (`/sec MP161`): {cached:.2f} (target ≥ {TARGET_CACHED}: {verdict(cached >= TARGET_CACHED)}); "
        f"p99 {p99:.1f} ms (target ≤ {TARGET_P99_MS} ms: {verdict(p99 <= TARGET_P99_MS)})"
    )
    print(
        f"  uncached (`/sec MPnnn`, a different modification each request): {uncached:.2f} "
        f"(target ≥ {TARGET_UNCACHED}: {verdict(uncached >= TARGET_UNCACHED)}); p99 {mixed_p99:.1f} ms"
    )
    print("(CPU ms/req: the server process's CPU time per request)")
    return 0


def verdict(met: bool) -> str:
    return "PASS" if met else "FAIL"


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "--bare":
        run_bare(int(sys.argv[2]), sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mods", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    return harness.run(main_async(parser.parse_args()), "slack_http")


if __name__ == "__main__":
    raise SystemExit(main())
