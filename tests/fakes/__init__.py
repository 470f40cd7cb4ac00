"""Fakes of Slack at its HTTP boundary, for tests.

* ``slack_api.FakeSlack``: a local fake Slack Web API (and ``response_url`` endpoint) that
  ``AsyncWebClient(base_url=fake.api_url)`` talks to over real HTTP, recording every call.
* ``slack_requests``: signed requests exactly as Slack sends them to our request URL
  (slash commands, Events API callbacks, block actions, url_verification).
* ``fixtures.fake_slack``: a pytest fixture yielding a started ``FakeSlack``. Use it from another
  test directory with ``pytest_plugins = ["tests.fakes.fixtures"]`` in the top-level conftest.py,
  or ``from tests.fakes.fixtures import fake_slack  # noqa: F401`` in a conftest.py.
* ``workspace``: the IDs (team, app, bot user) both sides agree on.
"""
