"""The monthly status digest against the June 2021 Change Status Report (issued 11 June 2021)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from secbot.clock import Clock
from secbot.digests.document import Period
from secbot.digests.monthly import build_monthly, reporting_period
from secbot.digests.render import render
from secbot.store.queries import Register
from tests.support.cli import run
from tests.support.dates import LONDON, REPORT_DAY


@pytest.fixture(scope="module")
def register(sample_store) -> Register:
    return Register(sample_store, Clock(LONDON, REPORT_DAY))


@pytest.fixture(scope="module")
def document(register):
    return build_monthly(register)


@pytest.fixture(scope="module")
def markdown(document) -> str:
    return render(document, "md")


def _section(markdown: str, heading: str) -> str:
    """The Markdown from a heading (any level) to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\n", markdown, re.M)
    assert match, f"no heading {heading!r}"
    level = len(match.group(1))
    rest = markdown[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def test_period_is_the_month_before_today(document):
    assert reporting_period(REPORT_DAY) == Period(dt.date(2021, 5, 1), dt.date(2021, 5, 31))
    assert document.as_of == REPORT_DAY
    assert document.period.label == "May 2021"
    assert [s.heading for s in document.sections] == [
        "Summary",
        "What changed",
        "Define",
        "Refine",
        "Opine",
        "Releases",
    ]


def test_summary_has_the_stage_counts_as_text_and_chart(register, document, markdown):
    counts = register.stage_counts()
    summary = document.section("Summary")
    chart = summary.subsections[0].chart
    assert list(zip(chart.labels, chart.values, strict=True)) == counts
    for stage, count in counts:
        assert f"| {stage} | {count} |" in markdown


def test_summary_panel_recommendations_and_decisions(markdown):
    refinement = _section(markdown, "Recommended to proceed to the Refinement Process")
    assert "18 June 2021" in refinement
    assert [ref for ref in ("DP159", "DP160", "DP162") if ref in refinement] == ["DP159", "DP160", "DP162"]
    assert "MP138 'DCC Service Testing in ETAD'" in _section(markdown, "Recommended to proceed to the Report Phase")
    decisions = _section(markdown, "Decisions")
    assert re.search(r"^- MP099 .* approved under Self-Governance on 26 May 2021$", decisions, re.M)
    assert re.search(r"^- MP144 .* approved under Self-Governance on 26 May 2021$", decisions, re.M)
    assert re.search(r"^- MP161 .* recommended to the Authority for approval on 26 May 2021$", decisions, re.M)


@pytest.mark.parametrize(
    ("reference", "title", "who", "organisation", "raised"),
    [
        ("DP162", "SEC changes required to deliver MHHS", "Richard Vernon", "DCC", "7 May 2021"),
        ("DP163", "T3 Aerials Requirements Removal", "Rochelle Harrison", "Npower", "12 May 2021"),
        ("DP164", "November 2021 SEC Release supporting changes", "David Walsh", "DCC", "18 May 2021"),
        ("DP165", "ESME Voltage Accuracy", "Alan Creighton", "Northern PowerGrid", "27 May 2021"),
        ("DP166", "Adverse Weather Planned Maintenance Process", "Darren Robbins", "DCC", "1 June 2021"),
        ("DP167", "Review of SEC documents", "Cordelia Grey", "DCC", "7 June 2021"),
    ],
)
def test_new_draft_proposals(markdown, reference, title, who, organisation, raised):
    assert f"{reference} '{title}' was raised by {who} from {organisation} on {raised}." in markdown
    assert _section(markdown, reference).count("\n\n") >= 2  # the sentence and the issue summary


def test_change_sub_committee_decisions(markdown):
    committee = _section(markdown, "Change Sub-Committee decisions")
    assert "On 25 May 2021, the Change Sub-Committee" in committee
    listed = re.findall(r"^- (DP\d+) ", committee, re.M)
    assert listed == ["DP158", "DP159", "DP160", "DP162"]


def test_working_group(markdown):
    group = _section(markdown, "Working Group meetings")
    assert "The last Working Group meeting was held on 2 June 2021" in group
    assert re.findall(r"^- (MP\d+) ", group, re.M) == ["MP096", "MP117", "MP121", "MP128", "MP149", "MP154"]
    assert "next Working Group meeting will be held on 7 July 2021" in group
    assert "provisional agenda for this session will be announced on 23 June 2021" in group


def test_refinement_and_report_consultations_expected(markdown):
    refinement = _section(markdown, "Refinement Consultations")
    assert "no Modification Proposals out for Refinement Consultation" in refinement
    assert "week commencing 14 June 2021" in refinement
    assert re.findall(r"^- (MP\w+) ", refinement, re.M) == ["MP121", "MP122B", "MP149"]
    report = _section(markdown, "Modification Report Consultations")
    assert "week commencing 21 June 2021" in report
    assert re.findall(r"^- (MP\w+) ", report, re.M) == ["MP134A", "MP138"]


def test_dcc_assessment_timescales(markdown):
    timescales = _section(markdown, "DCC assessment timescales")
    assert "up to the end of May 2021" in timescales
    for row in (
        "| Preliminary Assessments open | 0 | — |",
        "| Preliminary Assessments completed in the last 12 months | 14 | 62 WD |",
        "| Impact Assessments open | 4 | 49 WD |",
        "| Impact Assessments completed in the last 12 months | 8 | 102 WD |",
        "| MP107 | IA | 1 December 2020 | 40 WD | 130 WD |",
        "| SECMP0024 | IA | 12 April 2021 | 40 WD | 36 WD |",
        "| MP078 | IA | 10 May 2021 | 40 WD | 16 WD |",
        "| MP104 | IA | 12 May 2021 | 40 WD | 14 WD |",
        "| MP121 | PA | 12 May 2021 | 15 WD | 23 WD |",
    ):
        assert row in timescales


def test_change_board_votes_and_authority(markdown):
    votes = _section(markdown, "Change Board votes")
    assert "voted on modifications on 26 May 2021" in votes
    assert re.search(r"MP099 .* was approved under Self-Governance .* SEC Objective \(a\)", votes)
    assert re.search(r"MP144 .* was approved under Self-Governance .* SEC Objective \(g\)", votes)
    assert re.search(r"MP161 .* was recommended to the Authority for approval .* SEC Objective \(g\)", votes)
    authority = _section(markdown, "Authority decisions")
    assert "The Authority issued no decisions in May 2021." in authority
    assert re.search(r"^- MP161 .* on 26 May 2021$", authority, re.M)


@pytest.mark.parametrize(
    ("name", "sentence", "references"),
    [
        (
            "June 2021 SEC Release",
            "5 modifications approved for implementation in the June 2021 SEC Release (24 June 2021)",
            ["MP106", "MP144", "MP146", "MP147", "MP153"],
        ),
        (
            "November 2021 SEC Release",
            "5 modifications approved for implementation in the November 2021 SEC Release (4 November 2021)",
            ["SECMP0007", "MP077", "MP090", "MP105", "MP150"],
        ),
        (
            "June 2022 SEC Release",
            "1 modification approved for implementation in the June 2022 SEC Release (30 June 2022)",
            ["SECMP0015"],
        ),
        (
            "November 2022 SEC Release",
            "2 modifications approved for implementation in the November 2022 SEC Release (3 November 2022)",
            ["SECMP0015", "SECMP0056"],
        ),
    ],
)
def test_releases(markdown, name, sentence, references):
    release = _section(markdown, name)
    assert sentence in release
    assert re.findall(r"^- \[?((?:SEC)?MP\d+) ", release, re.M) == references


def test_release_scope_notes(markdown):
    assert "DUIS/MMC only" in _section(markdown, "June 2022 SEC Release")
    assert "will not be implemented until the November 2022 SEC Release" in _section(
        markdown, "November 2022 SEC Release"
    )


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_html_renders_with_the_chart_and_tables(document):
    html = render(document, "html")
    page = _Page()
    page.feed(html)
    page.close()
    assert page.tags[0] == "html" and "table" in page.tags and "style" not in page.tags
    assert len(page.images) == 1
    image = page.images[0]
    assert image["src"].startswith("data:image/png;base64,iVBORw0KGgo")  # a PNG's signature
    assert image["alt"].startswith("Proposals currently in each stage: Define ")
    text = " ".join(" ".join(page.text).split())
    assert "DP162 'SEC changes required to deliver MHHS' was raised by Richard Vernon from DCC on 7 May 2021" in text
    assert "130 WD" in text


def test_html_escapes_register_text(document):
    document.sections[0].paragraphs.append("<script>alert('x')</script> & more")
    try:
        html = render(document, "html")
    finally:
        document.sections[0].paragraphs.pop()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_unknown_format_is_refused(document):
    with pytest.raises(ValueError):
        render(document, "pdf")


def test_empty_register_does_not_crash(empty_store):
    document = build_monthly(Register(empty_store, Clock(LONDON, REPORT_DAY)))
    markdown = render(document, "md")
    assert "No Draft Proposals were raised" in markdown
    assert "No future SEC Release is recorded." in markdown
    assert "| Impact Assessments open | 0 | — |" in markdown  # no average of nothing: never "0 WD"
    assert "<img" in render(document, "html")


def test_cli_digest_monthly(sample_db_url, tmp_path):
    result = run(["digest", "monthly", "--as-of", "2021-06-11"], sample_db_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Monthly status digest – June 2021")
    assert "covering May 2021" in result.stdout
    assert "DP162 'SEC changes required to deliver MHHS' was raised by Richard Vernon" in result.stdout

    later = run(["digest", "monthly", "--as-of", "2021-07-15"], sample_db_url)
    assert later.returncode == 0, later.stderr
    assert "covering June 2021 (1 June 2021 to 30 June 2021)" in later.stdout
    assert "DP162 'SEC changes required to deliver MHHS' was raised" not in later.stdout
    assert "DP166 'Adverse Weather Planned Maintenance Process' was raised" in later.stdout

    out = tmp_path / "digest.html"
    written = run(
        ["digest", "monthly", "--as-of", "2021-06-11", "--format", "html", "--output", str(out)], sample_db_url
    )
    assert written.returncode == 0, written.stderr
    assert written.stdout == ""
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in html


def test_markdown_and_html_link_every_modification_to_its_secas_page_or_the_register(sample_store):
    register_url = "https://register.example.org/modifications"
    document = build_monthly(Register(sample_store, Clock(LONDON, REPORT_DAY)), register_url)
    text = render(document, "md")
    items = [line for line in text.splitlines() if re.match(r"^- \[?(DP|MP|SECMP)\d", line)]
    assert items and all(line.startswith("- [") for line in items)
    assert "[MP154 'CH Returns SLA Amendment'](https://register.example.org/modifications)" in text
    seventh = next(line for line in items if line.startswith("- [SECMP0007 "))
    assert "](https://www.smartenergycodecompany.co.uk/modifications/modification/SECMP-7)" in seventh
    html = render(document, "html")
    assert '<a href="https://register.example.org/modifications">MP154 &#39;CH Returns SLA Amendment&#39;</a>' in html


def test_january_digest_counts_assessments_completed_in_the_calendar_year_just_ended(sample_store):
    register = Register(sample_store, Clock(LONDON, dt.date(2022, 1, 10)))
    timescales = _section(render(build_monthly(register), "md"), "DCC assessment timescales")
    returned = [a for a in register.assessments(open=False) if a.kind == "PA"]
    in_2021 = [a for a in returned if dt.date(2021, 1, 1) <= a.returned <= dt.date(2021, 12, 31)]
    assert len(in_2021) < len([a for a in returned if a.returned >= dt.date(2020, 1, 1)])  # 2020 would count more
    assert f"| Preliminary Assessments completed in the last 12 months | {len(in_2021)} |" in timescales
