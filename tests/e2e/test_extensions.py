"""Building blocks from a plugin module: a command, a keyword, a headline button and its action, an event."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from response_bot.errors import StartupError
from response_bot.extensions import loader
from response_bot.incidents.enums import Severity
from response_bot.timeline.models import EntryKind
from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.support.flows import button_ids, command, declare, done
from tests.support.people import People

README = Path(__file__).resolve().parents[2] / "README.md"


async def test_a_plugin_adds_a_command_keyword_button_action_and_event_handler(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    await start_bot(response_plugins="tests.plugins.example")
    declared = await declare(slack, people, "Payments down", severity="2")
    room = declared.channel
    assert room is not None

    # the command, under both its names, and listed in help
    assert done(await command(slack, people.alice, room, "Marco polo"))
    await slack.wait_for_message(room, lambda m: m.text == "pong (polo) for Incident 1")
    await command(slack, people.alice, room, "help")
    help_note = await slack.wait_for_ephemeral(people.alice, lambda e: "Incident commands" in e.text)
    assert "`ping` / `marco`: Check the bot is listening" in help_note.text

    # the keyword handler, once per message even if Slack delivers it twice
    said = await slack.say(people.alice, room, "Where is the Run Book for this?")
    await slack.settled()
    reply = await slack.wait_for_message(room, lambda m: "runbooks.example.com" in m.text)
    assert "“run book”" in reply.text
    plain = next(d for d in slack.hub.deliveries if d.payload.get("event", {}).get("ts") == said.ts)
    await slack.hub.redeliver(plain, 1)
    await slack.settled()
    assert len([m for m in slack.messages(room) if "runbooks.example.com" in m.text]) == 1

    # the headline button sits between Edit (200) and Close (300), and its action works
    assert button_ids(declared.headline) == ["headline_edit", "example_page_oncall", "headline_close"]
    await slack.click(people.bob, declared.headline, "example_page_oncall")
    await slack.wait_for_message(room, lambda m: f"<@{people.bob.id}> paged on-call" in m.text)

    # the event handler hears renames of the incident channel
    await command(slack, people.alice, room, "rename payments-visa")
    await slack.wait_for_message(room, lambda m: m.text == "Noted the new name #inc-1-payments-visa")


async def test_a_plugin_command_changes_the_incident_once_however_often_it_is_delivered(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    """A plugin passes `key=ctx.change_key` to a change, as the README says: it is made, shown and
    ticked, and Slack's retry of the same message changes nothing more."""
    bot = await start_bot(response_plugins="tests.plugins.example")
    room = (await declare(slack, people, "Disk full")).channel
    assert room is not None
    message = await command(slack, people.alice, room, "escalate")
    assert done(message)
    assert (await bot.core.incidents.get(1)).severity is Severity.CRITICAL
    delivery = next(
        d
        for d in slack.hub.deliveries
        if d.payload.get("event", {}).get("ts") == message.ts and d.payload["event"]["type"] == "app_mention"
    )
    await slack.hub.redeliver(delivery)
    await slack.settled()
    entries = [e for e in await bot.core.timeline.entries(1) if e.kind is EntryKind.SEVERITY]
    assert len(entries) == 1


async def test_the_bots_own_messages_never_trigger_keyword_handlers(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    """The plugin replies mention “runbook” themselves; that must not set off the handler again."""
    await start_bot(response_plugins="tests.plugins.example")
    room = (await declare(slack, people, "Disk full")).channel
    assert room is not None
    await slack.say(people.alice, room, "runbook please")
    await slack.wait_for_message(room, lambda m: "runbooks.example.com" in m.text)
    await slack.settled()
    assert len([m for m in slack.messages(room) if "runbooks.example.com" in m.text]) == 1


async def test_other_bots_and_commands_do_not_trigger_keyword_handlers(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    """An integration's message, and a command that happens to contain a keyword, set off nothing."""
    await start_bot(response_plugins="tests.plugins.example")
    room = (await declare(slack, people, "Deploy stuck")).channel
    assert room is not None
    await slack.post_as_integration(room, "CI: runbook job failed")
    assert done(await command(slack, people.alice, room, "update following the runbook now"))
    await slack.settled()
    assert [m for m in slack.messages(room) if "runbooks.example.com" in m.text] == []


async def test_a_button_only_when_the_plugin_wants_it(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    """The plugin's button function returns None for incidents without a severity."""
    await start_bot(response_plugins="tests.plugins.example")
    declared = await declare(slack, people, "Minor glitch")
    assert "example_page_oncall" not in button_ids(declared.headline)


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (
            "tests.plugins.broken",
            "plugin module 'tests.plugins.broken' failed to import: ModuleNotFoundError",
        ),
        ("tests.plugins.sync_handler", "tests.plugins.sync_handler.oldstyle must be `async def`"),
        ("no_such_plugin_module", "plugin module 'no_such_plugin_module' failed to import"),
    ],
)
def test_a_plugin_that_cannot_load_stops_start_up_clearly(module: str, message: str) -> None:
    with pytest.raises(StartupError) as raised:
        loader.load([module], include_entry_points=False)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_plugins_are_found_through_entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed package declaring `response_bot.plugins` is loaded without any setting."""
    dist = tmp_path / "acme_incidents-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-incidents\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[response_bot.plugins]\nacme = tests.plugins.example\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = loader.load([])
    assert "ping" in registry.commands and "example_page_oncall" in registry.actions


async def test_the_readme_examples_work_as_written(
    start_bot: StartBot, slack: FakeSlack, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The three examples in README.md ('Building blocks'), loaded as a plugin, do what the README says."""
    section = README.read_text().split("## Building blocks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    (tmp_path / "readme_plugin.py").write_text(code.group(1))
    monkeypatch.syspath_prepend(str(tmp_path))
    bot = await start_bot(response_plugins="readme_plugin")
    room = (await declare(slack, people, "Login failures")).channel
    assert room is not None
    assert done(await command(slack, people.alice, room, "duration"))
    await slack.wait_for_message(room, lambda m: m.text.startswith("The incident has been running for"))
    await slack.say(people.alice, room, "is there a run book?")
    await slack.wait_for_message(room, lambda m: "runbooks" in m.text and "found here" in m.text)
    registry = bot.core.registry
    assert [(n.interval_mins, n.max_notifications) for n in registry.notifications] == [(30, 10)]
    sys.modules.pop("readme_plugin", None)
