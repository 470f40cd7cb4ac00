"""Who may do what: SECAS admins are named in settings by platform identity; everyone else reads.

An identity is the door's actor key with its platform: ``slack:<team id>:<user id>`` or
``teams:<tenant id>:<Entra object id>`` (``Actor.user_id`` with ``Actor.platform`` in front); the
shell's is ``shell:<login name>``.
"""

from __future__ import annotations

from secbot.commands.context import Actor
from secbot.settings import Settings


def identity(actor: Actor) -> str:
    return f"{actor.platform}:{actor.user_id}"


def is_admin(settings: Settings, actor: Actor) -> bool:
    return identity(actor).lower() in {admin.strip().lower() for admin in settings.admins}
