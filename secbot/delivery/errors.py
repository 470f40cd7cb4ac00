"""Why a post to a channel failed, in terms the delivery layer acts on, whatever the platform.

- ``ConversationGone``: permanent. The bot can no longer post there (removed, channel deleted or
  archived, Teams 403/404, Slack ``channel_not_found``): stop trying, pause, tell the admins.
- ``RateLimited``: the platform said to wait ``retry_after`` seconds, then try again.
- ``DeliveryFailed``: a passing failure (5xx, network): back off and retry.
- ``PostRejected``: this post can never be sent as it is (malformed, too big) or secbot's own
  credentials are refused: fail it without retrying and without pausing the channel.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

# Failures to reach the platform at all: always passing.
NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)


class DeliveryError(Exception):
    def __init__(self, platform: str, target: str, reason: str) -> None:
        super().__init__(f"{platform} {target}: {reason}")
        self.platform, self.target, self.reason = platform, target, reason


class ConversationGone(DeliveryError):
    """Permanent: retrying will not help."""


class RateLimited(DeliveryError):
    def __init__(self, platform: str, target: str, reason: str, retry_after: float) -> None:
        super().__init__(platform, target, reason)
        self.retry_after = retry_after


class DeliveryFailed(DeliveryError):
    """Passing: retry later with back-off."""


class PostRejected(DeliveryError):
    """Permanent for this post, not for the channel."""


def retry_after(headers: Mapping[str, str] | None, default: float = 1.0) -> float:
    """Seconds to wait from a 429's ``Retry-After`` header (``default`` when absent or unreadable)."""
    value = (headers or {}).get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default
