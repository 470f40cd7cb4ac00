"""Fetching a file someone sent to the bot (a Slack file share, a Teams file in a personal chat), for
``App.receive_report``: only from the addresses the door allows, at most a given number of bytes.

The door says which addresses it trusts (Slack's file host with the bot's token, a pre-authorised
Teams download address without one). A redirect is followed only to an address the door trusts too,
so a token never leaves for another host. What goes wrong is a ``DownloadFailed`` whose ``why`` is
short and holds neither the address (a Teams download address carries its own credential) nor any
header.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import aiohttp
from yarl import URL

TIMEOUT_SECONDS = 30
MOST_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class DownloadFailed(Exception):
    """The file could not be fetched; ``why`` is fit to show the person who sent it."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Downloaded:
    data: bytes  # at most the limit asked for plus one byte: the core says when a file is too big
    content_type: str


def origin(url: str | URL) -> tuple[str, str, int | None]:
    """An address's scheme, host and port, as a browser compares origins."""
    url = URL(url) if isinstance(url, str) else url
    return (url.scheme.lower(), (url.host or "").lower(), url.port)


async def download(
    url: str,
    *,
    allowed: Callable[[URL], bool],
    limit: int,
    headers: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> Downloaded:
    """At most ``limit`` + 1 bytes of ``url``, which ``allowed`` must accept, as must every redirect."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            return await _follow(session, URL(url, encoded=True), allowed, limit, dict(headers or {}))
    except DownloadFailed:
        raise
    except TimeoutError:
        raise DownloadFailed("the download took too long") from None
    except (aiohttp.ClientError, ValueError, asyncio.IncompleteReadError) as error:
        raise DownloadFailed(f"the download failed: {type(error).__name__}") from None


async def _follow(
    session: aiohttp.ClientSession, url: URL, allowed: Callable[[URL], bool], limit: int, headers: dict[str, str]
) -> Downloaded:
    for _ in range(MOST_REDIRECTS + 1):
        if not allowed(url):
            raise DownloadFailed("it is not at an address the bot may fetch files from")
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            if response.status in _REDIRECTS and "Location" in response.headers:
                url = url.join(URL(response.headers["Location"], encoded=True))
                continue
            if response.status != 200:
                raise DownloadFailed(f"the file server answered HTTP {response.status}")
            return Downloaded(await _read_at_most(response, limit + 1), response.content_type)
    raise DownloadFailed("the file server redirected too many times")


async def _read_at_most(response: aiohttp.ClientResponse, most: int) -> bytes:
    data = bytearray()
    while len(data) < most:
        chunk = await response.content.read(min(_CHUNK, most - len(data)))
        if not chunk:
            break
        data += chunk
    return bytes(data)
