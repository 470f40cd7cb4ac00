"""Alembic environment: runs against the engine handed over by ``secbot.store.db``."""

from alembic import context

from secbot.platforms.slack.oauth_tables import add_slack_oauth_tables  # Slack's tables are Alembic's too
from secbot.store.models import Base

add_slack_oauth_tables()
config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
