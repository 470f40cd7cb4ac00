"""Slack Block Kit rendering of replies: what a Slack user sees, and Slack's limits always kept."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secbot.platforms.slack.blocks import (
    LINK_ACTION_PREFIX,
    RUN_ACTION_PREFIX,
    SHARE_ACTION_ID,
    SlackMessage,
    action_command,
    render_home,
    render_reply,
    render_unfurl,
)
from secbot.replies import Action, Field, Item, Link, Reply, Section, Table
from tests.strategies import replies
from tests.support.block_kit import check_blocks
from tests.support.replies import every_command_text

EVIL = "<!channel> & <http://x|y>"
EVIL_ESCAPED = "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"


# --- helpers: the texts in the JSON (Slack's limits are checked by tests/support/block_kit.py) ---------


def texts_of(blocks: list[dict], kinds: tuple[str, ...] = ("mrkdwn", "plain_text")) -> list[str]:
    """Every text of those kinds in the blocks."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") in kinds:
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def buttons(message: SlackMessage) -> list[dict]:
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def sections_text(message: SlackMessage) -> str:
    return "\n".join(b["text"]["text"] for b in message.blocks if b["type"] == "section" and "text" in b)


# --- what a user sees ---------------------------------------------------------------------------


def test_mp161_card(ask):
    message = render_reply(ask("MP161"), command="MP161")
    check_blocks(message.blocks)
    header = message.blocks[0]
    assert header["type"] == "header"
    assert header["text"]["text"] == "MP161: Significant Code Review – Retail Code Consolidation"
    assert message.text.startswith("MP161: Significant Code Review – Retail Code Consolidation")
    assert "Awaiting Authority Decision" in message.text

    fields = [f["text"] for b in message.blocks for f in b.get("fields", [])]
    assert "*Status*\nAwaiting Authority Decision" in fields
    assert any(f.startswith("*Next milestone*\nAuthority decision pending") for f in fields)

    by_text = {b["text"]["text"]: b for b in buttons(message)}
    assert by_text["Timeline"]["value"] == "MP161 timeline"
    assert by_text["Timeline"]["action_id"].startswith(RUN_ACTION_PREFIX + "_")
    link = next(b for b in buttons(message) if "url" in b)
    assert link["url"].startswith("https://")
    assert link["action_id"].startswith(LINK_ACTION_PREFIX + "_")
    assert "value" not in link
    assert by_text["Share in channel"]["action_id"] == SHARE_ACTION_ID
    assert by_text["Share in channel"]["value"] == "MP161"

    footer = message.blocks[-1]
    assert footer["type"] == "context"
    assert "Change Status Report – June 2021" in footer["elements"][0]["text"]


def test_no_share_button_unless_asked(ask):
    reply = ask("MP161")
    assert SHARE_ACTION_ID not in [b["action_id"] for b in buttons(render_reply(reply))]
    shared = render_reply(reply, command="MP161", shareable=False)
    assert SHARE_ACTION_ID not in [b["action_id"] for b in buttons(shared)]


def test_register_text_is_escaped_and_inert():
    reply = Reply(
        f"MP999: {EVIL}",
        summary=f"Summary {EVIL}",
        sections=[
            Section(
                heading=f"Heading {EVIL}",
                text=f"Text {EVIL}",
                fields=[Field(f"Label {EVIL}", f"Value {EVIL}")],
                items=[Item(f"Item {EVIL}", detail=f"detail {EVIL}"), Item(f"MP1 {EVIL}", reference="MP1")],
                table=Table(["Column", "Value"], [["cell", EVIL]]),
            )
        ],
        actions=[Action(f"Button {EVIL}", "MP161")],
        footer=f"Footer {EVIL}",
    )
    message = render_reply(reply, command="MP161")
    check_blocks(message.blocks)
    mrkdwn = "\n".join([*texts_of(message.blocks, ("mrkdwn",)), message.text])
    assert "<!" not in mrkdwn and "<http" not in mrkdwn
    for part in ("Summary", "Heading", "Text", "Label", "Value", "Item", "detail", "Footer"):
        assert f"{part} {EVIL_ESCAPED}" in mrkdwn, part
    assert f"MP1* {EVIL_ESCAPED}" in mrkdwn  # the reference in bold, the rest escaped
    assert EVIL_ESCAPED in sections_text(message).split("```")[1]  # in the table too
    assert message.text.startswith(f"MP999: {EVIL_ESCAPED}")
    # Plain-text objects are not parsed by Slack: shown as typed.
    assert message.blocks[0]["text"]["text"] == f"MP999: {EVIL}"
    # And mrkdwn objects never auto-link or parse mentions of their own.
    assert all(o.get("verbatim") is True for b in message.blocks for o in _objects(b) if o.get("type") == "mrkdwn")

    unfurl = render_unfurl(reply)
    home = render_home([reply])
    for blocks in (unfurl["blocks"], home["blocks"]):
        text = "\n".join(texts_of(blocks, ("mrkdwn",)))
        assert "<!" not in text and "<http" not in text
        assert EVIL_ESCAPED in text


def _objects(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def test_help_keeps_its_code_marks_and_escapes_placeholders(ask):
    message = render_reply(ask("help"), command="help")
    check_blocks(message.blocks)
    text = sections_text(message)
    assert "• `search &lt;words&gt;` — Find modifications" in text
    assert "<words>" not in text
    # All the commands in one block, not one block a line.
    assert sum(1 for b in message.blocks if b["type"] == "section" and "`stats [all]`" in b["text"]["text"]) == 1


def test_list_packs_items_and_offers_more(ask):
    message = render_reply(ask("search sec"), command="search sec")
    check_blocks(message.blocks)
    item_blocks = [b for b in message.blocks if b["type"] == "section" and "• " in b["text"]["text"]]
    assert len(item_blocks) == 1
    assert item_blocks[0]["text"]["text"].count("\n• ") == 10  # ten items in one block, under their heading
    assert item_blocks[0]["text"]["text"].startswith("*1–10 of ")
    more = next(b for b in buttons(message) if b["text"]["text"].startswith("More"))
    assert more["value"] == "search sec page 2"
    assert action_command(more) == "search sec page 2"


def test_dcc_table_is_a_code_block(ask):
    message = render_reply(ask("dcc"), command="dcc")
    check_blocks(message.blocks)
    tables = [b["text"]["text"] for b in message.blocks if "```" in b.get("text", {}).get("text", "")]
    assert len(tables) == 1
    lines = tables[0].split("\n")
    assert lines[0] == "```" and lines[-1] == "```"
    assert lines[1].split() == ["Modification", "Type", "Accepted", "Target", "Current", "duration"]
    assert set(lines[2]) == {"-", " "}
    rows = lines[3:-1]
    assert [r.split()[0] for r in rows] == ["MP107", "SECMP0024", "MP078", "MP104"]
    # Aligned: every column starts at the same place on every line.
    starts = [m.start() for m in re.finditer(r"(?<=  )\S", lines[1])]
    for row in rows:
        assert all(row[s - 1] == " " and row[s] != " " for s in starts), row


def test_error_reply_is_marked_and_offers_its_suggestions(ask):
    message = render_reply(ask("MP999"), command="MP999")
    check_blocks(message.blocks)
    assert message.blocks[0]["text"]["text"].startswith(":warning: No modification MP999")
    run = [b["value"] for b in buttons(message) if b["action_id"].startswith(RUN_ACTION_PREFIX)]
    assert "MP099" in run
    assert "search &lt;words&gt;" in message.blocks[-1]["elements"][0]["text"]


# --- limits whatever the reply ------------------------------------------------------------------


def huge_reply() -> Reply:
    long_words = " ".join(["word"] * 40)
    return Reply(
        "T" * 400,
        kind="list",
        summary="S & " * 2000,
        sections=[
            Section(heading="Fields", fields=[Field(f"Label {n}", f"value {n} {long_words}") for n in range(80)]),
            Section(
                heading="Items", items=[Item(f"MP{n:03d} <title> {long_words}", "detail & more") for n in range(300)]
            ),
            Section(heading="Table", table=Table(["A", "B"], [[f"row {n}", long_words] for n in range(200)])),
        ],
        actions=[Action(f"Action {n} " + "x" * 100, f"cmd {n}") for n in range(30)]
        + [Action("More (290 left)", "search big page 2")],
        links=[Link("Register", "https://example.org/register?a=1&b=<2>")],
        footer="Footer " * 1000,
    )


def test_a_huge_reply_keeps_slack_limits_and_its_more_button():
    message = render_reply(huge_reply(), command="search big")
    check_blocks(message.blocks)
    assert len(message.blocks) == 50
    assert len(message.blocks[0]["text"]["text"]) == 150 and message.blocks[0]["text"]["text"].endswith("…")
    values = [b.get("value") for b in buttons(message)]
    assert "search big page 2" in values  # the More action is never the part cut
    assert "search big" in values  # nor Share
    actions = [b for b in message.blocks if b["type"] == "actions"]
    assert len(actions) == 1 and len(actions[0]["elements"]) == 25
    # The fields came 10 a section, and the items several a section.
    assert [len(b["fields"]) for b in message.blocks if "fields" in b] == [10] * 8
    item_blocks = [b for b in message.blocks if b["type"] == "section" and "• MP" in b.get("text", {}).get("text", "")]
    assert item_blocks and all(b["text"]["text"].count("• ") > 5 for b in item_blocks)
    # The cut is said, with how much and how to see the rest, just before the buttons.
    cut = next(b for b in message.blocks if b["type"] == "context" and "Not shown" in b["elements"][0]["text"])
    note = cut["elements"][0]["text"]
    shown_items = sum(b["text"]["text"].count("• MP") for b in item_blocks)
    shown_rows = sum(t.count("\nrow ") for t in texts_of(message.blocks, ("mrkdwn",)))
    assert shown_items == 300
    assert f"{200 - shown_rows} table rows" in note and "narrower question" in note
    assert message.blocks.index(cut) < message.blocks.index(actions[0])
    # A URL from the register is made safe in mrkdwn.
    assert "<https://example.org/register?a=1&amp;b=%3C2%3E|the register>" in note


def test_a_huge_reply_in_unfurl_and_home():
    unfurl = render_unfurl(huge_reply())
    check_blocks(unfurl["blocks"], max_blocks=3)
    assert not [b for b in unfurl["blocks"] if b["type"] == "actions"]
    home = render_home([huge_reply()] * 5)
    assert home["type"] == "home"
    check_blocks(home["blocks"], max_blocks=100)
    assert len([b for b in home["blocks"] if b["type"] == "divider"]) == 5
    home = render_home([huge_reply()] * 60)
    check_blocks(home["blocks"], max_blocks=100)
    assert "more not shown here" in home["blocks"][-1]["elements"][0]["text"]


def test_a_long_table_splits_at_rows_and_repeats_its_header():
    rows = [[f"MP{n:03d}", "x" * 60] for n in range(150)]
    message = render_reply(Reply("Table", sections=[Section(heading="All", table=Table(["Ref", "Note"], rows))]))
    check_blocks(message.blocks)
    chunks = [b["text"]["text"] for b in message.blocks if "```" in b.get("text", {}).get("text", "")]
    assert len(chunks) > 1
    assert chunks[0].startswith("*All*\n```\nRef")
    assert all(c.split("\n")[-1] == "```" and c.count("```") == 2 for c in chunks)
    assert all(c.split("```\n", 1)[1].startswith("Ref ") for c in chunks)
    shown = [line.split()[0] for c in chunks for line in c.split("\n") if line.startswith("MP")]
    assert shown == [r[0] for r in rows]


def test_an_overlong_command_gets_no_button_rather_than_a_cut_one():
    reply = Reply("Long", actions=[Action("Go", "search " + "x" * 2100), Action("Short", "MP161")])
    message = render_reply(reply, command="search " + "x" * 2100)
    check_blocks(message.blocks)
    assert [b["value"] for b in buttons(message)] == ["MP161"]


# Arbitrary replies: limits always hold and slack_sdk accepts the blocks.
_text = st.text(alphabet=st.sampled_from("ab <>&|*`_~!\n\t–é"), max_size=80) | st.sampled_from(["", "x" * 3500])
_reply = replies(_text, ["https://e.org/a?b=1&c=2", "javascript:x", ""])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply=_reply, command=st.none() | _text)
def test_any_reply_renders_within_slack_limits(reply, command):
    message = render_reply(reply, command=command)
    check_blocks(message.blocks)
    assert len(message.text) <= 3000 and "<" not in message.text
    check_blocks(render_unfurl(reply)["blocks"], max_blocks=3)
    check_blocks(render_home([reply, reply])["blocks"], max_blocks=100)
    for block in message.blocks:
        for o in _objects(block):
            if o.get("type") == "mrkdwn":
                assert "<!" not in o["text"]


# --- every command on the sample register -------------------------------------------------------


@pytest.mark.parametrize("text", every_command_text())
def test_every_command_renders_valid_block_kit(ask, text):
    reply = ask(text)
    message = render_reply(reply, command=text)  # slack_sdk validators ran in to_dict
    check_blocks(message.blocks)
    assert message.text and message.blocks[0]["type"] == "header"
    json.dumps(message.blocks)  # plain JSON
    assert len(buttons(message)) == len([a for a in reply.actions]) + len(reply.links) + 1
    for button in buttons(message):
        command = action_command(button)
        if button["action_id"].startswith(RUN_ACTION_PREFIX):
            assert command in [a.command for a in reply.actions]
        else:
            assert command is None
    check_blocks(render_unfurl(reply)["blocks"], max_blocks=3)
    check_blocks(render_home([reply])["blocks"], max_blocks=100)


def test_action_command_round_trip(ask):
    reply = ask("stats")
    message = render_reply(reply, command="stats")
    run = [b for b in buttons(message) if b["action_id"].startswith(RUN_ACTION_PREFIX)]
    assert [action_command(b) for b in run] == [a.command for a in reply.actions]
    # As Slack sends them back in a block_actions payload.
    assert action_command({"type": "button", "action_id": "secbot_run_3", "value": "phase Refine"}) == "phase Refine"
    assert action_command({"type": "button", "action_id": SHARE_ACTION_ID, "value": "stats"}) is None
    assert action_command({"type": "button", "action_id": "secbot_link_0", "url": "https://e.org"}) is None
    assert action_command({"type": "button", "action_id": "someone_else", "value": "MP161"}) is None
    assert action_command({"type": "button", "action_id": "secbot_run_0"}) is None


def test_unfurl_is_a_compact_card(ask):
    unfurl = render_unfurl(ask("MP161"))
    assert set(unfurl) == {"blocks"}
    blocks = unfurl["blocks"]
    check_blocks(blocks, max_blocks=3)
    assert [b["type"] for b in blocks] == ["section", "section", "context"]
    title = blocks[0]["text"]["text"]
    assert title.startswith("*<https://www.smartenergycodecompany.co.uk/")
    assert title.split("\n")[0].endswith("|MP161: Significant Code Review – Retail Code Consolidation>*")
    assert "Awaiting Authority Decision" in title
    assert 0 < len(blocks[1]["fields"]) <= 10
    assert "Change Status Report – June 2021" in blocks[2]["elements"][0]["text"]
    # A reply without a link: the title in bold, unlinked.
    plain = render_unfurl(ask("dcc"))["blocks"]
    assert plain[0]["text"]["text"].startswith("*Open DCC assessments*\n")


def test_home_view(ask):
    view = render_home([ask("wg"), ask("consultations"), ask("dcc")])
    assert view["type"] == "home"
    blocks = view["blocks"]
    check_blocks(blocks, max_blocks=100)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "SEC Modifications Register", "emoji": True},
    }
    starts = [i for i, b in enumerate(blocks) if b["type"] == "divider"]
    assert len(starts) == 3
    titles = [blocks[i + 1]["text"]["text"].split("\n")[0] for i in starts]
    assert titles == ["*Working Group: 7 July 2021*", "*Consultations*", "*Open DCC assessments*"]
    assert "• *MP121* 'Commissioning non-commissioned Devices after CoS'" in "\n".join(texts_of(blocks))
    # No run or share buttons on Home: a block_actions from Home has no message to answer in.
    home_buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert all(e["action_id"].startswith(LINK_ACTION_PREFIX) for e in home_buttons)
    with_link = render_home([ask("SECMP7"), ask("MP161")])["blocks"]
    check_blocks(with_link, max_blocks=100)
    links = [e for b in with_link if b["type"] == "actions" for e in b["elements"]]
    assert [e["action_id"] for e in links] == ["secbot_link_0_0", "secbot_link_1_0"]
