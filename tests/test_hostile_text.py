"""Hostile text through ``App.answer``, the one entry every door calls, on SQLite and PostgreSQL: NUL and
other control characters, lone surrogates, 100 KB messages, bidirectional and zero-width marks, mrkdwn
and Markdown injection. Each gets a sensible reply (never the apology an unexpected failure becomes)
that every renderer can send; a reader's hostile admin command is refused, audited, and changes
nothing; and when the database cannot be reached at all, the reply says so politely and the log holds
one line per request, without a trace."""

from __future__ import annotations

import logging
import os
import re

import pytest
from sqlalchemy import select

from secbot.app import App
from secbot.clock import Clock
from secbot.commands import Actor, Where
from secbot.platforms.shell.text import render_json, render_text
from secbot.platforms.slack import blocks as slack_blocks
from secbot.platforms.teams import cards as teams_cards
from secbot.settings import Settings
from secbot.store import audit
from secbot.store.models import AuditEntry
from secbot.store.queries import Register
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.replies import flat
from tests.support.rows import everything_else
from tests.support.unreachable import closed_port, unreachable_app

APOLOGY = "Sorry, something went wrong"
READER = Actor("slack", "T0001:UREADER")
ADMIN = Actor("slack", "T0001:UADMIN")
CHANNEL = Where("slack", "T0001:C0001")
UNSENDABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@pytest.fixture
def app(sample_copy) -> App:
    settings = Settings(database_url="sqlite://", today=REPORT_DAY, admins=["slack:T0001:UADMIN"])
    return App(settings, sample_copy, Register(sample_copy, Clock(LONDON, REPORT_DAY)))


def sendable_everywhere(reply) -> None:
    """Every door can send the reply: valid Block Kit and Adaptive Card, printable shell text."""
    slack = slack_blocks.render_reply(reply, command="x")
    assert slack.blocks and not UNSENDABLE.search(slack.text)
    card = teams_cards.render_reply(reply).card
    assert teams_cards.validate_card(card) == []
    for shown in (render_text(reply), render_json(reply)):
        assert not UNSENDABLE.search(shown)
        shown.encode("utf-8")


# (what was typed, something the reply must say)
HOSTILE = [
    ("list a\x00b", "status “ab”"),  # read as `list ab`
    ("MP161\x00", "MP161"),
    ("\x00\x00\x00", "Ask about any modification"),  # nothing left: help
    ("search \ud800", "Nothing in the register matches “\ufffd”"),
    ("search firmware\udfff", "firmware"),
    ("search \ud83d\ude00 firmware", "firmware"),  # a surrogate pair: one real character
    ("MP161 \x1b[31mtimeline\x1b[0m", "MP161"),
    ("status\x07 MP161\x08", "MP161"),
    ("MP161\r\ntimeline", "MP161"),
    ("\u202eMP161", "MP161"),  # right-to-left override
    ("\u202e161PM", "I didn't understand"),
    ("MP\u200b161", "MP161"),  # a zero-width space inside the reference
    ("\ufeffMP161\u2060", "MP161"),
    ("<!channel> MP161", "MP161"),
    ("<!here>", "I didn't understand"),
    ("<https://evil.example|click> MP161", "MP161"),
    ("search <https://evil.example|click>", "Nothing in the register matches “<https://evil.example|click>”"),
    ("search *bold* _it_ `code` [a](https://evil) <at>x</at>", "matches “*bold* _it_ `code` [a](https://evil)"),
    ("search " + "\x00" * 5000, "search"),
    ("\x85\x9b2J MP161", "MP161"),  # C1 controls, terminal escapes
]


@pytest.mark.parametrize(("typed", "expected"), HOSTILE, ids=[repr(t[:30]) for t, _ in HOSTILE])
def test_hostile_text_gets_a_sensible_reply_on_every_door(app, typed, expected):
    reply = app.answer(typed, READER, CHANNEL)
    assert APOLOGY not in reply.title
    assert expected in flat(reply)
    assert not UNSENDABLE.search(flat(reply))
    sendable_everywhere(reply)


def test_nul_and_lone_surrogates_are_read_as_the_printable_text(app):
    assert app.answer("MP161\x00", READER, CHANNEL).title == app.answer("MP161", READER, CHANNEL).title
    replaced = app.answer("search fire\ud800ware", READER, CHANNEL)
    assert "fire\ufffdware" in flat(replaced)  # the lone half shows as the replacement character


def test_a_100kb_message_is_read_to_4000_characters_and_the_reply_says_so(app):
    typed = "search firmware " + "word " * 20_000
    reply = app.answer(typed, READER, CHANNEL)
    assert APOLOGY not in reply.title
    assert reply.footer.startswith(f"Your message was {len(typed):,} characters; I read the first 4,000.")
    sendable_everywhere(reply)
    # The note is the asker's own: the same question read whole has none, and a second long one has one.
    assert "Your message was" not in (app.answer(typed[:4000], READER, CHANNEL).footer or "")
    again = app.answer(typed, READER, CHANNEL)
    assert again.footer.count("Your message was") == 1


def test_a_long_message_keeps_the_replys_own_footer_below_the_note(app):
    reply = app.answer("whoami " + "x" * 5000, READER, CHANNEL)
    assert reply.title == "You are a reader"
    note, _, own = reply.footer.partition("\n")
    assert note == "Your message was 5,007 characters; I read the first 4,000."
    assert own.startswith("To become an admin")


def test_a_message_of_exactly_4000_characters_has_no_note(app):
    reply = app.answer("search " + "x" * 3993, READER, CHANNEL)
    assert "Your message was" not in (reply.footer or "")


def audit_rows(app) -> list[AuditEntry]:
    with app.store.sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


HOSTILE_ADMIN = [
    "set MP161 phase\x00 Refine",
    "audit\x00",
    "audit \ud800",
    "record vote MP161 \x1b[2J approve",
    "announce withdraw MP161 " + "\x00" * 10,
    "set MP161 title " + "y" * 100_000,
    "wg add 1 July 2021\udfff",
]


@pytest.mark.parametrize("typed", HOSTILE_ADMIN, ids=[repr(t[:30]) for t in HOSTILE_ADMIN])
def test_a_readers_hostile_admin_command_is_refused_audited_and_changes_nothing(app, typed):
    before = everything_else(app.store)
    reply = app.answer(typed, READER, CHANNEL)
    assert reply.title.startswith("Only SECAS admins can use"), flat(reply)
    assert "the attempt was recorded" in reply.summary
    assert everything_else(app.store) == before
    [row] = audit_rows(app)
    assert (row.actor, row.platform, row.channel_id, row.outcome) == (
        "slack:T0001:UREADER",
        "slack",
        "T0001:C0001",
        audit.REFUSED,
    )
    assert not UNSENDABLE.search(row.command) and len(row.command) <= 4000
    assert row.command.split()[0] == typed.split()[0].replace("\x00", "")
    # An admin reads it in the log like any other refusal.
    listing = flat(app.answer("audit", ADMIN, CHANNEL))
    assert "refused · “" + row.command[:20] in listing


# --- the database away -------------------------------------------------------------------------------


@pytest.fixture(params=["postgresql", "sqlite"])
def away(request, tmp_path) -> App:
    if request.param == "postgresql":
        url = f"postgresql://postgres@127.0.0.1:{closed_port()}/test?connect_timeout=5"
    else:
        url = f"sqlite:///{tmp_path}"  # a directory: SQLite cannot open it as a database
    app = unreachable_app(url)
    yield app
    app.store.engine.dispose()


def failure_lines(caplog) -> list[logging.LogRecord]:
    """The records of failed requests (the outage log's periodic summary is not one)."""
    return [r for r in caplog.records if not r.getMessage().startswith("database outage:")]


@pytest.mark.parametrize(
    "typed", ["MP161", "search firmware", "list a\x00b", "set MP161 phase Refine", "subscribe agenda", "help"]
)
def test_an_outage_is_answered_politely_and_logged_once_without_a_trace(away, caplog, typed):
    for _ in range(2):  # every request the same: one reply, one line
        caplog.clear()
        with caplog.at_level(logging.INFO):
            reply = away.answer(typed, READER, CHANNEL)
        assert reply.title == "The register is unavailable"
        assert reply.summary == "The register is unavailable just now — please try again in a minute."
        assert reply.kind == "error" and not reply.cacheable
        [line] = failure_lines(caplog)
        assert "the database is unavailable" in line.getMessage()
        assert all(record.exc_info is None for record in caplog.records)
        sendable_everywhere(reply)


def test_a_database_lost_while_answering_is_an_outage_too(app, caplog):
    """The register answered, then its file became unreachable: questions not answered before get the
    outage reply (the revision, or the question itself, fails), one line each."""
    assert app.answer("MP161", READER, CHANNEL).title.startswith("MP161")
    if app.store.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite file is what this test takes away")
    path = app.store.engine.url.database
    app.store.engine.dispose()
    os.rename(path, path + ".gone")
    os.mkdir(path)  # the database's name now a directory: it cannot be opened
    try:
        caplog.clear()
        with caplog.at_level(logging.INFO):
            reply = app.answer("MP122A timeline", READER, CHANNEL)
        assert reply.title == "The register is unavailable"
        assert len(failure_lines(caplog)) == 1
        assert all(record.exc_info is None for record in caplog.records)
    finally:
        app.store.engine.dispose()
        os.rmdir(path)
        os.rename(path + ".gone", path)
