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


@contextmanager
def running(app: App) -> Iterator[str]:
    """Serve ``app`` over HTTP until the block ends; yields the base URL."""
    with serving(app) as served:
        yield served.base


@contextmanager
def serving(app: App) -> Iterator[Served]:
    """Serve ``app`` over HTTP until the block ends; yields the running service."""
    loop = asyncio.new_event_loop()
    port = free_port()
    started = threading.Event()
    runner_box: list[web.AppRunner] = []

    async def start() -> None:
        runner = web.AppRunner(build_web_app(app), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runner_box.append(runner)
        started.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the secbot test server did not start")
    try:
        yield Served(f"http://127.0.0.1:{port}", runner_box[0].app, loop)
    finally:
        asyncio.run_coroutine_threadsafe(runner_box[0].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
