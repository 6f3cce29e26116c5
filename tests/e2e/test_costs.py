"""What a declaration costs: the Slack calls it makes and the database statements it sends.

Counts, not timings (those are the benchmark's job, `python -m bench.run`): a change that adds a
redundant Slack call or puts reads back on the declaration's path fails here.
"""

from __future__ import annotations

from sqlalchemy import event

from tests.conftest import People, StartBot
from tests.e2e.flows import declare
from tests.fakeslack import FakeSlack

DECLARATION_CALLS = [
    "views.open",
    "conversations.create",
    "chat.postMessage",  # the headline, linking the channel
    "conversations.invite",
    "conversations.setTopic",
    "bookmarks.add",
    "chat.postMessage",  # the welcome in the channel
]


async def test_a_declaration_with_its_channel_makes_seven_slack_calls_and_eight_statements(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await start_bot()
    await declare(slack, people, "Warm-up")  # the first one after a start also fetches a profile
    await slack.settled()
    calls_before = len(slack.arrivals)
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(" ".join(statement.split()))

    engine = bot.runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await declare(slack, people, "Checkout is down")
        await slack.settled()
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert [c.method for c in slack.arrivals[calls_before:]] == DECLARATION_CALLS
    # Three transactions: store it (user, incident, timeline, reminders), record the channel
    # (update, timeline, read back), record the headline. Reminder ticks and SQLite's own BEGIN
    # IMMEDIATE are not the declaration's.
    ours = [s for s in sent if not s.startswith(("SELECT notifications.id", "BEGIN", "UPDATE notifications"))]
    assert len(ours) == 8, "\n".join(ours)


async def test_postgres_connections_are_open_before_the_first_user_needs_one(
    start_bot: StartBot, database_url: str
) -> None:
    bot = await start_bot()
    pool = bot.runtime.db.engine.pool
    if bot.runtime.db.is_sqlite:
        return  # one file, nothing to warm
    assert pool.checkedin() + pool.checkedout() >= 2  # type: ignore[attr-defined]
