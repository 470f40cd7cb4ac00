"""Checking the bearer token on every request Teams (the Bot Connector service) sends to /api/messages.

Microsoft's rules ("Authenticate requests from the Bot Connector service"): the token is a JWT
signed (RS256) by a key Bot Framework publishes in its OpenID metadata, and that key is endorsed
for the activity's channel; its issuer is ``https://api.botframework.com``; its audience is our app
id; it is within its lifetime (five minutes of clock skew allowed); its ``serviceurl`` claim names
the activity's ``serviceUrl``, the address our reply (and our own token) will be sent to.

The Agents SDK has a validator, but it fetches keys only from fixed Microsoft addresses and checks
neither endorsements nor the service URL, so secbot keeps this one, on PyJWT's key client, with
the metadata address a setting. Every failure is a ``TokenRejected``: the caller answers 401.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import urllib.request
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


class InboundTokenValidator:
    def __init__(self, app_id: str, metadata_url: str, issuers: tuple[str, ...] = (BOT_FRAMEWORK_ISSUER,)) -> None:
        self.app_id = app_id
        self.metadata_url = metadata_url
        self.issuers = issuers
        self._keys: _EndorsedKeys | None = None
        self._lock = threading.Lock()

    async def validate(self, authorization: str | None, activity: dict[str, Any]) -> ClaimsIdentity:
        token = _bearer(authorization)
        # Key lookups can reach the network (first use, key rollover), so they run off the loop.
        claims = await asyncio.to_thread(self._verified_claims, token, activity.get("channelId"))
        service_url = activity.get("serviceUrl")
        if not service_url or claims.get("serviceurl", "").rstrip("/") != service_url.rstrip("/"):
            raise TokenRejected("the token's serviceurl is not the activity's serviceUrl")
        return ClaimsIdentity(claims, authentication_type="Bearer", security_token=token)

    def _verified_claims(self, token: str, channel_id: str | None) -> dict[str, Any]:
        try:
            keys = self._key_client()
            signing_key = keys.get_signing_key_from_jwt(token)
            endorsements = keys.endorsements.get(signing_key.key_id)
            if endorsements is not None and channel_id not in endorsements:
                raise TokenRejected(f"the signing key is not endorsed for channel {channel_id!r}")
            return jwt.decode(
                token,
                signing_key.key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=list(self.issuers),
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except TokenRejected:
            raise
        except jwt.PyJWKClientConnectionError:
            log.error("could not fetch Bot Framework's signing keys; refusing the request")
            raise TokenRejected("signing keys unavailable") from None
        except (jwt.PyJWTError, ValueError, KeyError) as error:
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
