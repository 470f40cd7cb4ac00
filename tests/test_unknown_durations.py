"""Unknown stays unknown: a duration in working days that cannot be counted reads "—", never "0 WD".

Completed assessments often come with no accepted date (the report gave only the returned date), and
an assessment accepted after the end of the last reporting month has nothing counted yet. Averages
leave those out and say how many they left out; Preliminary and Impact Assessments are averaged
apart, as SECAS's reports give them. Everything is seen as a user sees it, on 11 June 2021.
"""

from __future__ import annotations

import re

import pytest

from secbot.clock import Clock
from secbot.commands import Context, dispatch
from secbot.digests.monthly import build_monthly
from secbot.digests.render import render
from secbot.platforms.shell.text import render_text
from secbot.store.importer.loader import import_paths
from secbot.store.queries import Register
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.files import write
from tests.support.replies import flat

# Counted to 31 May 2021 (the end of the last reporting month before 11 June 2021):
#   MP301 PA 1 Apr -> 30 Apr 2021 = 22 WD, MP307 PA 1 Mar -> 1 Apr 2021 = 24 WD: average 23 WD;
#   MP302 and MP303 PA returned with no accepted date, MP304 IA likewise (and no target): unknown;
#   MP305 IA accepted 1 June 2021, after 31 May: open, nothing counted yet; MP306 PA open 4 May: 20 WD.
REGISTER = """
source: {key: T, title: Test, issued: 2021-06-11}
modifications:
  - {reference: MP301, title: Known PA, phase: Refine}
  - {reference: MP302, title: PA without an accepted date, phase: Refine}
  - {reference: MP303, title: Another PA without an accepted date, phase: Refine}
  - {reference: MP304, title: IA without an accepted date, phase: Refine}
  - {reference: MP305, title: IA accepted this month, phase: Refine}
  - {reference: MP306, title: Open PA, phase: Refine}
  - {reference: MP307, title: Second known PA, phase: Refine}
assessments:
  - {reference: MP301, kind: PA, accepted: 2021-04-01, returned: 2021-04-30, target_wd: 15}
  - {reference: MP307, kind: PA, accepted: 2021-03-01, returned: 2021-04-01, target_wd: 15}
  - {reference: MP302, kind: PA, returned: 2021-05-10, target_wd: 15}
  - {reference: MP303, kind: PA, returned: 2021-05-12, target_wd: 15}
  - {reference: MP304, kind: IA, returned: 2021-03-01}
  - {reference: MP305, kind: IA, accepted: 2021-06-01, target_wd: 40}
  - {reference: MP306, kind: PA, accepted: 2021-05-04, target_wd: 15}
"""

ZERO_WD = re.compile(r"(?<!\d)0 WD")  # "0 WD", not "40 WD"


@pytest.fixture
def store(empty_store, tmp_path):
    import_paths(empty_store, [write(tmp_path / "register.yaml", REGISTER)])
    return empty_store


def ask_on(store, text: str):
    """The reply on 11 June 2021, and all its text unwrapped."""
    reply = dispatch(text, Context(Register(store, Clock(LONDON, REPORT_DAY))))
    return reply, flat(reply)


def _fields(reply) -> dict[str, list[str]]:
    """Each headed section's fields as "Label: value" lines."""
    return {s.heading: [f"{f.label}: {f.value}" for f in s.fields] for s in reply.sections if s.fields}


def test_dcc_completed_shows_unknown_durations_and_averages_pa_and_ia_apart(store):
    reply, text = ask_on(store, "dcc completed")
    rows = {r[0]: r for r in reply.sections[0].table.rows}
    assert rows["MP301"][1:] == ["PA", "30 April 2021", "15 WD", "22 WD"]
    assert rows["MP302"][1:] == ["PA", "10 May 2021", "15 WD", "—"]
    assert rows["MP304"][1:] == ["IA", "1 March 2021", "—", "—"]
    assert _fields(reply) == {
        "Preliminary Assessments (PA)": ["Total: 4", "Average duration: 23 WD (2 without a known duration left out)"],
        "Impact Assessments (IA)": ["Total: 1", "Average duration: —"],
    }
    assert "MP302 | PA | 10 May 2021 | 15 WD | —" in text
    shown = render_text(reply)
    assert re.search(r"^Average duration: 23 WD \(2 without a known duration left out\)$", shown, re.M)
    assert re.search(r"^Average duration: —$", shown, re.M)
    assert not ZERO_WD.search(shown)


def test_dcc_open_counts_nothing_for_an_assessment_accepted_after_the_reporting_month(store):
    reply, _text = ask_on(store, "dcc open")
    rows = {r[0]: r for r in reply.sections[0].table.rows}
    assert rows["MP305"][1:] == ["IA", "1 June 2021", "40 WD", "—"]
    assert rows["MP306"][1:] == ["PA", "4 May 2021", "15 WD", "20 WD"]
    assert _fields(reply) == {
        "Preliminary Assessments (PA)": ["Total: 1", "Average duration: 20 WD"],
        "Impact Assessments (IA)": ["Total: 1", "Average duration: —"],
    }
    assert not ZERO_WD.search(render_text(reply))


def test_status_cards_say_the_duration_is_unknown(store):
    _reply, text = ask_on(store, "MP305")
    assert "IA (Impact Assessment) — open since 1 June 2021: duration — against a 40 WD target" in text
    assert "Next milestone: DCC Impact Assessment awaited: duration so far — against a 40 WD target" in text
    _reply, text = ask_on(store, "MP302")
    assert "PA (Preliminary Assessment) — returned 10 May 2021: duration — against a 15 WD target" in text
    _reply, text = ask_on(store, "MP304")
    assert "IA (Impact Assessment) — returned 1 March 2021: duration —, target —" in text
    _reply, text = ask_on(store, "MP306")
    assert "PA (Preliminary Assessment) — open since 4 May 2021: 20 WD to 31 May 2021 against a 15 WD target" in text
    assert "Next milestone: DCC Preliminary Assessment awaited: 20 WD so far against a 15 WD target" in text
    for reference in ("MP302", "MP304", "MP305"):
        text = render_text(ask_on(store, reference)[0])
        assert not ZERO_WD.search(text) and "None" not in text


def test_monthly_digest_summary_leaves_unknowns_out_and_says_how_many(store):
    markdown = render(build_monthly(Register(store, Clock(LONDON, REPORT_DAY))), "md")
    for row in (
        "| Preliminary Assessments open | 1 | 20 WD |",
        "| Preliminary Assessments completed in the last 12 months | 4 | 23 WD (2 without a known duration left out) |",
        "| Impact Assessments open | 0 | — |",  # MP305 was accepted after 31 May 2021
        "| Impact Assessments completed in the last 12 months | 1 | — |",
        "| MP302 | PA | 10 May 2021 | 15 WD | — |",
        "| MP304 | IA | 1 March 2021 | — | — |",
    ):
        assert row in markdown
    assert not ZERO_WD.search(markdown)
    assert "A duration that cannot be counted is shown as — and left out of the averages" in markdown
