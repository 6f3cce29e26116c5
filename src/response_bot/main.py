"""The composition root: the bot is four components started in order, each registering its own clean-up
on one exit stack as it starts, so they stop in reverse.

    core        settings, the database, the domain services, the ticker (not ticking yet)
    slack       the Web API client, who the bot is, the effect runner, the Bolt app (not connected)
    web         the docs, the API, /healthz and /metrics
    scheduling  the dispatcher, ticked by the ticker
    then the Socket Mode link opens, last.

Stopping runs the stack backwards: stop taking events and let the ones in flight be acked, close the
link, let background work and the effects in hand finish, stop the ticker (a running pass finishes;
what the replica holds is handed back), close the web server, close the HTTP session, dispose the
engine. Within about eight seconds, inside the ten a container orchestrator usually allows.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from response_bot import crashpoints
from response_bot.automation.engine import Automation
from response_bot.crypto import FieldCipher
from response_bot.db.base import utcnow
from response_bot.db.engine import Database
from response_bot.db.idempotency import Deliveries
from response_bot.effects.runner import EffectRunner
from response_bot.effects.service import Effects
from response_bot.extensions import loader
from response_bot.extensions.context import Toolkit
from response_bot.extensions.outbound import Followers, Performers, failure_note
from response_bot.extensions.registry import Registry
from response_bot.incidents.channels import IncidentChannels
from response_bot.incidents.insights import Insights
from response_bot.incidents.proposals import Proposals
from response_bot.incidents.queries import IncidentQueries
from response_bot.incidents.service import IncidentService
from response_bot.integration_setup import configure_integrations
from response_bot.integrations import conference
from response_bot.integrations.tickets import TRACKERS
from response_bot.notifications.rules import PLUGIN_PREFIX, Plan, Rules, built_in_plans
from response_bot.notifications.service import Notifications
from response_bot.scheduling.dispatcher import Dispatcher, replica_name
from response_bot.scheduling.nudges import FollowUpNudges
from response_bot.scheduling.ticker import Ticker
from response_bot.settings import Settings
from response_bot.slack.app import ListenerServices, build_app
from response_bot.slack.channel.setup import ChannelSetup
from response_bot.slack.commands.runner import CommandRunner
from response_bot.slack.declaring.confirmations import Confirmations
from response_bot.slack.extensions.runner import ExtensionRunner
from response_bot.slack.headline import incidents_channel
from response_bot.slack.headline.posts import Headlines
from response_bot.slack.home.tab import HomeTab
from response_bot.slack.outbox.notifier import Notifier
from response_bot.slack.outbox.performer import SlackPerformer
from response_bot.slack.timeline.capture import TimelineCapture
from response_bot.slack.transport.background import Background
from response_bot.slack.transport.client import build_client, outbox_client
from response_bot.slack.transport.errors import ErrorReporter
from response_bot.slack.transport.link import Link
from response_bot.slack.transport.recipients import Replies
from response_bot.slack.workspace.identity import Workspace, identify
from response_bot.slack.workspace.membership import ChannelMembers
from response_bot.slack.workspace.oidc import code_exchanger
from response_bot.slack.workspace.profiles import SlackProfiles
from response_bot.timeline.service import TimelineService
from response_bot.users.service import UserService
from response_bot.vault.service import Vault
from response_bot.web.access import Access
from response_bot.web.app import build_web_app, serve_web
from response_bot.web.auth import Anonymous, Authenticator, OidcClient, Signer, SignInWithSlack, TrustedProxy
from response_bot.web.health import Health
from response_bot.web.insights import InsightsPages
from response_bot.web.json_api import JsonApi
from response_bot.web.metrics import Metrics
from response_bot.web.pages import Pages, templates
from response_bot.webhooks.log import DeliveryLog

log = logging.getLogger("response_bot")

# A declaration and the reminder dispatcher each hold one connection at the same moment.
WARM_CONNECTIONS = 2
# Queued behind another replica's effects: look again shortly, when that one has most likely finished.
WAITING_LOOKS_AGAIN = timedelta(milliseconds=500)


@dataclass(frozen=True)
class Core:
    """Settings, the database and the domain services; nothing here talks to Slack."""

    settings: Settings
    db: Database
    metrics: Metrics
    registry: Registry
    ticker: Ticker
    replica: str
    effects: Effects
    notifications: Notifications
    incidents: IncidentService
    channels: IncidentChannels
    proposals: Proposals
    deliveries: Deliveries
    timeline: TimelineService
    queries: IncidentQueries
    vault: Vault
    # The automation rules, if RULES_FILE is set (their timed triggers are checked by the sweep).
    automation: Automation | None = None


@dataclass(frozen=True)
class SlackSide:
    """Everything that talks to Slack, built and identified; its link opens last (`take_events`)."""

    http: aiohttp.ClientSession
    client: AsyncWebClient
    workspace: Workspace
    headline_channel: str
    users: UserService
    members: ChannelMembers
    background: Background
    runner: EffectRunner
    notifier: Notifier
    app: AsyncApp
    link: Link


@dataclass(frozen=True)
class WebSide:
    runner: web.AppRunner
    port: int


@dataclass(frozen=True)
class Scheduling:
    dispatcher: Dispatcher


@dataclass(frozen=True)
class Bot:
    core: Core
    slack: SlackSide
    web: WebSide
    scheduling: Scheduling


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Bot]:
    """The whole bot, up; leaving the block (or failing to start) takes it down in reverse."""
    async with AsyncExitStack() as stack:
        core = await start_core(settings, stack)
        slack = await start_slack(core, stack)
        web = await start_web(core, slack, stack)
        scheduling = await start_scheduling(core, slack, stack)
        await take_events(core, slack, stack)
        log.info(
            "connected to Slack over Socket Mode; headline posts go to %s; docs at %s",
            slack.headline_channel,
            settings.public_url,
        )
        yield Bot(core, slack, web, scheduling)


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    crashpoints.arm_from_environment()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(settings):
        await stop.wait()
        log.info("shutting down")


async def start_core(settings: Settings, stack: AsyncExitStack) -> Core:
    db = Database(settings.database_url, timeout=settings.db_timeout_seconds)
    stack.push_async_callback(db.dispose)
    await db.reach()
    await db.warm(WARM_CONNECTIONS)
    metrics = Metrics()
    db.on_statement(metrics.statement_sent)
    vault = Vault(db, FieldCipher(settings.field_keys) if settings.field_keys else None)
    integrations = await configure_integrations(settings, vault, stack, db)
    registry = loader.load(settings.plugins, integrations=integrations)
    ticker = Ticker(settings.duration("scheduler_tick"))
    replica = replica_name()
    notifications = Notifications(db, _plans(settings, registry))
    notifications.due_now = ticker.nudge
    effects = Effects(db, replica=replica, lease=settings.duration("notification_lease"))
    effects.when_waiting(lambda: ticker.wake_at(utcnow() + WAITING_LOOKS_AGAIN))
    effects.when_failed(failure_note)
    followers = Followers(registry)
    incidents = IncidentService(
        db,
        roles=settings.roles,
        lifecycle=notifications,
        effects=effects,
        followers=followers,
        call_link=conference.template_link(settings.conference_url, settings.conference_url_template),
        auto_create_channel=settings.auto_create_channel,
    )
    effects.on_entry = incidents.entry_added
    return Core(
        settings=settings,
        db=db,
        metrics=metrics,
        registry=registry,
        ticker=ticker,
        replica=replica,
        effects=effects,
        notifications=notifications,
        incidents=incidents,
        channels=IncidentChannels(db, on_added=incidents.entry_added),
        proposals=Proposals(db),
        deliveries=Deliveries(db, settings.duration("notification_lease")),
        timeline=TimelineService(db, on_added=incidents.entry_added),
        automation=next((i for i in integrations if isinstance(i, Automation)), None),
        queries=IncidentQueries(db),
        vault=vault,
    )


async def start_slack(core: Core, stack: AsyncExitStack) -> SlackSide:
    settings = core.settings
    # slack_sdk applies its own timeout only to sessions it creates, so the shared one carries it.
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.slack_timeout_seconds))
    stack.push_async_callback(http.close)
    client = build_client(
        settings.slack_bot_token.get_secret_value(),
        settings.slack_api_url,
        http,
        settings.slack_timeout_seconds,
    )
    workspace = await identify(client)
    headline_channel = await incidents_channel.resolve(client, settings.incident_channel)
    outbox = outbox_client(client)
    doc_url = settings.incident_url
    users = UserService(core.db, SlackProfiles(client))
    members = ChannelMembers(client)
    replies = Replies(client)
    reporter = ErrorReporter(replies)
    background = Background(reporter)
    headlines = Headlines(
        outbox,
        workspace,
        headline_channel,
        doc_url,
        extra_buttons=core.registry.headline_buttons,
        tally=core.incidents.followup_tally,
    )
    setup = ChannelSetup(outbox, core.channels, workspace, doc_url, invitees=settings.invitees)
    runner = EffectRunner(
        core.effects,
        Performers(
            SlackPerformer(outbox, headlines, setup),
            core.registry,
            core.effects,
            core.timeline,
            doc_url,
            core.incidents,
        ),
        core.incidents.get,
        backoff=settings.duration("scheduler_tick"),
        wake_at=core.ticker.wake_at,
    )
    toolkit = Toolkit(
        client=client,
        incidents=core.incidents,
        replies=replies,
        registry=core.registry,
        bot_user_id=workspace.bot_user_id,
        doc_url=doc_url,
        person=users.profile,
        rename_channel=setup.rename,
        proposals=core.proposals,
        vault=core.vault,
        effects=core.effects,
        runner=runner,
        today=lambda: datetime.now(settings.hours.zone).date(),
        tracker=TRACKERS.get(settings.followup_tracker),
    )
    services = ListenerServices(
        incidents=core.incidents,
        users=users,
        channels=core.channels,
        proposals=core.proposals,
        runner=runner,
        confirmations=Confirmations(runner, headlines, replies, doc_url),
        background=background,
        replies=replies,
        commands=CommandRunner(toolkit, core.deliveries),
        extensions=ExtensionRunner(toolkit, core.incidents, core.deliveries),
        home=HomeTab(client, core.incidents, members, doc_url),
        capture=TimelineCapture(client, core.incidents, core.timeline, workspace, settings.timeline_emoji),
    )
    app = build_app(client, workspace, reporter, core.registry, services)
    link = Link(
        app,
        settings.slack_app_token.get_secret_value(),
        settings.socket_ping_interval,
        on_envelope=lambda kind: core.metrics.count(f'response_envelopes_total{{type="{kind}"}}'),
    )
    notifier = Notifier(outbox, toolkit, report_url=lambda i: f"{doc_url(i)}/report.md", doc_url=doc_url)
    return SlackSide(
        http=http,
        client=client,
        workspace=workspace,
        headline_channel=headline_channel,
        users=users,
        members=members,
        background=background,
        runner=runner,
        notifier=notifier,
        app=app,
        link=link,
    )


async def start_web(core: Core, slack: SlackSide, stack: AsyncExitStack) -> WebSide:
    settings = core.settings
    access = Access(core.queries, slack.members)

    async def link_gauge() -> float:
        return 1.0 if await slack.link.is_up() else 0.0

    core.metrics.gauges["response_socket_connected"] = link_gauge
    deliveries = DeliveryLog(core.db) if settings.webhook_endpoints else None
    pages = Pages(core.queries, access, slack.users, templates(), settings.incident_url, deliveries)
    insights = InsightsPages(Insights(core.db), access, pages.render)
    app = build_web_app(
        health=Health(core.db, slack.link.is_up),
        pages=pages,
        api=JsonApi(
            core.queries, access, settings.api_token_list, settings.incident_url, deliveries, insights.api
        ),
        insights=insights,
        auth=_authenticator(settings, slack),
        metrics=core.metrics,
    )
    runner, port = await serve_web(app, settings.http_host, settings.http_port)
    stack.push_async_callback(runner.cleanup)
    return WebSide(runner, port)


async def start_scheduling(core: Core, slack: SlackSide, stack: AsyncExitStack) -> Scheduling:
    settings = core.settings
    tick = settings.duration("scheduler_tick")
    check_after = settings.duration("announce_check_after")

    nudges = FollowUpNudges(core.incidents, settings.hours, settings.reminder_followup_max)

    async def sweep() -> None:
        await core.effects.rearm_failed_setup(failed_for=max(check_after, 10 * tick))
        await core.effects.repair_declarations(auto_create_channel=settings.auto_create_channel)
        await nudges.sweep()
        if core.automation is not None:
            await core.automation.sweep(core.incidents, core.effects)

    dispatcher = Dispatcher(
        core.notifications,
        _rules(settings),
        slack.notifier,
        lease=settings.duration("notification_lease"),
        replica=core.replica,
        # Later than two ticks (plus a second of slack) after it was due: say it is late.
        late_after=2 * tick + timedelta(seconds=1),
        backoff=tick,
        effects=slack.runner,
        sweep=sweep,
        sweep_every=check_after,
    )
    await core.notifications.ensure_open_incidents()

    async def stop_ticking() -> None:
        await asyncio.sleep(0)  # let the scheduler see its last tick finish before it shuts down
        core.ticker.stop()

    # Run in reverse: no more ticks, the running pass finishes, what this replica holds and has not
    # done goes back for another replica to take at once, then the scheduler stops.
    stack.push_async_callback(stop_ticking)
    stack.push_async_callback(slack.runner.release)
    stack.push_async_callback(dispatcher.stop, timeout=2)
    stack.callback(core.ticker.pause)
    core.ticker.start(dispatcher.tick)
    return Scheduling(dispatcher)


async def take_events(core: Core, slack: SlackSide, stack: AsyncExitStack) -> None:
    """Open the link. On the way down, in reverse: it stops taking envelopes, lets the ones in flight
    be acked and closes; then background work and the effects in hand get a few seconds to finish."""
    stack.push_async_callback(slack.runner.stop, timeout=2)
    stack.push_async_callback(slack.background.drain, timeout=3)
    await slack.link.open()
    stack.push_async_callback(slack.link.close)


def _authenticator(settings: Settings, slack: SlackSide) -> Authenticator:
    if settings.web_auth == "proxy":
        return TrustedProxy(settings.web_auth_header, slack.users.id_for_email)
    if settings.web_auth == "slack":
        redirect_uri = f"{settings.public_url}/auth/callback"
        oidc = OidcClient(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            team_id=slack.workspace.team_id,
            authorize_url=settings.slack_oidc_authorize_url,
            redirect_uri=redirect_uri,
            exchange=code_exchanger(
                settings.slack_api_url,
                slack.http,
                settings.slack_client_id,
                settings.slack_client_secret.get_secret_value(),
                redirect_uri,
            ),
        )
        signer = Signer(settings.web_session_secret.get_secret_value())
        return SignInWithSlack(oidc, signer, secure_cookies=settings.public_url.startswith("https://"))
    return Anonymous()


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
