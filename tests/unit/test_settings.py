"""Configuration: validation messages an operator can act on, and URL normalisation."""

from __future__ import annotations

from typing import Any

import pytest

from response_bot.incidents.enums import Severity
from response_bot.settings import ConfigError, Settings, load_settings, normalise_database_url

GOOD = {"slack_bot_token": "xoxb-123-456-abc", "slack_app_token": "xapp-1-A1-2-def"}


def settings(**values: Any) -> Settings:
    return load_settings(_env_file=None, **{**GOOD, **values})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db:5432/resp", "postgresql+asyncpg://u:p@db:5432/resp"),
        ("postgresql://u:p@db/resp", "postgresql+asyncpg://u:p@db/resp"),
        ("postgresql://u@db/resp?sslmode=require", "postgresql+asyncpg://u@db/resp?ssl=require"),
        ("sqlite:///response.db", "sqlite+aiosqlite:///response.db"),
        ("sqlite+aiosqlite:////var/lib/r.db", "sqlite+aiosqlite:////var/lib/r.db"),
    ],
)
def test_database_urls_are_normalised_for_the_async_drivers(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected


def test_defaults_are_an_embedded_database_and_loopback_docs() -> None:
    s = settings()
    assert s.database_url == "sqlite+aiosqlite:///response.db"
    assert s.incident_channel == "incidents"
    assert s.slack_api_url == "https://slack.com/api/"
    assert (s.http_host, s.http_port) == ("127.0.0.1", 8000)
    assert s.public_url == "http://127.0.0.1:8000"
    assert s.incident_url(7) == "http://127.0.0.1:8000/incidents/7"


def test_public_url_for_a_wildcard_host_uses_localhost_and_drops_trailing_slash() -> None:
    assert (
        settings(http_host="0.0.0.0", http_port=9000, web_auth="proxy").public_url == "http://localhost:9000"
    )
    assert settings(public_url="https://response.internal/").public_url == "https://response.internal"


def test_channel_names_lose_a_leading_hash() -> None:
    assert settings(incident_channel="#major-incidents").incident_channel == "major-incidents"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"slack_bot_token": "xoxp-user-token"}, "SLACK_BOT_TOKEN must start with xoxb-"),
        ({"slack_app_token": "xoxb-123"}, "SLACK_APP_TOKEN must start with xapp-"),
        ({"slack_bot_token": "  "}, "SLACK_BOT_TOKEN is empty"),
        ({"database_url": "mysql://x/y"}, "DATABASE_URL unsupported database 'mysql'"),
        ({"http_port": 70000}, "HTTP_PORT"),
        ({"public_url": "response.internal"}, "PUBLIC_URL must start with http"),
        (
            {"pagerduty_routing_key": "u+abcdefRESTtoken"},
            "PAGERDUTY_ROUTING_KEY must be the 32-character Integration Key of an Events API v2",
        ),
        ({"pagerduty_auto_page_severity": "sev9"}, "PAGERDUTY_AUTO_PAGE_SEVERITY must be empty"),
        ({"pagerduty_events_url": "events.pagerduty.com"}, "PAGERDUTY_EVENTS_URL must be an http(s) URL"),
        ({"conference_url": "zoom.us/j/1"}, "CONFERENCE_URL must be an http(s) URL"),
        (
            {"conference_url_template": "https://meet.example.com/{title}"},
            "CONFERENCE_URL_TEMPLATE knows {id}, {slug} and {token}, not {title}",
        ),
        (
            {"conference_url_template": "https://meet.example.com/{id"},
            "CONFERENCE_URL_TEMPLATE is not a template",
        ),
        (
            {"conference_url": "https://a.test/x", "conference_url_template": "https://a.test/{id}"},
            "set one kind of call link, not CONFERENCE_URL and CONFERENCE_URL_TEMPLATE",
        ),
        ({"statuspage_api_key": "k"}, "STATUSPAGE_API_KEY needs STATUSPAGE_PAGE_ID"),
        ({"statuspage_page_id": "my page"}, "STATUSPAGE_PAGE_ID must be a Statuspage page id"),
        ({"pagerduty_api_key": "u+abc"}, "PAGERDUTY_API_KEY needs PAGERDUTY_FROM_EMAIL"),
        ({"pagerduty_from_email": "dana"}, "PAGERDUTY_FROM_EMAIL must be the e-mail address"),
        (
            {"zoom_client_id": "abc", "zoom_client_secret": "def"},
            "ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET need ZOOM_ACCOUNT_ID",
        ),
        ({"followup_tracker": "trello"}, "FOLLOWUP_TRACKER must be jira, linear, or empty"),
        (
            {"followup_tracker": "jira", "jira_url": "https://acme.atlassian.net"},
            "FOLLOWUP_TRACKER=jira needs JIRA_PROJECT and JIRA_EMAIL",
        ),
        ({"followup_tracker": "linear"}, "FOLLOWUP_TRACKER=linear needs LINEAR_TEAM_ID"),
        ({"jira_url": "acme.atlassian.net"}, "JIRA_URL must be an http(s) URL such as https://acme"),
        ({"jira_project": "OPS 1"}, "JIRA_PROJECT must be a Jira project key"),
        ({"followup_tickets_on_close": True}, "FOLLOWUP_TICKETS_ON_CLOSE needs FOLLOWUP_TRACKER"),
        ({"reminder_followup_max": -1}, "REMINDER_FOLLOWUP_MAX"),
        ({"webhooks": "ops=ftp://x"}, "WEBHOOKS endpoint 'ops': 'ftp://x' is not an http(s) URL"),
        (
            {"webhooks": "ops=https://x.test secret=whsec_c2hvcnQ="},
            "WEBHOOKS endpoint 'ops': its secret must hold",
        ),
        ({"webhook_retry_schedule": "5s,soon"}, "WEBHOOK_RETRY_SCHEDULE 'soon' is not a duration"),
        ({"webhook_retry_for": "forever"}, "WEBHOOK_RETRY_FOR"),
    ],
)
def test_bad_values_give_one_line_naming_the_variable(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**values)
    text = str(raised.value)
    assert message in text
    assert "\n" not in text and "README" in text


def test_a_missing_token_is_named() -> None:
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN is not set"):
        load_settings(_env_file=None, slack_bot_token="xoxb-1-2-3")


def test_tokens_never_appear_in_the_settings_repr() -> None:
    assert "xoxb-123" not in repr(settings())


def test_open_docs_are_refused_off_loopback() -> None:
    with pytest.raises(
        ConfigError, match=r"WEB_AUTH=none serves incident docs to anyone who can reach 0\.0\.0\.0"
    ):
        settings(http_host="0.0.0.0")


def test_sign_in_with_slack_needs_its_client_and_a_long_session_secret() -> None:
    with pytest.raises(ConfigError, match="WEB_AUTH=slack needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET"):
        settings(web_auth="slack")
    with pytest.raises(ConfigError, match="WEB_SESSION_SECRET must be at least 32"):
        settings(web_auth="slack", slack_client_id="1.2", slack_client_secret="s", web_session_secret="short")
    ok = settings(
        web_auth="slack", slack_client_id="1.2", slack_client_secret="s", web_session_secret="x" * 32
    )
    assert ok.web_auth == "slack"


def test_api_tokens_are_a_comma_separated_secret() -> None:
    s = settings(api_tokens="alpha, beta")
    assert s.api_token_list == ["alpha", "beta"]
    assert "alpha" not in repr(s)


def test_pagerduty_pages_critical_incidents_by_default_and_not_at_all_when_told() -> None:
    assert settings().pagerduty_auto_page_at is Severity.CRITICAL
    assert settings(pagerduty_auto_page_severity="sev2").pagerduty_auto_page_at is Severity.MAJOR
    assert settings(pagerduty_auto_page_severity="").pagerduty_auto_page_at is None
    key = settings(pagerduty_routing_key=" " + "a1" * 16 + " ").pagerduty_routing_key
    assert key.get_secret_value() == "a1" * 16 and "a1a1" not in repr(settings(pagerduty_routing_key=key))
