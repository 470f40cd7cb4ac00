"""Checking the bearer token on every request Teams (the Bot Connector service) sends to /api/messages.

Microsoft's rules ("Authenticate requests from the Bot Connector service"): the token is a JWT
signed (RS256) by a key Bot Framework publishes in its OpenID metadata, and that key is endorsed
for the activity's channel; its issuer is ``https://api.botframework.com``; its audience is our app
id; it is within its lifetime (five minutes of clock skew allowed); its ``serviceurl`` claim names
the activity's ``serviceUrl``, the address our reply (and our own token) will be sent to.

The Agents SDK has a validator, but it fetches keys only from fixed Microsoft addresses and checks
neither endorsements nor the service URL, so secbot keeps this one, on PyJWT's key client, with
the metadata address a setting. Every failure is a ``TokenRejected``: the caller answers 401.

The check is in two steps so that a request without a good token is refused before its body is read:
``verify`` needs only the ``Authorization`` header (signature, issuer, audience, lifetime);
``VerifiedToken.identity_for`` then binds the token to the activity (the key's endorsement for its
``channelId``, the ``serviceurl`` claim for its ``serviceUrl``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from microsoft_agents.hosting.core.authorization import AuthenticationConstants, ClaimsIdentity

log = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER
CLOCK_SKEW_SECONDS = 300
_METADATA_TIMEOUT = 10
_KEYS_LIFESPAN = 24 * 3600


class TokenRejected(Exception):
    """The request did not prove it came from the Bot Connector service for this bot."""


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature and claims are good, not yet matched with the activity it came with."""

    token: str
    claims: dict[str, Any]
    endorsements: list[str] | None  # the channels its signing key may sign for; None: any

    def identity_for(self, activity: Mapping[str, Any]) -> ClaimsIdentity:
        """The SDK's identity for ``activity``, if this token was issued for it."""
        channel_id = activity.get("channelId")
        if self.endorsements is not None and channel_id not in self.endorsements:
            raise TokenRejected("the signing key is not endorsed for the activity's channel")
        service_url, claimed = activity.get("serviceUrl"), self.claims.get("serviceurl")
        if not (isinstance(service_url, str) and isinstance(claimed, str) and service_url):
            raise TokenRejected("the token's serviceurl is not the activity's serviceUrl")
        if claimed.rstrip("/") != service_url.rstrip("/"):
            raise TokenRejected("the token's serviceurl is not the activity's serviceUrl")
        return ClaimsIdentity(self.claims, authentication_type="Bearer", security_token=self.token)


class InboundTokenValidator:
    def __init__(self, app_id: str, metadata_url: str, issuers: tuple[str, ...] = (BOT_FRAMEWORK_ISSUER,)) -> None:
        self.app_id = app_id
        self.metadata_url = metadata_url
        self.issuers = issuers
        self._keys: _EndorsedKeys | None = None
        self._lock = threading.Lock()

    async def verify(self, authorization: str | None) -> VerifiedToken:
        """The bearer token of an ``Authorization`` header, checked on its own (no body needed)."""
        token = _bearer(authorization)
        # Key lookups can reach the network (first use, key rollover), so they run off the loop.
        return await asyncio.to_thread(self._verified, token)

    async def validate(self, authorization: str | None, activity: Mapping[str, Any]) -> ClaimsIdentity:
        """Both steps at once: the identity for ``activity`` sent with ``authorization``."""
        return (await self.verify(authorization)).identity_for(activity)

    def _verified(self, token: str) -> VerifiedToken:
        try:
            keys = self._key_client()
            signing_key = keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=list(self.issuers),
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
            return VerifiedToken(token, claims, keys.endorsements.get(signing_key.key_id))
        except TokenRejected:
            raise
        except jwt.PyJWKClientConnectionError:
            log.error("could not fetch Bot Framework's signing keys; refusing the request")
            raise TokenRejected("signing keys unavailable") from None
        except Exception as error:  # whatever a forged or mangled token makes PyJWT raise: never a 500
            raise TokenRejected(type(error).__name__) from None

    def _key_client(self) -> _EndorsedKeys:
        with self._lock:
            if self._keys is None:
                try:
                    with urllib.request.urlopen(self.metadata_url, timeout=_METADATA_TIMEOUT) as response:
                        jwks_uri = json.load(response)["jwks_uri"]
                except (OSError, ValueError, KeyError):
                    log.error("could not read Bot Framework's OpenID metadata at %s", self.metadata_url)
                    raise TokenRejected("signing keys unavailable") from None
                self._keys = _EndorsedKeys(jwks_uri, lifespan=_KEYS_LIFESPAN, timeout=_METADATA_TIMEOUT)
            return self._keys


class _EndorsedKeys(jwt.PyJWKClient):
    """PyJWT's key client, remembering each key's ``endorsements`` (the channels it may sign for)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.endorsements: dict[str | None, list[str] | None] = {}

    def fetch_data(self) -> Any:
        data = super().fetch_data()
        self.endorsements = {key.get("kid"): key.get("endorsements") for key in data.get("keys", [])}
        return data


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise TokenRejected("no bearer token")
    return token
