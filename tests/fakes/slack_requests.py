"""Signed requests exactly as Slack sends them to our request URL, built from Slack's documented shapes.

Each builder returns the raw request *body* (a ``str``), ready to sign and post::

    body = slash_command("show SECMP0001", response_url=fake.response_url("cmd-1"))
    headers = sign(body, SIGNING_SECRET)
    await http.post(f"{app_url}/slack/events", data=body, headers=headers)

Where the shapes come from (docs.slack.dev; the same pages live on at api.slack.com):

* signing: "Verifying requests from Slack" (authentication/verifying-requests-from-slack), and
  ``slack_sdk.signature.SignatureVerifier.generate_signature``: ``v0=hex(HMAC-SHA256(secret,
  f"v0:{timestamp}:{body}"))`` over the raw body, in ``X-Slack-Signature``, with the timestamp in
  ``X-Slack-Request-Timestamp``; bolt rejects timestamps more than 5 minutes from now.
* slash commands: "Implementing slash commands" (interactivity/implementing-slash-commands):
  ``application/x-www-form-urlencoded`` with the fields listed on ``slash_command``; cross-checked
  with bolt-js's ``SlashCommand`` type and bolt-python's ``tests/scenario_tests*/test_slash_command.py``.
* events: the Events API envelope (apis/events-api, "Callback field overview") and the example
  payloads on reference/events/app_mention, reference/events/message.im,
  reference/events/link_shared, reference/events/app_home_opened, reference/events/url_verification.
  Events arrive as ``application/json``.
* interactivity: reference/interaction-payloads/block_actions-payload: ``application/x-www-form-urlencoded``
  with a single ``payload`` field holding the JSON. A button in an *ephemeral* message (what
  ``respond()``/``chat.postEphemeral`` post) comes with ``container.is_ephemeral: true`` and *no*
  ``message`` field, as in captured payloads; a button in an ordinary message brings ``message``.

``tests/fakes/slack_payloads/*.json`` holds one reference sample per shape (see its README); the
self-tests check that every builder's output has at least those fields, of the same types.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlencode, urlparse

from tests.fakes import workspace

JsonDict = dict[str, Any]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_counter = itertools.count(1)


# ---------------------------------------------------------------------- signing


def sign(
    body: str,
    secret: str,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """The headers Slack sends with ``body``: signature, timestamp and Content-Type.

    ``timestamp`` defaults to now. Content-Type is ``application/json`` for a JSON body (events,
    url_verification) and ``application/x-www-form-urlencoded`` otherwise (slash commands,
    interactivity), unless given.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    if content_type is None:
        content_type = JSON if body.lstrip().startswith("{") else FORM
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


# ---------------------------------------------------------------------- small makers


def fresh_ts() -> str:
    """A message timestamp near now, later than the previous one this module made."""
    n = next(_counter)
    return f"{int(time.time())}.{n % 1_000_000:06d}"


def new_trigger_id() -> str:
    """A trigger_id in Slack's form: ``<13 digits>.<10 digits>.<32 hex>``."""
    n = next(_counter)
    return f"{1_000_000_000_000 + n}.{1_000_000_001}.{uuid.uuid4().hex}"


def new_event_id() -> str:
    return f"Ev{next(_counter):010X}"


def _channel_name(channel_id: str, name: str | None) -> str:
    # Slack names a DM "directmessage" and a private channel "privategroup" in these payloads.
    if name is not None:
        return name
    if channel_id.startswith("D"):
        return "directmessage"
    if channel_id.startswith("G"):
        return "privategroup"
    return "secbot-test"


_TOKEN = re.compile(r"<(@[UW][A-Z0-9]+|#C[A-Z0-9]+(?:\|[^>]*)?|https?://[^>|]+(?:\|[^>]*)?)>")


def rich_text_blocks(text: str) -> list[JsonDict]:
    """The ``rich_text`` block Slack attaches to a user's message, for plain text with mentions/links."""
    elements: list[JsonDict] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() > pos:
            elements.append({"type": "text", "text": text[pos : match.start()]})
        token = match.group(1)
        if token.startswith("@"):
            elements.append({"type": "user", "user_id": token[1:]})
        elif token.startswith("#"):
            elements.append({"type": "channel", "channel_id": token[1:].split("|")[0]})
        else:
            url, _, label = token.partition("|")
            link: JsonDict = {"type": "link", "url": url}
            if label:
                link["text"] = label
            elements.append(link)
        pos = match.end()
    if pos < len(text):
        elements.append({"type": "text", "text": text[pos:]})
    block_id = base64.b32encode(hashlib.sha1(text.encode()).digest()).decode()[:5]
    return [
        {
            "type": "rich_text",
            "block_id": block_id,
            "elements": [{"type": "rich_text_section", "elements": elements}],
        }
    ]


# ---------------------------------------------------------------------- slash commands


def slash_command(
    text: str,
    *,
    response_url: str,
    user_id: str = "U123",
    channel_id: str = "C123",
    trigger_id: str | None = None,
    command: str = "/sec",
    user_name: str | None = None,
    channel_name: str | None = None,
    team_id: str = workspace.TEAM_ID,
) -> str:
    """A slash command invocation: the form-encoded body Slack POSTs, fields in Slack's order."""
    fields = {
        "token": workspace.VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": workspace.TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": _channel_name(channel_id, channel_name),
        "user_id": user_id,
        "user_name": user_name or f"user.{user_id.lower()}",
        "command": command,
        "text": text,
        "api_app_id": workspace.API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return urlencode(fields)


# ---------------------------------------------------------------------- Events API


def event_callback(
    event: JsonDict,
    *,
    event_id: str | None = None,
    event_time: int | None = None,
    team_id: str = workspace.TEAM_ID,
) -> str:
    """The Events API envelope around ``event``, as the JSON body Slack POSTs."""
    ts = event.get("event_ts") or event.get("ts")
    if event_time is None:
        event_time = int(float(ts)) if ts else int(time.time())
    context = {"et": event.get("type"), "tid": team_id, "aid": workspace.API_APP_ID}
    if isinstance(event.get("channel"), str):
        context["cid"] = event["channel"]
    event_context = "4-" + base64.urlsafe_b64encode(json.dumps(context).encode()).decode().rstrip("=")
    envelope = {
        "token": workspace.VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": workspace.API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": workspace.BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": event_context,
    }
    return json.dumps(envelope)


def app_mention(
    text: str,
    *,
    channel: str = "C123",
    user: str = "U123",
    ts: str | None = None,
    thread_ts: str | None = None,
    files: list[JsonDict] | None = None,
) -> JsonDict:
    """An ``app_mention`` event. The bot's ``<@UBOT>`` is put in front of ``text`` if it isn't in it.
    ``files`` (``FakeSlack.add_file``'s objects) are files shared with the mention."""
    mention = f"<@{workspace.BOT_USER_ID}>"
    if mention not in text:
        text = f"{mention} {text}"
    ts = ts or fresh_ts()
    event: JsonDict = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "app_mention",
        "text": text,
        "user": user,
        "ts": ts,
        "blocks": rich_text_blocks(text),
        "team": workspace.TEAM_ID,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if files:
        event.update(files=files, upload=False, display_as_bot=False)
    return event


def file_share(files: list[JsonDict], *, text: str = "", channel: str = "D123", user: str = "U123") -> JsonDict:
    """A ``message`` event of subtype ``file_share`` in the user's DM with the bot: ``files`` shared there
    (reference/events/message/file_share)."""
    event = direct_message(text, channel=channel, user=user)
    event.update(subtype="file_share", files=files, upload=False, display_as_bot=False)
    return event


def partial_file(file: JsonDict) -> JsonDict:
    """``file`` as an event carries it when the app must ask ``files.info`` (Slack Connect, say)."""
    return {
        "id": file["id"],
        "mode": "file_access",
        "file_access": "check_file_info",
        "created": 0,
        "timestamp": 0,
        "user": "",
    }


def direct_message(
    text: str,
    *,
    channel: str = "D123",
    user: str = "U123",
    ts: str | None = None,
    thread_ts: str | None = None,
) -> JsonDict:
    """A ``message`` event in the user's DM with the bot (the ``message.im`` subscription)."""
    ts = ts or fresh_ts()
    event: JsonDict = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "blocks": rich_text_blocks(text),
        "team": workspace.TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "channel_type": "im",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def link_shared(
    urls: list[str],
    *,
    channel: str = "C123",
    user: str = "U123",
    message_ts: str | None = None,
    unfurl_id: str | None = None,
    source: str = "conversations_history",
    thread_ts: str | None = None,
) -> JsonDict:
    """A ``link_shared`` event for ``urls`` posted in ``channel``.

    ``source`` is ``"conversations_history"`` for a posted message or ``"composer"`` for a link
    still being typed; ``chat.unfurl`` then takes either ``channel`` + ``ts`` or ``unfurl_id`` + ``source``.
    """
    message_ts = message_ts or fresh_ts()
    if unfurl_id is None:
        digest = hashlib.sha256(f"{channel}{message_ts}{urls}".encode()).hexdigest()
        unfurl_id = f"{channel}.{message_ts}.{digest}"
    event: JsonDict = {
        "type": "link_shared",
        "channel": channel,
        "is_bot_user_member": True,
        "user": user,
        "message_ts": message_ts,
        "unfurl_id": unfurl_id,
        "source": source,
        "links": [{"domain": urlparse(url).hostname or "", "url": url} for url in urls],
        "event_ts": fresh_ts(),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened(
    user: str = "U123",
    *,
    channel: str = "D123",
    tab: str = "home",
    view: JsonDict | None = None,
) -> JsonDict:
    """An ``app_home_opened`` event. ``view`` (the Home tab last published) only once one was."""
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": fresh_ts(),
    }
    if view is not None:
        event["view"] = view
    return event


def url_verification(challenge: str) -> str:
    """The one-off ``url_verification`` request Slack sends when the request URL is set."""
    return json.dumps({"token": workspace.VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"})


# ---------------------------------------------------------------------- interactivity


def block_actions_payload(
    action_id: str,
    value: str,
    *,
    response_url: str,
    user_id: str = "U123",
    channel_id: str = "C123",
    message_ts: str | None = None,
    block_id: str = "actions",
    button_text: str = "Button",
    message: JsonDict | None = None,
    ephemeral: bool | None = None,
    trigger_id: str | None = None,
) -> JsonDict:
    """The ``block_actions`` payload (as a dict) for a click on a button.

    By default the button sat in an ephemeral message: ``container.is_ephemeral`` is true and there
    is no ``message``. Pass ``message`` (the message as Slack stored it) for a button in an
    ordinary message; ``message_ts`` defaults to its ``ts``.
    """
    if ephemeral is None:
        ephemeral = message is None
    message_ts = message_ts or (message or {}).get("ts") or fresh_ts()
    user_name = f"user.{user_id.lower()}"
    payload: JsonDict = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": workspace.TEAM_ID},
        "api_app_id": workspace.API_APP_ID,
        "token": workspace.VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": workspace.TEAM_ID, "domain": workspace.TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": _channel_name(channel_id, None)},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": button_text, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": fresh_ts(),
            }
        ],
    }
    if message is not None:
        payload["message"] = message
    return payload


def block_actions(
    action_id: str,
    value: str,
    *,
    response_url: str,
    user_id: str = "U123",
    channel_id: str = "C123",
    message_ts: str | None = None,
    block_id: str = "actions",
    button_text: str = "Button",
    message: JsonDict | None = None,
    ephemeral: bool | None = None,
    trigger_id: str | None = None,
) -> str:
    """A button click as Slack POSTs it: form-encoded ``payload=<json>`` (see ``block_actions_payload``)."""
    payload = block_actions_payload(
        action_id,
        value,
        response_url=response_url,
        user_id=user_id,
        channel_id=channel_id,
        message_ts=message_ts,
        block_id=block_id,
        button_text=button_text,
        message=message,
        ephemeral=ephemeral,
        trigger_id=trigger_id,
    )
    return interactivity(payload)


def interactivity(payload: JsonDict) -> str:
    """Any interaction payload, form-encoded the way Slack sends interactivity: ``payload=<json>``."""
    return urlencode({"payload": json.dumps(payload)})
