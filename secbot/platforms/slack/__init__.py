"""Slack, and the only package that imports ``slack_bolt`` and ``slack_sdk``.

``door`` (the bolt app and its listeners: slash commands, mentions, DMs, buttons, App Home, link
unfurls), ``gate`` (signature and shape checked on the raw bytes before bolt parses), ``blocks`` (a
``Reply`` as Block Kit), ``sender`` (posting and editing, Slack's error codes), ``memberships`` (admin
user groups), ``oauth_tables`` (the OAuth install tables, for Alembic) and ``platform`` (all of it as
one ``secbot.platforms.Platform``). Importing this package imports no SDK: ``build(app)`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from secbot.commands.context import PlatformWords

if TYPE_CHECKING:
    from secbot.app import App
    from secbot.delivery.senders import DigestChart
    from secbot.platforms.slack.platform import SlackPlatform
    from secbot.replies import Reply
    from secbot.settings import Settings


WORDS = PlatformWords(
    "slack",
    "Slack",
    not_a_member="not in an admin Slack user group",
    # An entry of SECBOT_ADMIN_SLACK_USERGROUPS is <team id>:<user group id>.
    membership=lambda entry: f"member of the Slack user group {entry.rpartition(':')[2]}",
)


def enabled(settings: Settings) -> bool:
    return settings.slack_enabled


def build(app: App) -> SlackPlatform:
    from secbot.platforms.slack.platform import SlackPlatform

    return SlackPlatform(app)


def render_digest(replies: Sequence[Reply], chart: DigestChart | None) -> list[Any]:
    from secbot.platforms.slack import sender

    return sender.render_digest(replies, chart)


def to_json(messages: Sequence[Any]) -> list[Any]:
    """Block Kit messages as ``chat.postMessage`` takes them (text and blocks)."""
    return [asdict(m) for m in messages]
