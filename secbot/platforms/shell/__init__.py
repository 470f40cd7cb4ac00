"""The local shell: ``secbot shell``, ``secbot ask`` and ``secbot serve`` in a terminal without chat
credentials. ``door`` (the prompt loop and one-shot answers, the user from the operating system) and
``text`` (a ``Reply`` as plain text or JSON). The CLI runs its door in the foreground; it is never served
over HTTP and posts nothing unprompted, so it is never "on" for the service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from secbot.commands.context import PlatformWords

if TYPE_CHECKING:
    from secbot.app import App
    from secbot.delivery.senders import DigestChart
    from secbot.replies import Reply
    from secbot.settings import Settings


WORDS = PlatformWords("shell", "the shell", digests=False)  # no channels: it answers the one at the terminal


def enabled(settings: Settings) -> bool:
    return False


def build(app: App) -> None:
    raise ValueError("the shell is not served: the CLI runs its door (secbot shell, secbot ask)")


def render_digest(replies: Sequence[Reply], chart: DigestChart | None) -> list[str]:
    from secbot.platforms.shell.text import render_text

    return [render_text(reply) for reply in replies]


def to_json(messages: Sequence[Any]) -> list[Any]:
    return list(messages)
