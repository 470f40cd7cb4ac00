"""Teams as one ``secbot.platforms.Platform``: the bot's endpoint (``POST /api/messages``) on the
service, and a ``TeamsSender`` posting through the same door to the conversations it remembers."""

from __future__ import annotations

from aiohttp import web

from secbot.app import App
from secbot.platforms.teams.door import MESSAGES_PATH, TeamsDoor
from secbot.platforms.teams.sender import TeamsSender


class TeamsPlatform:
    name = "teams"

    def __init__(self, app: App) -> None:
        self.door = TeamsDoor(app)
        self._sender: TeamsSender | None = None

    def mount(self, web_app: web.Application) -> None:
        web_app.on_cleanup.append(lambda _web_app: self.door.close())
        web_app.router.add_post(MESSAGES_PATH, self.door.on_request)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def sender(self) -> TeamsSender:
        if self._sender is None:  # one: it owns Teams' pacing
            self._sender = TeamsSender(self.door)
        return self._sender
