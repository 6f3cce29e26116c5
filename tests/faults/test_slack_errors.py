"""Slack's Web API misbehaves: retried within bounds, or the person is told, and no incident is left
half-made (stored but never announced)."""

from __future__ import annotations

from typing import Any

from tests.conftest import StartBot
from tests.fakeslack import FakeSlack, Message
from tests.support.flows import is_headline
from tests.support.people import People
from tests.support.tcpproxy import TcpProxy

REPAIR = {
    "scheduler_tick": "1s",
    "announce_check_after": "1s",
    "reminder_lead_max": 0,
    "reminder_severity_max": 0,
}


def headline_post(args: dict[str, Any]) -> bool:
    return is_headline(Message("", "", "", metadata=args.get("metadata")))


def headlines(slack: FakeSlack, people: People) -> list[Message]:
    return [m for m in slack.messages(people.incidents) if is_headline(m)]


async def submit_declaration(slack: FakeSlack, people: People, title: str = "Payments down") -> None:
    await slack.slash(people.alice, title, people.general)
    view = await slack.wait_for_view(people.alice, "incident_declare")
    result = await slack.submit(people.alice, view)
    assert result.closed


async def test_a_rate_limited_headline_post_is_retried_after_retry_after(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    await start_bot()
    slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=1, match=headline_post)
    await submit_declaration(slack, people)
    note = await slack.wait_for_ephemeral(people.alice, timeout=10)
    assert "Thanks for declaring" in note.text
    assert len(headlines(slack, people)) == 1
    posts = [c for c in slack.calls("chat.postMessage") if headline_post(c.args)]
    assert [c.response.get("error") for c in posts] == ["ratelimited", None]


async def test_server_errors_on_opening_the_modal_are_retried(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    await start_bot()
    slack.fail("views.open", "internal_error", status=503)
    await slack.slash(people.alice, "Search down", people.general)
    await slack.wait_for_view(people.alice, "incident_declare")


async def test_a_headline_slack_refuses_is_posted_later_by_itself_once(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    await start_bot(**REPAIR)
    fault = slack.fail("chat.postMessage", "internal_error", status=500, times=50, match=headline_post)
    await submit_declaration(slack, people)
    note = await slack.wait_for_ephemeral(people.alice, lambda e: "is saved" in e.text, timeout=10)
    assert "no need to declare it again" in note.text
    assert headlines(slack, people) == []
    fault.times = 0  # Slack recovers
    await slack.wait_for(lambda: headlines(slack, people), timeout=10)
    dm = await slack.wait_for(lambda: slack.dms(people.alice), timeout=5)
    assert "headline is up now" in dm[-1].text
    await slack.settled()
    assert len(headlines(slack, people)) == 1


async def test_a_headline_post_whose_answer_times_out_is_found_not_repeated(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    """Slack posted it but the answer never came: the retry finds it by its metadata, and the
    reporter's confirmation (which waits a few seconds for the headline) links it as usual."""
    await start_bot(**REPAIR, slack_timeout_seconds=1)
    slack.fail("chat.postMessage", None, hold=3, match=headline_post)
    await submit_declaration(slack, people)
    note = await slack.wait_for_ephemeral(people.alice, timeout=10)
    assert "Thanks for declaring" in note.text and "headline post" in note.text
    assert slack.calls("conversations.history")  # looked before posting again
    assert len(headlines(slack, people)) == 1
    assert len([c for c in slack.arrivals if c.method == "chat.postMessage" and headline_post(c.args)]) == 1
    await slack.settled()
    assert slack.dms(people.alice) == []  # told once, correctly: no second note


async def test_slack_unreachable_while_declaring_the_incident_is_announced_when_it_returns(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    """The Web API refuses connections (the websocket stays up): nothing is lost, nothing doubled."""
    proxy = await TcpProxy("127.0.0.1", int(slack.api_url.split(":")[2].split("/")[0])).start()
    try:
        api_url = slack.api_url.replace(slack.api_url.split("/")[2], f"127.0.0.1:{proxy.port}")
        bot = await start_bot(**REPAIR, slack_api_url=api_url)
        await slack.slash(people.alice, "Payments down", people.general)
        view = await slack.wait_for_view(people.alice, "incident_declare")
        await proxy.cut()
        result = await slack.submit(people.alice, view)
        assert result.closed  # stored and acked: the socket does not need the Web API
        incident = await bot.core.incidents.get(1)
        assert incident.title == "Payments down" and incident.headline_ts is None
        proxy.restore()
        await slack.wait_for(lambda: headlines(slack, people), timeout=15)
        await slack.settled()
        assert len(headlines(slack, people)) == 1
    finally:
        await proxy.stop()


async def test_a_rate_limited_reaction_still_marks_the_command_done(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    from tests.support.flows import command, declare, done

    await start_bot()
    room = (await declare(slack, people, "Queue backlog")).channel
    assert room is not None
    slack.fail("reactions.add", "ratelimited", status=429, retry_after=0)
    message = await command(slack, people.alice, room, "sev 2")
    assert done(message)
