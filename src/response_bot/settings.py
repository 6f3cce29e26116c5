"""Configuration from environment variables and a `.env` file, validated once at start."""

from __future__ import annotations

import re
import string
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from response_bot.automation import rulebook
from response_bot.crypto import parse_keys
from response_bot.errors import UserError
from response_bot.incidents.enums import Severity
from response_bot.integrations import webhook_endpoints
from response_bot.integrations.webhook_signing import signing_key
from response_bot.notifications.timing import WorkingHours, parse_cadence, parse_duration

README_HINT = "see README.md, 'Configuration'"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
# PagerDuty's Events API v2 integration keys: 32 letters and digits.
ROUTING_KEY = re.compile(r"[A-Za-z0-9]{32}")
# What CONFERENCE_URL_TEMPLATE may name: the incident's number, its title as a slug, a random token.
CALL_TEMPLATE_FIELDS = ("id", "slug", "token")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///response.db"
_TOKEN_SHAPE = {
    "slack_bot_token": ("xoxb-", "the bot token from 'OAuth & Permissions'"),
    "slack_app_token": ("xapp-", "the app-level token with connections:write from 'Basic Information'"),
}


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line naming the variable."""


def normalise_database_url(url: str) -> str:
    """Map the URL forms people paste (postgres://, postgresql://, sqlite://) onto async drivers."""
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("must look like postgresql://user:pass@host/db or sqlite:///path")
    scheme = scheme.lower()
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        parts = urlsplit(f"postgresql+asyncpg://{rest}")
        query = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            # asyncpg spells libpq's sslmode as ssl
            query.append(("ssl", value) if key == "sslmode" else (key, value))
        return urlunsplit(parts._replace(query=urlencode(query)))
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return f"sqlite+aiosqlite://{rest}"
    raise ValueError(f"unsupported database '{scheme}': use postgresql://… or sqlite:///…")


class Settings(BaseSettings):
    """Every setting the bot reads; names match the environment variables (upper case)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    slack_bot_token: SecretStr
    slack_app_token: SecretStr
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = DEFAULT_DATABASE_URL
    incident_channel: str = "incidents"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    public_url: str = ""
    log_level: str = "INFO"
    auto_create_channel: bool = True
    incident_channel_invitees: str = ""
    incident_roles: str = "comms,scribe"
    response_plugins: str = ""
    timeline_emoji: str = "pushpin"
    web_auth: Literal["none", "proxy", "slack"] = "none"
    web_auth_header: str = "X-Forwarded-Email"
    slack_client_id: str = ""
    slack_client_secret: SecretStr = SecretStr("")
    web_session_secret: SecretStr = SecretStr("")
    slack_oidc_authorize_url: str = "https://slack.com/openid/connect/authorize"
    api_tokens: SecretStr = SecretStr("")
    reminder_lead_interval: str = "2m"
    reminder_lead_max: int = Field(default=5, ge=0, le=100)
    reminder_severity_interval: str = "5m"
    reminder_severity_max: int = Field(default=5, ge=0, le=100)
    reminder_close_interval: str = "24h"
    reminder_close_max: int = Field(default=5, ge=0, le=100)
    status_update_cadence: str = "critical=30m,major=60m"
    working_hours: str = "mon-fri 09:00-18:00"
    business_timezone: str = "UTC"
    scheduler_tick: str = "5s"
    notification_lease: str = "60s"
    # A declaration whose headline is still missing this long after is announced again.
    announce_check_after: str = "30s"
    slack_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    encrypted_field_key: SecretStr = SecretStr("")
    # How long a listener may wait for the database before telling the user to try again.
    db_timeout_seconds: float = Field(default=2.0, gt=0, le=2.5)
    # Socket Mode keep-alive; smaller values notice a dead link sooner.
    socket_ping_interval: float = Field(default=10.0, gt=0)
    # Integrations: each is off until its credential is set (here, or in the vault; README.md).
    integration_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    pagerduty_routing_key: SecretStr = SecretStr("")
    pagerduty_auto_page_severity: str = "critical"
    pagerduty_events_url: str = "https://events.pagerduty.com"
    pagerduty_api_key: SecretStr = SecretStr("")
    pagerduty_from_email: str = ""
    pagerduty_api_url: str = "https://api.pagerduty.com"
    pagerduty_default_schedule: str = ""
    # How often a page's PagerDuty incident is looked at for acknowledgements, while the incident is open.
    pagerduty_poll_seconds: float = Field(default=60.0, ge=1, le=3600)
    statuspage_page_id: str = ""
    statuspage_api_key: SecretStr = SecretStr("")
    statuspage_api_url: str = "https://api.statuspage.io/v1"
    # A call per incident: a fixed link, a template ({id}, {slug}, {token}), or a Zoom meeting.
    conference_url: str = ""
    conference_url_template: str = ""
    zoom_account_id: str = ""
    zoom_client_id: str = ""
    zoom_client_secret: SecretStr = SecretStr("")
    zoom_api_url: str = "https://api.zoom.us/v2"
    zoom_oauth_url: str = "https://zoom.us/oauth/token"
    # Follow-ups: their owners are nudged when late; they can become tickets in Jira or Linear.
    reminder_followup_max: int = Field(default=3, ge=0, le=100)
    followup_tracker: str = ""
    followup_tickets_on_close: bool = False
    ticket_poll_seconds: float = Field(default=300.0, ge=1, le=86400)
    jira_url: str = ""
    jira_project: str = ""
    jira_issue_type: str = "Task"
    jira_email: str = ""
    jira_api_token: SecretStr = SecretStr("")
    linear_team_id: str = ""
    linear_api_key: SecretStr = SecretStr("")
    linear_api_url: str = "https://api.linear.app/graphql"
    # Signed outbound webhooks: the endpoints (see integrations/webhook_endpoints.py), and how long
    # an event is tried for.
    webhooks: SecretStr = SecretStr("")
    webhook_retry_schedule: str = "5s,5m,30m,2h,5h,10h"
    webhook_retry_for: str = "24h"
    # Drills page nobody for real unless this says so.
    drills_page: bool = False
    # Automation rules: a TOML or YAML file (see automation/rulebook.py and README.md).
    rules_file: str = ""

    @field_validator("slack_bot_token", "slack_app_token")
    @classmethod
    def _token_shape(cls, value: SecretStr, info: Any) -> SecretStr:
        prefix, what = _TOKEN_SHAPE[info.field_name]
        raw = value.get_secret_value().strip()
        if not raw:
            raise ValueError(f"is empty: set it to {what} ({prefix}…)")
        if not raw.startswith(prefix) or not re.fullmatch(r"[A-Za-z0-9-]+", raw):
            raise ValueError(f"must start with {prefix} ({what})")
        return SecretStr(raw)

    @field_validator("pagerduty_routing_key")
    @classmethod
    def _routing_key(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value().strip()
        if raw and not ROUTING_KEY.fullmatch(raw):
            raise ValueError(
                "must be the 32-character Integration Key of an Events API v2 integration on a PagerDuty "
                "service (not a REST API key)"
            )
        return SecretStr(raw)

    @field_validator("pagerduty_auto_page_severity")
    @classmethod
    def _auto_page(cls, value: str) -> str:
        if value.strip():
            try:
                Severity.parse(value)
            except UserError as error:
                raise ValueError(
                    f"must be empty (never page automatically) or a severity: {error.message}"
                ) from None
        return value.strip()

    @property
    def pagerduty_auto_page_at(self) -> Severity | None:
        value = self.pagerduty_auto_page_severity
        return Severity.parse(value) if value else None

    @field_validator("pagerduty_from_email")
    @classmethod
    def _from_email(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("must be the e-mail address of a user of your PagerDuty account")
        return value

    @model_validator(mode="after")
    def _statuspage(self) -> Settings:
        if self.statuspage_api_key.get_secret_value().strip() and not self.statuspage_page_id:
            raise ValueError(
                "STATUSPAGE_API_KEY needs STATUSPAGE_PAGE_ID: the id of your page "
                "(Statuspage → your avatar → API info)"
            )
        return self

    @field_validator("statuspage_page_id")
    @classmethod
    def _page_id(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"[A-Za-z0-9]{4,64}", value):
            raise ValueError("must be a Statuspage page id: letters and digits, as shown under API info")
        return value

    @model_validator(mode="after")
    def _pagerduty_rest(self) -> Settings:
        if self.pagerduty_api_key.get_secret_value().strip() and not self.pagerduty_from_email:
            raise ValueError(
                "PAGERDUTY_API_KEY needs PAGERDUTY_FROM_EMAIL: the e-mail of the PagerDuty user the bot "
                "pages as (PagerDuty requires it on every page)"
            )
        return self

    @field_validator(
        "pagerduty_events_url",
        "pagerduty_api_url",
        "zoom_api_url",
        "zoom_oauth_url",
        "conference_url",
        "statuspage_api_url",
    )
    @classmethod
    def _vendor_url(cls, value: str, info: Any) -> str:
        if info.field_name == "conference_url" and not value.strip():
            return ""
        if not re.match(r"^https?://[^\s/]+\S*$", value.strip()):
            raise ValueError("must be an http(s) URL")
        return value.strip().rstrip("/") if info.field_name != "conference_url" else value.strip()

    @field_validator("conference_url_template")
    @classmethod
    def _call_template(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as error:
            raise ValueError(f"is not a template: {error}") from None
        unknown = names - set(CALL_TEMPLATE_FIELDS)
        if unknown:
            raise ValueError(f"knows {{id}}, {{slug}} and {{token}}, not {{{sorted(unknown)[0]}}}")
        try:
            sample = value.format(id=1, slug="x", token="x")
        except (ValueError, IndexError, KeyError) as error:
            raise ValueError(f"is not a template: {error}") from None
        if not re.match(r"^https?://[^\s/]+\S*$", sample):
            raise ValueError(
                "must make an http(s) URL, such as https://meet.example.com/incident-{id}-{token}"
            )
        return value

    @model_validator(mode="after")
    def _one_kind_of_call(self) -> Settings:
        chosen = [
            name
            for name, value in (
                ("CONFERENCE_URL", self.conference_url),
                ("CONFERENCE_URL_TEMPLATE", self.conference_url_template),
                ("ZOOM_ACCOUNT_ID", self.zoom_account_id),
            )
            if value
        ]
        if len(chosen) > 1:
            raise ValueError(f"set one kind of call link, not {' and '.join(chosen)}")
        zoom_parts = (self.zoom_client_id, self.zoom_client_secret.get_secret_value())
        if any(zoom_parts) and not self.zoom_account_id:
            raise ValueError(
                "ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET need ZOOM_ACCOUNT_ID (the Server-to-Server OAuth app)"
            )
        return self

    @field_validator("webhooks")
    @classmethod
    def _webhooks(cls, value: SecretStr) -> SecretStr:
        for endpoint in webhook_endpoints.parse(value.get_secret_value()):
            if endpoint.secret:
                try:
                    signing_key(endpoint.secret)
                except ValueError as error:
                    raise ValueError(f"endpoint '{endpoint.name}': its secret {error}") from None
        return value

    @property
    def webhook_endpoints(self) -> list[webhook_endpoints.Endpoint]:
        return webhook_endpoints.parse(self.webhooks.get_secret_value())

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _retry_schedule(cls, value: str) -> str:
        steps = [part.strip() for part in value.split(",") if part.strip()]
        if not steps:
            raise ValueError("must list at least one wait, such as 5s,5m,30m,2h")
        for step in steps:
            parse_duration(step)
        return value

    @property
    def webhook_waits(self) -> tuple[float, ...]:
        return tuple(
            parse_duration(p.strip()).total_seconds()
            for p in self.webhook_retry_schedule.split(",")
            if p.strip()
        )

    @field_validator("rules_file")
    @classmethod
    def _rules_file(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                rulebook.load(value)
            except rulebook.RulesError as error:
                raise ValueError(f"{value} {error}") from None
        return value

    @property
    def rules(self) -> list[rulebook.Rule]:
        return rulebook.load(self.rules_file) if self.rules_file else []

    @field_validator("followup_tracker")
    @classmethod
    def _tracker(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("", "jira", "linear"):
            raise ValueError("must be jira, linear, or empty (follow-ups stay in the bot)")
        return value

    @field_validator("jira_url", "linear_api_url")
    @classmethod
    def _tracker_url(cls, value: str, info: Any) -> str:
        value = value.strip().rstrip("/")
        if value and not re.match(r"^https?://[^\s/]+\S*$", value):
            example = "https://acme.atlassian.net" if info.field_name == "jira_url" else "an http(s) URL"
            raise ValueError(f"must be an http(s) URL such as {example}")
        return value

    @field_validator("jira_project")
    @classmethod
    def _jira_project(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,254}", value):
            raise ValueError("must be a Jira project key such as OPS")
        return value.upper()

    @model_validator(mode="after")
    def _tracker_settings(self) -> Settings:
        needed: dict[str, list[tuple[str, str]]] = {
            "jira": [
                ("JIRA_URL", self.jira_url),
                ("JIRA_PROJECT", self.jira_project),
                ("JIRA_EMAIL", self.jira_email.strip()),
                ("JIRA_ISSUE_TYPE", self.jira_issue_type.strip()),
            ],
            "linear": [("LINEAR_TEAM_ID", self.linear_team_id.strip())],
        }
        missing = [name for name, value in needed.get(self.followup_tracker, []) if not value]
        if missing:
            raise ValueError(f"FOLLOWUP_TRACKER={self.followup_tracker} needs {' and '.join(missing)}")
        if self.followup_tickets_on_close and not self.followup_tracker:
            raise ValueError("FOLLOWUP_TICKETS_ON_CLOSE needs FOLLOWUP_TRACKER (jira or linear)")
        return self

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("incident_channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        value = value.strip().lstrip("#")
        if not value:
            raise ValueError("must name a channel (for example incidents) or give its ID")
        return value

    @field_validator(
        "reminder_lead_interval",
        "reminder_severity_interval",
        "reminder_close_interval",
        "scheduler_tick",
        "notification_lease",
        "announce_check_after",
        "webhook_retry_for",
    )
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("status_update_cadence")
    @classmethod
    def _cadence(cls, value: str) -> str:
        try:
            parse_cadence(value)
        except UserError as error:
            raise ValueError(error.message) from None
        return value

    @field_validator("business_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a timezone name such as Europe/London") from None
        return value

    @model_validator(mode="after")
    def _hours(self) -> Settings:
        try:
            WorkingHours.parse(self.working_hours, self.business_timezone)
        except ValueError as error:
            raise ValueError(f"WORKING_HOURS {error}") from None
        return self

    def duration(self, name: str) -> timedelta:
        return parse_duration(getattr(self, name))

    @property
    def cadence(self) -> dict[Severity, timedelta]:
        return parse_cadence(self.status_update_cadence)

    @property
    def hours(self) -> WorkingHours:
        return WorkingHours.parse(self.working_hours, self.business_timezone)

    @field_validator("encrypted_field_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr) -> SecretStr:
        parse_keys(value.get_secret_value())
        return value

    @property
    def field_keys(self) -> list[str]:
        return parse_keys(self.encrypted_field_key.get_secret_value())

    @field_validator("timeline_emoji")
    @classmethod
    def _emoji(cls, value: str) -> str:
        value = value.strip().strip(":")
        if not re.fullmatch(r"[a-z0-9_+'-]+", value):
            raise ValueError("must be an emoji name such as pushpin (without colons)")
        return value

    @field_validator("incident_channel_invitees")
    @classmethod
    def _invitees(cls, value: str) -> str:
        ids = _split(value)
        bad = [i for i in ids if not re.fullmatch(r"[UW][A-Z0-9]{2,}", i)]
        if bad:
            raise ValueError(f"must be Slack user IDs like U012ABCDEF, comma-separated (not {bad[0]!r})")
        return ",".join(ids)

    @field_validator("incident_roles")
    @classmethod
    def _roles(cls, value: str) -> str:
        roles = [r.lower() for r in _split(value)]
        bad = [r for r in roles if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", r)]
        if bad:
            raise ValueError(f"must be single-word role names, comma-separated (not {bad[0]!r})")
        return ",".join(dict.fromkeys(r for r in roles if r != "lead"))

    @field_validator("response_plugins")
    @classmethod
    def _plugins(cls, value: str) -> str:
        modules = _split(value)
        bad = [m for m in modules if not re.fullmatch(r"[A-Za-z_][\w.]*", m)]
        if bad:
            raise ValueError(f"must be importable module names, comma-separated (not {bad[0]!r})")
        return ",".join(modules)

    @property
    def invitees(self) -> list[str]:
        return _split(self.incident_channel_invitees)

    @property
    def roles(self) -> list[str]:
        return _split(self.incident_roles)

    @property
    def plugins(self) -> list[str]:
        return _split(self.response_plugins)

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    @model_validator(mode="after")
    def _web_auth(self) -> Settings:
        if self.web_auth == "none" and self.http_host not in LOOPBACK:
            raise ValueError(
                f"WEB_AUTH=none serves incident docs to anyone who can reach {self.http_host}; "
                "set WEB_AUTH=slack or WEB_AUTH=proxy, or HTTP_HOST=127.0.0.1"
            )
        if self.web_auth == "slack":
            missing = [
                name
                for name, value in (
                    ("SLACK_CLIENT_ID", self.slack_client_id),
                    ("SLACK_CLIENT_SECRET", self.slack_client_secret.get_secret_value()),
                    ("WEB_SESSION_SECRET", self.web_session_secret.get_secret_value()),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"WEB_AUTH=slack needs {', '.join(missing)}")
            if len(self.web_session_secret.get_secret_value()) < 32:
                raise ValueError("WEB_SESSION_SECRET must be at least 32 characters (random)")
        if not re.fullmatch(r"[A-Za-z0-9-]+", self.web_auth_header):
            raise ValueError("WEB_AUTH_HEADER must be an HTTP header name")
        return self

    @property
    def api_token_list(self) -> list[str]:
        return _split(self.api_tokens.get_secret_value())

    @model_validator(mode="after")
    def _public_url(self) -> Settings:
        if not self.public_url:
            host = "localhost" if self.http_host in ("0.0.0.0", "::", "") else self.http_host
            host = f"[{host}]" if ":" in host else host
            self.public_url = f"http://{host}:{self.http_port}"
        elif not re.match(r"^https?://", self.public_url):
            raise ValueError("PUBLIC_URL must start with http:// or https://")
        self.public_url = self.public_url.rstrip("/")
        return self

    def incident_url(self, incident_id: int) -> str:
        return f"{self.public_url}/incidents/{incident_id}"


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation failures into a one-line `ConfigError`."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
    if error["type"] == "missing":
        return f"{name} is not set; put it in the environment or .env ({README_HINT})"
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:
        return f"{message} ({README_HINT})"
    return f"{name} {message} ({README_HINT})"
