"""The Working Group agenda digest on the bundled sample register, and `secbot digest agenda`."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from secbot.clock import Clock
from secbot.digests.agenda import build_agenda
from secbot.digests.render import render
from secbot.platforms.teams.cards import validate_card
from secbot.store.queries import Register
from tests.support.block_kit import check_blocks
from tests.support.cli import run
from tests.support.dates import LONDON
from tests.support.files import MAY_2021_AGENDA

JUNE_2_AGENDA = ["MP096", "MP117", "MP121", "MP128", "MP149", "MP154"]


@pytest.fixture
def agenda(sample_store):
    return lambda day: build_agenda(Register(sample_store, Clock(LONDON, day)))


@pytest.fixture
def may_agenda(may_2021_store):
    """As of late May 2021, the register knows the 2 June meeting only from the agenda SECAS published."""
    return lambda day: build_agenda(Register(may_2021_store, Clock(LONDON, day)))


def test_as_of_late_may_2021_the_sample_alone_knows_no_2021_meeting(agenda):
    # The sample's 2021 facts come from the report of 11 June 2021: before that day they were not yet said.
    assert agenda(dt.date(2021, 5, 24)) is None


def test_no_meeting_within_14_days_is_no_digest(agenda):
    # On 11 June 2021 the next Working Group is 7 July 2021, 26 days away.
    assert agenda(dt.date(2021, 6, 11)) is None


def test_the_14_days_include_today_and_the_13_after(agenda):
    assert agenda(dt.date(2021, 6, 23)) is None  # 7 July is the 15th day
    document = agenda(dt.date(2021, 6, 24))
    assert document.title == "Working Group agenda – 7 July 2021"
    assert agenda(dt.date(2021, 7, 7)).sections[0].paragraphs[0] == "On Wednesday 7 July 2021, today."


def test_2_june_2021_agenda_with_its_modifications(may_agenda):
    document = may_agenda(dt.date(2021, 5, 24))
    assert document.title == "Working Group agenda – 2 June 2021"
    meeting = document.sections[0]
    assert meeting.heading == "Working Group – 2 June 2021"
    assert "On Wednesday 2 June 2021, in 9 days." in meeting.paragraphs
    assert "Monthly Working Group meeting" in meeting.paragraphs
    assert [i.reference for i in meeting.items] == JUNE_2_AGENDA
    assert meeting.items[0].text == "MP096 'DNO Power Outage Alerts'"
    assert meeting.items[0].detail == "Refine"
    changes = document.section("What changed since the last agenda post")
    assert changes.paragraphs == ["Recorded from 17 May 2021 to 23 May 2021 for the modifications on the agenda:"]
    (restated,) = changes.subsections
    assert restated.heading == "Phase and status restated"
    assert [i.reference for i in restated.items] == JUNE_2_AGENDA
    assert restated.items[0].detail.endswith("as stated by the SEC Working Group agenda – 2 June 2021 (19 May 2021)")


def test_7_july_2021_has_its_provisional_agenda_date_and_no_items_yet(agenda):
    document = agenda(dt.date(2021, 6, 28))
    meeting = document.sections[0]
    assert meeting.heading == "Working Group – 7 July 2021"
    assert "The provisional agenda was announced on 23 June 2021." in meeting.paragraphs
    assert "The register has no agenda items for this meeting yet." in meeting.paragraphs
    assert meeting.items == []
    assert document.sections[-1].paragraphs == ["No modifications are on the agenda yet."]


def test_several_meetings_with_their_notes_and_what_changed(agenda):
    document = agenda(dt.date(2017, 10, 9))
    assert document.title == "Working Group agendas – 3 meetings from 10 October 2017"
    assert [s.heading for s in document.sections] == [
        "Working Group – 10 October 2017",
        "Working Group – 12 October 2017",
        "Working Group – 18 October 2017",
        "What changed since the last agenda post",
    ]
    assert [i.reference for i in document.sections[0].items] == ["SECMP0027", "SECMP0028", "SECMP0029", "SECMP0030"]
    assert document.sections[0].items[2].detail == "Refine · The WG will consider the draft legal text changes."
    assert "On Tuesday 10 October 2017, tomorrow." in document.sections[0].paragraphs
    changes = document.sections[-1]
    assert changes.paragraphs == ["Recorded from 2 October 2017 to 8 October 2017 for the modifications on the agenda:"]
    dated, restated = changes.subsections
    assert [(i.reference, i.detail) for i in dated.items] == [
        (
            "SECMP0034",
            "6 October 2017: Progression timetable chart: 1 timetable extension, total extension length 3 months.",
        )
    ]
    assert [i.reference for i in restated.items] == [
        "SECMP0027",
        "SECMP0028",
        "SECMP0029",
        "SECMP0030",
        "SECMP0034",
        "SECMP0041",
    ]
    assert restated.items[0].detail == (
        "Refine · Refinement, as stated by the Modification and Release Status Report – October 2017 (6 October 2017)"
    )


def test_the_week_before_excludes_today(agenda):
    # The October 2017 report was issued on 6 October: news for the 13 October post, not the 6 October one.
    on_the_day = agenda(dt.date(2017, 10, 6)).sections[-1]
    assert on_the_day.subsections == []
    week_after = agenda(dt.date(2017, 10, 13)).sections[-1]
    assert week_after.paragraphs[0].startswith("Recorded from 6 October 2017 to 12 October 2017")


def test_markdown_and_html(may_agenda):
    document = may_agenda(dt.date(2021, 5, 24))
    markdown = render(document, "md")
    assert markdown.startswith("# Working Group agenda – 2 June 2021\n\nAs of 24 May 2021: the Working Group meetings")
    assert "## Working Group – 2 June 2021" in markdown
    meeting = markdown.split("## What changed")[0]
    assert re.findall(r"^- (MP\d+) ", meeting, re.M) == JUNE_2_AGENDA
    html = render(document, "html")
    assert html.startswith("<!DOCTYPE html>") and "<li>MP096 &#39;DNO Power Outage Alerts&#39;" in html
    assert "<h2" in html and "“What changed” covers the 7 days before this digest" in html


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    """The sample register, as a first start leaves it."""
    from tests.support.databases import leased

    with leased("sample", tmp_path_factory.mktemp("agenda-cli")) as url:
        assert run(["import", str(MAY_2021_AGENDA)], url).returncode == 0
        yield url


def test_cli_no_meeting_is_a_clear_line_and_exit_0(cli_db, tmp_path):
    out = tmp_path / "agenda.md"
    result = run(["digest", "agenda", "--as-of", "2021-06-11", "--output", str(out)], cli_db)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "No Working Group meeting within 14 days of 11 June 2021: no agenda digest.\n"
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["md", "html", "slack", "teams"])
def test_cli_digest_agenda_formats(cli_db, fmt):
    result = run(["digest", "agenda", "--as-of", "2021-05-24", "--format", fmt], cli_db)
    assert result.returncode == 0, result.stderr
    if fmt == "md":
        assert result.stdout.startswith("# Working Group agenda – 2 June 2021")
    elif fmt == "html":
        assert "<title>Working Group agenda – 2 June 2021</title>" in result.stdout
    else:
        messages = json.loads(result.stdout)
        assert len(messages) == 3  # the summary, the meeting, what changed
        assert messages[0]["text"].startswith("Working Group agenda – 2 June 2021")
        for message in messages:
            if fmt == "slack":
                check_blocks(message["blocks"])
            else:
                assert validate_card(message["card"]) == []
        assert "MP096" in json.dumps(messages[1])
