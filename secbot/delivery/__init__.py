"""Delivering digests to subscribed channels, each post exactly once across processes.

``outbox`` (claiming posts in the database), ``pacing`` (not hammering a platform), ``senders``
(posting to Slack and Teams, refusals typed), ``notices`` (telling admins once) and ``deliver``
(one digest firing to every subscribed channel, with retries).
"""
