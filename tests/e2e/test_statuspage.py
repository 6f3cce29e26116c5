"""The status page: posting, updating and resolving a public incident from the channel, never
without a person's click, with every public word shown to them first."""

from __future__ import annotations

from typing import Any

from response_bot.timeline.models import EntryKind
from tests.conftest import StartBot
from tests.fakeslack import FakeSlack, User, View
from tests.fakevendors.statuspage import FakeStatuspage
from tests.support.bot import RunningBot
from tests.support.flows import command, declare, done, is_headline, said
from tests.support.people import People


def configured(fake: FakeStatuspage, **overrides: Any) -> dict[str, Any]:
    return {
        "statuspage_page_id": fake.page_id,
        "statuspage_api_key": fake.api_key,
        "statuspage_api_url": fake.url,
        **overrides,
    }


async def filled_form(slack: FakeSlack, user: User) -> View:
    view = await slack.wait_for_view(user, "status_page_post")
    await slack.wait_for(lambda: any(b.get("type") == "input" for b in view.blocks), what="the filled form")
    return view


def initial(view: View, block_id: str) -> Any:
    element = next(b for b in view.blocks if b.get("block_id") == block_id)["element"]
    return element.get("initial_value") or (element.get("initial_option") or {}).get("value")


async def recorded(bot: RunningBot) -> list[str]:
    return [e.text for e in await bot.core.timeline.entries(1) if e.kind is EntryKind.INTEGRATION]


async def test_posting_shows_every_public_word_first_then_links_it_everywhere(
    slack: FakeSlack, people: People, start_bot: StartBot, statuspage: FakeStatuspage
) -> None:
    bot = await start_bot(**configured(statuspage))
    declared = await declare(slack, people, "Checkout is failing", impact="Card payments fail for some")
    assert declared.channel is not None
    assert statuspage.incidents == []  # declaring posts nothing public
    await slack.slash(people.alice, "statuspage", declared.channel)
    view = await filled_form(slack, people.alice)
    assert initial(view, "public_name") == "Checkout is failing"
    assert initial(view, "public_status") == "investigating"
    assert initial(view, "public_message") == "Card payments fail for some"
    result = await slack.submit(
        people.alice,
        view,
        {
            "public_name": "Payments degraded",
            "public_message": "Some card payments fail.",
            "public_components": ["cmpapi0001"],
        },
    )
    assert result.closed, result.errors
    note = await slack.wait_for(lambda: said(slack, declared.channel, "posted to the"))
    [public] = statuspage.incidents
    assert public.name == "Payments degraded" and public.status == "investigating"
    assert (
        public.updates[0]["body"] == "Some card payments fail." and public.updates[0]["deliver_notifications"]
    )
    assert statuspage.component("cmpapi0001").status == "partial_outage"
    assert public.metadata["response"]["incident"] == "1"
    assert "https://stspg.example.test/inc0000001" in note.text
    await slack.wait_for(
        lambda: "Status page" in str([m.blocks for m in slack.messages(people.incidents) if is_headline(m)])
    )
    _, page, _ = await bot.get("/incidents/1")
    assert 'href="https://stspg.example.test/inc0000001"' in page
    assert "Status page (Investigating): Some card payments fail." in page
    _, report, _ = await bot.get("/incidents/1/report.md")
    assert "- **Status page:** https://stspg.example.test/inc0000001 (Investigating)" in report
    assert "Status page (Investigating): Some card payments fail." in report
    assert await recorded(bot) == ["Status page (Investigating): Some card payments fail."]


async def test_the_form_again_updates_the_same_public_incident(
    slack: FakeSlack, people: People, start_bot: StartBot, statuspage: FakeStatuspage
) -> None:
    await start_bot(**configured(statuspage))
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await slack.slash(people.alice, "statuspage", declared.channel)
    first = {"public_name": "Payments degraded", "public_message": "Looking into it."}
    await slack.submit(people.alice, await filled_form(slack, people.alice), first)
    await slack.wait_for(lambda: said(slack, declared.channel, "posted to the"))
    await slack.slash(people.alice, "statuspage", declared.channel)
    view = await filled_form(slack, people.alice)
    assert view.payload["title"]["text"] == "Update status page"
    assert initial(view, "public_name") == "Payments degraded"  # as posted, not the incident's title
    update = {"public_status": "identified", "public_message": "Found it.", "public_notify": []}
    assert (await slack.submit(people.alice, view, update)).closed
    await slack.wait_for(
        lambda: len([m for m in slack.messages(declared.channel) if "posted to the" in m.text]) == 2
    )
    [public] = statuspage.incidents
    assert [(u["status"], u["body"], u["deliver_notifications"]) for u in public.updates] == [
        ("investigating", "Looking into it.", True),
        ("identified", "Found it.", False),
    ]


async def test_closing_asks_the_closer_and_resolves_only_on_their_click(
    slack: FakeSlack, people: People, start_bot: StartBot, statuspage: FakeStatuspage
) -> None:
    bot = await start_bot(**configured(statuspage))
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await slack.slash(people.alice, "statuspage", declared.channel)
    await slack.submit(
        people.alice,
        await filled_form(slack, people.alice),
        {
            "public_message": "Looking into it.",
            "public_components": ["cmpapi0001", "cmpweb0001"],
            "public_component_status": "major_outage",
        },
    )
    await slack.wait_for(lambda: said(slack, declared.channel, "posted to the"))
    declared.channel.members.add(people.bob.id)
    assert done(await command(slack, people.bob, declared.channel, "close"))
    question = await slack.wait_for(lambda: said(slack, declared.channel, "is still open"))
    assert question.text.startswith(f"🌐 <@{people.bob.id}>, the incident is closed")
    assert statuspage.incidents[0].status == "investigating"  # nothing public without a click
    await slack.click(people.bob, question, "status_page_resolve")
    await slack.wait_for(lambda: said(slack, declared.channel, "resolved the <"))
    [public] = statuspage.incidents
    assert public.status == "resolved"
    assert [c.status for c in statuspage.components] == ["operational", "operational"]
    assert (await recorded(bot))[-1] == "Status page (Resolved): This incident has been resolved."


async def test_a_mention_offers_the_form_and_leaving_it_changes_nothing_public(
    slack: FakeSlack, people: People, start_bot: StartBot, statuspage: FakeStatuspage
) -> None:
    await start_bot(**configured(statuspage))
    declared = await declare(slack, people, "Checkout is failing", private=True)
    assert declared.channel is not None
    assert done(await command(slack, people.alice, declared.channel, "close"))
    assert statuspage.incidents == []  # a private incident posts nothing unless someone does it
    await command(slack, people.alice, declared.channel, "reopen")
    await command(slack, people.alice, declared.channel, "statuspage")
    offer = await slack.wait_for_ephemeral(people.alice, lambda e: "status page" in e.text)
    await slack.click_ephemeral(people.alice, offer, "status_page_form")
    await slack.submit(
        people.alice, await filled_form(slack, people.alice), {"public_message": "Investigating."}
    )
    await slack.wait_for(lambda: said(slack, declared.channel, "posted to the"))
    assert done(await command(slack, people.alice, declared.channel, "close"))
    question = await slack.wait_for(lambda: said(slack, declared.channel, "is still open"))
    await slack.click(people.alice, question, "status_page_leave")
    await slack.wait_for_ephemeral(people.alice, lambda e: "Left the status page as it is" in e.text)
    assert statuspage.incidents[0].status == "investigating"


async def test_statuspage_refusing_is_said_in_the_channel(
    slack: FakeSlack, people: People, start_bot: StartBot, statuspage: FakeStatuspage
) -> None:
    await start_bot(**configured(statuspage))
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await slack.slash(people.alice, "statuspage", declared.channel)
    view = await filled_form(slack, people.alice)
    statuspage.api_key = "rotated"  # the key was revoked after the form opened
    await slack.submit(people.alice, view, {"public_message": "Looking into it."})
    note = await slack.wait_for(lambda: said(slack, declared.channel, "Statuspage refused"))
    assert "Could not authenticate" in note.text and "STATUSPAGE_API_KEY" in note.text
    assert statuspage.incidents == []


async def test_a_post_whose_answer_was_lost_is_found_not_made_twice(
    slack: FakeSlack, people: People, start_bot: StartBot, statuspage: FakeStatuspage
) -> None:
    """Statuspage has no idempotency key: the retry looks for the incident tagged with the call."""
    await start_bot(**configured(statuspage, integration_timeout_seconds=0.3, scheduler_tick="1s"))
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await slack.slash(people.alice, "statuspage", declared.channel)
    view = await filled_form(slack, people.alice)
    statuspage.stalls["POST"] = 0.6
    await slack.submit(people.alice, view, {"public_message": "Looking into it."})
    await slack.wait_for(lambda: said(slack, declared.channel, "posted to the"), timeout=15)
    assert len(statuspage.incidents) == 1
    assert [m for m, p in statuspage.requests if p.endswith("/incidents/unresolved")] == ["GET"]
