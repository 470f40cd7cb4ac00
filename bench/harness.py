"""What the HTTP benchmarks share: the register, child processes, the load driver and the table.

A benchmark builds the synthetic register (``build_register``), starts each server in its own
process (``Children``, which stops them all on the way out), names its ``Target``s, then warms each
up (``warm_up``) and measures them in alternation (``alternate``), so that drift on a noisy machine
hits every target alike, and prints the results (``print_table``) beside ratios computed from them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
WARM_UP_REQUESTS = 200
START_SECONDS = 60


def distinct_numbers(low: int, high: int, seed: int = 5) -> Iterator[int]:
    """``low`` to ``high`` in a shuffled order, over and over: a request asking about the next of them
    asks about a different modification from the ``high - low + 1`` before it (``drive`` seeds its
    ``random.Random`` the same way on every call, so numbers drawn from that would repeat each round,
    and a reply cached in an earlier round would be measured as uncached)."""
    numbers = list(range(low, high + 1))
    random.Random(seed).shuffle(numbers)
    return itertools.cycle(numbers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(samples: list[float], pct: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def timed(fn, inputs: list, rounds: int = 1) -> list[float]:
    """Milliseconds ``fn`` took on each of ``inputs``, ``rounds`` times over."""
    samples = []
    for _ in range(rounds):
        for item in inputs:
            start = time.perf_counter()
            fn(item)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


@contextlib.contextmanager
def work_dir(prefix: str) -> Iterator[Path]:
    """A temporary directory for the register and the children's logs, kept (for the logs) if the run fails."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    except Exception:  # a failed run: keep the children's logs
        raise
    except BaseException:  # interrupted: nothing to look into
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)


@dataclass
class SyntheticStore:
    """A store holding the synthetic register, the references in it and how long importing it took."""

    store: Any
    url: str
    references: list[str]
    import_seconds: float
    import_result: Any


def synthetic_source():
    """The synthetic register's source, dated before the benches' today (2024-06-11), so that they
    read the register as it stands, not a snapshot of an earlier day (``secbot.store.asof``)."""
    from secbot.store.importer.schema import SourceIn

    return SourceIn(key="synthetic-register", title="Synthetic register", issued=dt.date(2024, 6, 1))


def synthetic_store(mods: int, database_url: str | None = None) -> SyntheticStore:
    """A fresh store (a new SQLite file, or ``database_url``'s emptied public schema) with the synthetic
    register of ``mods`` modifications imported from CSV, as ``secbot import`` would."""
    from sqlalchemy import text

    from bench.synthetic import write_modifications_csv
    from secbot.store.db import make_engine
    from secbot.store.importer.loader import import_paths
    from secbot.store.opening import prepare_store

    work = Path(tempfile.mkdtemp(prefix="secbot-bench-"))
    url = database_url or f"sqlite:///{work / 'bench.db'}"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    store = prepare_store(engine, load_sample=False)
    csv_path = work / "modifications.csv"
    references = write_modifications_csv(csv_path, mods)
    start = time.perf_counter()
    result = import_paths(store, [csv_path], source=synthetic_source())
    return SyntheticStore(store, url, references, time.perf_counter() - start, result)


def build_register(mods: int, work: Path) -> str:
    """The synthetic register of ``mods`` modifications in a SQLite file under ``work``; its URL."""
    from bench.synthetic import add_history, write_modifications_csv
    from secbot.store.db import make_engine
    from secbot.store.importer.loader import import_paths
    from secbot.store.opening import prepare_store

    url = f"sqlite:///{work / 'register.db'}"
    store = prepare_store(make_engine(url), load_sample=False)
    csv_path = work / "modifications.csv"
    write_modifications_csv(csv_path, mods)
    import_paths(store, [csv_path], source=synthetic_source())
    add_history(store)
    store.engine.dispose()
    return url


def child_env(settings: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without SECBOT_* settings or proxies, plus ``settings``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SECBOT_") and key.lower() not in PROXY_VARIABLES
    }
    env.update(settings or {})
    return env


class Children:
    """Server processes of one benchmark run; leaving the ``with`` block stops every one of them.

    Each child's output goes to ``{work}/{name}.log``, quoted when the child fails to come up.
    """

    def __init__(self, work: Path) -> None:
        self.work = work
        self.processes: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def start(self, name: str, argv: list[str], settings: dict[str, str] | None = None) -> subprocess.Popen:
        with self.log(name).open("wb") as log:
            process = subprocess.Popen(
                argv, env=child_env(settings), cwd=self.work, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        self.processes[name] = process
        return process

    def python(self, name: str, *args: str, settings: dict[str, str] | None = None) -> subprocess.Popen:
        return self.start(name, [sys.executable, *args], settings)

    def log(self, name: str) -> Path:
        return self.work / f"{name}.log"

    def cpu_seconds(self, name: str) -> float:
        """CPU time the child ``name`` has used so far, in all its threads."""
        times = psutil.Process(self.processes[name].pid).cpu_times()
        return times.user + times.system

    def check(self, name: str) -> None:
        """Raise if the child ``name`` has exited."""
        code = self.processes[name].poll()
        if code is not None:
            raise ServerFailed(f"{name} exited with status {code}", self.log(name))

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


class ServerFailed(RuntimeError):
    def __init__(self, message: str, log: Path | None = None) -> None:
        if log is not None and log.exists():
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
            message += f"; the last lines of {log}:\n" + "\n".join(f"    {line}" for line in tail or ["(empty)"])
        super().__init__(message)


@dataclass(frozen=True)
class Target:
    """What to measure: a request (made fresh each time from a seeded ``random.Random``) and where to send it.

    ``child`` names the server process in ``Children`` so that a crash is reported as one.
    """

    name: str
    url: str
    request: Callable[[random.Random], tuple[bytes, dict[str, str]]]
    ok: frozenset[int] = frozenset({200})
    child: str | None = None


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # ms, one per answered request
    seconds: float = 0.0
    errors: int = 0
    cpu_seconds: float | None = None  # used by the target's server process, when measured

    def __iadd__(self, other: Result) -> Result:
        self.latencies += other.latencies
        self.seconds += other.seconds
        self.errors += other.errors
        if other.cpu_seconds is not None:
            self.cpu_seconds = (self.cpu_seconds or 0.0) + other.cpu_seconds
        return self

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / self.requests if self.cpu_seconds is not None and self.requests else 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


def session(concurrency: int = 1) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency), trust_env=False)


async def wait_until_up(target: Target, children: Children | None = None, seconds: float = START_SECONDS) -> None:
    """Send ``target``'s request until it is answered with an ``ok`` status."""
    deadline = time.monotonic() + seconds
    last = "no answer"
    rng = random.Random(0)
    async with session() as client:
        while time.monotonic() < deadline:
            if children is not None and target.child is not None:
                children.check(target.child)
            body, headers = target.request(rng)
            try:
                async with client.post(target.url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status in target.ok:
                        return
                    last = f"HTTP {response.status}"
            except aiohttp.ClientError as error:
                last = type(error).__name__
            await asyncio.sleep(0.2)
    log = children.log(target.child) if children is not None and target.child is not None else None
    raise ServerFailed(f"{target.url} ({target.name}) did not come up within {seconds:.0f} s: {last}", log)


async def drive(target: Target, total: int, concurrency: int) -> Result:
    """Send ``total`` requests with ``concurrency`` in flight; a request that fails counts as an error."""
    result = Result()
    queue = iter(range(total))
    rng = random.Random(5)
    async with session(concurrency) as client:

        async def worker() -> None:
            for _ in queue:
                body, headers = target.request(rng)
                started = time.perf_counter()
                try:
                    async with client.post(target.url, data=body, headers=headers) as response:
                        await response.read()
                        if response.status not in target.ok:
                            result.errors += 1
                except aiohttp.ClientError:
                    result.errors += 1
                    continue
                result.latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


async def warm_up(targets: Iterable[Target], requests: int, concurrency: int, children: Children | None = None) -> None:
    """Wait for each target's server, then send it a few requests that are not measured."""
    for target in targets:
        await wait_until_up(target, children)
        await drive(target, min(WARM_UP_REQUESTS, requests), concurrency)


async def alternate(
    targets: Iterable[Target], requests: int, concurrency: int, rounds: int = 2, children: Children | None = None
) -> dict[str, Result]:
    """``requests`` per target, sent in ``rounds`` turns through all the targets; results by target name.

    With ``children``, each result also holds the CPU time its target's server process spent meanwhile.
    """
    targets = list(targets)
    results = {target.name: Result() for target in targets}
    for _ in range(rounds):
        for target in targets:
            measure_cpu = children is not None and target.child is not None
            cpu_before = children.cpu_seconds(target.child) if measure_cpu else 0.0
            result = await drive(target, requests // rounds, concurrency)
            if measure_cpu:
                result.cpu_seconds = children.cpu_seconds(target.child) - cpu_before
            results[target.name] += result
    return results


def name_width(names: Iterable[str]) -> int:
    """The width of a table's first column, naming targets."""
    return max(34, *(len(name) + 1 for name in names))


def print_table(results: dict[str, Result], heading: str = "app") -> None:
    """Latency, throughput and errors per target; and server CPU per request when it was measured."""
    width = name_width(results)
    cpu = all(result.cpu_seconds is not None for result in results.values())
    print(f"{heading:{width}} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>7}" + (" CPU ms/req" if cpu else ""))
    for name, result in results.items():
        row = f"{name:{width}} {result.p50:8.2f} {result.p99:8.2f} {result.rps:8.0f} {result.errors:7d}"
        print(row + (f" {result.cpu_ms_per_request:10.2f}" if cpu else ""))


def run(main: Coroutine[object, object, int], program: str) -> int:
    """Run a benchmark's ``main``; a server that fails to come up is reported, not a traceback.

    SIGTERM is taken as Ctrl-C, so that the children are stopped on the way out either way.
    """
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return asyncio.run(main)
    except ServerFailed as failure:
        print(f"{program}: {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{program}: interrupted", file=sys.stderr)
        return 130
