"""An aiohttp server on 127.0.0.1 run on an event loop of its own, in a thread: what every fake
platform (Slack's Web API, Socket Mode, Teams' connector) is served by, so a test can drive it
synchronously while secbot's clients talk to it over real HTTP.

A subclass gives ``_web_app()`` and may override ``_before_cleanup()`` (close websockets first).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Self

from aiohttp import web

HOST = "127.0.0.1"


class LoopServer:
    name = "fake server"

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def _web_app(self) -> web.Application:
        raise NotImplementedError

    async def _before_cleanup(self) -> None:
        """Runs on the loop just before the server stops."""

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError(f"{self.name} is not running: call start() first")
        return f"http://{HOST}:{self.port}"

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError(f"{self.name} is already running")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=_run_forever, args=(loop,), name=self.name, daemon=True)
        self._loop, self._thread = loop, thread
        thread.start()
        try:
            self.call(self._serve(), timeout=10)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop serving; stopping twice is harmless."""
        loop, thread, runner = self._loop, self._thread, self._runner
        if loop is None or thread is None:
            return
        try:
            if runner is not None:
                asyncio.run_coroutine_threadsafe(self._cleanup(runner), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            if not thread.is_alive():
                loop.close()
            self._loop = self._thread = self._runner = None
            self.port = None

    def call(self, coroutine, timeout: float = 10) -> Any:
        """Run ``coroutine`` on the server's loop and wait for its result."""
        if self._loop is None:
            raise RuntimeError(f"{self.name} is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def __enter__(self) -> Self:
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _serve(self) -> None:
        runner = web.AppRunner(self._web_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, HOST, 0)  # port 0: the OS picks a free port
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def _cleanup(self, runner: web.AppRunner) -> None:
        await self._before_cleanup()
        await runner.cleanup()


def _run_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    loop.run_forever()
