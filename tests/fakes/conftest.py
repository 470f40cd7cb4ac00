"""Makes the ``fake_slack`` fixture available to the self-tests in this directory."""

from tests.fakes.fixtures import fake_slack  # noqa: F401
