"""The command layer shared by every door: registry, parsing, handlers, ``dispatch``."""

from secbot.commands.context import Actor, Context, Where
from secbot.commands.dispatch import dispatch, route

__all__ = ["Actor", "Context", "Where", "dispatch", "route"]
