"""The front door of ``POST /slack/events``: a request is checked on its raw bytes before bolt sees it.

slack-bolt parses the body before its own signature check, and a body it cannot parse (``{x``, a
JSON list, bad UTF-8, a ``payload`` that is not JSON) ends in a 500 and a stack trace. So, in order:

1. the body is read up to ``MAX_BODY`` bytes (more: 413);
2. the signature is checked over those bytes with slack_sdk's ``SignatureVerifier`` (the signing
   secret, HMAC-SHA256 of ``v0:<timestamp>:<body>``, a timestamp within five minutes): missing,
   wrong or stale gets 401 and nothing else happens;
3. a signed body must be UTF-8, parse as Slack sends it (Events API: a JSON object; slash commands:
   a form; interactivity: a form whose ``payload`` is a JSON object) nested at most ``MAX_NESTING``
   deep, and carry every field that secbot's listeners (``secbot.platforms.slack.door``) and bolt's context
   read with the type Slack gives it; anything else gets 400.

Only then is an ``AsyncBoltRequest`` built, carrying the body as parsed here: bolt would read any
form that merely contains the word "payload" (``/sec search payload``) as an empty body.

A body whose ``Content-Encoding`` does not match it cannot be read at all: ``secbot.platforms.web_guard``
answers that 400 for every route.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from secbot.platforms.web_guard import usable_text

MAX_BODY = 1024 * 1024  # aiohttp's default; Slack's largest payloads (a message with 50 blocks) are far smaller
JSON = "application/json"
_TIMESTAMP_DIGITS = 12
OAUTH_PARAMETER_LIMIT = 2000
# Slack's deepest payloads (a rich-text message inside a button's payload) nest about a dozen levels.
MAX_NESTING = 64
# Top-level fields that are text whenever present (a JSON null included: Slack never sends one).
_TEXT_FIELDS = ("event_id", "trigger_id", "team_id", "response_url", "type", "command", "text", "user_id")
# What bolt puts in a request's context from wherever it finds it in the body; bolt and the listeners
# use each as text (to authorize, answer, respond, look up an installation).
_CONTEXT_TEXT = (
    "enterprise_id",
    "team_id",
    "user_id",
    "actor_enterprise_id",
    "actor_team_id",
    "actor_user_id",
    "channel_id",
    "thread_ts",
    "response_url",
    "function_execution_id",
)
# The event fields secbot's listeners read, each text when present, by the event types they listen to;
# bolt acknowledges other events without calling a listener.
_EVENT_TEXT_FIELDS = {
    "app_mention": ("user", "channel", "text", "ts", "thread_ts"),
    "message": ("user", "channel", "text", "ts", "thread_ts", "channel_type", "subtype", "bot_id"),
    "link_shared": ("user", "channel", "message_ts", "unfurl_id", "source", "thread_ts"),
    "app_home_opened": ("user", "channel", "tab"),
}
# A shared file's fields that the door reads (a report sent to the bot), each text when present.
_FILE_TEXT_FIELDS = ("id", "name", "title", "filetype", "file_access", "url_private", "url_private_download")
# ...and those without which the event is not one Slack sends (App Home is published to its user).
_EVENT_REQUIRED = {"app_home_opened": ("user",)}


@dataclass(frozen=True)
class Refusal:
    status: int
    text: str

    def response(self) -> web.Response:
        return web.Response(status=self.status, text=self.text + "\n", headers={"Cache-Control": "no-store"})


UNSIGNED = Refusal(401, "This request is not signed by Slack.")
TOO_LARGE = Refusal(413, f"A Slack request is at most {MAX_BODY} bytes.")


def malformed(why: str) -> Refusal:
    return Refusal(400, f"secbot could not read this Slack request: {why}.")


class BytesSignatureVerifier(SignatureVerifier):
    """slack_sdk's verifier over the raw body bytes, which a hostile request need not make UTF-8
    (the stock one decodes them first, and fails on such a body instead of saying it is unsigned)."""

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        if timestamp is None:
            return None
        raw = body if isinstance(body, bytes) else (body or "").encode()
        digest = hmac.new(self.signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
        return f"v0={digest.hexdigest()}"


class SlackGate:
    def __init__(self, signing_secret: str) -> None:
        self.verifier = BytesSignatureVerifier(signing_secret)

    async def admit(self, request: web.Request) -> AsyncBoltRequest | Refusal:
        """The request for bolt, or why it is refused."""
        if request.content_length is not None and request.content_length > MAX_BODY:
            return TOO_LARGE
        try:
            raw = await request.read()  # a chunked body is cut off at the application's client_max_size
        except web.HTTPRequestEntityTooLarge:
            return TOO_LARGE
        if len(raw) > MAX_BODY:
            return TOO_LARGE
        if not self.signed(raw, request.headers):
            return UNSIGNED
        return bolt_request(raw, request)

    def signed(self, raw: bytes, headers: Mapping[str, str]) -> bool:
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        # SignatureVerifier calls int() on the timestamp and compare_digest() on the signature: both
        # raise on what a hostile client can send (letters, 5,000 digits, non-ASCII).
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _TIMESTAMP_DIGITS):
            return False
        if not signature.isascii():
            return False
        return self.verifier.is_valid(body=raw, timestamp=timestamp, signature=signature)


def bolt_request(raw: bytes, request: web.Request) -> AsyncBoltRequest | Refusal:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return malformed("the body is not UTF-8")
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    body = parse(text, content_type)
    if isinstance(body, Refusal):
        return body
    problem = shape_problem(body)
    if problem:
        return malformed(problem)
    try:
        bolt = AsyncBoltRequest(body=text, query=request.query_string, headers=request.headers)
        # bolt's own parse of a form differs from Slack's on one point (see the module docstring).
        bolt.body = body
        bolt.context = build_async_context(AsyncBoltContext(), body)
    except Exception:  # bolt's field extractors assume shapes that a signed but odd body may lack
        return malformed("its fields are not shaped as Slack sends them")
    for key in _CONTEXT_TEXT:
        if not isinstance(bolt.context.get(key), str | None):
            return malformed(f"its {key.replace('_', ' ')} is not text")
    return bolt


def parse(text: str, content_type: str) -> dict[str, Any] | Refusal:
    if not text.strip():
        return malformed("the body is empty")
    if content_type == JSON or text.startswith("{"):
        return json_object(text, "the body")
    try:
        fields = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return malformed("the body is neither JSON nor a form")
    if "payload" not in fields:
        return fields
    return json_object(fields["payload"], "the form's payload")


def json_object(text: str, what: str) -> dict[str, Any] | Refusal:
    """``text`` as a JSON object nested at most ``MAX_NESTING`` deep, or why it is not one."""
    try:
        value = json.loads(text)
    except RecursionError:  # json's C parser recurses once per level: 100,000 "[" exhaust the stack
        return malformed(f"{what} is nested more than {MAX_NESTING} deep")
    except ValueError:
        return malformed(f"{what} is not JSON")
    if not isinstance(value, dict):
        return malformed(f"{what} is not a JSON object")
    if nested_deeper_than(value, MAX_NESTING):
        return malformed(f"{what} is nested more than {MAX_NESTING} deep")
    return value


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether parsed JSON has more than ``limit`` levels of objects and lists (walked without recursion:
    what reads the body later, bolt or a deep copy, may well recurse)."""
    level = [value]
    for _depth in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def shape_problem(body: dict[str, Any]) -> str | None:
    """What is wrong with a parsed body for the door and bolt, or None. Checks only the fields they read."""
    for key in _TEXT_FIELDS:
        if key in body and not isinstance(body[key], str):
            return f"{key} is not text"
    if "command" in body or body.get("ssl_check") == "1":
        return None  # a slash command (every form field is text), or Slack's check of the command URL
    kind = body.get("type")
    if not kind:
        return "it has no type"
    for key in ("team", "channel", "user", "enterprise"):
        if body.get(key) is not None and not isinstance(body[key], dict | str):
            return f"{key} is not an object"
    if "authorizations" in body and not (
        isinstance(body["authorizations"], list) and all(isinstance(a, dict) for a in body["authorizations"])
    ):
        return "authorizations is not a list of objects"
    if kind == "event_callback":
        return event_problem(body.get("event"))
    if kind == "url_verification":
        return None if isinstance(body.get("challenge"), str) else "the challenge is not text"
    if kind == "block_actions":
        return block_actions_problem(body)
    return None


def event_problem(event: Any) -> str | None:
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "its event has no type"
    kind = event["type"]
    for key in _EVENT_TEXT_FIELDS.get(kind, ()):
        if event.get(key) is not None and not isinstance(event[key], str):
            return f"the {kind} event's {key} is not text"
    for key in _EVENT_REQUIRED.get(kind, ()):
        if not event.get(key):
            return f"the {kind} event has no {key}"
    if kind == "link_shared" and event.get("links") is not None and not _are_links(event["links"]):
        return "the link_shared event's links are not links"
    if kind in ("message", "app_mention") and event.get("files") is not None and not _are_files(event["files"]):
        return f"the {kind} event's files are not files"
    return None


def block_actions_problem(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    if not (isinstance(actions, list) and actions and all(_is_action(action) for action in actions)):
        return "its actions are not buttons"
    if not _is_named(body.get("user")):
        return "it names no user"
    for key in ("team", "channel"):  # null for a button on App Home or in an org-wide install
        if body.get(key) is not None and not _is_named(body[key]):
            return f"its {key} is not an object with an id"
    return None


def _is_named(value: Any) -> bool:
    """An object with an ``id`` that is text, as Slack describes a user, team or channel."""
    return isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])


def _are_links(links: Any) -> bool:
    return isinstance(links, list) and all(
        isinstance(link, dict) and all(isinstance(link.get(key, ""), str) for key in ("url", "domain"))
        for link in links
    )


def _are_files(files: Any) -> bool:
    return isinstance(files, list) and all(
        isinstance(file, dict) and all(isinstance(file.get(key), str | None) for key in _FILE_TEXT_FIELDS)
        for file in files
    )


def _is_action(action: Any) -> bool:
    return (
        isinstance(action, dict)
        and isinstance(action.get("action_id"), str)
        and isinstance(action.get("value", ""), str)
        and isinstance(action.get("block_id", ""), str)
    )


def oauth_query_problem(query: Mapping[str, str]) -> str | None:
    """Why the query of an OAuth install or redirect cannot be one Slack or secbot made, or None."""
    for name, value in query.items():
        if not usable_text(name, 100) or not usable_text(value, OAUTH_PARAMETER_LIMIT):
            return "That is not a Slack sign-in address secbot made. Start the installation again."
    return None
