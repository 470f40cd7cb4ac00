"""pytest fixtures for the Slack fakes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.slack_api import FakeSlack

# slack_sdk's clients (AsyncWebClient, AsyncWebhookClient) take a proxy from these and then send
# *every* request through it, 127.0.0.1 included (NO_PROXY is not consulted): clear them so that
# calls to the fake stay on this machine.
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


@pytest.fixture
def fake_slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    """A started ``FakeSlack`` on 127.0.0.1 and a free port; stopped after the test."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.stop()
