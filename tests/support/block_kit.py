"""Slack Block Kit as the tests read it: all its text as one string, and Slack's limits checked on the JSON."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Block


def texts(blocks: list[dict]) -> str:
    """All the text a person sees in a list of blocks."""
    return json.dumps(blocks, ensure_ascii=False)


def check_blocks(blocks: list[dict], max_blocks: int = 50) -> None:
    """Slack's limits hold, and every block survives slack_sdk's parse → to_dict round trip."""
    assert 0 < len(blocks) <= max_blocks
    action_ids: list[str] = []
    for block in blocks:
        assert Block.parse(block).to_dict() == block
        kind = block["type"]
        if kind == "header":
            assert 0 < len(block["text"]["text"]) <= 150
            assert block["text"]["type"] == "plain_text"
        elif kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= 3000
            fields = block.get("fields", [])
            assert len(fields) <= 10
            assert all(0 < len(f["text"]) <= 2000 for f in fields)
        elif kind == "actions":
            assert 0 < len(block["elements"]) <= 25
            for element in block["elements"]:
                assert element["type"] == "button"
                assert 0 < len(element["text"]["text"]) <= 75
                assert len(element.get("value", "")) <= 2000
                assert len(element.get("url", "")) <= 3000
                action_ids.append(element["action_id"])
        elif kind == "context":
            assert 0 < len(block["elements"]) <= 10
        else:
            assert kind == "divider"
    assert len(action_ids) == len(set(action_ids)), "action_id must be unique in a message"
