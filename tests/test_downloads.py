"""Fetching a file sent to the bot (``secbot.platforms.downloads``), against real local servers: a redirect
is followed only to an address the door allows, the bytes read stop one past the limit, and a failure
says why without the address or the headers."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from secbot.platforms import downloads
from tests.fakes.loop_server import LoopServer

pytestmark = pytest.mark.usefixtures("no_proxy")


class FileHost(LoopServer):
    """Serves ``/file`` (a megabyte) and ``/moved`` (a redirect to ``target``); records every request."""

    name = "FileHost"

    def __init__(self, target: str = "/file") -> None:
        super().__init__()
        self.target = target
        self.requests: list[tuple[str, str | None]] = []

    def _web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/file", self._file)
        app.router.add_get("/moved", self._moved)
        return app

    async def _file(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, request.headers.get("Authorization")))
        return web.Response(body=b"x" * 1_000_000, content_type="text/plain")

    async def _moved(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, request.headers.get("Authorization")))
        raise web.HTTPFound(self.target)


def fetch(url: str, allowed_origin: str, limit: int = 10) -> downloads.Downloaded:
    return asyncio.run(
        downloads.download(
            url,
            allowed=lambda address: downloads.origin(address) == downloads.origin(allowed_origin),
            limit=limit,
            headers={"Authorization": "Bearer xoxb-secret"},
        )
    )


def test_a_redirect_on_the_same_host_is_followed_and_at_most_the_limit_and_one_byte_read():
    with FileHost() as host:
        fetched = fetch(f"{host.url}/moved", host.url, limit=10)
    assert fetched.data == b"x" * 11
    assert host.requests == [("/moved", "Bearer xoxb-secret"), ("/file", "Bearer xoxb-secret")]


def test_a_redirect_to_another_host_is_not_followed():
    with FileHost() as elsewhere, FileHost(target=f"{elsewhere.url}/file") as host:
        with pytest.raises(downloads.DownloadFailed) as failed:
            fetch(f"{host.url}/moved", host.url)
        assert elsewhere.requests == []
        assert host.url not in str(failed.value)
    assert failed.value.why == "it is not at an address the bot may fetch files from"


def test_a_missing_file_says_so():
    with FileHost() as host, pytest.raises(downloads.DownloadFailed) as failed:
        fetch(f"{host.url}/gone", host.url)
    assert failed.value.why == "the file server answered HTTP 404"
