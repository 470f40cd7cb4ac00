"""Digests as chat messages (Slack Block Kit, Teams Adaptive Cards) and the `digest` preview command."""

from __future__ import annotations

import datetime as dt

import pytest

from secbot import platforms
from secbot.clock import Clock
from secbot.digests.agenda import build_agenda
from secbot.digests.consultations import build_consultations
from secbot.digests.messages import chart_png, document_replies
from secbot.digests.monthly import build_monthly
from secbot.platforms.slack.blocks import render_reply
from secbot.platforms.teams.cards import validate_card
from secbot.store.queries import Register
from tests.support.block_kit import check_blocks
from tests.support.consultations import load_consultations
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.replies import flat


@pytest.fixture(scope="module")
def monthly(sample_store):
    return build_monthly(Register(sample_store, Clock(LONDON, REPORT_DAY)))


@pytest.fixture(scope="module")
def agenda(sample_store):
    return build_agenda(Register(sample_store, Clock(LONDON, dt.date(2017, 10, 9))))


@pytest.fixture
def consultations(empty_store, tmp_path):
    return build_consultations(Register(load_consultations(empty_store, tmp_path), Clock(LONDON, dt.date(2021, 6, 1))))


@pytest.fixture
def documents(monthly, agenda, consultations):
    return {"monthly": monthly, "agenda": agenda, "consultations": consultations}


def test_the_monthly_summary_then_one_reply_per_section(monthly, sample_store):
    replies = document_replies(monthly)
    summary = replies[0]
    assert summary.title == "Monthly status digest – June 2021"
    assert summary.summary == "As of 11 June 2021, covering May 2021."
    counts = Register(sample_store, Clock(LONDON, REPORT_DAY)).stage_counts()
    stages = ", ".join(f"{stage} {n}" for stage, n in counts)
    assert f"Proposals currently in each stage\n{stages}." in flat(summary)
    assert summary.footer == "Follows: Summary, What changed, Define, Refine, Opine, Releases."
    assert [r.title for r in replies[1:]] == ["Summary", "What changed", "Define", "Refine", "Opine", "Releases"]
    refine = flat(replies[4])
    assert "Working Group meetings" in refine  # a subsection's heading, flattened
    assert "The last Working Group meeting was held on 2 June 2021" in refine
    assert "MP107 | IA | 1 December 2020 | 40 WD | 130 WD" in refine  # and its tables
    assert replies[1].footer == "Monthly status digest – June 2021 · 1 of 6"
    assert replies[-1].footer.startswith("DCC assessment durations are working days")


def test_the_agenda_as_replies(agenda):
    replies = document_replies(agenda)
    assert [r.title for r in replies] == [
        "Working Group agendas – 3 meetings from 10 October 2017",
        "Working Group – 10 October 2017",
        "Working Group – 12 October 2017",
        "Working Group – 18 October 2017",
        "What changed since the last agenda post",
    ]
    assert replies[0].summary == "As of 9 October 2017, covering 9 October 2017 to 22 October 2017."
    assert "SECMP0034 'Changes to the SEC Section D for DCC analysis provisions' — Refine · Second meeting." in flat(
        replies[2]
    )
    assert "Phase and status restated" in flat(replies[4])


@pytest.mark.parametrize("kind", ["monthly", "agenda", "consultations"])
def test_every_slack_message_is_valid_block_kit(documents, kind):
    document = documents[kind]
    messages = platforms.package("slack").render_digest(document_replies(document), None)
    assert len(messages) == len(document.sections) + 1
    for message in messages:
        check_blocks(message.blocks)  # the slack_sdk round trip and at most 50 blocks
        assert message.blocks[0]["type"] == "header"
        assert not any(b["type"] == "actions" for b in message.blocks)  # no Share button: digests are posted
        assert "Not shown, to fit Slack's limits" not in str(message.blocks)
    assert messages[0].blocks[0]["text"]["text"] == document.title


@pytest.mark.parametrize("kind", ["monthly", "agenda", "consultations"])
def test_every_teams_card_is_valid(documents, kind):
    document = documents[kind]
    messages = platforms.package("teams").render_digest(document_replies(document), None)
    assert len(messages) == len(document.sections) + 1
    for message in messages:
        assert validate_card(message.card) == []
    assert messages[0].text.startswith(document.title)


def test_the_monthly_chart_is_a_png_and_others_have_none(monthly, agenda):
    png = chart_png(monthly)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert chart_png(agenda) is None


# -- the `digest` command -------------------------------------------------------------------------


def test_preview_folds_the_agenda_into_one_reply(may_2021_store):
    from secbot.commands import Context, dispatch
    from secbot.digests import commands  # noqa: F401  (registers the digest layer's commands, as secbot.app does)

    reply = dispatch("digest agenda", Context(Register(may_2021_store, Clock(LONDON, dt.date(2021, 5, 24)))))
    assert reply.title == "Working Group agenda – 2 June 2021"
    assert reply.summary.startswith("Preview of the Working Group agenda")
    text = flat(reply)
    assert "Working Group – 2 June 2021" in text
    for reference in ("MP096", "MP117", "MP121", "MP128", "MP149", "MP154"):
        assert f"{reference} '" in text
    assert "Recorded from 17 May 2021 to 23 May 2021 for the modifications on the agenda:" in text
    assert [a.command for a in reply.actions] == ["subscribe agenda"]
    assert render_reply(reply).blocks[0]["text"]["text"] == reply.title


def test_preview_of_the_monthly_lists_what_follows(ask):
    reply = ask("digest monthly")
    assert reply.title == "Monthly status digest – June 2021"
    text = flat(reply)
    assert "Proposals currently in each stage\nDefine 9," in text
    assert [i.text for i in reply.sections[-1].items] == [
        "Summary",
        "What changed",
        "Define",
        "Refine",
        "Opine",
        "Releases",
    ]
    assert "followed by 6 messages" in reply.footer


def test_preview_when_there_is_nothing_to_send(ask):
    reply = ask("digest agenda")
    assert reply.kind == "notice" and reply.title == "No agenda digest today"
    assert reply.summary == "No Working Group meeting within 14 days of 11 June 2021: no agenda digest."
    assert [a.command for a in reply.actions] == ["wg"]
    reply = ask("digest consultations")
    assert reply.summary.startswith("No consultation opens, closes today or closes in 3 working days on 11 June 2021")


def test_an_unknown_digest_lists_the_kinds(ask):
    reply = ask("digest weekly")
    assert reply.kind == "error" and reply.title == "There is no digest called “weekly”"
    assert "`agenda`, `consultations`, `monthly`" in reply.summary
    assert [a.command for a in reply.actions] == ["digest agenda", "digest consultations", "digest monthly"]
    assert ask("digest").title == "Which digest?"
