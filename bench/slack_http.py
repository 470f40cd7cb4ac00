"""Slack HTTP benchmark: signed `/sec MP161` round trips against `secbot serve`, beside a bare bolt app.

In one run: builds the 10,000-modification synthetic register, starts a local fake Slack Web API
(bolt calls auth.test once), starts `secbot serve` and a bare slack-bolt AsyncApp that only
acknowledges an empty command, each in its own process, then drives each with the same signed
slash-command requests at a fixed concurrency. Prints p50/p99 latency and requests per second for
both, and secbot's throughput as a ratio of the bare app's.

Usage: python bench/slack_http.py [--mods 10000] [--requests 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
BARE, OURS, MIXED = "bare bolt AsyncApp (ack only)", "secbot `/sec MP161`", "secbot `/sec MPnnn` (random)"
TOKEN = "xoxb-bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    port = free_port()
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


async def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                body, headers = signed_command("help")
                async with session.post(url, data=body, headers=headers) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def drive(url: str, text: str, total: int, concurrency: int) -> tuple[list[float], float, int]:
    """Send ``total`` signed commands with ``concurrency`` in flight; (latencies ms, seconds, errors).

    ``text`` may hold ``{n}``: each request then asks about a different modification.
    """
    latencies: list[float] = []
    errors = 0
    queue = iter(range(total))
    rng = random.Random(5)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal errors
            for _ in queue:
                body, headers = signed_command(text.format(n=rng.randint(1, 9999)))
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started, errors


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def build_register(mods: int, work: Path) -> str:
    from bench.synthetic import add_history, write_modifications_csv
    from secbot.store.db import make_engine, prepare_store
    from secbot.store.importer.loader import import_paths

    url = f"sqlite:///{work / 'register.db'}"
    store = prepare_store(make_engine(url), load_sample=False)
    csv_path = work / "modifications.csv"
    write_modifications_csv(csv_path, mods)
    import_paths(store, [csv_path])
    add_history(store)
    store.engine.dispose()
    return url


async def main_async(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="secbot-slack-bench-"))
    database_url = build_register(args.mods, work)
    fake_runner, api_url = await start_fake_api()
    ours_port, bare_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECBOT_")}
    env.update(
        {
            "SECBOT_DATABASE_URL": database_url,
            "SECBOT_SLACK_BOT_TOKEN": TOKEN,
            "SECBOT_SLACK_SIGNING_SECRET": SECRET,
            "SECBOT_SLACK_API_URL": api_url,
            "SECBOT_HOST": "127.0.0.1",
            "SECBOT_PORT": str(ours_port),
            "SECBOT_LOAD_SAMPLE": "false",
            "SECBOT_TODAY": "2024-06-11",
            "SECBOT_DATA_DIR": str(work),
        }
    )
    ours = subprocess.Popen(
        [sys.executable, "-m", "secbot", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bare = subprocess.Popen(
        [sys.executable, __file__, "--bare", str(bare_port), api_url],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = {}
    try:
        ours_url = f"http://127.0.0.1:{ours_port}/slack/events"
        targets = {
            BARE: (f"http://127.0.0.1:{bare_port}/slack/events", ""),
            OURS: (ours_url, "MP161"),
            MIXED: (ours_url, "MP{n:03d}"),
        }
        for url, text in targets.values():
            await wait_until_up(url)
            await drive(url, text, min(200, args.requests), args.concurrency)  # warm-up
        for _ in range(2):  # alternate, so that drift on a noisy machine hits every target alike
            for name, (url, text) in targets.items():
                latencies, seconds, errors = await drive(url, text, args.requests // 2, args.concurrency)
                previous = results.get(name, ([], 0.0, 0))
                results[name] = (previous[0] + latencies, previous[1] + seconds, previous[2] + errors)
    finally:
        for process in (ours, bare):
            process.terminate()
            process.wait(10)
        await fake_runner.cleanup()

    print(
        f"Slack HTTP benchmark — {args.mods} modifications (SQLite), {args.requests} signed slash commands "
        f"per app, concurrency {args.concurrency}"
    )
    print(f"{'app':34} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>7}")
    rps = {}
    for name, (latencies, seconds, errors) in results.items():
        rps[name] = len(latencies) / seconds
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        print(f"{name:34} {p50:8.2f} {p99:8.2f} {rps[name]:8.0f} {errors:7d}")
    ratio = rps[OURS] / rps[BARE]
    p99 = percentile(results[OURS][0], 99)
    print(
        f"throughput ratio secbot / bare: {ratio:.2f} (target ≥ 0.6: {'PASS' if ratio >= 0.6 else 'FAIL'}); "
        f"secbot p99 {p99:.1f} ms (target ≤ 50 ms: {'PASS' if p99 <= 50 else 'FAIL'})"
    )
    mixed_p99 = percentile(results[MIXED][0], 99)
    print(
        f"uncached (a different modification each request): ratio {rps[MIXED] / rps[BARE]:.2f}, p99 {mixed_p99:.1f} ms"
    )
    return 0


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "--bare":
        run_bare(int(sys.argv[2]), sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mods", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
