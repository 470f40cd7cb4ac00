"""Channel subscriptions through the command layer, as every door asks: what is stored, what is said."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from secbot import platforms
from secbot.app import App
from secbot.clock import Clock
from secbot.commands import Actor, Where
from secbot.settings import Settings
from secbot.store import audit, subscriptions
from secbot.store.models import AuditEntry
from secbot.store.queries import Register
from secbot.store.subscriptions import Filters
from tests.support.dates import LONDON, REPORT_DAY
from tests.support.replies import flat

SLACK_CHANNEL = Where("slack", "T0001:C0001")
TEAMS_CHANNEL = Where("teams", "19:team-general-0001@thread.skype")
MEMBER = Actor("slack", "T0001:U0001")
ADMIN = Actor("slack", "T0001:UADMIN")


@pytest.fixture
def app(sample_copy):
    settings = Settings(database_url="sqlite://", today=REPORT_DAY, admins=["slack:T0001:UADMIN"])
    return App(settings, sample_copy, Register(sample_copy, Clock(LONDON, REPORT_DAY)), platforms=platforms.words())


def stored(app, where=SLACK_CHANNEL):
    return {s.kind: s for s in subscriptions.for_channel(app.store, where.platform, where.channel_id)}


def test_subscribe_stores_one_row_per_kind_and_says_what_the_channel_gets(app):
    reply = app.answer("subscribe agenda", MEMBER, SLACK_CHANNEL)
    assert reply.title == "Subscribed: agenda"
    assert "Working Group agenda" in reply.summary
    assert set(stored(app)) == {"agenda"}
    app.answer("subscribe all", MEMBER, SLACK_CHANNEL)
    assert set(stored(app)) == {"agenda", "consultations", "monthly"}
    assert stored(app)["agenda"].filters == Filters()


def test_filters_by_reference_phase_and_release(app):
    reply = app.answer("subscribe consultations MP161 mp 122a phase refine release June 2022", MEMBER, SLACK_CHANNEL)
    assert reply.ok, flat(reply)
    filters = stored(app)["consultations"].filters
    assert filters.references == ("MP161", "MP122A")
    assert filters.phases == ("Refine",) or filters.phases[0].lower().startswith("refine")
    assert filters.release and "June 2022" in filters.release
    listing = flat(app.answer("subscriptions", MEMBER, SLACK_CHANNEL))
    assert "MP161, MP122A" in listing and "June 2022" in listing


def test_an_unknown_reference_suggests_and_changes_nothing(app):
    reply = app.answer("subscribe agenda MP999", MEMBER, SLACK_CHANNEL)
    assert not reply.ok
    assert "Did you mean" in reply.summary
    assert "Nothing was changed" in flat(reply)
    assert stored(app) == {}


@pytest.mark.parametrize("text", ["subscribe", "subscribe newsletters", "unsubscribe", "subscribe agenda phase nope"])
def test_bad_requests_are_polite_and_change_nothing(app, text):
    reply = app.answer(text, MEMBER, SLACK_CHANNEL)
    assert not reply.ok
    assert stored(app) == {}


def test_subscriptions_are_per_channel_and_never_served_from_another_channels_cache(app):
    app.answer("subscribe monthly", MEMBER, SLACK_CHANNEL)
    assert "monthly" in flat(app.answer("subscriptions", MEMBER, SLACK_CHANNEL))
    other = app.answer("subscriptions", MEMBER, TEAMS_CHANNEL)
    assert other.title == "This channel has no subscriptions"
    app.answer("subscribe agenda", Actor("teams", "tenant:user"), TEAMS_CHANNEL)
    assert set(stored(app, TEAMS_CHANNEL)) == {"agenda"}
    assert set(stored(app)) == {"monthly"}


def test_unsubscribe_removes_and_says_so(app):
    app.answer("subscribe all", MEMBER, SLACK_CHANNEL)
    reply = app.answer("unsubscribe consultations", MEMBER, SLACK_CHANNEL)
    assert reply.title == "Unsubscribed: consultations"
    assert set(stored(app)) == {"agenda", "monthly"}
    assert app.answer("unsubscribe all", MEMBER, SLACK_CHANNEL).title == "Unsubscribed: all digests"
    assert stored(app) == {}
    assert app.answer("unsubscribe agenda", MEMBER, SLACK_CHANNEL).title == "Nothing to unsubscribe"


def test_the_shell_cannot_subscribe(app):
    reply = app.answer("subscribe agenda", Actor("shell", "local"), Where("shell", "local"))
    assert reply.title == "Subscriptions are for Slack and Teams channels"
    assert subscriptions.active(app.store, "agenda") == []


def test_admins_only_when_the_operator_says_so(app):
    app.settings = Settings(
        database_url="sqlite://", today=REPORT_DAY, admins=["slack:T0001:UADMIN"], subscriptions_admin_only=True
    )
    refused = app.answer("subscribe agenda", MEMBER, SLACK_CHANNEL)
    assert refused.title == "Only SECAS admins may change subscriptions here"
    assert stored(app) == {}
    assert app.answer("subscribe agenda", ADMIN, SLACK_CHANNEL).ok
    assert set(stored(app)) == {"agenda"}
    assert app.answer("unsubscribe agenda", MEMBER, SLACK_CHANNEL).title.startswith("Only SECAS admins")
    assert set(stored(app)) == {"agenda"}


def test_subscribing_again_resumes_a_paused_subscription(app):
    app.answer("subscribe agenda", MEMBER, SLACK_CHANNEL)
    sub = stored(app)["agenda"]
    assert subscriptions.pause(app.store, sub.id, "channel_not_found")
    assert not subscriptions.pause(app.store, sub.id, "again")  # only the first pause counts
    assert "PAUSED: channel_not_found" in flat(app.answer("subscriptions", MEMBER, SLACK_CHANNEL))
    assert subscriptions.active(app.store, "agenda") == []
    app.answer("subscribe agenda", MEMBER, SLACK_CHANNEL)
    assert [s.id for s in subscriptions.active(app.store, "agenda")] == [sub.id]


def test_wg_and_consultations_answers_offer_subscribe(app):
    wg = app.answer("wg July 2021", MEMBER, SLACK_CHANNEL)
    assert ("Subscribe", "subscribe agenda") in [(a.label, a.command) for a in wg.actions]
    consultations = app.answer("consultations all", MEMBER, SLACK_CHANNEL)
    assert ("Subscribe", "subscribe consultations") in [(a.label, a.command) for a in consultations.actions]


# --- the audit log ----------------------------------------------------------------------------------


def audit_rows(app) -> list[AuditEntry]:
    with app.store.sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_a_members_subscribe_and_unsubscribe_are_audited_with_before_and_after(app):
    app.answer("subscribe agenda", MEMBER, SLACK_CHANNEL)
    app.answer("subscribe all MP161", MEMBER, SLACK_CHANNEL)
    app.answer("unsubscribe agenda", MEMBER, SLACK_CHANNEL)
    app.answer("unsubscribe agenda", MEMBER, SLACK_CHANNEL)  # nothing left to remove: still recorded
    rows = audit_rows(app)
    assert [(r.command, r.action, r.outcome, r.reference) for r in rows] == [
        ("subscribe agenda", "subscribe", audit.DONE, None),
        ("subscribe all MP161", "subscribe", audit.DONE, "MP161"),
        ("unsubscribe agenda", "unsubscribe", audit.DONE, None),
        ("unsubscribe agenda", "unsubscribe", audit.DONE, None),
    ]
    for row in rows:
        assert (row.actor, row.platform, row.channel_id) == ("slack:T0001:U0001", "slack", "T0001:C0001")
    assert (rows[0].before, rows[0].after) == ({"agenda": None}, {"agenda": "everything"})
    assert rows[1].before == {"agenda": "everything", "consultations": None, "monthly": None}
    assert rows[1].after == dict.fromkeys(("agenda", "consultations", "monthly"), "only MP161")
    assert (rows[2].before, rows[2].after) == ({"agenda": "only MP161"}, {"agenda": None})
    assert (rows[3].before, rows[3].after, rows[3].detail) == (
        {"agenda": None},
        {"agenda": None},
        "the channel had none of these subscriptions",
    )
    # An admin reads what changed.
    listing = flat(app.answer("audit user slack:T0001:U0001", ADMIN, SLACK_CHANNEL))
    assert "done · “subscribe agenda” in slack T0001:C0001 · agenda: – → everything" in listing


def test_a_paused_subscription_resumed_says_so_in_the_log(app):
    app.answer("subscribe monthly", MEMBER, SLACK_CHANNEL)
    assert subscriptions.pause(app.store, stored(app)["monthly"].id, "channel_not_found")
    app.answer("subscribe monthly", MEMBER, SLACK_CHANNEL)
    assert (audit_rows(app)[-1].before, audit_rows(app)[-1].after) == (
        {"monthly": "everything (paused)"},
        {"monthly": "everything"},
    )


def test_a_refused_subscription_change_is_audited_and_changes_nothing(app):
    app.settings = Settings(
        database_url="sqlite://", today=REPORT_DAY, admins=["slack:T0001:UADMIN"], subscriptions_admin_only=True
    )
    app.answer("subscribe agenda", ADMIN, SLACK_CHANNEL)
    for typed in ("subscribe all", "unsubscribe agenda"):
        refused = app.answer(typed, MEMBER, SLACK_CHANNEL)
        assert refused.title == "Only SECAS admins may change subscriptions here"
        assert "Nothing was changed; the attempt was recorded." in refused.summary
    assert set(stored(app)) == {"agenda"}
    rows = audit_rows(app)
    assert [(r.actor, r.command, r.action, r.outcome) for r in rows] == [
        ("slack:T0001:UADMIN", "subscribe agenda", "subscribe", audit.DONE),
        ("slack:T0001:U0001", "subscribe all", "subscribe", audit.REFUSED),
        ("slack:T0001:U0001", "unsubscribe agenda", "unsubscribe", audit.REFUSED),
    ]
    assert rows[1].detail == "subscriptions are for SECAS admins (SECBOT_SUBSCRIPTIONS_ADMIN_ONLY)"


def test_listing_subscriptions_and_bad_requests_write_no_audit_row(app):
    app.answer("subscriptions", MEMBER, SLACK_CHANNEL)
    app.answer("subscribe newsletters", MEMBER, SLACK_CHANNEL)
    app.answer("subscribe agenda MP999", MEMBER, SLACK_CHANNEL)
    assert audit_rows(app) == []


def test_a_platform_the_app_was_not_told_of_takes_no_subscriptions(app):
    reply = app.answer("subscribe agenda", Actor("matrix", "@gil:example.org"), Where("matrix", "!room:example.org"))
    assert reply.title == "Subscriptions are for Slack and Teams channels"
    assert subscriptions.active(app.store, "agenda") == []
