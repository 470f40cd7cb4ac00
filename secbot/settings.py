"""Runtime settings, read from ``SECBOT_*`` environment variables and an optional ``.env`` file.

Secrets added later (chat tokens) must be ``SecretStr`` so that they never reach a log line.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "secbot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SECBOT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    timezone: str = "Europe/London"
    today: dt.date | None = None
    load_sample: bool = True
    register_url: str = "https://www.smartenergycodecompany.co.uk/modifications/modifications-register-information/modifications-register"

    # Chat service (secbot serve)
    host: str = "0.0.0.0"
    port: int = 3000
    answer_threads: int = 2

    # Slack: a bot token and signing secret for one workspace, or client id/secret for OAuth installs;
    # an app-level token switches to Socket Mode (no public address needed).
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_unfurl_domains: list[str] = ["smartenergycodecompany.co.uk"]
    slack_command: str = "/sec"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.slack_client_id)) or bool(
            self.slack_app_token and self.slack_bot_token
        )

    @property
    def slack_oauth(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises on an unknown zone name
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'secbot.db'}"

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
