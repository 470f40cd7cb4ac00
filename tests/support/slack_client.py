"""What Slack sends to secbot's /slack/events, signed with the app's secret, over a real socket."""

from __future__ import annotations

import time

import requests

from tests.fakes import slack_requests as slack
from tests.fakes.slack_api import FakeSlack
from tests.fakes.workspace import SIGNING_SECRET
from tests.servers import Served


class SlackClient:
    """Sends what Slack would send to secbot's /slack/events, signed with the app's secret.

    Given the running service (``served``), ``settle`` waits until secbot has finished all that the
    requests sent so far set going, so that a test can then assert that something did not happen."""

    def __init__(self, base: str, fake: FakeSlack, served: Served | None = None) -> None:
        self.base, self.fake, self.served = base, fake, served

    def post(
        self, body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None, headers: dict | None = None
    ) -> requests.Response:
        signed = slack.sign(body, secret, timestamp)
        return requests.post(
            f"{self.base}/slack/events", data=body.encode(), headers={**signed, **(headers or {})}, timeout=10
        )

    def command(self, text: str, **kwargs) -> tuple[requests.Response, str]:
        token = f"T0001/{time.monotonic_ns()}/r"
        body = slack.slash_command(text, response_url=self.fake.response_url(token), **kwargs)
        return self.post(body), token

    def settle(self) -> None:
        assert self.served is not None, "SlackClient(base, fake, served): settle needs the running service"
        self.served.settle()
