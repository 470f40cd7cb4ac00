"""Votes, decisions, DCC assessments and releases recorded from chat: ``record vote|decision|dcc|release|scope``,
seen through ``decisions``, the status card, ``dcc open``, ``release`` and the monthly digest, with the audit
row each change writes and Confirm where a fact is altered or removed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from secbot.app import App
from secbot.digests.kinds import build
from secbot.digests.messages import document_replies
from secbot.store import audit
from secbot.store.models import Assessment, Decision, Modification, Release, ReleaseScope, Vote
from tests.support.replies import flat
from tests.support.upkeep import (
    CHAT_SOURCE,
    ask,
    audit_rows,
    confirm_waits,
    done_once,
    register_rows,
    sample_app,
    seen,
    token,
)


@pytest.fixture
def app(sample_copy) -> App:
    return sample_app(sample_copy)


def monthly(app) -> str:
    """Every message of the monthly digest a subscribed channel would be sent today."""
    return "\n".join(flat(reply) for reply in document_replies(build("monthly", app.register)))


def stored(app, model, reference: str, **where) -> list:
    with app.store.sessions() as session:
        query = select(model).join(Modification).where(Modification.reference == reference)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(session.scalars(query))


def source_of(app, reference: str) -> str:
    with app.store.sessions() as session:
        return session.scalar(select(Modification.source).where(Modification.reference == reference))


MAY_26 = dt.date(2021, 5, 26)


# --- record vote ---------------------------------------------------------------------------------------


def test_a_new_vote_is_recorded_at_once_in_decisions_the_card_and_the_monthly_digest(app):
    assert "MP138" not in seen(app, "decisions May 2021")
    done = ask(app, "record vote MP138 20 May 2021 recommend approval majority objective (d) with one abstention")
    assert done.title == "Done: MP138's Change Board vote on 20 May 2021"
    assert "Outcome: recommended to the Authority for approval" in flat(done)
    assert "Decided by: the Authority" in flat(done) and "Majority: majority" in flat(done)
    assert [a.command for a in done.actions] == ["MP138", "decisions May 2021"]

    decisions = seen(app, "decisions May 2021")
    assert (
        "MP138 'DCC Service Testing in ETAD' — 20 May 2021: recommended to the Authority for approval, "
        "SEC Objective (d) (majority)" in decisions
    )
    assert (
        "MP138 'DCC Service Testing in ETAD' — recommended to the Authority for approval on 20 May 2021"
        in (decisions.split("With the Authority for decision")[1])
    )
    card = seen(app, "MP138")
    assert "20 May 2021 — Change Board: recommended to the Authority for approval, SEC Objective (d)" in card
    # The card's phase and status were not restated: they keep the report's date, so that a later import
    # still updates them.
    assert "As reported in Change Status Report – June 2021 (11 June 2021)." in card
    digest = monthly(app)
    assert "MP138 'DCC Service Testing in ETAD' — recommended to the Authority for approval on 20 May 2021" in digest
    assert "MP138 'DCC Service Testing in ETAD' was recommended to the Authority for approval on the basis" in digest

    [vote] = stored(app, Vote, "MP138")
    assert (vote.date, vote.outcome, vote.governance, vote.majority, vote.objective, vote.note, vote.source) == (
        dt.date(2021, 5, 20),
        "recommend_approval",
        "authority",
        "majority",
        "(d)",
        "with one abstention",
        CHAT_SOURCE,
    )
    assert source_of(app, "MP138") == "CSR-2021-06"  # the vote is from chat; the modification's own fields are not
    done_once(
        app,
        "record-vote",
        None,
        {
            "date": "20 May 2021",
            "outcome": "recommended to the Authority for approval",
            "decided by": "the Authority",
            "majority": "majority",
            "objective": "(d)",
            "note": "with one abstention",
        },
    )


@pytest.mark.parametrize(
    ("words", "outcome", "governance"),
    [
        ("approve", "approved", "self_governance"),
        ("approved", "approved", "self_governance"),
        ("reject", "rejected", "self_governance"),
        ("recommend approval", "recommend_approval", "authority"),
        ("recommended for rejection", "recommend_rejection", "authority"),
        ("recommend_rejection", "recommend_rejection", "authority"),
        ("send back", "sent_back", None),  # MP138 has no decision path in the register
        ("sent back for clarification", "sent_back", None),
        ("refer to the Panel", "referred", None),
    ],
)
def test_outcomes_are_read_in_friendly_words(app, words, outcome, governance):
    assert ask(app, f"record vote MP138 9 June 2021 {words}").title.startswith("Done: ")
    [vote] = stored(app, Vote, "MP138")
    assert (vote.outcome, vote.governance) == (outcome, governance)


def test_a_referral_is_governed_as_the_modifications_path_says(app):
    ask(app, "record vote SECMP0011 9 June 2021 refer")
    ask(app, "record vote MP099 9 June 2021 send back")
    assert stored(app, Vote, "SECMP0011", date=dt.date(2021, 6, 9))[0].governance == "authority"
    assert stored(app, Vote, "MP099", date=dt.date(2021, 6, 9))[0].governance == "self_governance"


def test_a_vote_that_does_not_fit_the_path_is_recorded_with_a_warning(app):
    done = flat(ask(app, "record vote SECMP0011 9 June 2021 approve"))
    assert "SECMP0011 is on the Authority Determination path: the Change Board usually recommends" in done
    done = flat(ask(app, "record vote MP099 9 June 2021 recommend approval"))
    assert "MP099 is on the Self-Governance path: the Change Board usually decides it." in done


def test_replacing_a_vote_waits_for_confirm_and_keeps_what_was_not_typed(app):
    def unchanged():
        assert "26 May 2021: recommended to the Authority for approval" in seen(app, "decisions May 2021")

    preview = ask(app, "record vote MP161 26 May 2021 recommend rejection unanimous")
    assert preview.title == "Confirm: MP161's Change Board vote on 26 May 2021"
    shown = flat(preview)
    assert "Outcome: recommended to the Authority for approval → recommended to the Authority for rejection" in shown
    assert "Objective: (g) (unchanged)" in shown and "Majority: unanimous" in shown
    assert "Note: Sent to the Authority with a recommendation for approval." in shown  # dropped: the outcome changed
    tok = confirm_waits(app, "record vote MP161 26 May 2021 recommend rejection unanimous", unchanged)

    assert ask(app, f"confirm {tok}").title == "Done: MP161's Change Board vote on 26 May 2021"
    decisions = seen(app, "decisions May 2021")
    assert "26 May 2021: recommended to the Authority for rejection, SEC Objective (g) (unanimous)" in decisions
    assert (
        "MP161 'Significant Code Review – Retail Code Consolidation' — recommended to the Authority for rejection"
        in (monthly(app))
    )
    [vote] = stored(app, Vote, "MP161")
    assert (vote.outcome, vote.majority, vote.objective, vote.note, vote.source) == (
        "recommend_rejection",
        "unanimous",
        "(g)",
        None,
        CHAT_SOURCE,
    )
    row = done_once(
        app,
        "record-vote",
        {
            "date": "26 May 2021",
            "outcome": "recommended to the Authority for approval",
            "decided by": "the Authority",
            "objective": "(g)",
            "note": "Sent to the Authority with a recommendation for approval. Objective (g): facilitate the "
            "efficient and transparent administration and implementation of the SEC.",
        },
        {
            "date": "26 May 2021",
            "outcome": "recommended to the Authority for rejection",
            "decided by": "the Authority",
            "majority": "unanimous",
            "objective": "(g)",
        },
    )
    assert row.reference == "MP161"


def test_the_same_vote_again_changes_nothing(app):
    before = register_rows(app)
    reply = ask(app, "record vote MP144 26 May 2021 approve")
    assert (
        reply.title == "MP144's Change Board vote on 26 May 2021 is already recorded as approved under Self-Governance"
    )
    assert register_rows(app) == before and audit_rows(app) == []


def test_a_vote_preview_overtaken_by_another_change_is_not_made(app):
    first = token(ask(app, "record vote MP161 26 May 2021 recommend rejection"))
    second = token(ask(app, "record vote MP161 26 May 2021 sent back"))
    assert ask(app, f"confirm {second}").title.startswith("Done: ")
    reply = ask(app, f"confirm {first}")
    assert reply.kind == "error" and reply.title == "Not changed: MP161's Change Board vote on 26 May 2021"
    assert "is now recorded as sent back for clarification" in reply.summary
    assert stored(app, Vote, "MP161")[0].outcome == "sent_back"


# --- record decision -----------------------------------------------------------------------------------


def test_a_new_decision_is_recorded_at_once_and_ends_the_wait_for_the_authority(app):
    assert "Authority decision pending" in seen(app, "MP161")
    done = ask(app, "record decision MP161 28 May 2021 approved")
    assert done.title == "Done: MP161's Authority decision on 28 May 2021"
    assert "Outcome: approved" in flat(done) and "Authority: Ofgem" in flat(done)

    decisions = seen(app, "decisions May 2021")
    assert "MP161 'Significant Code Review – Retail Code Consolidation' — 28 May 2021: Ofgem approved" in decisions
    assert "recommended to the Authority for approval on 26 May 2021" not in decisions  # no longer waiting
    card = seen(app, "MP161")
    assert "28 May 2021 — Ofgem approved" in card and "Authority decision pending" not in card
    digest = monthly(app)
    assert "MP161 'Significant Code Review – Retail Code Consolidation' — approved by Ofgem on 28 May 2021" in digest
    assert "the Change Board recommended to the Authority for approval on 26 May 2021" not in digest

    [decision] = stored(app, Decision, "MP161")
    assert (decision.date, decision.outcome, decision.authority, decision.source) == (
        dt.date(2021, 5, 28),
        "approved",
        "Ofgem",
        CHAT_SOURCE,
    )
    done_once(app, "record-decision", None, {"date": "28 May 2021", "outcome": "approved", "authority": "Ofgem"})


def test_replacing_a_decision_waits_for_confirm(app):
    ask(app, "record decision MP161 10 June 2021 approved")

    def unchanged():
        assert "10 June 2021: Ofgem approved" in seen(app, "decisions June 2021")

    tok = confirm_waits(app, "record decision MP161 10 June 2021 rejected BEIS", unchanged)
    assert ask(app, f"confirm {tok}").title == "Done: MP161's Authority decision on 10 June 2021"
    assert "10 June 2021: BEIS rejected" in seen(app, "decisions June 2021")
    assert "10 June 2021 — BEIS rejected" in seen(app, "MP161")
    [decision] = stored(app, Decision, "MP161")
    assert (decision.outcome, decision.authority) == ("rejected", "BEIS")
    last = audit_rows(app, audit.DONE)[-1]
    assert (last.action, last.before, last.after) == (
        "record-decision",
        {"date": "10 June 2021", "outcome": "approved", "authority": "Ofgem"},
        {"date": "10 June 2021", "outcome": "rejected", "authority": "BEIS"},
    )


# --- record dcc ----------------------------------------------------------------------------------------


def test_an_assessment_returned_leaves_dcc_open_and_shows_on_the_card(app):
    assert "MP104" in seen(app, "dcc open")
    done = ask(app, "record dcc MP104 IA returned 9 June 2021")
    assert done.title == "Done: MP104's DCC Impact Assessment, round 1"
    assert "Returned: 9 June 2021" in flat(done)
    assert "MP104" not in seen(app, "dcc open")
    assert "IA (Impact Assessment) — returned 9 June 2021: 21 WD against a 40 WD target" in seen(app, "MP104")
    [row] = stored(app, Assessment, "MP104", kind="IA")
    assert (row.round, row.accepted, row.returned, row.source) == (
        1,
        dt.date(2021, 5, 12),
        dt.date(2021, 6, 9),
        CHAT_SOURCE,
    )
    done_once(
        app,
        "record-dcc",
        {"round": 1, "accepted": "12 May 2021", "target": "40 WD"},
        {"round": 1, "accepted": "12 May 2021", "returned": "9 June 2021", "target": "40 WD"},
    )


def test_a_first_request_makes_round_1_and_shows_in_the_monthly_digest(app):
    done = ask(app, "record dcc MP161 IA requested 20 May 2021 target 30 WD")
    assert done.title == "Done: MP161's DCC Impact Assessment, round 1"
    assert "Target: 30 WD" in flat(done)
    assert "MP161 'Significant Code Review – Retail Code Consolidation' — Impact Assessment requested 20 May 2021" in (
        monthly(app)
    )
    assert "IA (Impact Assessment) — requested, not yet accepted" in seen(app, "MP161")
    assert ask(app, "record dcc MP161 IA accepted 1 June 2021").title.startswith("Done: ")
    assert "MP161 | IA | 1 June 2021 | 30 WD" in seen(app, "dcc open")
    [row] = stored(app, Assessment, "MP161")
    assert (row.kind, row.round, row.requested, row.accepted, row.returned, row.target_wd) == (
        "IA",
        1,
        dt.date(2021, 5, 20),
        dt.date(2021, 6, 1),
        None,
        30,
    )
    assert [(r.before, r.after) for r in audit_rows(app, audit.DONE)] == [
        (None, {"round": 1, "requested": "20 May 2021", "target": "30 WD"}),
        (
            {"round": 1, "requested": "20 May 2021", "target": "30 WD"},
            {"round": 1, "requested": "20 May 2021", "accepted": "1 June 2021", "target": "30 WD"},
        ),
    ]


def test_a_new_assessment_takes_secas_usual_target_and_changing_a_target_waits_for_confirm(app):
    assert "Target: 15 WD" in seen(app, "record dcc MP161 PA requested 1 June 2021")
    preview = ask(app, "record dcc MP161 PA accepted 2 June 2021 target 20 WD")
    assert preview.title == "Confirm: MP161's DCC Preliminary Assessment, round 1"
    assert "Accepted: 2 June 2021" in flat(preview) and "Target: 15 WD → 20 WD" in flat(preview)
    assert stored(app, Assessment, "MP161")[0].accepted is None


def test_a_request_after_a_returned_round_starts_the_next_round(app):
    done = ask(app, "record dcc MP121 PA requested 11 June 2021")  # MP121's PA was returned on 12 May 2021
    assert done.title == "Done: MP121's DCC Preliminary Assessment, round 2"
    rounds = sorted(
        (r.round, r.requested, r.returned, r.target_wd) for r in stored(app, Assessment, "MP121", kind="PA")
    )
    assert rounds == [(1, None, dt.date(2021, 5, 12), 15), (2, dt.date(2021, 6, 11), None, 15)]
    card = seen(app, "MP121")
    assert "PA (Preliminary Assessment) — requested, not yet accepted" in card
    assert "PA (Preliminary Assessment) — returned 12 May 2021" in card


def test_overwriting_a_recorded_date_waits_for_confirm(app):
    def unchanged():
        assert "MP078 | IA | 10 May 2021" in seen(app, "dcc open")

    preview = flat(ask(app, "record dcc MP078 IA accepted 11 May 2021"))
    assert "Accepted: 10 May 2021 → 11 May 2021" in preview
    tok = confirm_waits(app, "record dcc MP078 IA accepted 11 May 2021", unchanged)
    assert ask(app, f"confirm {tok}").title == "Done: MP078's DCC Impact Assessment, round 1"
    assert "MP078 | IA | 11 May 2021" in seen(app, "dcc open")
    [row] = stored(app, Assessment, "MP078", kind="IA")
    assert (row.accepted, row.source) == (dt.date(2021, 5, 11), CHAT_SOURCE)
    [done] = audit_rows(app, audit.DONE)
    assert (done.before["accepted"], done.after["accepted"]) == ("10 May 2021", "11 May 2021")


def test_a_step_out_of_order_is_recorded_with_a_warning_and_stands_as_of_later_days(app, sample_copy, tmp_path):
    from secbot.store.importer.loader import import_paths
    from tests.support.files import write

    done = flat(ask(app, "record dcc MP104 IA returned 1 May 2021"))
    assert "It would be returned (1 May 2021) before it was accepted (12 May 2021)." in done
    july = """
        source: {key: CSR-2021-07, title: Change Status Report – July 2021, issued: 2021-07-09}
        modifications:
          - {reference: MP162, phase: Refine, status: Refinement}
        """
    import_paths(sample_copy, [write(tmp_path / "july.yaml", july)])  # 30 June is then read from statements
    later = sample_app(sample_copy, dt.date(2021, 7, 20))
    returned = "IA (Impact Assessment) — returned 1 May 2021: duration — against a 40 WD target"
    assert returned in seen(later, "MP104 as of 30 June 2021")
    assert "MP104 | IA | 1 May 2021 | 40 WD | —" in seen(later, "dcc completed as of 30 June 2021")


# --- record release and record scope -------------------------------------------------------------------


def test_a_new_release_is_added_at_once_named_as_secas_name_them(app):
    done = ask(app, "record release June 2027 24 June 2027")
    assert done.title == "Done: The June 2027 SEC Release"
    assert [a.command for a in done.actions] == ["release June 2027 SEC Release"]
    assert ask(app, "release June 2027").summary == "SEC Release, 24 June 2027."
    assert "No modification is scoped to this release in the register." in seen(app, "release June 2027 SEC Release")
    assert "0 modifications approved for implementation in the June 2027 SEC Release (24 June 2027)." in monthly(app)
    with app.store.sessions() as session:
        release = session.scalar(select(Release).where(Release.name == "June 2027 SEC Release"))
        assert (release.date, release.date_text, release.standalone, release.source) == (
            dt.date(2027, 6, 24),
            None,
            False,
            CHAT_SOURCE,
        )
    done_once(app, "record-release", None, {"release": "June 2027 SEC Release", "date": "24 June 2027"})


def test_a_release_dated_in_words(app):
    assert ask(app, "record release November 2027: no earlier than November 2027").title.startswith("Done: ")
    assert ask(app, "release November 2027").summary == "SEC Release, no earlier than November 2027."


def test_changing_a_releases_date_waits_for_confirm(app):
    def unchanged():
        assert ask(app, "release November 2021").summary == "SEC Release, 4 November 2021."

    preview = ask(app, "record release November 2021 11 November 2021")
    assert preview.title == "Confirm: The November 2021 SEC Release's date"
    assert "Date: 4 November 2021 → 11 November 2021" in flat(preview)
    tok = confirm_waits(app, "record release November 2021 11 November 2021", unchanged)
    assert ask(app, f"confirm {tok}").title == "Done: The November 2021 SEC Release's date"
    assert ask(app, "release November 2021").summary == "SEC Release, 11 November 2021."
    assert "in the November 2021 SEC Release (11 November 2021)" in monthly(app)
    done_once(
        app,
        "record-release",
        {"release": "November 2021 SEC Release", "date": "4 November 2021"},
        {"release": "November 2021 SEC Release", "date": "11 November 2021"},
    )


def test_a_release_whose_name_and_date_disagree_is_warned_about(app):
    assert "The June 2027 SEC Release would be on 24 July 2027, not in June 2027." in seen(
        app, "record release June 2027 24 July 2027"
    )


def test_putting_a_modification_in_scope_is_made_at_once(app):
    done = ask(app, "record scope November 2022 add MP161")
    assert done.title == "Done: MP161 in the November 2022 SEC Release"
    assert "Status: Targeted" in flat(done)
    release = seen(app, "release November 2022")
    assert "MP161 'Significant Code Review – Retail Code Consolidation' — Targeted" in release
    assert "November 2022 SEC Release — 3 November 2022 · Targeted" in seen(app, "MP161")
    assert "Also in its scope:\nMP161 'Significant Code Review – Retail Code Consolidation' — Targeted" in monthly(app)
    [row] = stored(app, ReleaseScope, "MP161")
    assert (row.status, row.position, row.source) == ("targeted", 2, CHAT_SOURCE)  # after the two already there
    done_once(app, "record-scope-add", None, {"release": "November 2022 SEC Release", "status": "Targeted"})


def test_changing_a_scope_status_waits_for_confirm(app):
    def unchanged():
        assert "MP153 'Follow up changes for Communications Hub Finance Charges' — Approved" in seen(
            app, "release June 2021"
        )

    preview = flat(ask(app, "record scope June 2021 add MP153 implemented"))
    assert "Status: Approved → Implemented" in preview
    tok = confirm_waits(app, "record scope June 2021 add MP153 implemented", unchanged)
    assert ask(app, f"confirm {tok}").title == "Done: MP153 in the June 2021 SEC Release"
    assert "MP153 'Follow up changes for Communications Hub Finance Charges' — Implemented" in seen(
        app, "release June 2021"
    )
    done_once(
        app,
        "record-scope-add",
        {"release": "June 2021 SEC Release", "status": "Approved"},
        {"release": "June 2021 SEC Release", "status": "Implemented"},
    )


def test_taking_a_modification_out_of_scope_waits_for_confirm(app):
    def unchanged():
        assert "MP153" in seen(app, "release June 2021")

    preview = ask(app, "record scope June 2021 remove MP153")
    assert preview.title == "Confirm: Taking MP153 out of the June 2021 SEC Release"
    tok = confirm_waits(app, "record scope June 2021 remove MP153", unchanged)
    assert ask(app, f"confirm {tok}").title == "Done: Taking MP153 out of the June 2021 SEC Release"
    release = seen(app, "release June 2021")
    assert "MP153" not in release and "4 modifications" in release
    assert "June 2021 SEC Release" not in seen(app, "MP153")
    assert stored(app, ReleaseScope, "MP153") == []
    done_once(
        app,
        "record-scope-remove",
        {"release": "June 2021 SEC Release", "status": "Approved"},
        {"release": "June 2021 SEC Release", "status": None},
    )


def test_a_scope_entry_removed_from_chat_stays_removed_as_of_later_days_and_after_reimports(sample_copy, tmp_path):
    from secbot.store.importer.loader import import_paths, sample_paths
    from tests.support.files import write

    june_20 = sample_app(sample_copy, dt.date(2021, 6, 20))
    preview = ask(june_20, "record scope June 2021 remove MP153")
    assert ask(june_20, f"confirm {token(preview)}").title.startswith("Done: Taking MP153 out")
    july = """
        source: {key: CSR-2021-07, title: Change Status Report – July 2021, issued: 2021-07-09}
        modifications:
          - {reference: MP162, phase: Refine, status: Refinement}
        """
    import_paths(sample_copy, [sample_paths()[-1], write(tmp_path / "july.yaml", july)])
    later = sample_app(sample_copy, dt.date(2021, 7, 20))
    assert "MP153" not in seen(later, "release June 2021")  # the June report imported again did not undo it
    assert "MP153" not in seen(later, "release June 2021 as of 30 June 2021")
    assert "MP153" in seen(later, "release June 2021 as of 15 June 2021")  # before it was taken out


# --- what does not parse -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("record vote", "Which modification, and when?"),
        ("record vote MP999 26 May 2021 approve", "No modification MP999 in the register"),
        ("record vote MP161", "Which date?"),
        ("record vote MP161 soon approve", "I can't read “soon approve” as a date"),
        ("record vote MP161 26 May 2021", "What did the Change Board decide on MP161?"),
        ("record vote MP161 26 May 2021 dance", "“dance” is not a vote outcome"),
        ("record vote MP161 26 May 2021 approve objective", "Which SEC Objective?"),
        ("record decision MP161 28 May 2021", "What did the Authority decide on MP161?"),
        ("record decision MP161 28 May 2021 deferred", "“deferred” is not a decision"),
        ("record decision MP161 28 May 2021 approved " + "x" * 41, "That authority's name is too long"),
        ("record dcc", "Which modification's DCC assessment?"),
        ("record dcc MP161", "Which of MP161's DCC assessments?"),
        ("record dcc MP161 XA requested 1 June 2021", "“XA” is not a DCC assessment"),
        ("record dcc MP161 IA", "What happened to the IA?"),
        ("record dcc MP161 IA paused 1 June 2021", "“paused” is not a DCC assessment step"),
        ("record dcc MP161 IA requested", "Which date?"),
        ("record dcc MP161 IA requested 1 June 2021 target many", "What is the target?"),
        ("record release", "Which release, and when?"),
        ("record release Foo", "I can't find a date at the end of “Foo”"),
        ("record release June 2027 June 2027", "I can't find a date at the end of “June 2027 June 2027”"),
        ("record release June 2027:", "When is the June 2027?"),
        ("record release : 24 June 2027", "What is the release called?"),
        ("record scope", "Add or remove what?"),
        ("record scope add MP161", "Which release?"),
        ("record scope June 2099 add MP161", "No release called “June 2099”"),
        ("record scope June 2021 add", "Which modification should I add?"),
        ("record scope June 2021 add MP161 maybe", "“maybe” is not a release scope status"),
        ("record scope June 2021 remove MP161", "MP161 is not in the June 2021 SEC Release's scope"),
        ("record scope June 2021 remove MP153 now", "What is “now”?"),
        ("record frobnicate", "I can't record “frobnicate”"),
    ],
)
def test_input_that_does_not_parse_is_explained_and_changes_nothing(app, text, title):
    before = register_rows(app)
    reply = ask(app, text)
    assert (reply.kind, reply.title) == ("error", title), flat(reply)
    assert register_rows(app) == before and audit_rows(app) == []


def test_record_alone_lists_what_can_be_recorded(app):
    reply = ask(app, "record")
    assert reply.title == "What should I record?"
    assert [a.command for a in reply.actions] == [
        f"help record {name}" for name in ("vote", "decision", "dcc", "release", "scope")
    ]
    assert ask(app, "help record vote").title == "help: record vote"
