"""Signed outbound webhooks: every change is heard by the endpoints that want it, signed so the
reference Standard Webhooks library accepts it, at least once and in order per incident, through
a receiver's outage, and never about a private incident unless the endpoint is marked for them."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from response_bot import crashpoints
from response_bot.integrations.webhook_signing import new_secret
from response_bot.webhooks.models import DeliveryState, WebhookDelivery
from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.fakevendors.webhook_receiver import Receiver
from tests.support.bot import RunningBot
from tests.support.crash import die_at, forgive_the_dead
from tests.support.flows import command, declare, done, said
from tests.support.people import People
from tests.support.waiting import eventually

TOKEN = "api-token-1"
FAST = {"scheduler_tick": "1s", "webhook_retry_schedule": "1s", "api_tokens": TOKEN}


@pytest.fixture(autouse=True)
def disarmed() -> Iterator[None]:
    yield
    crashpoints.disarm_all()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    got = await Receiver(new_secret()).start()
    yield got
    await got.stop()


@pytest.fixture
async def private_receiver() -> AsyncIterator[Receiver]:
    got = await Receiver(new_secret()).start("/private")
    yield got
    await got.stop()


def endpoint(name: str, receiver: Receiver, options: str = "") -> str:
    return f"{name}={receiver.url} secret={receiver.secret} {options}".strip()


async def deliveries(bot: RunningBot) -> list[WebhookDelivery]:
    async with bot.core.db.transaction() as session:
        return list((await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all())


async def test_each_change_is_heard_in_order_signed_and_shaped_like_the_json_api(
    slack: FakeSlack, people: People, start_bot: StartBot, receiver: Receiver
) -> None:
    bot = await start_bot(webhooks=endpoint("ops", receiver), **FAST)
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    for text in ("sev 2", "status identified", f"lead <@{people.bob.id}>", "followup Add a canary", "close"):
        assert done(await command(slack, people.alice, room, text))
    # The close's own event, then the timeline entry it wrote: wait for the last of them.
    await slack.wait_for(
        lambda: receiver.types()[-2:] == ["incident.closed", "timeline.entry_added"], timeout=10
    )
    types = receiver.types()
    incident_events = [t for t in types if not t.startswith("timeline.")]
    assert incident_events == [
        "incident.declared",
        "incident.severity_changed",
        "incident.status_changed",
        "incident.updated",
        "followup.created",
        "incident.closed",
    ]
    assert all(got.verified for got in receiver.received)
    first = receiver.accepted()[0]
    assert re.fullmatch(r"msg_[0-9a-f]{24}", first.id)
    assert first.headers["content-type"] == "application/json"
    declared_event = first.event
    incident = declared_event["data"]["incident"]
    _, api, _ = await bot.get("/api/v1/incidents/1", headers={"Authorization": f"Bearer {TOKEN}"})
    assert set(incident) == set(json.loads(api)) and incident["title"] == "Checkout errors"
    assert incident["doc_url"] == "http://docs.example.test/incidents/1"
    by_type = {got.event["type"]: got.event for got in receiver.accepted()}
    assert by_type["incident.severity_changed"]["data"]["incident"]["severity"]["name"] == "major"
    assert by_type["incident.status_changed"]["data"]["before"] == "investigating"
    assert by_type["incident.updated"]["data"]["changed"] == ["lead"]
    assert by_type["followup.created"]["data"]["followup"]["text"] == "Add a canary"
    entries = [
        g.event["data"]["entry"] for g in receiver.accepted() if g.event["type"] == "timeline.entry_added"
    ]
    # Each change's own events first, then the timeline entry it wrote.
    assert [e["kind"] for e in entries] == [
        "declared",
        "channel",
        "severity",
        "status",
        "lead",
        "action",
        "closed",
    ]
    assert types[:3] == ["incident.declared", "timeline.entry_added", "timeline.entry_added"]

    async def all_logged() -> bool:  # the log is written just after the receiver's answer
        logged = await deliveries(bot)
        return len(logged) == len(receiver.accepted()) and all(
            d.state is DeliveryState.DELIVERED for d in logged
        )

    await eventually(all_logged, timeout=10)
    assert all(d.attempts == 1 for d in await deliveries(bot))


async def test_a_receiver_outage_is_ridden_out_in_order_with_the_same_id_and_fresh_signatures(
    slack: FakeSlack, people: People, start_bot: StartBot, receiver: Receiver
) -> None:
    bot = await start_bot(webhooks=endpoint("ops", receiver, "events=incident.*"), **FAST)
    receiver.script = [500, (503, 1), "drop", 429]  # the first event meets all of these, then a 200
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    for text in ("sev 2", "status identified", "close"):
        assert done(await command(slack, people.alice, room, text))
    await slack.wait_for(lambda: "incident.closed" in receiver.types(), timeout=20)
    assert receiver.types() == [
        "incident.declared",
        "incident.severity_changed",
        "incident.status_changed",
        "incident.closed",
    ]
    tries = [got for got in receiver.received if got.event["type"] == "incident.declared"]
    assert len(tries) == 5 and all(got.verified for got in tries)
    assert len({got.id for got in tries}) == 1  # the same webhook-id on every attempt
    assert len({got.headers["webhook-timestamp"] for got in tries}) == 5  # signed afresh each time
    assert len({got.headers["webhook-signature"] for got in tries}) == 5
    # Nothing later arrived while the first was still failing.
    first_ok = next(i for i, got in enumerate(receiver.received) if got.answered == 200)
    assert all(got.event["type"] == "incident.declared" for got in receiver.received[: first_ok + 1])
    [logged, *rest] = await deliveries(bot)
    assert logged.state is DeliveryState.DELIVERED and logged.attempts == 5 and logged.last_status == 200
    assert all(d.attempts == 1 for d in rest)


async def test_a_private_incident_is_heard_only_by_endpoints_marked_private(
    slack: FakeSlack, people: People, start_bot: StartBot, receiver: Receiver, private_receiver: Receiver
) -> None:
    hooks = f"{endpoint('ops', receiver)}\n{endpoint('security', private_receiver, 'private')}"
    await start_bot(webhooks=hooks, **FAST)
    public = await declare(slack, people, "Checkout errors")
    secret = await declare(slack, people, "Credential leak", private=True)
    assert public.channel is not None and secret.channel is not None
    assert done(await command(slack, people.alice, secret.channel, "sev 1"))
    assert done(await command(slack, people.alice, public.channel, "sev 3"))
    await slack.wait_for(lambda: "incident.severity_changed" in receiver.types(), timeout=10)
    await slack.wait_for(lambda: private_receiver.types().count("incident.severity_changed") == 2, timeout=10)
    assert {got.event["data"]["incident"]["id"] for got in receiver.accepted()} == {1}
    assert "Credential leak" not in str([got.body for got in receiver.received])
    heard = {got.event["data"]["incident"]["id"] for got in private_receiver.accepted()}
    assert heard == {1, 2}
    leak = next(g for g in private_receiver.accepted() if g.event["data"]["incident"]["id"] == 2)
    assert leak.event["data"]["incident"]["private"] is True


async def test_an_endpoint_hears_only_the_event_types_it_asked_for(
    slack: FakeSlack, people: People, start_bot: StartBot, receiver: Receiver
) -> None:
    await start_bot(webhooks=endpoint("exec", receiver, "events=incident.closed,followup.done"), **FAST)
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    for text in ("sev 1", "followup Add a canary", "close"):
        assert done(await command(slack, people.alice, room, text))
    await slack.wait_for(lambda: receiver.types() == ["incident.closed"], timeout=10)
    await command(slack, people.alice, room, "followups")
    listed = await slack.wait_for(lambda: said(slack, room, "Follow-ups for Incident 1"))
    await slack.click(people.alice, listed, "followup_done")
    await slack.wait_for(lambda: receiver.types() == ["incident.closed", "followup.done"], timeout=10)
    done_event = receiver.accepted()[-1].event["data"]
    assert done_event["followup"]["done"] is True and done_event["followup"]["text"] == "Add a canary"


async def test_events_not_accepted_in_time_are_marked_failed_and_the_channel_told_once(
    slack: FakeSlack, people: People, start_bot: StartBot, receiver: Receiver
) -> None:
    bot = await start_bot(
        webhooks=endpoint("ops", receiver, "events=incident.*"), webhook_retry_for="3s", **FAST
    )
    receiver.script = [500] * 50
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    assert done(await command(slack, people.alice, room, "sev 2"))
    note = await slack.wait_for(
        lambda: said(slack, room, "did not accept this incident's events"), timeout=15
    )
    assert "Webhook endpoint 'ops'" in note.text and "it answered 500" in note.text
    await slack.wait_for(lambda: len([m for m in slack.messages(room) if "Webhook endpoint" in m.text]) == 1)

    async def all_failed() -> bool:
        logged = await deliveries(bot)
        return len(logged) == 2 and all(d.state is DeliveryState.FAILED for d in logged)

    await eventually(all_failed, timeout=10)
    assert len([m for m in slack.messages(room) if "Webhook endpoint" in m.text]) == 1


async def test_410_gone_stops_sending_to_that_url(
    slack: FakeSlack, people: People, start_bot: StartBot, receiver: Receiver
) -> None:
    bot = await start_bot(webhooks=endpoint("ops", receiver, "events=incident.*"), **FAST)
    receiver.script = [410]
    declared = await declare(slack, people, "Checkout errors")
    room = declared.channel
    assert room is not None
    await slack.wait_for(lambda: said(slack, room, "answered 410 Gone"), timeout=10)
    assert done(await command(slack, people.alice, room, "sev 2"))

    async def gone_then_skipped() -> bool:
        return [d.state for d in await deliveries(bot)] == [DeliveryState.GONE, DeliveryState.SKIPPED]

    await eventually(gone_then_skipped, timeout=10)
    assert len(receiver.received) == 1


async def test_the_delivery_log_is_on_a_page_and_in_the_api_without_private_incidents(
    slack: FakeSlack, people: People, start_bot: StartBot, receiver: Receiver, private_receiver: Receiver
) -> None:
    hooks = f"{endpoint('ops', receiver, 'events=incident.declared')}\n" + endpoint(
        "security", private_receiver, "events=incident.declared private"
    )
    bot = await start_bot(webhooks=hooks, **FAST)
    receiver.script = [(503, 120)]  # the public one waits as asked: pending, with its next try
    await declare(slack, people, "Checkout errors")
    await declare(slack, people, "Credential leak", private=True)
    await slack.wait_for(lambda: private_receiver.types() == ["incident.declared"] * 2, timeout=10)
    await slack.wait_for(lambda: len(receiver.received) == 1, timeout=10)

    async def logged_pending() -> list[dict[str, Any]]:
        _, body, _ = await bot.get(
            "/api/v1/webhooks/deliveries", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        return [d for d in json.loads(body)["items"] if d["state"] == "pending" and d["last_status"] == 503]

    await eventually(logged_pending, timeout=10)
    [pending] = await logged_pending()
    assert pending["endpoint"] == "ops" and pending["incident_id"] == 1 and pending["next_attempt_at"]
    _, body, _ = await bot.get("/api/v1/webhooks/deliveries", headers={"Authorization": f"Bearer {TOKEN}"})
    assert {d["incident_id"] for d in json.loads(body)["items"]} == {1}  # tokens see no private incident
    status, _, _ = await bot.get("/api/v1/webhooks/deliveries")
    assert status == 401
    status, page, _ = await bot.get("/webhooks")
    assert status == 200 and "incident.declared" in page and "503" in page and 'href="/incidents/1"' in page
    assert 'href="/incidents/2"' not in page  # anonymous readers see no private incident


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_replica_dying_after_sending_leaves_the_event_redelivered_with_the_same_id(
    slack: FakeSlack, people: People, start_bot: StartBot, receiver: Receiver
) -> None:
    """At least once: killed after the endpoint took the event but before recording it, the next
    replica sends it again with the same `webhook-id`, which the receiver uses to drop the repeat."""
    hooks = endpoint("ops", receiver, "events=incident.declared")
    first = await start_bot(webhooks=hooks, notification_lease="1s", **FAST)
    die_at("after:webhook.deliver", first)
    await slack.slash(people.alice, "Checkout is failing", people.general)
    view = await slack.wait_for_view(people.alice, "incident_declare")
    await slack.submit(people.alice, view, {})
    await slack.wait_for(lambda: first.dead, timeout=10, what="the replica to die after sending")
    second = await start_bot(webhooks=hooks, notification_lease="1s", **FAST)
    await slack.wait_for(lambda: len(receiver.received) == 2, timeout=15)
    assert receiver.received[0].id == receiver.received[1].id and all(g.verified for g in receiver.received)
    assert receiver.types() == ["incident.declared"]

    async def delivered() -> bool:
        return [d.state for d in await deliveries(second)] == [DeliveryState.DELIVERED]

    await eventually(delivered, timeout=10)
    assert (await deliveries(second))[0].attempts == 2
    await slack.settled(timeout=10)
    forgive_the_dead(slack)
