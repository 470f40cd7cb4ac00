"""What ``POST /api/messages`` admits: every check the Teams door makes before the Agents SDK sees a request.

``admitted`` runs the checks in this order and stops at the first problem, raising ``Refused`` (the
door answers it with a one-line plain-text reason, or the JSON body the protocol prescribes):

1. a bearer token ``teams_auth`` accepts (else 401, before the body is read; skipped with
   ``SECBOT_TEAMS_AUTH=off``, for a local emulator only);
2. a JSON content type in UTF-8, when a content type is given (else 415);
3. at most ``MAX_BODY_BYTES``, whether or not the length is given up front (else 413);
4. UTF-8 JSON holding an object, nested at most ``MAX_DEPTH`` levels (else 400);
5. a token issued for this activity: its key endorsed for the channel, its ``serviceurl`` claim the
   activity's ``serviceUrl`` (else 401);
6. an activity of the shape secbot and the SDK read (``_ActivityShape`` and the SDK's own
   ``Activity``), with ids that stay one segment of the connector's URL path (else 400 with a
   one-line reason naming the field);
7. a message's ``value`` that is a card's submitted data (else 400); an invoke that secbot handles,
   ``adaptiveCard/action`` (else 400), whose value is an ``Action.Execute`` (else the Universal
   Actions error response, 400);
8. a ``serviceUrl`` on an allowed host (else 401): secbot sends its own token there.

Ids go into the Bot Connector's URL paths as they are (``v3/conversations/{conversation.id}/activities/
{id or replyToId}``, ``…/members/{from.id}``): the Agents SDK (1.9) does not percent-encode them. Ids
as Teams, Bot Framework and the emulators write them (``19:…@thread.tacv2;messageid=…``, ``a:1…``,
``29:1…``, ``28:<app id>``, ``f:…``, ``<uuid>|livechat``) hold none of ``/ ? # % \\``, whitespace or
``..``; an id holding one could make secbot call another path of the connector, so it is refused.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Annotated, Any, Literal

from aiohttp import hdrs, web
from microsoft_agents.activity import Activity, ActivityTypes, AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue
from microsoft_agents.hosting.core import OutboundHostValidator
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, ValidationError

from secbot import inputs
from secbot.platforms.teams.auth import InboundTokenValidator, TokenRejected, VerifiedToken

# Teams sends activities of a few kilobytes; a card's submitted inputs add little to that.
MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 32  # of JSON nesting; a Teams activity has about six levels
# The only invoke secbot answers: a card's Action.Execute (Universal Actions).
HANDLED_INVOKES = frozenset({"adaptiveCard/action"})
# In an id or a name: control characters (line breaks too: they would forge log lines) and lone surrogates.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# In an id: what would end or leave its URL path segment, or be decoded into one that does.
_NOT_ONE_SEGMENT = re.compile(r"[/?#%\\\s]|\.\.")


class Refused(Exception):
    """A request the door answers itself, without the SDK: ``status`` with a one-line ``reason`` (plain
    text), or the JSON ``body`` the protocol prescribes. ``detail`` goes to the log only."""

    def __init__(self, status: int, reason: str, body: dict[str, Any] | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.status, self.reason, self.body = status, inputs.bounded(reason, 200), body
        self.detail = inputs.bounded(detail, 200)

    def response(self) -> web.Response:
        if self.body is not None:
            return web.json_response(self.body, status=self.status)
        return web.Response(status=self.status, text=self.reason + "\n")


async def admitted(
    request: web.Request, validator: InboundTokenValidator | None, hosts: OutboundHostValidator
) -> tuple[Activity, ClaimsIdentity | None]:
    """The activity and the SDK identity for it, or ``Refused``: each check in the order the module
    docstring gives, so that nothing but the token is looked at before the token passed."""
    token: VerifiedToken | None = None
    if validator is not None:
        try:
            token = await validator.verify(request.headers.get(hdrs.AUTHORIZATION))
        except TokenRejected as rejected:  # why, for the log only: a forger learns nothing
            raise Refused(401, "unauthorized", detail=str(rejected)) from None
    _check_content_type(request)
    activity = _json_object(await _capped_body(request))
    identity = None
    if token is not None:
        try:
            identity = token.identity_for(activity)
        except TokenRejected as rejected:
            raise Refused(401, "unauthorized", detail=str(rejected)) from None
    checked = _checked_activity(activity)
    if not hosts.is_allowed(checked.service_url):
        raise Refused(401, "unauthorized: the activity's serviceUrl is not an allowed Bot Connector host")
    return checked, identity


# -- the request ---------------------------------------------------------------------------------
def _check_content_type(request: web.Request) -> None:
    if hdrs.CONTENT_TYPE not in request.headers:  # emulators and hand-made requests may leave it out
        return
    media = request.content_type
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise Refused(415, "the activity must be sent as application/json")
    if request.charset and request.charset.lower() not in ("utf-8", "utf8"):
        raise Refused(415, "the activity must be sent as UTF-8 JSON")


async def _capped_body(request: web.Request) -> bytes:
    too_big = Refused(413, f"the activity is larger than {MAX_BODY_BYTES // 1024} KiB")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_big
    body = bytearray()
    async for chunk in request.content.iter_any():  # a chunked body says nothing of its size beforehand
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_big
    return bytes(body)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise Refused(400, "the body is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, "the body is not an activity (a JSON object)")
    if _too_deep(value):
        raise Refused(400, f"the activity nests more than {MAX_DEPTH} levels deep")
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _too_deep(value: Any) -> bool:
    level, current = 0, [value]
    while current:
        level += 1
        if level > MAX_DEPTH:
            return True
        current = [
            child
            for node in current
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
    return False


# -- the activity's shape --------------------------------------------------------------------------
def _printable(value: str) -> str:
    if _UNPRINTABLE.search(value):
        raise ValueError("holds control characters or broken Unicode")
    return value


def _one_path_segment(value: str) -> str:
    if _NOT_ONE_SEGMENT.search(value) or value == ".":
        raise ValueError("is not an id (it holds / ? # % \\, a space or ..)")
    return value


def _service_url(value: str) -> str:
    if not inputs.web_address(value):
        raise ValueError("is not an http(s) address")
    return value


# Lengths are those of the columns a conversation reference is saved in (store.models.TeamsConversation).
_Id = Annotated[
    StrictStr, Field(min_length=1, max_length=300), AfterValidator(_printable), AfterValidator(_one_path_segment)
]
_Name = Annotated[StrictStr, Field(max_length=300), AfterValidator(_printable)]
_TenantId = Annotated[StrictStr, Field(min_length=1, max_length=64), AfterValidator(_printable)]
_Kind = Annotated[StrictStr, Field(max_length=16), AfterValidator(_printable)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow")  # Teams adds fields as it pleases; only these are read


class _Account(_Shape):
    id: _Id
    name: _Name | None = None
    aadObjectId: _Id | None = None
    # People and bots only: the SDK routes agentic and connector roles to clients secbot has no use for.
    role: Literal["user", "bot"] | None = None


class _Conversation(_Shape):
    id: _Id
    name: _Name | None = None
    conversationType: _Kind | None = None
    tenantId: _TenantId | None = None


class _Tenant(_Shape):
    id: _TenantId | None = None


class _Team(_Shape):
    id: _Id | None = None
    name: _Name | None = None
    aadGroupId: _Id | None = None


class _ChannelData(_Shape):
    tenant: _Tenant | None = None
    team: _Team | None = None


class _ActivityShape(_Shape):
    """The fields secbot reads (and the SDK needs to reply), with the types they must have."""

    type: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    id: _Id | None = None
    serviceUrl: Annotated[StrictStr, Field(max_length=500), AfterValidator(_service_url)]
    channelId: _Id | None = None
    from_: _Account = Field(alias="from")
    recipient: _Account
    conversation: _Conversation
    text: StrictStr | None = None
    replyToId: _Id | None = None
    name: StrictStr | None = None
    channelData: _ChannelData | None = None


class _SubmittedData(_Shape):
    """A secbot card's button data: ``{"secbot": "<command>"}`` (other keys are ignored)."""

    secbot: StrictStr | None = None


def _checked_activity(activity: dict[str, Any]) -> Activity:
    """``activity`` as the SDK's ``Activity``, once it has the shape secbot and the SDK read."""
    try:
        shape = _ActivityShape.model_validate(activity)
        checked = Activity.model_validate(activity)  # the rest, as the SDK reads it
    except ValidationError as error:
        raise Refused(400, _first_problem(error)) from None
    except Exception:  # the SDK's own checks raise plain exceptions too
        raise Refused(400, "the body is not a valid activity") from None
    if shape.type == ActivityTypes.message and "value" in activity and activity["value"] is not None:
        _check_submitted(activity["value"])
    elif shape.type == ActivityTypes.invoke:
        _check_invoke(shape.name, activity.get("value"))
    return checked


def _check_submitted(value: Any) -> None:
    """A message's ``value`` is what an Action.Submit button sent: a JSON object."""
    if not isinstance(value, dict):
        raise Refused(400, "value: a message's value must be a card's submitted data (a JSON object)")
    try:
        _SubmittedData.model_validate(value)
    except ValidationError as error:
        raise Refused(400, _first_problem(error, "value")) from None


def _check_invoke(name: str | None, value: Any) -> None:
    """An invoke secbot handles; any other (task modules, message extensions, sign-in, none named) is
    refused here, since the SDK would answer it 501 Not Implemented."""
    if name not in HANDLED_INVOKES:
        raise Refused(
            400,
            "name: secbot does not handle this invoke (only adaptiveCard/action)",
            detail=f"an invoke secbot does not handle: {inputs.bounded(name, 60) or 'no name'}",
        )
    _check_execute(value)


def _check_execute(value: Any) -> None:
    """An Action.Execute invoke's value, refused as Universal Actions prescribe: HTTP 400 with an error
    response (``application/vnd.microsoft.error``), as the SDK would were its own not unserialisable."""
    if value is None:
        raise _invoke_refused("BadRequest", "Missing value property")
    try:
        invoke_value = AdaptiveCardInvokeValue.model_validate(value)
    except ValidationError as error:
        problem = _first_problem(error, "value")
        raise _invoke_refused("BadRequest", f"Value property is not properly formed: {problem}") from None
    try:
        _SubmittedData.model_validate(invoke_value.action.data)
    except ValidationError as error:
        problem = _first_problem(error, "data")
        raise _invoke_refused("BadRequest", f"The action's data is not secbot's: {problem}") from None
    if invoke_value.action.type != "Action.Execute":
        raise _invoke_refused("NotSupported", "Only Action.Execute is supported.")


def _invoke_refused(code: str, message: str) -> Refused:
    body = invoke_error(code, message).model_dump(mode="json", by_alias=True, exclude_none=True)
    return Refused(400, f"adaptiveCard/action: {message}", body)


def invoke_error(code: str, message: str, status: int = 400) -> AdaptiveCardInvokeResponse:
    """The Universal Actions error response to an ``adaptiveCard/action`` invoke."""
    return AdaptiveCardInvokeResponse(
        status_code=int(status), type="application/vnd.microsoft.error", value={"code": code, "message": message}
    )


_PLAIN_PROBLEMS = {
    "missing": "is missing",
    "string_type": "must be text",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "list_type": "must be a list",
}


def _first_problem(error: ValidationError, within: str = "") -> str:
    """The first thing wrong, as "<where>: <what>" (pydantic's words, without its class names)."""
    problem = error.errors(include_url=False, include_input=False, include_context=False)[0]
    where = ".".join(str(part) for part in (within, *problem["loc"]) if part != "") or "the activity"
    what = _PLAIN_PROBLEMS.get(problem["type"]) or problem["msg"].removeprefix("Value error, ")
    return f"{where}: {what}"


class _SdkRefusalsLogged(logging.Filter):
    """The SDK logs every activity it cannot read with a traceback; the door has already refused such an
    activity, in one line, before the SDK saw it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Validation error for Activity")


logging.getLogger("microsoft_agents.activity.activity").addFilter(_SdkRefusalsLogged())
