"""Teams' ``Sender``: posts and edits through the ``TeamsDoor`` (Bot Framework connector), which judges
Teams' answers (403/404 gone, 429 rate-limited, 400/413 rejected, other failures passing). Teams has no
image upload for bots in channels, and a chart inlined as a data URI would take Teams' 28 KB card
limit, so a digest's chart is left out: its numbers are in the summary's text.
"""

from __future__ import annotations

from secbot.delivery.senders import Sender
from secbot.platforms.teams import cards as teams_cards
from secbot.replies import Reply

TEAMS_CHANNEL_INTERVAL = 0.25  # Teams: at most 8 messages in 2 s per conversation
TEAMS_SCOPE = "teams"  # Teams' 429s are not said to be per conversation: pause every post


class TeamsSender(Sender):
    """Posts through a ``TeamsDoor`` to a conversation it remembers; ``channel_id`` is the conversation id."""

    platform = "teams"

    def __init__(self, door, *, interval: float = TEAMS_CHANNEL_INTERVAL) -> None:
        super().__init__(interval)
        self.door = door

    def render(self, reply: Reply) -> teams_cards.TeamsMessage:
        return teams_cards.render_reply(reply)

    def _where(self, channel_id: str) -> tuple[str, str]:
        return TEAMS_SCOPE, channel_id

    async def _send(
        self, channel_id: str, message: teams_cards.TeamsMessage, thread: str | None, tag: dict | None
    ) -> str:
        return await self.door.post(channel_id, message)

    async def _update(self, channel_id: str, message_id: str, message: teams_cards.TeamsMessage) -> None:
        await self.door.update(channel_id, message_id, message)
