"""A call for the war room: a fixed link, a templated one, or a Zoom meeting made per incident."""

from __future__ import annotations

import re
from typing import Any

import pytest

from response_bot.errors import StartupError
from response_bot.timeline.models import EntryKind
from tests.conftest import StartBot
from tests.fakeslack import Channel, FakeSlack, Message
from tests.fakevendors.zoom import FakeZoom
from tests.support.bot import RunningBot
from tests.support.flows import command, declare, is_headline, said
from tests.support.people import People

BRIDGE = "https://meet.example.test/standing-bridge"


def welcome(slack: FakeSlack, channel: Channel) -> Message:
    found = said(slack, channel, "This channel is for")
    assert found is not None
    return found


def headline_text(slack: FakeSlack, people: People) -> str:
    [headline] = [m for m in slack.messages(people.incidents) if is_headline(m)]
    return str(headline.blocks)


def zooming(zoom: FakeZoom, **overrides: Any) -> dict[str, Any]:
    return {
        "zoom_account_id": zoom.account_id,
        "zoom_client_id": zoom.client_id,
        "zoom_client_secret": zoom.client_secret,
        "zoom_api_url": f"{zoom.url}/v2",
        "zoom_oauth_url": f"{zoom.url}/oauth/token",
        "scheduler_tick": "1s",
        **overrides,
    }


async def test_a_fixed_link_is_on_the_headline_in_the_welcome_bookmarked_on_the_doc_page_and_repeated(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    bot = await start_bot(conference_url=BRIDGE)
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await slack.wait_for(lambda: len(declared.channel.bookmarks) == 2)
    assert f"<{BRIDGE}|Join the call>" in headline_text(slack, people)
    assert f"<{BRIDGE}|Join the call>" in str(welcome(slack, declared.channel).blocks)
    assert [(b["title"], b["link"]) for b in declared.channel.bookmarks][1] == ("Call", BRIDGE)
    await command(slack, people.alice, declared.channel, "call")
    assert said(slack, declared.channel, f"The call for Incident 1: <{BRIDGE}|Join the call>")
    status, page, _ = await bot.get("/incidents/1")
    assert status == 200 and f'<a href="{BRIDGE}"' in page
    _, report, _ = await bot.get("/incidents/1/report.md")
    assert f"- **Call:** {BRIDGE}" in report


async def test_a_template_makes_each_incident_its_own_unguessable_room(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    await start_bot(conference_url_template="https://meet.example.test/inc-{id}-{slug}-{token}")
    first = await declare(slack, people, "Checkout is failing")
    second = await declare(slack, people, "Search: slow!")
    links = []
    for declared in (first, second):
        assert declared.channel is not None
        found = re.search(
            r"<(https://meet\.example\.test/[^|>]+)\|Join the call>",
            str(welcome(slack, declared.channel).blocks),
        )
        assert found is not None
        links.append(found.group(1))
    assert re.fullmatch(r"https://meet\.example\.test/inc-1-checkout-is-failing-[0-9a-f]{12}", links[0])
    assert re.fullmatch(r"https://meet\.example\.test/inc-2-search-slow-[0-9a-f]{12}", links[1])


async def test_no_call_configured_means_no_link_and_the_command_says_how(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    await start_bot()
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    await command(slack, people.alice, declared.channel, "call")
    note = await slack.wait_for_ephemeral(people.alice, lambda e: "no call link" in e.text)
    assert "CONFERENCE_URL" in note.text
    assert "Join the call" not in headline_text(slack, people)


async def test_a_zoom_meeting_is_made_once_per_incident_and_shown_without_its_host_link(
    slack: FakeSlack, people: People, start_bot: StartBot, zoom: FakeZoom
) -> None:
    bot = await start_bot(**zooming(zoom))
    declared = await declare(slack, people, "Checkout is failing")
    assert declared.channel is not None
    note = await slack.wait_for(lambda: said(slack, declared.channel, "The call for Incident 1"), timeout=10)
    [meeting] = zoom.meetings
    assert meeting.topic == "Incident 1: Checkout is failing"
    assert meeting.body["settings"]["join_before_host"] is True
    assert f"<{meeting.join_url}|Join the call>" in note.text
    await slack.wait_for(lambda: f"<{meeting.join_url}|Join the call>" in headline_text(slack, people))
    await slack.wait_for(lambda: any(b["link"] == meeting.join_url for b in declared.channel.bookmarks))
    everything = str(
        [m.text + str(m.blocks) for c in slack.workspace.channels.values() for m in slack.messages(c)]
    )
    assert meeting.start_url not in everything and "zak=" not in everything
    assert await recorded(bot) == ["Made a Zoom meeting for the incident"]
    await declare(slack, people, "Search is slow")
    await slack.wait_for(lambda: len(zoom.meetings) == 2, timeout=10)
    assert zoom.token_requests == 1  # the token is kept until it nearly expires


async def test_a_zoom_that_refuses_never_holds_up_declaring_and_says_what_to_check(
    slack: FakeSlack, people: People, start_bot: StartBot, zoom: FakeZoom
) -> None:
    await start_bot(**zooming(zoom, zoom_client_secret="wrong"))
    declared = await declare(slack, people, "Checkout is failing")  # headline, channel, welcome: all there
    assert declared.channel is not None
    note = await slack.wait_for(lambda: said(slack, declared.channel, "Zoom refused"), timeout=10)
    assert "Invalid client_id or client_secret" in note.text and "ZOOM_ACCOUNT_ID" in note.text
    assert zoom.meetings == []


async def test_an_expired_zoom_token_is_replaced_and_the_meeting_still_made(
    slack: FakeSlack, people: People, start_bot: StartBot, zoom: FakeZoom
) -> None:
    await start_bot(**zooming(zoom))
    first = await declare(slack, people, "Checkout is failing")
    assert first.channel is not None
    await slack.wait_for(lambda: said(slack, first.channel, "The call for Incident 1"), timeout=10)
    zoom.expire_tokens()
    second = await declare(slack, people, "Search is slow")
    assert second.channel is not None
    await slack.wait_for(lambda: said(slack, second.channel, "The call for Incident 2"), timeout=10)
    assert len(zoom.meetings) == 2 and zoom.token_requests == 2


async def test_a_private_incidents_meeting_does_not_carry_its_title(
    slack: FakeSlack, people: People, start_bot: StartBot, zoom: FakeZoom
) -> None:
    await start_bot(**zooming(zoom))
    declared = await declare(slack, people, "Acquisition data leak", private=True)
    assert declared.channel is not None
    await slack.wait_for(lambda: said(slack, declared.channel, "The call for Incident 1"), timeout=10)
    [meeting] = zoom.meetings
    assert meeting.topic == "Incident 1" and "Acquisition" not in str(meeting.body)


async def recorded(bot: RunningBot) -> list[str]:
    return [e.text for e in await bot.core.timeline.entries(1) if e.kind is EntryKind.INTEGRATION]


async def test_a_half_configured_zoom_stops_start_up_naming_what_is_missing(start_bot: StartBot) -> None:
    with pytest.raises(StartupError) as stopped:
        await start_bot(zoom_account_id="acct-1")
    assert str(stopped.value) == (
        "ZOOM_ACCOUNT_ID is set but ZOOM_CLIENT_ID (or the 'zoom-client-id' secret) and "
        "ZOOM_CLIENT_SECRET (or the 'zoom-client-secret' secret) are not"
    )
