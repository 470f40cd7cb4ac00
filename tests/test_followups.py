"""Follow-ups: "more", "and its timeline?", "who raised it?", "what about DP162?" answered from what was
last asked in the same place, in any replica (the database remembers it), for 30 minutes."""

from __future__ import annotations

import datetime as dt

import pytest

from secbot.commands import Actor, Where
from secbot.store.models import RememberedQuestion
from tests.support.replies import flat
from tests.support.upkeep import sample_app

RAE = Actor("slack", "T0001:URAE")
CHANNEL, OTHER = Where("slack", "T0001:CWG"), Where("slack", "T0001:COTHER")
THREAD = Where("slack", "T0001:CWG", "1700000000.000100")


@pytest.fixture
def sample_app_of(sample_copy):
    """``sample_app`` on this test's register, each app's memory writer stopped (and flushed) at the end:
    a writer left running could write into the database the next test is given."""
    made = []

    def make(day: dt.date | None = None):
        made.append(sample_app(sample_copy, day) if day else sample_app(sample_copy))
        return made[-1]

    yield make
    for app in made:
        app.memory.close()


def test_more_goes_on_to_the_next_page_of_the_list_asked_for_last(sample_app_of):
    app = sample_app_of()
    first = app.answer("mods in refinement", RAE, CHANNEL)
    assert first.title.startswith("Refine: ") and "1–10 of" in flat(first)
    assert "11–12 of 12" in flat(app.answer("more", RAE, CHANNEL))
    assert app.answer("more please", RAE, CHANNEL).title == "No more results"


def test_it_and_its_are_the_modification_last_asked_about_here(sample_app_of):
    app = sample_app_of()
    app.answer("what's the status of MP161?", RAE, CHANNEL)
    raised = app.answer("who raised it?", RAE, CHANNEL)
    assert raised.title.startswith("MP161: ")
    assert "Proposer: not in the register" in flat(raised)  # said, though the register does not know
    timeline = app.answer("and its timeline?", RAE, CHANNEL)
    assert timeline.title.startswith("MP161") and "timeline" in timeline.title.lower()
    assert "timeline" in app.answer("what about DP162?", RAE, CHANNEL).title.lower()  # the same question, of DP162
    app.answer("wg", RAE, CHANNEL)  # a question about no modification keeps the one asked about before
    raised = app.answer("who raised it?", RAE, CHANNEL)
    assert raised.title.startswith("DP162: ") and "Proposer: Richard Vernon, DCC" in flat(raised)


def test_another_place_has_nothing_to_follow_and_the_same_words_differ_by_place(sample_app_of):
    app = sample_app_of()
    app.answer("MP161 timeline", RAE, CHANNEL)
    app.answer("MP161", RAE, THREAD)
    nothing = app.answer("who raised it?", RAE, OTHER)
    assert nothing.title == "What should “who raised it” follow?"
    assert "timeline" in app.answer("what about DP162?", RAE, CHANNEL).title.lower()
    card = app.answer("what about DP162?", RAE, THREAD)  # not the channel's answer from the cache
    assert card.title.startswith("DP162: ") and "timeline" not in card.title.lower()
    assert app.answer("what about DP162?", RAE, OTHER).title.startswith("DP162: ")  # nothing before: its card


def test_another_replica_follows_up_and_half_an_hour_later_nothing_is_remembered(sample_app_of, sample_copy):
    one, two = sample_app_of(), sample_app_of()  # two processes on one database
    one.answer("MP161", RAE, CHANNEL)
    assert one.memory.flush() == 1
    with sample_copy.sessions() as session:
        stored = session.get(RememberedQuestion, "slack:T0001:CWG:")
        assert (stored.line, stored.reference) == ("status MP161", "MP161")
    assert two.answer("and its timeline?", RAE, CHANNEL).title.startswith("MP161")

    next_day = sample_app_of(dt.date(2021, 6, 12))  # a clock a day on: far past 30 minutes
    assert next_day.answer("who raised it?", RAE, CHANNEL).title == "What should “who raised it” follow?"
