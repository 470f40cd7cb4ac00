"""The HTTP service's safety net: no request ever gets a stack trace, and a database outage gets 503.

``safety_net`` is an aiohttp middleware around every route. An exception that leaves a handler is
logged once through ``secbot.outages.report`` (one line for a database outage, a full trace for a
bug) and answered with a short plain-text response: 503 with ``Retry-After`` for an outage, 500
otherwise. aiohttp's own ``HTTPException`` answers (404, 405, 413…) pass through unchanged. A body
that cannot be read because it is not encoded as its ``Content-Encoding`` says (aiohttp's
``RequestPayloadError``) is the client's mistake: 400, and one warning line without a trace.

aiohttp answers a request it cannot even parse (a request line over 8 KB, bytes that are not HTTP)
with 400 itself and logs a stack trace for it; ``quiet_protocol_errors`` turns that into one line:
it is hostile input, not a bug of ours. It also drops the trace aiohttp logs when, after a handler
has answered, it drains a body that cannot be decoded and meets the same ``RequestPayloadError``
again: the safety net has already logged that request, and a handler that never read the body was
not affected by it.

``usable_text`` is the check for text that arrives in a URL (``?ref=``, OAuth query parameters)
before it goes anywhere near the database.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from secbot import outages

log = logging.getLogger(__name__)

UNAVAILABLE = "The register is unavailable just now. Please try again in a minute."
BROKEN = "Sorry, something went wrong. The problem has been logged."
UNREADABLE = "secbot could not read the body of this request: it is not encoded as its headers say."
# Control characters, lone surrogates, private-use and unassigned code points: never in a reference.
_UNUSABLE_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})
_REPLACEMENT = "\ufffd"  # what a URL's bytes that were not UTF-8 decode to


def unavailable() -> web.Response:
    """503 with Retry-After: the database cannot be reached; clients try again later."""
    return web.Response(
        status=503,
        text=UNAVAILABLE + "\n",
        headers={"Retry-After": str(outages.RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )


def unreadable() -> web.Response:
    """400 for a body that cannot be read; the connection is closed after it (its parser has failed)."""
    response = web.Response(status=400, text=UNREADABLE + "\n", headers={"Cache-Control": "no-store"})
    response.force_close()
    return response


def usable_text(value: str, limit: int) -> bool:
    """Whether ``value`` is at most ``limit`` characters of printable text (what a person could type)."""
    return len(value) <= limit and not any(
        ch == _REPLACEMENT or unicodedata.category(ch) in _UNUSABLE_CATEGORIES for ch in value
    )


def describe_request(request: web.Request) -> str:
    """The request for a log line: method and route, never the query string (it may carry a token)."""
    route = request.match_info.route.resource
    where = route.canonical if route is not None else request.path[:100]
    return f"{request.method} {where}"


class _OneLineProtocolErrors(logging.Filter):
    """aiohttp's records of requests it could not parse, in one line; its second record of an undecodable
    body, dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, web.RequestPayloadError):
            return False  # already answered 400 and logged by the safety net (see the module docstring)
        if isinstance(error, HttpProcessingError):
            # Not the error's message: it quotes what the client sent.
            record.msg, record.args = "%s: %s, answered %s", (record.getMessage(), type(error).__name__, error.code)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"  # the client's fault, not ours
        return True


_ONE_LINE = _OneLineProtocolErrors()


def quiet_protocol_errors() -> None:
    """Log requests that aiohttp could not parse in one line each, without a trace (idempotent)."""
    logging.getLogger("aiohttp.server").addFilter(_ONE_LINE)


@web.middleware
async def safety_net(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (web.HTTPException, asyncio.CancelledError):
        raise
    except web.RequestPayloadError as error:
        # Not the error's message: aiohttp's may quote what the client sent.
        cause = type(error.__cause__ or error).__name__
        log.warning("%s: the request's body could not be read (%s), answered 400", describe_request(request), cause)
        return unreadable()
    except Exception as error:
        if outages.report(describe_request(request), error, log):
            return unavailable()
        return web.Response(status=500, text=BROKEN + "\n", headers={"Cache-Control": "no-store"})
