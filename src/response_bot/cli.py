"""`response-bot run | migrate | check | secrets | webhooks | rules`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from response_bot import __version__, logs
from response_bot.errors import StartupError
from response_bot.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from response_bot.db.engine import Database

EXIT_CONFIG = 2
EXIT_STARTUP = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="response-bot",
        description="Response: a self-hosted Slack incident bot on Socket Mode. "
        "Configuration comes from environment variables and .env (see README.md).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", help="apply pending migrations, then connect to Slack and serve the docs"
    )
    run.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations first")
    commands.add_parser("migrate", help="apply pending database migrations and exit")
    commands.add_parser("check", help="validate configuration, reach the database and Slack, then exit")
    secrets = commands.add_parser(
        "secrets", help="manage secrets for extensions (encrypted with ENCRYPTED_FIELD_KEY)"
    )
    actions = secrets.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("new-key", help="print a new key for ENCRYPTED_FIELD_KEY")
    setter = actions.add_parser("set", help="store a secret, read from standard input")
    setter.add_argument("name")
    actions.add_parser("list", help="list the secrets' names (never their values)")
    remover = actions.add_parser("delete", help="delete a secret")
    remover.add_argument("name")
    actions.add_parser("rotate", help="re-encrypt every secret under the first key of ENCRYPTED_FIELD_KEY")
    hooks = commands.add_parser("webhooks", help="outbound webhooks: test an endpoint, make its secret")
    hook_actions = hooks.add_subparsers(dest="action", required=True, metavar="ACTION")
    tester = hook_actions.add_parser("test", help="send a signed ping to an endpoint and print its answer")
    tester.add_argument("target", help="an endpoint's name in WEBHOOKS, or a URL")
    maker = hook_actions.add_parser(
        "secret", help="make a signing secret for an endpoint, store it in the vault and print it"
    )
    maker.add_argument("name")
    rules = commands.add_parser("rules", help="automation rules (RULES_FILE)")
    rule_actions = rules.add_subparsers(dest="action", required=True, metavar="ACTION")
    checker = rule_actions.add_parser(
        "check", help="validate RULES_FILE; with --incident N, say which rules would fire now and why"
    )
    checker.add_argument("--incident", type=int, metavar="N")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "secrets" and args.action == "new-key":
        from response_bot.crypto import FieldCipher

        print(FieldCipher.new_key())
        return 0
    try:
        settings = load_settings()
        logs.configure(settings.log_level)
        if args.command == "run":
            asyncio.run(_run(settings, migrate=not args.no_migrate))
        elif args.command == "migrate":
            _migrate(settings)
        elif args.command == "secrets":
            asyncio.run(_secrets(settings, args.action, getattr(args, "name", None)))
        elif args.command == "rules":
            asyncio.run(_rules_check(settings, args.incident))
        elif args.command == "webhooks":
            if args.action == "test":
                asyncio.run(_webhook_test(settings, args.target))
            else:
                asyncio.run(_webhook_secret(settings, args.name))
        else:
            asyncio.run(_check(settings))
    except ConfigError as error:
        print(f"response-bot: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except StartupError as error:
        print(f"response-bot: {error}", file=sys.stderr)
        return EXIT_STARTUP
    except KeyboardInterrupt:
        return 130
    return 0


def _migrate(settings: Settings) -> None:
    from response_bot.db import migrate

    try:
        migrate.upgrade(settings.database_url)
    except Exception as error:
        raise StartupError(f"migration failed: {_one_line(error)}") from None
    print("response-bot: database schema is up to date")


async def _run(settings: Settings, *, migrate: bool) -> None:
    from response_bot.db.migrate import is_current, upgrade_async
    from response_bot.main import serve

    if migrate:
        try:
            if not await is_current(settings.database_url):
                await upgrade_async(settings.database_url)
        except Exception as error:
            raise StartupError(f"migration failed: {_one_line(error)}") from None
    await serve(settings)


async def _check(settings: Settings) -> None:
    import aiohttp

    from response_bot.db.engine import Database
    from response_bot.db.migrate import is_current
    from response_bot.slack.transport.client import build_client
    from response_bot.slack.transport.link import connection_url
    from response_bot.slack.workspace.identity import identify

    db = Database(settings.database_url)
    try:
        await db.reach()
        print(f"database: reachable ({db.describe()})")
        current = await is_current(settings.database_url)
        if current:
            stuck = await _stuck_effects(db, settings.duration("announce_check_after"))
        else:
            print("database: its schema is behind this version (`response-bot migrate` or `run` updates it)")
            stuck = []
        for line in await _integrations(settings, db, with_vault=current):
            print(line)
    finally:
        await db.dispose()
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=settings.slack_timeout_seconds)
    ) as session:
        client = build_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url, session)
        workspace = await identify(client)
        print(f"slack: bot token accepted (bot user {workspace.bot_user_id} in team {workspace.team_id})")
        await connection_url(client, settings.slack_app_token.get_secret_value())
        print("slack: app token accepted (Socket Mode available)")
    if stuck:
        for line in stuck:
            print(f"stuck: {line}")
        raise StartupError(
            f"{len(stuck)} thing(s) Slack should show, or another system should hear, are not done yet "
            "(listed above); the bot keeps trying on its own, and the reason tells what to fix"
        )
    print("effects: nothing stuck")


async def _integrations(settings: Settings, db: Database, *, with_vault: bool) -> list[str]:
    """A line for each integration: configured and how, or how to turn it on (the vault is read
    only if the schema is current)."""
    import aiohttp

    from response_bot.crypto import FieldCipher
    from response_bot.integration_setup import (
        integration_session,
        pagerduty_config,
        pagerduty_rest_config,
        statuspage_config,
        tickets,
        tracker_config,
        webhook_config,
        zoom_config,
    )
    from response_bot.integrations import pagerduty, pagerduty_rest
    from response_bot.integrations.conference import Zoom
    from response_bot.integrations.pagerduty_rest import PagerDutyRest
    from response_bot.integrations.statuspage import Statuspage
    from response_bot.integrations.webhook_endpoints import EVENT_TYPES
    from response_bot.vault.service import Vault

    keys = settings.field_keys if with_vault else []
    vault = Vault(db, FieldCipher(keys) if keys else None)
    config = await pagerduty_config(settings, vault)
    lines = [
        f"pagerduty: {pagerduty.check(config)}"
        if config is not None
        else "pagerduty: not configured (set PAGERDUTY_ROUTING_KEY, or the "
        f"'{pagerduty.VAULT_ROUTING_KEY}' secret, to page automatically)"
    ]
    rest = await pagerduty_rest_config(settings, vault)
    if rest is not None:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.integration_timeout_seconds)
        ) as http:
            wrong = await pagerduty_rest.check(PagerDutyRest(rest, http))
        if wrong:
            raise StartupError(wrong)
        lines.append(
            f"pagerduty: REST API key accepted (oncall and page work; pages are sent as {rest.from_email})"
        )
    else:
        lines.append("pagerduty: no REST API key, so no `oncall` or `page` (PAGERDUTY_API_KEY)")
    status_page = await statuspage_config(settings, vault)
    if status_page is not None:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.integration_timeout_seconds)
        ) as http:
            wrong = await Statuspage(status_page, http).check()
        if wrong:
            raise StartupError(wrong)
        lines.append(f"statuspage: API key accepted for page {status_page.page_id}")
    else:
        lines.append("statuspage: not configured (STATUSPAGE_PAGE_ID and STATUSPAGE_API_KEY)")
    zoom = await zoom_config(settings, vault)
    if zoom is not None:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.integration_timeout_seconds)
        ) as http:
            wrong = await Zoom(zoom, http).check()
        if wrong:
            raise StartupError(f"Zoom: {wrong}")
        lines.append("call: Zoom credentials accepted (a meeting is made for each new incident)")
    elif settings.conference_url:
        lines.append("call: the same link for every incident (CONFERENCE_URL)")
    elif settings.conference_url_template:
        lines.append("call: a link per incident from CONFERENCE_URL_TEMPLATE")
    else:
        lines.append("call: none (set CONFERENCE_URL, CONFERENCE_URL_TEMPLATE or ZOOM_ACCOUNT_ID)")
    tracker = await tracker_config(settings, vault)
    if tracker is not None:
        async with integration_session(settings) as http:
            filing = tickets(settings, tracker, http)
            wrong = await filing.check()
        if wrong:
            raise StartupError(wrong)
        when = "on a click, and on close" if settings.followup_tickets_on_close else "on a click"
        lines.append(f"follow-ups: {filing.tracker.name} accepted the credentials (tickets filed {when})")
    else:
        lines.append("follow-ups: kept in the bot (FOLLOWUP_TRACKER=jira or linear files them as tickets)")
    for endpoint in await webhook_config(settings, vault):
        heard = (
            "every event" if len(endpoint.events) == len(EVENT_TYPES) else ", ".join(sorted(endpoint.events))
        )
        private = "private incidents too" if endpoint.private else "public incidents only"
        lines.append(f"webhooks: {endpoint.name} → {endpoint.url} ({heard}; {private}; secret set)")
    if not settings.webhook_endpoints:
        lines.append("webhooks: none (WEBHOOKS)")
    if settings.rules_file:
        lines.append(
            f"rules: {len(settings.rules)} in {settings.rules_file}, all valid "
            "(`response-bot rules check` checks their actions against what is set up)"
        )
    else:
        lines.append("rules: none (RULES_FILE)")
    return lines


async def _rules_check(settings: Settings, incident_id: int | None) -> None:
    """RULES_FILE is valid (loading the settings checked it), each action is possible with what is
    set up, and, for one incident, which rules would fire now and why (not)."""
    from contextlib import AsyncExitStack
    from datetime import UTC, datetime

    from response_bot.automation.engine import Automation
    from response_bot.crypto import FieldCipher
    from response_bot.db.engine import Database
    from response_bot.db.migrate import is_current
    from response_bot.incidents.errors import IncidentNotFound
    from response_bot.incidents.service import IncidentService
    from response_bot.integration_setup import configure_integrations
    from response_bot.vault.service import Vault

    if not settings.rules_file:
        raise StartupError("RULES_FILE is not set: there are no rules to check")
    rules = settings.rules
    db = Database(settings.database_url)
    try:
        async with AsyncExitStack() as stack:
            keys = settings.field_keys
            vault = Vault(db, FieldCipher(keys) if keys else None)
            configured = await configure_integrations(settings, vault, stack, db)
        automation = next(o for o in configured if isinstance(o, Automation))
        print(f"{settings.rules_file}: {len(rules)} rule{'s' if len(rules) != 1 else ''}, all valid")
        for rule in rules:
            actions = ", ".join(a.kind for a in rule.actions)
            print(f"  '{rule.name}': when {rule.trigger.value}; does {actions}")
        if incident_id is None:
            return
        if not await is_current(settings.database_url):
            raise StartupError("the database schema is behind this version (`response-bot migrate`)")
        incidents = IncidentService(db)
        try:
            incident = await incidents.get(incident_id)
        except IncidentNotFound:
            raise StartupError(f"there is no incident {incident_id}") from None
        last = (await incidents.last_updates([incident_id])).get(incident_id)
        now = datetime.now(UTC)
        print(f"incident {incident_id} ({incident.title}), now:")
        for rule in rules:
            verdict = automation.explain(rule, incident, last, now)
            print(f"  '{rule.name}': {'would fire' if verdict.fires else 'would not fire'}: {verdict.why}")
    finally:
        await db.dispose()


async def _webhook_test(settings: Settings, target: str) -> None:
    """A signed ping to one endpoint (by name, with its secret; or any URL, with a fresh secret)."""
    import re

    from response_bot.crypto import FieldCipher
    from response_bot.db.engine import Database
    from response_bot.integration_setup import integration_session, webhook_config
    from response_bot.integrations.webhook_endpoints import EVENT_TYPES, Endpoint
    from response_bot.integrations.webhook_signing import new_secret
    from response_bot.integrations.webhooks import Delivery, Webhooks
    from response_bot.vault.service import Vault
    from response_bot.webhooks.log import DeliveryLog

    db = Database(settings.database_url)
    try:
        keys = settings.field_keys
        vault = Vault(db, FieldCipher(keys) if keys else None)
        configured = (
            {e.name: e for e in await webhook_config(settings, vault)} if settings.webhook_endpoints else {}
        )
    finally:
        await db.dispose()
    endpoint = configured.get(target) or next((e for e in configured.values() if e.url == target), None)
    if endpoint is None:
        if not re.match(r"^https?://[^\s/]+\S*$", target):
            names = ", ".join(configured) or "none"
            raise StartupError(f"'{target}' is neither an endpoint in WEBHOOKS ({names}) nor an http(s) URL")
        endpoint = Endpoint("test", target, frozenset(EVENT_TYPES), secret=new_secret())
        print(f"signed with a new secret, {endpoint.secret} (not stored)")
    async with integration_session(settings) as http:
        hooks = Webhooks(
            [endpoint], http, DeliveryLog(db), Delivery((1.0,), timedelta(seconds=1)), settings.incident_url
        )
        status, said = await hooks.ping(endpoint)
    print(f"POST {endpoint.url}: {status if status is not None else 'no answer'} ({said})")
    if status is None or not 200 <= status < 300:
        raise StartupError(f"webhook endpoint '{endpoint.name}' did not accept the ping ({said})")


async def _webhook_secret(settings: Settings, name: str) -> None:
    from response_bot.crypto import FieldCipher
    from response_bot.db.engine import Database
    from response_bot.integrations.webhook_endpoints import NAME, vault_name
    from response_bot.integrations.webhook_signing import new_secret
    from response_bot.vault.service import Vault

    if not NAME.fullmatch(name):
        raise StartupError(f"'{name}' is not an endpoint name (lower-case letters, digits, - or _)")
    if not settings.field_keys:
        raise StartupError(
            "storing a secret needs ENCRYPTED_FIELD_KEY (`response-bot secrets new-key` makes one)"
        )
    db = Database(settings.database_url)
    try:
        secret = new_secret()
        await Vault(db, FieldCipher(settings.field_keys)).set(vault_name(name), secret)
    finally:
        await db.dispose()
    print(f"stored as the '{vault_name(name)}' secret; give the receiver this secret:")
    print(secret)


async def _secrets(settings: Settings, action: str, name: str | None) -> None:
    from response_bot.crypto import FieldCipher
    from response_bot.db.engine import Database
    from response_bot.errors import UserError
    from response_bot.vault.service import Vault

    keys = settings.field_keys
    db = Database(settings.database_url)
    vault = Vault(db, FieldCipher(keys) if keys else None)
    try:
        if action == "set":
            assert name is not None
            value = sys.stdin.read().rstrip("\n")
            if not value:
                raise StartupError(
                    'no value on standard input (try: printf %s "$TOKEN" | response-bot secrets set NAME)'
                )
            await vault.set(name, value)
            print(f"secret {name} stored")
        elif action == "list":
            for stored in await vault.names():
                print(stored)
        elif action == "delete":
            assert name is not None
            print(f"secret {name} deleted" if await vault.delete(name) else f"no secret called {name}")
        elif action == "rotate":
            print(f"re-encrypted {await vault.rotate()} secrets under the first key")
    except UserError as error:
        raise StartupError(error.message) from None
    finally:
        await db.dispose()


async def _stuck_effects(db: Database, older_than: timedelta) -> list[str]:
    """Effects still not done well after they were stored: which incident, what, and why."""
    from response_bot.effects.service import Effects

    effects = await Effects(db, replica="check", lease=older_than).stuck(older_than)
    lines = []
    for effect in effects:
        why = effect.last_error or ("held by " + effect.locked_by if effect.locked_by else "not tried yet")
        lines.append(
            f"incident {effect.incident_id}: {effect.kind} is {effect.status} after {effect.attempts} "
            f"attempt(s): {why}"
        )
    return lines


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return logs.redact(text[0] if text else type(error).__name__)
