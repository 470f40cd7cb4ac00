"""Numbers in questions: a modification's number said alone is its card; a count, a duration, a year,
a page or a day is not (issue 16). Asked as members type, on the sample register's day."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.replies import flat


@pytest.mark.parametrize(
    ("question", "card"),
    [
        ("is 107 still stuck waiting on the dcc?", "MP107"),
        ("what stage is the credit cover DP at, 159?", "DP159"),
        ("whats going on with 122a", "MP122A"),
        ("any news on 0007", "SECMP0007"),
    ],
)
def test_a_number_said_alone_is_that_modifications_card(ask, question, card):
    text = flat(ask(question))
    assert text.startswith(card), text[:200]
    assert "Next milestone" in text or "Phase" in text


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("which IAs have taken over 100 days", "DCC"),
        ("what's on 18 June", "18 June 2021"),
        ("stats for 2021", "modifications"),
        ("mods completed in the last 12 months", ""),
        ("phase refine page 2", "Refine"),
    ],
)
def test_a_count_a_day_a_year_or_a_page_is_not_taken_for_a_modification(ask, question, answer):
    text = flat(ask(question))
    assert not text.startswith(("MP1", "DP1", "SECMP0", "I couldn't find")), text[:200]
    assert answer in text


def test_a_search_asked_as_which_one_leaves_out_the_words_that_only_say_a_modification_is_meant(ask):
    text = flat(ask("what number is the mhhs draft again"))
    assert "DP162 'SEC changes required to deliver MHHS'" in text
    assert "Nothing in the register matches" not in text
    text = flat(ask("is there a mod about zigbee attributes on the HAN? can't remember the number"))
    assert "SECMP0056 'IHD / PPMID Zigbee Attributes Available on the HAN'" in text


def test_a_search_no_modification_matches_in_every_word_shows_those_matching_most_and_says_so(ask):
    reply = ask("search postponing planned maintenance in adverse weather")
    text = flat(reply)
    assert "DP166 'Adverse Weather Planned Maintenance Process'" in text
    assert reply.footer == "No modification holds every word searched for: these hold the most of them."
    assert flat(ask("search frogs ponds")).startswith("Nothing in the register matches “frogs ponds”")


@pytest.mark.parametrize(
    ("question", "title"),
    [
        # the first sentence is the question; the second only says why
        ("is anything actually open for consultation today? don't want to miss a deadline", "Open consultations"),
        # unless the second asks something itself
        ("what's approved and waiting to be implemented? just the implementation phase lot", "Implementation: "),
        # or the first is a greeting
        ("Hi! where has SECMP0007 got to?", "SECMP0007: "),
        # a tag question is no part of what is searched for
        ("there was a mod about T3 aerials wasnt there? what number was it", "Search: T3 aerials"),
        # a modification named beside a meeting's name is the question
        ("CB knocked back mod 21 in April didn't they - what's happened to it since?", "SECMP0021: "),
        # a lead-in before a colon does not make the question a timeline
        ("for the timeline deck on Monday: where is MP161 at now?", "MP161: "),
    ],
)
def test_a_message_of_several_sentences_is_read_for_its_question(ask, question, title):
    assert ask(question).title.startswith(title)


@pytest.mark.parametrize(
    ("question", "title"),
    [
        # a phase before a single "mod" after "every"/"each", and old ones asked for as "older mods too"
        ("each closed proposal please, older mods too", "Closed: 7 modifications"),
        # "put in" is raising
        ("has Npower put in anything lately", "Raised by Npower"),
        # a command word's noun ("summary", "overview") followed by a question: the question decides
        ("summary of anything new since the last report", "What changed"),
        # a possessive typed without its apostrophe is no suffix
        ("walk me through dp160s story", "DP160 timeline"),
        # a search word in the plural finds its singular too
        ("search alerts", "Search: alerts"),
        # a name with a slip, clearly one proposer ahead of the next
        ("raised by northen power grid", "Raised by Northern PowerGrid: 1 modification"),
        # words a member quotes are the ones to look for
        ('anything in the register called "voltage accuracy"', "Search: voltage accuracy"),
        ("do we have anything for zigbee", "Search: zigbee"),
        ("is there anything closing soon", "Consultations closing soon"),
        # the meeting that is not where the modifications go next
        ("which ones did the CSC pass on to the panel in May", "Change Sub-Committee: 25 May 2021"),
        # a status or phase named beside a meeting, with nothing of the meeting's business
        ("mods with the authority awaiting its decision", "Awaiting Authority Decision: 1 modification"),
        ("which mods are now in implementation – approved or implemented?", "Implementation: 13 modifications"),
        ("how many are with ofgem and where is everything else", "Modifications in each stage"),
        ("which mods deal with smart meter alerts", "Search: smart meter alerts"),
        ("is there a prepayment mod", "Search: prepayment"),
        ("show me everything that has changed since 1 may", "What changed since 1 May 2021"),
        ("a tally of mods per phase please", "Modifications in each stage"),
        # a count said with "all" is no modification's number; nor is a number asked about a month's release
        ("are all 12 still in the June release", "June 2021 SEC Release"),
        # the rest of the message tells rather than asks
        ("when's the next panel? i heard MP138 is going up for approval", "Panel: 18 June 2021"),
        ("when’s the next panel? someone mentioned the DCC assessments being late", "Panel: 18 June 2021"),
        ("what's different since the last report", "What changed since the report of"),
        ("which drafts are stuck in define at the mo", "Define: 9 modifications"),
        # what a meeting said or what came up at it is its business, though a status is named
        ("what did the panel say about the draft proposals in june", "Panel: 18 June 2021"),
        ("has npower got any mods going", "Raised by Npower: 1 modification"),
        # a breakdown by stage, though a meeting is named as what it is for
        ("figures by stage please, for the june panel pack", "Modifications in each stage"),
    ],
)
def test_a_question_in_other_words_reaches_its_command(ask, question, title):
    assert ask(question).title.startswith(title), flat(ask(question))[:200]


@pytest.mark.parametrize(
    ("question", "day", "title"),
    [
        ("is 18 in scope for the June 2018 release", dt.date(2017, 10, 16), "June 2018 SEC Release"),
        ("whatever happened to SECMP0011", dt.date(2017, 10, 16), "SECMP0011: "),
        # the status named, not the words after it
        (
            "does anything have a status of withdrawn so far this year",
            dt.date(2017, 10, 16),
            "No modification has the status “Withdrawn”",
        ),
        # a month said with "last year", or after "last"
        ("what did the change board vote on in august last year", dt.date(2018, 9, 3), "Decisions in August 2017"),
        ("decisions last August", dt.date(2018, 9, 3), "Decisions in August 2018"),
        # a release asked about in the past tense is the one gone by; a month with nothing ahead, the one gone by
        ("which mods were in the june release", dt.date(2018, 12, 3), "June 2018 SEC Release"),
        ("release July", dt.date(2017, 11, 1), "Stand-alone Release 12 July 2017"),
        # a release not yet given a day is upcoming until its month is over
        ("when's the next release", dt.date(2018, 12, 3), "June 2019 SEC Release"),
        ("when was the most recent change board and what did they decide", dt.date(2017, 11, 1), "Change Board: "),
    ],
)
def test_a_question_over_an_earlier_register_reaches_its_command(ask, question, day, title):
    assert ask(question, day).title.startswith(title), flat(ask(question, day))[:200]


def test_back_in_a_month_dating_an_event_of_the_question_is_no_day_to_answer_as_of(ask):
    day = dt.date(2017, 10, 16)
    reply = ask("what's the full history of SECMP0023 - the timetable extension back in Feb included", day)
    assert reply.title == "SECMP0023 timeline"
    assert "13 October 2017" in flat(reply)  # not the register as of February
    assert reply.footer is None or "As the register stood" not in reply.footer
    card = ask("Ofgem's team recommended it back in March - where is SECMP0011 now?", day)
    assert "As the register stood" not in (card.footer or "")
    assert ask("where was SECMP7 back in May 2017", day).footer.startswith("As the register stood on 31 May 2017")


def test_a_search_word_in_the_plural_finds_the_singular_too(ask):
    text = flat(ask("search alerts"))
    assert "3 modifications match" in text
    assert "SECMP0008 'Provision of a DCC Alert" in text  # its title says "Alert" only


def test_a_status_named_beside_the_meeting_it_was_referred_to_lists_that_status(ask):
    reply = ask("are any mods referred back to the panel at the moment", dt.date(2017, 6, 1))
    assert reply.title == "Referred: 1 modification", flat(reply)[:200]
    assert "SECMP0021" in flat(reply)


def test_old_modifications_asked_for_without_an_apostrophe_are_counted_too(ask):
    reply = ask("count per phase incl the ones that havent been updated lately")
    assert reply.summary == "77 modifications in the register.", flat(reply)[:200]
