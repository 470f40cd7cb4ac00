"""A channel's subscription filters narrow the agenda and consultations digests to its modifications."""

from __future__ import annotations

import datetime as dt

import pytest

from secbot.clock import Clock
from secbot.digests.agenda import build_agenda
from secbot.digests.consultations import build_consultations
from secbot.digests.filters import apply_filters
from secbot.digests.render import render
from secbot.store.queries import Register
from secbot.store.subscriptions import Filters
from tests.support.consultations import load_consultations
from tests.support.dates import LONDON


@pytest.fixture(scope="module")
def register(sample_store) -> Register:
    return Register(sample_store, Clock(LONDON, dt.date(2017, 10, 9)))


@pytest.fixture(scope="module")
def agenda(register):
    """Working Group meetings on 10 October (SECMP0027–30), 12 October (SECMP0034) and 18 October 2017 (SECMP0041)."""
    return build_agenda(register)


def references(document) -> list[str]:
    found: list[str] = []

    def walk(sections):
        for section in sections:
            found.extend(i.reference for i in section.items)
            walk(section.subsections)

    walk(document.sections)
    return list(dict.fromkeys(found))


def test_no_filters_is_the_whole_digest(agenda, register):
    assert apply_filters(agenda, Filters(), register) is agenda


def test_by_reference(agenda, register):
    narrowed = apply_filters(agenda, Filters(references=("SECMP0034",)), register)
    assert references(narrowed) == ["SECMP0034"]
    assert [s.heading for s in narrowed.sections] == [
        "Working Group – 12 October 2017",
        "What changed since the last agenda post",
    ]
    changes = narrowed.sections[-1]
    assert [s.heading for s in changes.subsections] == ["Dated entries", "Phase and status restated"]
    assert "## Working Group – 10 October 2017" not in render(narrowed, "md")
    assert references(agenda)[0] == "SECMP0027"  # the original is untouched


def test_by_phase(agenda, register):
    assert references(apply_filters(agenda, Filters(phases=("refinement",)), register)) == references(agenda)
    nothing = apply_filters(agenda, Filters(phases=("Closed",)), register)
    assert nothing.sections == []  # nothing for this channel: nothing to post
    assert nothing.title == agenda.title


def test_by_release(agenda, register):
    # The June 2019 SEC Release's scope holds SECMP0027–30 but not SECMP0034 or SECMP0041.
    narrowed = apply_filters(agenda, Filters(release="June 2019 SEC Release"), register)
    assert references(narrowed) == ["SECMP0027", "SECMP0028", "SECMP0029", "SECMP0030"]


def test_kinds_of_filter_narrow_together(agenda, register):
    both = Filters(references=("SECMP0034", "SECMP0028"), release="June 2019 SEC Release")
    assert references(apply_filters(agenda, both, register)) == ["SECMP0028"]


def test_consultations_by_reference_and_phase(empty_store, tmp_path):
    register = Register(load_consultations(empty_store, tmp_path), Clock(LONDON, dt.date(2021, 5, 26)))
    document = build_consultations(register)
    only_mp901 = apply_filters(document, Filters(references=("MP901",)), register)
    assert [s.heading for s in only_mp901.sections] == ["Closing in 3 working days"]
    report_phase = apply_filters(document, Filters(phases=("Report Phase",)), register)
    assert references(report_phase) == ["MP902"]
    in_release = apply_filters(document, Filters(release="November 2021 SEC Release"), register)
    assert references(in_release) == ["MP902"]
