"""Slack's OAuth tables (installations, bots, OAuth states) in secbot's metadata, so that Alembic manages
them beside the register's own: ``add_slack_oauth_tables`` is called by the migrations' environment, not
on import, so that secbot's own tables need no Slack SDK and a question asked in the shell does not pay
for importing it."""

from __future__ import annotations

import threading

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from secbot.store.models import Base

_slack_tables_lock = threading.Lock()


def add_slack_oauth_tables() -> None:
    """Put Slack's installation and OAuth-state tables in our metadata, so that Alembic manages them.

    Called by the migrations' environment (and anything else that needs the whole schema), not on
    import: secbot's own tables need no Slack SDK, and a question asked in the shell should not pay
    for importing it. Safe to call again, and from several threads."""
    with _slack_tables_lock:
        if "slack_oauth_states" in Base.metadata.tables:
            return
        SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
        SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
        SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")
