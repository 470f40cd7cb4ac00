"""Runtime settings, read from ``SECBOT_*`` environment variables and an optional ``.env`` file.

Secrets added later (chat tokens) must be ``SecretStr`` so that they never reach a log line.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
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
    # A modification no source has restated in this many months before today is shown as last reported
    # then, and left out of counts and lists unless asked for all ("stats all").
    stale_after_months: int = Field(default=6, ge=1, le=600)
    load_sample: bool = True
    # The largest register file `secbot import` and `secbot sync` read (megabytes of 1,000,000 bytes);
    # a workbook's unpacked contents count against it too.
    import_max_mb: float = Field(default=20, gt=0)
    register_url: str = "https://www.smartenergycodecompany.co.uk/modifications/modifications-register-information/modifications-register"

    # Chat service (secbot serve). HTTP is served with a chat platform on, or when either of these is set
    # (``serves_http``); the shell door alone otherwise.
    host: str = "0.0.0.0"
    port: int = 3000
    # secbot's public HTTPS address (e.g. https://secbot.example.org): Slack then shows the monthly
    # digest's chart in the summary message from GET /charts/…; without it the chart is uploaded
    # into the summary's thread (files:write; Slack allows about 100 uploads a minute).
    public_url: str | None = None
    # Unset: one on SQLite, where answering is Python under the interpreter lock from end to end and
    # a second thread only contends for it with the event loop; two on PostgreSQL, where a thread
    # waits on the network for each query and another can answer meanwhile (bench/slack_http.py).
    answer_threads: int | None = Field(default=None, ge=1, le=64)

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

    # Microsoft Teams (Azure Bot registration). SECBOT_TEAMS_AUTH=off is for a local emulator only.
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_tenant_id: str | None = None
    # Azure no longer creates multi-tenant bots (since 31 July 2025), so single-tenant is the default.
    teams_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = "SingleTenant"
    teams_auth: Literal["on", "off"] = "on"
    # Where Bot Framework publishes its token-signing keys (change only for a sovereign cloud or a test).
    teams_openid_metadata_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    # Hosts a Teams activity's serviceUrl may name; empty means Microsoft's own. "*" allows any
    # host and is for tests and emulators only: the serviceUrl is where secbot sends its token.
    teams_service_hosts: list[str] = []

    # SECAS admins by platform identity: "slack:<team id>:<user id>", "teams:<tenant id>:<Entra object id>";
    # and where admins are told things (paused subscriptions, missed digests): "slack:<team>:<channel>",
    # "teams:<conversation id>".
    admins: list[str] = []
    admin_channels: list[str] = []
    subscriptions_admin_only: bool = False  # by default any member of a channel may change its subscriptions
    # Admin grants by membership: Slack user groups ("<team id>:<user group id>" or a bare "S0123")
    # and Teams teams ("<AAD group id>", the team's groupId); checked when an admin-only command is used.
    admin_slack_usergroups: list[str] = []
    admin_teams_teams: list[str] = []
    admin_membership_cache_seconds: int = 300

    # Register sync: download the register workbook or CSV from an HTTPS address and import it
    sync_url: str | None = None
    sync_every_minutes: int = 0  # 0: only `secbot sync`; otherwise also a scheduled job in `secbot serve`
    sync_timeout_seconds: float = 30.0
    sync_max_bytes: int = 20_000_000

    # Scheduled digests
    schedules_file: Path = Path("config/schedules.yaml")  # built-in defaults when the file is absent
    digest_grace_hours: float = 6.0  # a digest due while secbot was down is still sent this late
    consultation_reminder_days: int = 3  # remind this many deadline working days before a consultation closes
    outbox_lease_seconds: int = 300  # a claimed post not sent by then may be sent by another process

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id) or self.teams_auth == "off"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.slack_client_id)) or bool(
            self.slack_app_token and self.slack_bot_token
        )

    @property
    def serves_http(self) -> bool:
        """Whether ``secbot serve`` listens for HTTP (``/healthz``, ``/calendar.ics``, ``/charts/…`` and the
        chat routes): always with Slack or Teams on, and without them when SECBOT_HOST or SECBOT_PORT is set,
        so that a fresh machine's ``make run`` is the shell alone and opens no port."""
        return self.slack_enabled or self.teams_enabled or bool({"host", "port"} & self.model_fields_set)

    @property
    def slack_oauth(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @model_validator(mode="after")
    def _teams_tenant_for_single_tenant(self) -> Settings:
        if self.teams_app_id and self.teams_app_type == "SingleTenant" and not self.teams_tenant_id:
            raise ValueError("SECBOT_TEAMS_TENANT_ID is required for a SingleTenant bot (SECBOT_TEAMS_APP_TYPE)")
        return self

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

    @property
    def resolved_answer_threads(self) -> int:
        if self.answer_threads is not None:
            return self.answer_threads
        return 1 if self.resolved_database_url.startswith("sqlite") else 2

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
