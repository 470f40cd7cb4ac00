"""The outbox's claims on the database itself: one claimant per post, fencing tokens, leases on a moved
clock (never waited out), per-message progress, retries, endings and edits."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from secbot.store import outbox, subscriptions
from secbot.store.models import OutboxPost
from secbot.store.subscriptions import Filters

T0 = dt.datetime(2026, 6, 11, 9, 0, tzinfo=dt.UTC)
LEASE = 300.0


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def sub_id(empty_store) -> int:
    [sub] = subscriptions.subscribe(empty_store, "slack", "T0001:C001", ("monthly",), Filters(), by="test")
    return sub.id


def row(store, post_id: int) -> OutboxPost:
    with store.session() as session:
        return session.scalars(select(OutboxPost).where(OutboxPost.id == post_id)).one()


def claim(store, sub_id, holder, seconds=0.0, period="2021-06"):
    return outbox.claim(store, sub_id, "monthly", period, holder, lease=LEASE, now=at(seconds))


def test_a_post_is_claimed_once_while_its_lease_runs(empty_store, sub_id):
    first = claim(empty_store, sub_id, "a")
    assert first is not None and first.token == 1 and first.parts == ()
    assert claim(empty_store, sub_id, "b", LEASE - 1) is None  # the lease still runs
    other = claim(empty_store, sub_id, "b", period="2021-07")
    assert other is not None and other.id != first.id
    claimed = row(empty_store, first.id)
    assert (claimed.status, claimed.claimed_by, claimed.attempts, claimed.claim_token) == ("pending", "a", 0, 1)


def test_an_expired_lease_is_taken_over_by_exactly_one_of_many_with_a_new_token(empty_store, sub_id):
    dead = claim(empty_store, sub_id, "dead")
    assert outbox.stale(empty_store, at(LEASE - 1)) == []
    assert [p.id for p in outbox.stale(empty_store, at(LEASE))] == [dead.id]
    results: list = []
    start = threading.Barrier(8)

    def take() -> None:
        start.wait()
        results.append(claim(empty_store, sub_id, threading.current_thread().name, LEASE + 1))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [winner] = [r for r in results if r is not None]
    assert (winner.id, winner.token) == (dead.id, 2)
    assert outbox.stale(empty_store, at(LEASE + 1)) == []


def test_a_claimant_that_lost_its_row_can_neither_post_nor_record_nor_finish(empty_store, sub_id):
    old = claim(empty_store, sub_id, "slow")
    assert outbox.record_part(empty_store, old, ["1.0001"], LEASE, at(10))  # its summary is up
    new = claim(empty_store, sub_id, "resumer", LEASE + 11)  # its lease ran out meanwhile
    assert new.token == old.token + 1 and new.parts == ("1.0001",)  # the new claimant goes on from there

    assert not outbox.fence(empty_store, old, LEASE, at(LEASE + 12))
    assert not outbox.record_part(empty_store, old, ["1.0001", "1.0002"], LEASE, at(LEASE + 12))
    assert not outbox.mark_sent(empty_store, old, "1.0001", at(LEASE + 12))
    assert not outbox.mark_failed(empty_store, old, "too late")
    assert outbox.release_for_retry(empty_store, old, at(LEASE + 20), "too late") is None

    assert outbox.fence(empty_store, new, LEASE, at(LEASE + 12))
    assert outbox.mark_sent(empty_store, new, "1.0001", at(LEASE + 13), ["1.0001", "1.0002"])
    sent = row(empty_store, new.id)
    assert (sent.status, sent.message_id, sent.parts, sent.claimed_by) == ("sent", "1.0001", ["1.0001", "1.0002"], None)


def test_the_fence_extends_the_lease_over_the_call_to_come(empty_store, sub_id):
    held = claim(empty_store, sub_id, "a")
    assert outbox.fence(empty_store, held, LEASE, at(LEASE - 1))
    assert claim(empty_store, sub_id, "b", LEASE + 1) is None  # the fence moved the lease on
    assert claim(empty_store, sub_id, "b", 2 * LEASE) is not None


def test_renew_extends_only_the_rows_the_holder_still_holds(empty_store, sub_id):
    [other_sub] = subscriptions.subscribe(empty_store, "slack", "T0001:C002", ("monthly",), Filters(), by="test")
    kept = claim(empty_store, sub_id, "run-a")
    lost = outbox.claim(empty_store, other_sub.id, "monthly", "2021-06", "run-a", lease=LEASE, now=T0)
    assert claim(empty_store, other_sub.id, "run-b", LEASE + 1) is not None  # run-a stalled past one lease

    assert outbox.renew(empty_store, "run-a", LEASE, at(LEASE - 1)) == 1
    assert claim(empty_store, sub_id, "run-b", LEASE + 1) is None  # renewed: still run-a's
    assert outbox.lease_left(empty_store, kept.id, at(LEASE - 1)) == LEASE
    assert row(empty_store, lost.id).claimed_by == "run-b"


def test_release_for_retry_counts_failures_and_lets_the_post_go_until_then(empty_store, sub_id):
    held = claim(empty_store, sub_id, "a")
    assert outbox.release_for_retry(empty_store, held, at(3600), "HTTP 503") == 1
    assert outbox.release_for_retry(empty_store, held, at(3600), "ratelimited", counted=False) == 1
    assert claim(empty_store, sub_id, "b", 3599) is None  # not due yet
    released = row(empty_store, held.id)
    assert (released.status, released.error, released.attempts, released.claimed_by) == (
        "pending",
        "ratelimited",
        1,
        None,
    )
    again = claim(empty_store, sub_id, "b", 3600)  # due: anyone may take it
    assert (again.id, again.token) == (held.id, 2)


def test_endings_touch_only_pending_posts(empty_store, sub_id):
    held = claim(empty_store, sub_id, "a")
    assert outbox.mark_sent(empty_store, held, "1700000000.000100", at(1))
    assert not outbox.mark_failed(empty_store, held, "too late")  # a late failure cannot undo the post
    sent = row(empty_store, held.id)
    assert (sent.status, sent.message_id, sent.error, sent.lease_until) == ("sent", "1700000000.000100", None, None)
    assert sent.sent_at is not None
    assert claim(empty_store, sub_id, "b", 10 * LEASE) is None  # sent is final

    failing = claim(empty_store, sub_id, "a", period="2021-07")
    assert outbox.mark_failed(empty_store, failing, "channel_not_found")
    assert not outbox.mark_sent(empty_store, failing, "x")
    assert row(empty_store, failing.id).status == "failed"


def test_a_sent_post_has_one_editor_at_a_time(empty_store, sub_id):
    held = claim(empty_store, sub_id, "a")
    outbox.mark_sent(empty_store, held, "1.0001", at(1))
    editor = outbox.claim_edit(empty_store, held.id, 2, "edit-a", lease=LEASE, now=at(2))
    assert editor is not None and editor.token == held.token + 1
    assert outbox.claim_edit(empty_store, held.id, 2, "edit-b", lease=LEASE, now=at(3)) is None
    assert outbox.fence(empty_store, editor, LEASE, at(4), status=outbox.SENT)
    assert outbox.mark_edited(empty_store, editor, 2)
    assert outbox.claim_edit(empty_store, held.id, 2, "edit-b", lease=LEASE, now=at(5)) is None  # shows 2 now
    stale_editor = outbox.claim_edit(empty_store, held.id, 3, "edit-b", lease=LEASE, now=at(6))
    late = outbox.claim_edit(empty_store, held.id, 3, "edit-c", lease=LEASE, now=at(6 + LEASE))  # b stalled
    assert late is not None
    assert not outbox.fence(empty_store, stale_editor, LEASE, at(7 + LEASE), status=outbox.SENT)
    assert not outbox.mark_edited(empty_store, stale_editor, 3)
    assert row(empty_store, held.id).rendered_version == 2


def test_a_post_to_a_channel_named_directly_is_enqueued_once_and_claimed_like_any(empty_store):
    body = {"title": "A digest was missed", "text": "secbot was not running"}
    with empty_store.engine.begin() as connection:
        assert outbox.enqueue(connection, "slack:T1:CADMIN", "notice", "N1", body, T0)
    with empty_store.engine.begin() as connection:
        assert not outbox.enqueue(connection, "slack:T1:CADMIN", "notice", "N1", body, T0)
    [waiting] = outbox.stale(empty_store, T0)
    assert (waiting.target, waiting.body, waiting.subscription_id) == ("slack:T1:CADMIN", body, None)
    taken = outbox.claim(empty_store, None, "notice", "N1", "a", lease=LEASE, now=T0, target="slack:T1:CADMIN")
    assert taken is not None and taken.id == waiting.id
    assert outbox.claim(empty_store, None, "notice", "N1", "b", lease=LEASE, now=T0, target="slack:T1:CADMIN") is None
