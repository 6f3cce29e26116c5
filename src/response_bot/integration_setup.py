"""Which integrations are on, from the settings and the vault: each is off until its credential is
set, and a half-configured one stops start-up with one line naming what is missing. The composition
root loads what this returns as building blocks; `response-bot check` asks the same questions."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import replace

import aiohttp

from response_bot.automation.engine import Automation
from response_bot.automation.rulebook import Rule
from response_bot.db.engine import Database
from response_bot.errors import StartupError, UserError
from response_bot.integrations import conference, jira, linear, pagerduty, pagerduty_rest, statuspage
from response_bot.integrations.conference import Zoom, ZoomConfig
from response_bot.integrations.jira import Jira, JiraConfig
from response_bot.integrations.linear import Linear, LinearConfig
from response_bot.integrations.pagerduty import PagerDuty, PagerDutyConfig
from response_bot.integrations.pagerduty_rest import PagerDutyRest, RestConfig
from response_bot.integrations.statuspage import Statuspage, StatuspageConfig
from response_bot.integrations.tickets import Tickets
from response_bot.integrations.tracker import Tracker
from response_bot.integrations.webhook_endpoints import Endpoint
from response_bot.integrations.webhook_signing import signing_key
from response_bot.integrations.webhooks import Delivery, Webhooks
from response_bot.settings import ROUTING_KEY, Settings
from response_bot.vault.service import NoSuchSecret, Vault, VaultClosed
from response_bot.webhooks.log import DeliveryLog


async def configure_integrations(
    settings: Settings, vault: Vault, stack: AsyncExitStack, db: Database
) -> list[object]:
    """The integrations whose credentials are set, ready to be loaded as building blocks; their HTTP
    session closes with the stack."""
    pagerduty = await pagerduty_config(settings, vault)
    rest = await pagerduty_rest_config(settings, vault)
    zoom = await zoom_config(settings, vault)
    status_page = await statuspage_config(settings, vault)
    tracker = await tracker_config(settings, vault)
    endpoints = await webhook_config(settings, vault)
    if not any((pagerduty, rest, zoom, status_page, tracker, endpoints, settings.rules_file)):
        return []
    http = integration_session(settings)
    stack.push_async_callback(http.close)
    configured: list[object] = []
    if pagerduty is not None or rest is not None:
        events = pagerduty or PagerDutyConfig(
            "", None, settings.pagerduty_events_url, drills_page=settings.drills_page
        )
        configured.append(PagerDuty(events, http, PagerDutyRest(rest, http) if rest else None))
    if zoom is not None:
        configured.append(Zoom(zoom, http))
    if status_page is not None:
        configured.append(Statuspage(status_page, http))
    if tracker is not None:
        configured.append(tickets(settings, tracker, http))
    hooks = webhooks(settings, endpoints, http, db) if endpoints else None
    if hooks is not None:
        configured.append(hooks)
    rules = settings.rules
    if rules:
        check_rules(rules, settings, configured)
        configured.append(Automation(rules, settings.hours, webhooks=hooks))
    return configured


def check_rules(rules: list[Rule], settings: Settings, configured: list[object]) -> None:
    """Each rule's actions against what is set up: one line naming the rule and the action if
    it asks for something that isn't."""
    names = {e.name for e in settings.webhook_endpoints}
    paging = any(isinstance(o, PagerDuty) and o.rest is not None for o in configured)
    status_page = any(isinstance(o, Statuspage) for o in configured)
    for rule in rules:
        for number, action in enumerate(rule.actions, start=1):
            where = f"RULES_FILE rule '{rule.name}': do[{number}]"
            if action.kind == "page" and not paging:
                raise StartupError(f"{where} pages, which needs PagerDuty's REST API (PAGERDUTY_API_KEY)")
            if action.kind == "webhook" and action.target not in names:
                raise StartupError(
                    f"{where} sends a webhook to '{action.target}', which is not in WEBHOOKS "
                    f"({', '.join(sorted(names)) or 'none set'})"
                )
            if action.kind == "statuspage" and not status_page:
                raise StartupError(
                    f"{where} asks about the status page, which is not set up (STATUSPAGE_PAGE_ID)"
                )
            if action.kind == "role" and action.target not in ("lead", *settings.roles):
                raise StartupError(
                    f"{where} gives the role '{action.target}': roles are lead, {', '.join(settings.roles)}"
                )


def webhooks(
    settings: Settings, endpoints: list[Endpoint], http: aiohttp.ClientSession, db: Database
) -> Webhooks:
    delivery = Delivery(settings.webhook_waits, settings.duration("webhook_retry_for"))
    return Webhooks(endpoints, http, DeliveryLog(db), delivery, settings.incident_url)


async def webhook_config(settings: Settings, vault: Vault) -> list[Endpoint]:
    """WEBHOOKS' endpoints, each with its signing secret (from its line, or the vault); one without
    a secret stops start-up naming the command that makes one."""
    endpoints = []
    for endpoint in settings.webhook_endpoints:
        secret = endpoint.secret or await _stored(vault, endpoint.vault_name)
        if not secret:
            raise StartupError(
                f"WEBHOOKS lists '{endpoint.name}' but the '{endpoint.vault_name}' secret is not set: "
                f"`response-bot webhooks secret {endpoint.name}` makes one and prints it for the receiver"
            )
        try:
            signing_key(secret)
        except ValueError as error:
            raise StartupError(f"the '{endpoint.vault_name}' secret {error}") from None
        endpoints.append(replace(endpoint, secret=secret))
    return endpoints


def integration_session(settings: Settings) -> aiohttp.ClientSession:
    """The HTTP session integrations talk through (the caller closes it)."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=settings.integration_timeout_seconds),
        headers={"User-Agent": "response-bot"},
    )


def tickets(settings: Settings, config: JiraConfig | LinearConfig, http: aiohttp.ClientSession) -> Tickets:
    tracker: Tracker = Jira(config, http) if isinstance(config, JiraConfig) else Linear(config, http)
    return Tickets(
        tracker, on_close=settings.followup_tickets_on_close, poll_seconds=settings.ticket_poll_seconds
    )


async def tracker_config(settings: Settings, vault: Vault) -> JiraConfig | LinearConfig | None:
    """The follow-up tracker (FOLLOWUP_TRACKER), with its credential from the environment or the
    vault; a missing credential stops start-up naming where to put it."""
    if settings.followup_tracker == "jira":
        token = settings.jira_api_token.get_secret_value().strip() or await _stored(
            vault, jira.VAULT_API_TOKEN
        )
        if not token:
            raise StartupError(
                f"FOLLOWUP_TRACKER=jira needs JIRA_API_TOKEN (or the '{jira.VAULT_API_TOKEN}' secret): "
                "an API token of the account JIRA_EMAIL"
            )
        return JiraConfig(
            settings.jira_url,
            settings.jira_project,
            settings.jira_issue_type.strip(),
            settings.jira_email.strip(),
            token,
        )
    if settings.followup_tracker == "linear":
        key = settings.linear_api_key.get_secret_value().strip() or await _stored(vault, linear.VAULT_API_KEY)
        if not key:
            raise StartupError(
                f"FOLLOWUP_TRACKER=linear needs LINEAR_API_KEY (or the '{linear.VAULT_API_KEY}' secret): "
                "a personal API key, lin_api_…"
            )
        return LinearConfig(settings.linear_team_id.strip(), key, settings.linear_api_url)
    return None


async def statuspage_config(settings: Settings, vault: Vault) -> StatuspageConfig | None:
    """Atlassian Statuspage: STATUSPAGE_PAGE_ID, and its API key from the environment or the vault."""
    if not settings.statuspage_page_id:
        return None
    key = settings.statuspage_api_key.get_secret_value().strip() or await _stored(
        vault, statuspage.VAULT_API_KEY
    )
    if not key:
        raise StartupError(
            f"STATUSPAGE_PAGE_ID is set but STATUSPAGE_API_KEY (or the '{statuspage.VAULT_API_KEY}' "
            "secret) is not"
        )
    return StatuspageConfig(settings.statuspage_page_id, key, settings.statuspage_api_url)


async def zoom_config(settings: Settings, vault: Vault) -> ZoomConfig | None:
    """Zoom's Server-to-Server OAuth app: ZOOM_ACCOUNT_ID, and its client id and secret from the
    environment or the vault; a half-configured app stops start-up naming what is missing."""
    if not settings.zoom_account_id:
        return None
    client_id = settings.zoom_client_id or await _stored(vault, conference.VAULT_CLIENT_ID)
    secret = settings.zoom_client_secret.get_secret_value() or await _stored(
        vault, conference.VAULT_CLIENT_SECRET
    )
    missing = [
        name
        for name, value in (
            (f"ZOOM_CLIENT_ID (or the '{conference.VAULT_CLIENT_ID}' secret)", client_id),
            (f"ZOOM_CLIENT_SECRET (or the '{conference.VAULT_CLIENT_SECRET}' secret)", secret),
        )
        if not value
    ]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise StartupError(f"ZOOM_ACCOUNT_ID is set but {' and '.join(missing)} {verb} not")
    return ZoomConfig(
        settings.zoom_account_id, client_id, secret, settings.zoom_api_url, settings.zoom_oauth_url
    )


async def pagerduty_config(settings: Settings, vault: Vault) -> PagerDutyConfig | None:
    """PagerDuty's settings, its routing key from PAGERDUTY_ROUTING_KEY or else the vault."""
    key = settings.pagerduty_routing_key.get_secret_value() or await _stored(
        vault, pagerduty.VAULT_ROUTING_KEY
    )
    if not key:
        return None
    if not ROUTING_KEY.fullmatch(key):
        raise StartupError(
            f"the '{pagerduty.VAULT_ROUTING_KEY}' secret must be the 32-character Integration Key of an "
            "Events API v2 integration on a PagerDuty service"
        )
    return PagerDutyConfig(
        routing_key=key,
        auto_page_at=settings.pagerduty_auto_page_at,
        events_url=settings.pagerduty_events_url,
        drills_page=settings.drills_page,
    )


async def pagerduty_rest_config(settings: Settings, vault: Vault) -> RestConfig | None:
    """PagerDuty's REST API (on-call, paging a service): its key from PAGERDUTY_API_KEY or the vault."""
    key = settings.pagerduty_api_key.get_secret_value().strip() or await _stored(
        vault, pagerduty_rest.VAULT_API_KEY
    )
    if not key:
        return None
    if not settings.pagerduty_from_email:
        raise StartupError(
            f"the '{pagerduty_rest.VAULT_API_KEY}' secret needs PAGERDUTY_FROM_EMAIL: the e-mail of the "
            "PagerDuty user the bot pages as"
        )
    return RestConfig(
        key,
        settings.pagerduty_from_email,
        settings.pagerduty_api_url,
        settings.pagerduty_default_schedule,
        settings.pagerduty_poll_seconds,
    )


async def _stored(vault: Vault, name: str) -> str:
    """A secret from the vault, or "" if there is none (or no vault key to read it with)."""
    try:
        return (await vault.get(name)).strip()
    except (NoSuchSecret, VaultClosed):
        return ""
    except UserError as error:  # stored, but it can't be read with ENCRYPTED_FIELD_KEY
        raise StartupError(f"the '{name}' secret: {error.message}") from None
