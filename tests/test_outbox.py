"""The outbox's claims on the database itself: one claimant per post, leases, retries and endings."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from secbot.delivery import outbox
from secbot.store import subscriptions
from secbot.store.models import OutboxPost
from secbot.store.subscriptions import Filters


@pytest.fixture
def sub_id(empty_store) -> int:
    [sub] = subscriptions.subscribe(empty_store, "slack", "T0001:C001", ("monthly",), Filters(), by="test")
    return sub.id


def row(store, post_id: int) -> OutboxPost:
    with store.session() as session:
        return session.scalars(select(OutboxPost).where(OutboxPost.id == post_id)).one()


def test_a_post_is_claimed_once_while_its_lease_runs(empty_store, sub_id):
    post_id = outbox.claim(empty_store, sub_id, "monthly", "2021-06", "a")
    assert post_id is not None
    assert outbox.claim(empty_store, sub_id, "monthly", "2021-06", "b") is None
    assert outbox.claim(empty_store, sub_id, "monthly", "2021-07", "b") not in (None, post_id)  # another period
    claimed = row(empty_store, post_id)
    assert (claimed.status, claimed.claimed_by, claimed.attempts) == ("pending", "a", 0)


def test_an_expired_lease_is_taken_over_by_exactly_one_of_many(empty_store, sub_id):
    post_id = outbox.claim(empty_store, sub_id, "monthly", "2021-06", "dead", lease=0)
    assert [p.id for p in outbox.stale(empty_store)] == [post_id]
    results: list[int | None] = []
    start = threading.Barrier(8)

    def take() -> None:
        start.wait()
        results.append(outbox.claim(empty_store, sub_id, "monthly", "2021-06", threading.current_thread().name))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=lambda r: r is None) == [post_id] + [None] * 7
    assert outbox.stale(empty_store) == []


def test_release_for_retry_counts_failures_and_lets_the_post_go_until_then(empty_store, sub_id):
    post_id = outbox.claim(empty_store, sub_id, "monthly", "2021-06", "a")
    later = outbox.utcnow() + dt.timedelta(hours=1)
    assert outbox.release_for_retry(empty_store, post_id, later, "HTTP 503") == 1
    assert outbox.release_for_retry(empty_store, post_id, later, "ratelimited", counted=False) == 1
    assert outbox.claim(empty_store, sub_id, "monthly", "2021-06", "b") is None  # not due yet
    released = row(empty_store, post_id)
    assert (released.status, released.error, released.attempts) == ("pending", "ratelimited", 1)

    assert outbox.release_for_retry(empty_store, post_id, outbox.utcnow(), "HTTP 503") == 2
    assert outbox.claim(empty_store, sub_id, "monthly", "2021-06", "b") == post_id  # due: anyone may take it


def test_endings_touch_only_pending_posts(empty_store, sub_id):
    post_id = outbox.claim(empty_store, sub_id, "monthly", "2021-06", "a")
    assert outbox.mark_sent(empty_store, post_id, "1700000000.000100")
    assert not outbox.mark_failed(empty_store, post_id, "too late")  # a late failure cannot undo the post
    assert outbox.release_for_retry(empty_store, post_id, outbox.utcnow(), "too late") is None
    sent = row(empty_store, post_id)
    assert (sent.status, sent.message_id, sent.error, sent.lease_until) == ("sent", "1700000000.000100", None, None)
    assert sent.sent_at is not None
    assert outbox.claim(empty_store, sub_id, "monthly", "2021-06", "b") is None  # sent is final

    failed_id = outbox.claim(empty_store, sub_id, "monthly", "2021-07", "a")
    assert outbox.mark_failed(empty_store, failed_id, "channel_not_found")
    assert not outbox.mark_sent(empty_store, failed_id, "x")
    assert row(empty_store, failed_id).status == "failed"
