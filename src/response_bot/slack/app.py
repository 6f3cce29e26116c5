"""The Bolt app: every flow's listeners, what they are given, and the one error handler."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from response_bot.effects.runner import EffectRunner
from response_bot.extensions.registry import Registry
from response_bot.incidents.channels import IncidentChannels
from response_bot.incidents.proposals import Proposals
from response_bot.incidents.service import IncidentService
from response_bot.slack.channel import listeners as channel
from response_bot.slack.commands import listeners as commands
from response_bot.slack.commands import prompts
from response_bot.slack.commands.runner import CommandRunner
from response_bot.slack.declaring import listeners as declaring
from response_bot.slack.declaring.confirmations import Confirmations
from response_bot.slack.extensions import listeners as extensions
from response_bot.slack.extensions.runner import ExtensionRunner
from response_bot.slack.headline import listeners as headline
from response_bot.slack.home import listeners as home
from response_bot.slack.home.tab import HomeTab
from response_bot.slack.timeline import listeners as timeline
from response_bot.slack.timeline.capture import TimelineCapture
from response_bot.slack.transport.background import Background
from response_bot.slack.transport.errors import ErrorReporter
from response_bot.slack.transport.events import Events
from response_bot.slack.transport.recipients import Replies
from response_bot.slack.workspace.identity import Workspace
from response_bot.users.service import UserService

# Each flow's `register(app, events)`, in the order their handlers run for an event type they share.
FLOWS = (declaring, headline, commands, prompts, channel, timeline, home)


@dataclass(frozen=True)
class ListenerServices:
    """What a listener may name as a parameter besides Bolt's own (`ack`, `body`, `client`, …).

    Bolt injects by parameter name, so `incidents: IncidentService` in a listener's signature gets
    `incidents` below; `tests/listeners/test_wiring.py` checks every listener asks only for these."""

    incidents: IncidentService
    users: UserService
    channels: IncidentChannels
    proposals: Proposals
    runner: EffectRunner
    confirmations: Confirmations
    background: Background
    replies: Replies
    commands: CommandRunner
    extensions: ExtensionRunner
    home: HomeTab
    capture: TimelineCapture


def register_flows(app: AsyncApp, registry: Registry) -> Events:
    """Every flow's listeners on `app`; returns the event types and their handlers, registered too."""
    events = Events()
    for flow in FLOWS:
        flow.register(app, events)
    extensions.register(app, events, registry)
    events.register(app)
    return events


def build_app(
    client: AsyncWebClient,
    workspace: Workspace,
    reporter: ErrorReporter,
    registry: Registry,
    services: ListenerServices,
) -> AsyncApp:
    async def authorize(**_: Any) -> AuthorizeResult:
        # Identity was learnt at start; Bolt need not call auth.test on the first envelope.
        return AuthorizeResult(
            enterprise_id=None,
            team_id=workspace.team_id,
            bot_token=client.token,
            bot_id=workspace.bot_id,
            bot_user_id=workspace.bot_user_id,
            bot_scopes=sorted(workspace.scopes),
        )

    # Bolt builds a client per request from this one plus the token `authorize` returns, so it
    # shares our session and retry handlers without holding the token itself.
    template = AsyncWebClient(
        base_url=client.base_url,
        session=client.session,
        timeout=client.timeout,
        retry_handlers=client.retry_handlers,
    )
    # process_before_response: the ack goes out when the listener returns, so each listener
    # decides what is durable before acking and hands the rest to Background.
    app = AsyncApp(client=template, authorize=authorize, process_before_response=True)
    given = {field.name: getattr(services, field.name) for field in dataclasses.fields(services)}

    async def inject(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context.update(given)
        await next()

    app.use(inject)
    app.error(reporter.bolt_error_handler)
    register_flows(app, registry)
    return app
