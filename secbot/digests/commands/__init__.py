"""The commands about digests: ``digest`` (a preview), ``subscribe``/``unsubscribe``/``subscriptions`` and
SECAS's ``announce``. They sit in the digest layer because they build or name digests; importing this
package registers them in ``secbot.commands.registry.REGISTRY`` beside the core's commands
(``secbot.app`` does, so every door and the CLI see them)."""

from secbot.digests.commands import announce, preview, subscriptions

__all__ = ["announce", "preview", "subscriptions"]
