"""The one model of a report's prose every reader shares (``secbot.ingest.prose``): where a PDF's
broken lines run on, what is a heading, a label, a list item, and what a sentence announces. Each
test pins a rule on which the two models it replaced disagreed."""

from __future__ import annotations

from secbot.ingest import meetings
from secbot.ingest.prose import announced_count, heading_of, items_after, lead_of, paragraphs, sentences
from tests.support.report_text import snippet


def _texts(text: str) -> list[tuple[int, str]]:
    return [(p.level, p.text) for p in paragraphs(snippet(text))]


def test_a_numbered_heading_is_a_heading_not_a_list_item():
    doc = snippet(
        """
        2. Upcoming Meetings
        The Working Group meeting will be held on 5 January 2022.
        """
    )
    paras = paragraphs(doc)
    assert (paras[0].level, paras[0].text, paras[0].heading) == (0, "2. Upcoming Meetings", True)
    assert heading_of(paras, 1) == paras[0]
    assert heading_of(paras, 1, within=1) == paras[0]


def test_heading_of_looks_no_further_than_within():
    paras = paragraphs(snippet("Working Group\nFirst sentence.\nSecond sentence.\nThird sentence."))
    assert heading_of(paras, 3).text == "Working Group"
    assert heading_of(paras, 3, within=2) is None


def test_a_lower_case_line_after_a_semicolon_continues_the_list_item():
    # A PDF puts the "and" that ends an item on a line of its own; it must not end the list.
    doc = snippet(
        """
        The Change Board at its 19th April 2017 meeting voted on five Modification Proposals.
        Path 2 – Authority Determination:
        * SECMP0004: Some Title – recommended to the Authority for approval;
        * SECMP0008: Another Title – recommended to the Authority for approval;
        and
        * SECMP0011: A Third Title – recommended to the Authority for rejection.
        The votes are in the Final Modification Reports issued to the Authority on 21st April 2017.
        Path 3 – Self Governance:
        * SECMP0021: A Fourth Title – majority decision to reject.
        * SECMP0033: A Fifth Title – unanimous decision to approve.
        """
    )
    paras = paragraphs(doc)
    assert paras[3].text.endswith("for approval; and")
    (meeting,) = meetings.read(doc)["meetings"]
    references = [i["reference"] for i in meeting["items"]]
    assert references == ["SECMP0004", "SECMP0008", "SECMP0011", "SECMP0021", "SECMP0033"]


def test_the_wrap_width_follows_the_report_not_a_fixed_length():
    wide = "A report printed on wide pages runs to about one hundred characters on each of its full lines here."
    text = "\n".join(
        [
            wide,
            wide,
            "A short line that ends before the end of",  # a joining word: it runs on
            "continues here.",
            "Modification Register Summary For The Month Ahead",  # 49 characters: no wrap on this page
            "The Panel met on 5 January 2022.",
            "Another line of the report that fills the page as a wrapped line would do before it",
            "Breaks and carries on below.",
        ]
    )
    assert _texts(text)[2:] == [
        (0, "A short line that ends before the end of continues here."),
        (0, "Modification Register Summary For The Month Ahead"),
        (0, "The Panel met on 5 January 2022."),
        (0, f"{text.splitlines()[-2]} Breaks and carries on below."),
    ]


def test_a_stop_followed_by_footnote_marks_or_a_closing_quote_ends_a_sentence():
    long = "The Change Board will meet on 23 June 2021 to vote on the proposals listed below in this section."
    assert len(_texts(f"The Panel will next meet on 18 June 2021.¹²\n{long}")) == 2
    assert len(_texts(f"The Panel approved the modification called 'Tidy Up.'\n{long}")) == 2


def test_a_label_is_a_short_title_case_lead_in_and_a_sentence_is_a_lead():
    paras = paragraphs(
        snippet(
            """
            We invite the Panel to:
            * NOTE the contents of this paper.
            Path 2 – Authority Determination:
            * SECMP0004: Some Title – recommended for approval.
            """
        )
    )
    assert [p.label for p in paras] == [False, False, True, False]
    assert lead_of(paras, 1) == paras[0]
    assert lead_of(paras, 3) == paras[0]  # past the label and the other item
    assert items_after(paras, 0) == [paras[1], paras[3]]


def test_the_count_a_sentence_announces():
    assert announced_count("The Change Board voted on five Modification Proposals.") == 5
    assert announced_count("There are 12 open modifications.") == 12
    assert announced_count("There were no new Draft Proposals raised.") == 0
    assert announced_count("The Panel met twice.") is None


def test_sentences_end_after_a_footnote_mark_and_after_an_acronym():
    # Meetings split after a footnote mark and consultations after an acronym; the votes reader did neither.
    text = "The Panel will meet on 18 June 2021.³ It was sent to the DCC. The Working Group met (e.g. in May)."
    assert sentences(text) == [
        "The Panel will meet on 18 June 2021.",  # the mark goes with the break
        "It was sent to the DCC.",
        "The Working Group met (e.g. in May).",
    ]


def test_a_two_column_page_is_read_down_each_column(tmp_path):
    from secbot.ingest.document import lines_of

    text = (
        "Overview\n\n"
        "North column heading                 South column heading\n"
        "the left column starts here and      the right column starts here and\n"
        "it carries on for a few more words   it carries on below its heading\n"
        "before it stops at a full stop.      before it, too, ends.\n"
        "and a last left line\n\n"
        "After the columns.\n"
    )
    texts = [line.text for line in lines_of(text)]
    assert texts == [
        "Overview",
        "North column heading",
        "the left column starts here and",
        "it carries on for a few more words",
        "before it stops at a full stop.",
        "South column heading",
        "the right column starts here and",
        "it carries on below its heading",
        "before it, too, ends.",
        "and a last left line",
        "After the columns.",
    ]


def test_a_lined_table_header_the_page_wrapped_keeps_its_rows(tmp_path):
    from secbot.ingest.prose import lined_tables
    from tests.support.report_text import snippet

    doc = snippet(
        """
        Assessments under way
        Mod Type Accepted Target Current
        duration
        MP650 IA 2 May 23 40 WD 12 WD
        MP651 PA 9 May 23 15 WD 7 WD
        """
    )
    (table,) = lined_tables(doc)
    assert table.columns[-1] == "current duration"
    assert [row.line.text.split()[0] for row in table.rows] == ["MP650", "MP651"]


def test_html_table_rows_and_tab_rows_with_empty_first_cells_become_cells():
    from secbot.ingest.document import lines_of

    text = "<table>\n<tr><th>Ref</th><th>Kind</th></tr>\n<tr><td>MP660</td><td><b>IA</b></td></tr>\n</table>\n"
    text += "When\tRef\tState\n4 May 2023\tMP661\tApproved\n\tMP662\tDeferred\n"
    assert [line.cells for line in lines_of(text)] == [
        ["Ref", "Kind"],
        ["MP660", "IA"],
        ["When", "Ref", "State"],
        ["4 May 2023", "MP661", "Approved"],
        ["", "MP662", "Deferred"],
    ]


def test_a_year_run_on_to_a_new_sentence_is_a_sentence_break():
    from secbot.ingest.prose import sentences

    assert sentences("raised by Jo Bloggs on 3rd March 2019 The reports for MP670 go to the Panel.") == [
        "raised by Jo Bloggs on 3rd March 2019",
        "The reports for MP670 go to the Panel.",
    ]


def test_a_year_the_page_broke_off_a_date_runs_on_and_is_no_list_number():
    doc = snippet(
        """
        • MP301 'Gizmo' was raised by Ann Example of Acme on 3rd March

        2019. The proposer wants gizmos to be counted

        correctly.
        """
    )
    assert [(p.level, p.text) for p in paragraphs(doc)] == [
        (
            1,
            "MP301 'Gizmo' was raised by Ann Example of Acme on 3rd March 2019. The proposer wants gizmos to be "
            "counted correctly.",
        )
    ]
