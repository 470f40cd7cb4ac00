"""Run secbot's real aiohttp service on 127.0.0.1 in a background thread, for tests that cross a socket."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from secbot.app import App
from secbot.server import build_web_app

T = TypeVar("T")
SETTLE_ON_EXIT_SECONDS = 10  # a test that leaves work held up (a fake never answering) waits this long at its end


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    """A running service: its base URL, its aiohttp application, and a way to run code on its loop."""

    base: str
    web_app: web.Application
    loop: asyncio.AbstractEventLoop

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run ``coroutine`` on the service's own event loop (where its clients live) and wait for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def settle(self, timeout: float = 30) -> None:
        """Wait until the service has finished everything the requests answered so far set going (every task
        on its loop: a listener that runs after the acknowledgement, a post, an announcement). What has not
        happened by then never will, so a test may assert that something did not happen."""
        self.call(_other_tasks_done(), timeout)


async def _other_tasks_done(timeout: float | None = None) -> bool:
    """Return once every task on this loop but this one has finished, those started meanwhile included;
    False if some were still running after ``timeout`` seconds.

    A connection's own reader (aiohttp's ``RequestHandler.start``) is left out: on a kept-alive
    connection it waits for the next request; the request it answered ran in a task of its own."""
    loop, current = asyncio.get_running_loop(), asyncio.current_task()
    deadline = None if timeout is None else loop.time() + timeout
    while True:
        pending = [
            task
            for task in asyncio.all_tasks()
            if task is not current and getattr(task.get_coro(), "__qualname__", "") != "RequestHandler.start"
        ]
        if not pending:
            return True
        left = None if deadline is None else deadline - loop.time()
        if left is not None and left <= 0:
            return False
        await asyncio.wait(pending, timeout=left)


async def _shut_down(runner: web.AppRunner) -> None:
    """Stop serving as a test ends: first let what its requests set going finish (a post still waiting for
    its answer, say), then close; a task still running after that is cancelled and awaited. Left pending,
    it would be destroyed by the garbage collector during some later test, logging there."""
    await _other_tasks_done(SETTLE_ON_EXIT_SECONDS)
    await runner.cleanup()
    current = asyncio.current_task()
    leftovers = [task for task in asyncio.all_tasks() if task is not current]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


@contextmanager
def running(app: App) -> Iterator[str]:
    """Serve ``app`` over HTTP until the block ends; yields the base URL."""
    with serving(app) as served:
        yield served.base


@contextmanager
def serving(app: App) -> Iterator[Served]:
    """Serve ``app`` over HTTP until the block ends; yields the running service."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    runner_box: list[web.AppRunner] = []

    async def start() -> None:
        runner = web.AppRunner(build_web_app(app), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()  # port 0: the OS picks one no other test holds
        runner_box.append(runner)
        started.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the secbot test server did not start")
    try:
        port = runner_box[0].addresses[0][1]
        yield Served(f"http://127.0.0.1:{port}", runner_box[0].app, loop)
    finally:
        asyncio.run_coroutine_threadsafe(_shut_down(runner_box[0]), loop).result(SETTLE_ON_EXIT_SECONDS + 30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
