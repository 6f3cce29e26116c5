"""The composition root: settings → database → services → Slack → web, and back down in reverse."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from response_bot import crashpoints
from response_bot.crypto import FieldCipher
from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.db.idempotency import Deliveries
from response_bot.effects.runner import EffectRunner
from response_bot.effects.service import Effects
from response_bot.errors import StartupError
from response_bot.extensions import loader
from response_bot.extensions.context import Toolkit
from response_bot.extensions.registry import Registry
from response_bot.incidents.channels import IncidentChannels
from response_bot.incidents.proposals import Proposals
from response_bot.incidents.queries import IncidentQueries
from response_bot.incidents.service import IncidentService
from response_bot.notifications.rules import PLUGIN_PREFIX, Plan, Rules, built_in_plans
from response_bot.notifications.service import Notifications
from response_bot.scheduling.dispatcher import Dispatcher, replica_name
from response_bot.scheduling.ticker import Ticker
from response_bot.settings import Settings
from response_bot.slack import headline_channel
from response_bot.slack.app import build_app, build_client, open_link
from response_bot.slack.background import Background
from response_bot.slack.capture import TimelineCapture
from response_bot.slack.channel_setup import ChannelSetup
from response_bot.slack.commands import CommandRunner
from response_bot.slack.confirmations import Confirmations
from response_bot.slack.errors import ErrorReporter
from response_bot.slack.extension_runner import ExtensionRunner
from response_bot.slack.gate import Gate
from response_bot.slack.headlines import Headlines
from response_bot.slack.home import HomeTab
from response_bot.slack.membership import ChannelMembers
from response_bot.slack.notifier import Notifier
from response_bot.slack.oidc import code_exchanger
from response_bot.slack.performer import SlackPerformer
from response_bot.slack.profiles import SlackProfiles
from response_bot.slack.recipients import Replies
from response_bot.slack.workspace import Workspace, identify
from response_bot.timeline.service import TimelineService
from response_bot.users.service import UserService
from response_bot.vault.service import Vault
from response_bot.web.access import Access
from response_bot.web.api import Api
from response_bot.web.app import build_web_app, start_web
from response_bot.web.auth import Anonymous, Authenticator, OidcClient, Signer, SignInWithSlack, TrustedProxy
from response_bot.web.health import Health
from response_bot.web.metrics import Metrics
from response_bot.web.pages import Pages, templates

log = logging.getLogger("response_bot")

# A declaration and the reminder dispatcher each hold one connection at the same moment.
WARM_CONNECTIONS = 2
WAITING_LOOKS_AGAIN = timedelta(milliseconds=500)


@dataclass
class Services:
    incidents: IncidentService
    users: UserService
    timeline: TimelineService


class Runtime:
    """Everything one bot process runs. `start()` brings it up, `stop()` takes it down in reverse."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url, timeout=settings.db_timeout_seconds)
        self.metrics = Metrics()
        self.db.on_statement(self.metrics.statement_sent)
        self.http: aiohttp.ClientSession | None = None
        self.handler: AsyncSocketModeHandler | None = None
        self.gate: Gate | None = None
        self.web_runner: web.AppRunner | None = None
        self.background: Background | None = None
        self.workspace: Workspace | None = None
        self.services: Services | None = None
        self.registry: Registry | None = None
        self.dispatcher: Dispatcher | None = None
        self.effect_runner: EffectRunner | None = None
        self.ticker: Ticker | None = None
        self.http_port: int = settings.http_port

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        settings = self.settings
        if not await self.db.ping(timeout=5):
            raise StartupError(
                f"DATABASE_URL: cannot reach the database ({_describe_db(settings.database_url)})"
            )
        await self.db.warm(WARM_CONNECTIONS)
        # slack_sdk applies its own timeout only to sessions it creates, so the shared one carries it.
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.slack_timeout_seconds))
        client = build_client(
            settings.slack_bot_token.get_secret_value(),
            settings.slack_api_url,
            self.http,
            settings.slack_timeout_seconds,
        )
        self.workspace = await _identify(client, settings.slack_api_url)
        channel_id = await headline_channel.resolve(client, settings.incident_channel)

        registry = self.registry = loader.load(settings.plugins)
        tick = settings.duration("scheduler_tick")
        lease = settings.duration("notification_lease")
        replica = replica_name()
        # The outbox's own client never retries or sleeps by itself: the outbox reschedules.
        outbox_client = AsyncWebClient(
            token=client.token,
            base_url=settings.slack_api_url,
            session=self.http,
            timeout=int(max(1, settings.slack_timeout_seconds)),
            retry_handlers=[],
        )
        notifications = Notifications(self.db, _plans(settings, registry))
        notifications.due_now = self._nudge
        effects = Effects(self.db, replica=replica, lease=lease)
        # Queued behind another replica's: look again shortly, when that one has most likely finished.
        effects.when_waiting(lambda: self._wake_at(utcnow() + WAITING_LOOKS_AGAIN))
        incidents = IncidentService(
            self.db,
            roles=settings.roles,
            lifecycle=notifications,
            effects=effects,
            auto_create_channel=settings.auto_create_channel,
        )
        channels = IncidentChannels(self.db)
        proposals = Proposals(self.db)
        deliveries = Deliveries(self.db, lease)
        users = UserService(self.db, SlackProfiles(client))
        timeline = TimelineService(self.db)
        self.services = Services(incidents, users, timeline)
        replies = Replies(client)
        reporter = ErrorReporter(replies)
        self.background = Background(reporter)
        doc_url = settings.incident_url
        members = ChannelMembers(client)
        headlines = Headlines(
            outbox_client, self.workspace, channel_id, doc_url, extra_buttons=registry.headline_buttons
        )
        setup = ChannelSetup(outbox_client, channels, self.workspace, doc_url, invitees=settings.invitees)
        self.effect_runner = runner = EffectRunner(
            effects,
            SlackPerformer(outbox_client, headlines, setup),
            incidents.get,
            backoff=tick,
            wake_at=self._wake_at,
        )
        toolkit = Toolkit(
            client=client,
            incidents=incidents,
            replies=replies,
            registry=registry,
            bot_user_id=self.workspace.bot_user_id,
            doc_url=doc_url,
            person=users.profile,
            rename_channel=setup.rename,
            proposals=proposals,
            vault=Vault(self.db, FieldCipher(settings.field_keys) if settings.field_keys else None),
            effects=effects,
            runner=runner,
        )
        app = build_app(
            client,
            self.workspace,
            reporter,
            registry,
            {
                "incidents": incidents,
                "users": users,
                "channels": channels,
                "proposals": proposals,
                "runner": runner,
                "confirmations": Confirmations(runner, headlines, replies, doc_url),
                "background": self.background,
                "replies": replies,
                "commands": CommandRunner(toolkit, deliveries),
                "extensions": ExtensionRunner(toolkit, incidents, deliveries),
                "home": HomeTab(client, incidents, members, doc_url),
                "capture": TimelineCapture(
                    client, incidents, timeline, self.workspace, settings.timeline_emoji
                ),
            },
        )

        queries = IncidentQueries(self.db)
        access = Access(queries, members)
        health = Health(self.db, self._link_up)
        pages = Pages(queries, access, users, templates(), doc_url)
        api = Api(queries, access, settings.api_token_list, doc_url)
        auth = self._authenticator(users)
        self.metrics.gauges["response_socket_connected"] = self._link_gauge
        self.web_runner, self.http_port = await start_web(
            build_web_app(health=health, pages=pages, api=api, auth=auth, metrics=self.metrics),
            settings.http_host,
            settings.http_port,
        )
        self.handler, self.gate = await open_link(
            app,
            settings.slack_app_token.get_secret_value(),
            settings.socket_ping_interval,
            on_envelope=lambda kind: self.metrics.count(f'response_envelopes_total{{type="{kind}"}}'),
        )
        notifier = Notifier(
            outbox_client,
            toolkit,
            report_url=lambda i: f"{doc_url(i)}/report.md",
            doc_url=doc_url,
        )
        check_after = settings.duration("announce_check_after")

        async def sweep() -> None:
            await effects.rearm_failed_setup(failed_for=max(check_after, 10 * tick))
            await effects.repair_declarations(auto_create_channel=settings.auto_create_channel)

        self.dispatcher = Dispatcher(
            notifications,
            _rules(settings),
            notifier,
            lease=lease,
            replica=replica,
            # Later than two ticks (plus a second of slack) after it was due: say it is late.
            late_after=2 * tick + timedelta(seconds=1),
            backoff=tick,
            effects=runner,
            sweep=sweep,
            sweep_every=check_after,
        )
        await notifications.ensure_open_incidents()
        self.ticker = Ticker(self.dispatcher.tick, tick)
        self.ticker.start()
        log.info(
            "connected to Slack over Socket Mode; headline posts go to %s; docs at %s",
            channel_id,
            settings.public_url,
        )

    def _authenticator(self, users: UserService) -> Authenticator:
        settings = self.settings
        if settings.web_auth == "proxy":
            return TrustedProxy(settings.web_auth_header, users.id_for_email)
        if settings.web_auth == "slack":
            assert self.http is not None and self.workspace is not None
            redirect_uri = f"{settings.public_url}/auth/callback"
            oidc = OidcClient(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                team_id=self.workspace.team_id,
                authorize_url=settings.slack_oidc_authorize_url,
                redirect_uri=redirect_uri,
                exchange=code_exchanger(
                    settings.slack_api_url,
                    self.http,
                    settings.slack_client_id,
                    settings.slack_client_secret.get_secret_value(),
                    redirect_uri,
                ),
            )
            signer = Signer(settings.web_session_secret.get_secret_value())
            return SignInWithSlack(oidc, signer, secure_cookies=settings.public_url.startswith("https://"))
        return Anonymous()

    def _nudge(self) -> None:
        if self.ticker is not None:
            self.ticker.nudge()

    def _wake_at(self, when: datetime) -> None:
        if self.ticker is not None:
            self.ticker.wake_at(when)

    async def _link_gauge(self) -> float:
        return 1.0 if await self._link_up() else 0.0

    async def _link_up(self) -> bool:
        return self.handler is not None and bool(await self.handler.client.is_connected())

    async def stop(self) -> None:
        """In order: take no new envelopes and let the ones in flight be acked, close the link, let
        background work and a running dispatcher pass finish, then the web server and the database.
        Within about eight seconds, inside the ten a container orchestrator usually allows."""
        if self.gate is not None:
            await self.gate.drain(timeout=3)
        if self.handler is not None:
            await self.handler.close_async()
            self.handler = None
        if self.background is not None:
            await self.background.drain(timeout=3)
        if self.effect_runner is not None:
            await self.effect_runner.stop(timeout=2)
        if self.ticker is not None:
            self.ticker.pause()
        if self.dispatcher is not None:
            await self.dispatcher.stop(timeout=2)
            self.dispatcher = None
        if self.effect_runner is not None:
            # What it holds and has not done goes back for another replica to take at once.
            await self.effect_runner.release()
            self.effect_runner = None
        if self.ticker is not None:
            await asyncio.sleep(0)  # let the scheduler see its last tick finish before it shuts down
            self.ticker.stop()
            self.ticker = None
        if self.web_runner is not None:
            await self.web_runner.cleanup()
            self.web_runner = None
        if self.http is not None:
            await self.http.close()
            self.http = None
        await self.db.dispose()


async def _identify(client: AsyncWebClient, api_url: str) -> Workspace:
    try:
        return await identify(client)
    except SlackApiError as error:
        code = error.response.get("error")
        raise StartupError(f"Slack refused SLACK_BOT_TOKEN ({code}): check the bot token (xoxb-…)") from None
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise StartupError(f"cannot reach Slack's Web API at {api_url}: {error}") from None


def _plans(settings: Settings, registry: Registry) -> list[Plan]:
    plans = built_in_plans(
        lead=(settings.duration("reminder_lead_interval"), settings.reminder_lead_max),
        severity=(settings.duration("reminder_severity_interval"), settings.reminder_severity_max),
        close=(settings.duration("reminder_close_interval"), settings.reminder_close_max),
        cadence=settings.cadence,
    )
    for notification in registry.notifications:
        interval = timedelta(minutes=notification.interval_mins) if notification.interval_mins else None
        plans.append(
            Plan(
                f"{PLUGIN_PREFIX}{notification.key}",
                timedelta(minutes=notification.initial_delay_mins),
                interval,
                notification.max_notifications,
            )
        )
    return plans


def _rules(settings: Settings) -> Rules:
    return Rules(
        lead_interval=settings.duration("reminder_lead_interval"),
        severity_interval=settings.duration("reminder_severity_interval"),
        close_interval=settings.duration("reminder_close_interval"),
        cadence=settings.cadence,
        hours=settings.hours,
    )


def _describe_db(url: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"{parsed.host}:{parsed.port or 5432}/{parsed.database}"


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    crashpoints.arm_from_environment()
    runtime = Runtime(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    try:
        await stop.wait()
        log.info("shutting down")
    finally:
        await runtime.stop()
