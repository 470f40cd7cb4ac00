"""Microsoft Teams, and the only package that imports the Microsoft 365 Agents SDK and
``adaptive_cards``.

``door`` (the bot's endpoint: activities in, answers and cards out, conversation references kept for
posting unprompted), ``auth`` (the Bot Framework token check), ``inbound`` (odd activities refused at
the door), ``cards`` (a ``Reply`` as an Adaptive Card), ``sender`` (posting and editing),
``memberships`` (admin teams) and ``platform`` (all of it as one ``secbot.platforms.Platform``).
Importing this package imports no SDK: ``build(app)`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from secbot.commands.context import PlatformWords

if TYPE_CHECKING:
    from secbot.app import App
    from secbot.delivery.senders import DigestChart
    from secbot.platforms.teams.platform import TeamsPlatform
    from secbot.replies import Reply
    from secbot.settings import Settings


WORDS = PlatformWords(
    "teams",
    "Teams",
    not_a_member="not found in an admin Teams team (checked when you ask in its channels)",
    membership=lambda entry: f"member of the Teams team {entry}",
)


def enabled(settings: Settings) -> bool:
    return settings.teams_enabled


def build(app: App) -> TeamsPlatform:
    from secbot.platforms.teams.platform import TeamsPlatform

    return TeamsPlatform(app)


def render_digest(replies: Sequence[Reply], chart: DigestChart | None) -> list[Any]:
    """A card per reply; Teams takes no image from a bot in a channel, so the chart is left out (its
    numbers are in the summary's text)."""
    from secbot.platforms.teams import cards

    return [cards.render_reply(reply) for reply in replies]


def to_json(messages: Sequence[Any]) -> list[Any]:
    return [asdict(m) for m in messages]
