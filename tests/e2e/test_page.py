"""`page`: paging a PagerDuty service or escalation policy from the incident channel, by name or
through a form, once per request, with who paged whom on the timeline."""

from __future__ import annotations

import json

from sqlalchemy import select

from response_bot.effects.models import Effect, EffectStatus
from response_bot.timeline.models import EntryKind
from tests.conftest import StartBot
from tests.fakeslack import FakeSlack, User, View
from tests.fakevendors.pagerduty import FakePagerDuty
from tests.fakevendors.pagerduty_rest import FakePagerDutyRest
from tests.support.bot import RunningBot
from tests.support.flows import command, declare, done, said
from tests.support.people import People
from tests.support.waiting import eventually


async def filled_form(slack: FakeSlack, user: User) -> View:
    view = await slack.wait_for_view(user, "pagerduty_page")
    await slack.wait_for(lambda: any(b.get("type") == "input" for b in view.blocks), what="the filled form")
    return view


async def recorded(bot: RunningBot) -> list[str]:
    return [e.text for e in await bot.core.timeline.entries(1) if e.kind is EntryKind.INTEGRATION]


def writes(fake: FakePagerDutyRest) -> list[dict[str, str]]:
    return [headers for method, _, headers in fake.requests if method == "POST"]


async def test_page_by_name_makes_one_pagerduty_incident_on_that_service_and_says_who_paged(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    bot = await start_bot(**pagerduty_rest.settings())
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    message = await command(slack, people.alice, declared.channel, "page payments api")
    note = await slack.wait_for(lambda: said(slack, declared.channel, "through PagerDuty"))
    assert note.text == (
        f"📟 <@{people.alice.id}> paged *Payments API* through PagerDuty (incident #1001): "
        "their on-call is being notified."
    )
    await slack.wait_for(lambda: done(message))
    [made] = pagerduty_rest.incidents
    assert made.service == "PSVPAY1" and made.title == "Incident 1: Checkout is failing"
    assert made.requested_by == "dana@example.com" and writes(pagerduty_rest)[0]["From"] == "dana@example.com"
    assert "http://docs.example.test/incidents/1" in made.body["body"]["details"]
    assert made.incident_key and made.incident_key.startswith("response-1-")
    assert await recorded(bot) == [
        f"<@{people.alice.id}> paged Payments API through PagerDuty: Incident 1: Checkout is failing"
    ]


async def test_the_slash_command_opens_a_form_filled_from_pagerduty_and_pages_a_policy(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    await start_bot(**pagerduty_rest.settings())
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await slack.slash(people.alice, "page", declared.channel)
    view = await filled_form(slack, people.alice)
    groups = next(b for b in view.blocks if b.get("block_id") == "page_target")["element"]["option_groups"]
    assert [[o["text"]["text"] for o in g["options"]] for g in groups] == [
        ["Payments API", "Primary database"],
        ["Payments", "Database direct", "Search"],
    ]
    result = await slack.submit(
        people.alice,
        view,
        {"page_target": "escalation_policy:PEPAY01", "page_message": "Card payments <failing>"},
    )
    assert result.closed, result.errors
    note = await slack.wait_for(lambda: said(slack, declared.channel, "through PagerDuty"))
    assert "paged *Payments* through PagerDuty" in note.text
    [made] = pagerduty_rest.incidents
    assert made.body["escalation_policy"] == {"id": "PEPAY01", "type": "escalation_policy_reference"}
    assert made.service == "PSVPAY1" and made.body["body"]["details"].startswith("Card payments <failing>")


async def test_a_mention_offers_a_button_that_opens_the_form(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    await start_bot(**pagerduty_rest.settings())
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "page")
    offer = await slack.wait_for_ephemeral(people.alice, lambda e: "Who should be paged" in e.text)
    await slack.click_ephemeral(people.alice, offer, "pagerduty_page_form")
    view = await filled_form(slack, people.alice)
    assert (await slack.submit(people.alice, view, {"page_target": "service:PSVDB01"})).closed
    await slack.wait_for(lambda: said(slack, declared.channel, "paged *Primary database* through PagerDuty"))
    [made] = pagerduty_rest.incidents
    assert made.service == "PSVDB01" and made.body["body"]["details"].startswith("Incident 1: Checkout")


async def test_paging_the_same_service_twice_leaves_one_pagerduty_incident(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    await start_bot(**pagerduty_rest.settings())
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    for who in (people.alice, people.alice):
        await command(slack, who, declared.channel, "page Payments API")
    await slack.wait_for(
        lambda: len([m for m in slack.messages(declared.channel) if "through PagerDuty" in m.text]) == 2
    )
    assert len(pagerduty_rest.incidents) == 1
    assert len([h for h in writes(pagerduty_rest)]) == 2  # the second was refused as a duplicate, and found


async def test_page_says_what_is_wrong_before_paging_or_after_pagerduty_refuses(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    await start_bot(**pagerduty_rest.settings(pagerduty_from_email="nobody@example.com"))
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "page Billing")
    note = await slack.wait_for_ephemeral(people.alice, lambda e: "PagerDuty has no" in e.text)
    assert note.text == "⚠️ PagerDuty has no service called “Billing”."
    await command(slack, people.alice, declared.channel, "page Payments API")
    refused = await slack.wait_for(lambda: said(slack, declared.channel, "PagerDuty refused"))
    assert "`From` must be the e-mail of a user of this account" in json.dumps(refused.text).replace(
        "\\\\", ""
    )
    assert "PAGERDUTY_FROM_EMAIL" in refused.text and pagerduty_rest.incidents == []


def follows(fake: FakePagerDutyRest, path: str) -> int:
    return len([p for m, p, _ in fake.requests if m == "GET" and p.startswith(path)])


async def test_a_page_acknowledged_then_resolved_in_pagerduty_is_said_once_each_and_then_left_alone(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    bot = await start_bot(**pagerduty_rest.settings(pagerduty_poll_seconds=1))
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "page Payments API")
    await slack.wait_for(lambda: follows(pagerduty_rest, "/incidents/PI1001") >= 1, timeout=10)
    pagerduty_rest.acknowledge("PI1001", "PUDANA1")
    ack = await slack.wait_for(lambda: said(slack, declared.channel, "acknowledged the page"), timeout=10)
    assert ack.text == "✋ Dana Ops acknowledged the page in PagerDuty (#1001)."
    seen = follows(pagerduty_rest, "/incidents/PI1001")
    await slack.wait_for(lambda: follows(pagerduty_rest, "/incidents/PI1001") >= seen + 2, timeout=10)
    assert len([m for m in slack.messages(declared.channel) if "acknowledged the page" in m.text]) == 1
    pagerduty_rest.resolve("PI1001")
    await slack.wait_for(lambda: said(slack, declared.channel, "was resolved in PagerDuty"), timeout=10)
    assert (await recorded(bot))[1:] == [
        "Dana Ops acknowledged the page in PagerDuty (#1001)",
        "PagerDuty incident #1001 was resolved in PagerDuty",
    ]
    await eventually(lambda: followed_to_the_end(bot))  # resolved: no more looking


async def followed_to_the_end(bot: RunningBot) -> bool:
    async with bot.core.db.transaction() as session:
        rows = (await session.scalars(select(Effect).where(Effect.kind == "pagerduty.follow"))).all()
    return bool(rows) and all(row.status == EffectStatus.DONE for row in rows)


async def test_an_automatic_page_is_followed_through_the_rest_api_until_the_incident_closes(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty: FakePagerDuty
) -> None:
    linked = await FakePagerDutyRest(events=pagerduty).start()
    try:
        bot = await start_bot(
            **linked.settings(pagerduty_poll_seconds=1),
            pagerduty_routing_key="R" * 32,
            pagerduty_events_url=pagerduty.url,
        )
        declared = await declare(slack, people, "Checkout is failing", severity="1")
        assert declared.channel is not None
        await slack.wait_for(lambda: follows(linked, "/incidents?incident_key=response-1-") >= 1, timeout=10)
        linked.acknowledge("PI1001", "PUERIN1")
        ack = await slack.wait_for(lambda: said(slack, declared.channel, "acknowledged the page"), timeout=10)
        assert ack.text == "✋ Erin Early acknowledged the page in PagerDuty (#1001)."
        assert done(await command(slack, people.alice, declared.channel, "close"))
        await slack.wait_for(lambda: said(slack, declared.channel, "Resolved the PagerDuty alert"))
        await eventually(lambda: followed_to_the_end(bot), timeout=10)
        assert said(slack, declared.channel, "was resolved in PagerDuty") is None  # the bot resolved it
    finally:
        await linked.stop()


async def test_paging_a_policy_when_pagerduty_already_has_the_incident_adds_it_as_responders(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    await start_bot(**pagerduty_rest.settings())
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "page Primary database")
    await slack.wait_for(lambda: said(slack, declared.channel, "paged *Primary database*"))
    await slack.slash(people.alice, "page", declared.channel)
    view = await filled_form(slack, people.alice)
    submitted = {"page_target": "escalation_policy:PEPAY01", "page_message": "Payments team, please join"}
    assert (await slack.submit(people.alice, view, submitted)).closed
    note = await slack.wait_for(lambda: said(slack, declared.channel, "as responders"))
    assert note.text == (
        f"📟 <@{people.alice.id}> added *Payments* as responders to PagerDuty incident #1001: "
        "their on-call is being notified."
    )
    [made] = pagerduty_rest.incidents
    assert made.responders == [("PUDANA1", "PEPAY01", "Payments team, please join")]


async def test_a_plan_without_responders_is_said_with_what_to_do_instead(
    slack: FakeSlack, people: People, start_bot: StartBot, pagerduty_rest: FakePagerDutyRest
) -> None:
    pagerduty_rest.coordinated_responding = False
    await start_bot(**pagerduty_rest.settings())
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "page Primary database")
    await slack.wait_for(lambda: said(slack, declared.channel, "paged *Primary database*"))
    await slack.slash(people.alice, "page", declared.channel)
    view = await filled_form(slack, people.alice)
    await slack.submit(people.alice, view, {"page_target": "escalation_policy:PEPAY01"})
    note = await slack.wait_for(lambda: said(slack, declared.channel, "won't add"))
    assert "plan doesn't include adding responders. Page a service instead." in note.text
