"""What a declaration costs: the Slack calls it makes and the database statements it sends.

Counts, not timings (those are the benchmark's job, `python -m bench.run`): a change that adds a
redundant Slack call or puts reads back on the declaration's path fails here.
"""

from __future__ import annotations

from sqlalchemy import event

from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.support.bot import RunningBot
from tests.support.flows import declare
from tests.support.people import People
from tests.support.waiting import eventually


async def quiet(bot: RunningBot, slack: FakeSlack) -> None:
    """Every envelope acked and every effect stored by this replica performed."""
    await slack.settled()
    runner = bot.running.slack.runner
    assert runner is not None

    async def idle() -> bool:
        return not runner.busy

    await eventually(idle)


DECLARATION_CALLS = [
    "views.open",
    "conversations.create",
    "chat.postMessage",  # the headline, linking the channel
    "conversations.invite",
    "conversations.setTopic",
    "bookmarks.add",
    "chat.postMessage",  # the welcome in the channel
]


async def test_a_declaration_with_its_channel_makes_seven_slack_calls_and_eleven_statements(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await start_bot()
    await declare(slack, people, "Warm-up")  # the first one after a start also fetches a profile
    await quiet(bot, slack)
    calls_before = len(slack.arrivals)
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(" ".join(statement.split()))

    engine = bot.core.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await declare(slack, people, "Checkout is down")
        await quiet(bot, slack)
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert [c.method for c in slack.arrivals[calls_before:]] == DECLARATION_CALLS
    # Store it with everything Slack must show of it (user, incident, timeline, reminders, its six
    # effects in one insert); record the channel (effect, incident, timeline); record the headline
    # (effect, incident); the four set-up steps done in one update. Dispatcher ticks and sweeps,
    # and SQLite's own BEGIN IMMEDIATE, are not the declaration's. SQLite cannot return rows in order from one
    # multi-row insert, so there the six effects are six inserts.
    ticks = ("SELECT notifications.id", "BEGIN", "UPDATE notifications", "SELECT effects.id FROM effects")
    sweep = ("incidents.headline_ts IS NULL", "UPDATE effects SET status=?, due_at=?, attempts=?")
    ours = [s for s in sent if not s.startswith(ticks) and not any(part in s for part in sweep)]
    expected = 11 + (5 if bot.core.db.is_sqlite else 0)
    assert len(ours) == expected, "\n".join(ours)


async def test_postgres_connections_are_open_before_the_first_user_needs_one(
    start_bot: StartBot, database_url: str
) -> None:
    bot = await start_bot()
    pool = bot.core.db.engine.pool
    if bot.core.db.is_sqlite:
        return  # one file, nothing to warm
    assert pool.checkedin() + pool.checkedout() >= 2  # type: ignore[attr-defined]
