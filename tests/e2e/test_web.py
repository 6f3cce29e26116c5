"""The web side: /healthz and the plain incident doc page."""

from __future__ import annotations

import json
import re

from tests.e2e.test_headline_buttons import declare
from tests.fakeslack import FakeSlack
from tests.support.bot import RunningBot, bot_settings
from tests.support.databases import PostgresTemplate
from tests.support.people import People
from tests.support.tcpproxy import TcpProxy


async def test_healthz_reports_database_and_slack_link_up(bot: RunningBot) -> None:
    """200 with both parts up."""
    status, body, _ = await bot.get("/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "up", "slack": "up"}


async def test_healthz_is_503_while_the_slack_link_is_down(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """When Slack drops the socket and refuses new ones, health says so; it recovers by itself."""
    slack.hub.refuse_connections = "link_disabled"
    await slack.hub.kill_all()
    status, body, _ = await bot.get("/healthz")
    assert status == 503
    assert json.loads(body)["slack"] == "down"
    slack.hub.refuse_connections = None
    await slack.wait_connected(timeout=10)
    status, _, _ = await bot.get("/healthz")
    assert status == 200


async def test_doc_page_shows_the_incident(bot: RunningBot, slack: FakeSlack, people: People) -> None:
    """The doc page names the incident, its state, people and times, with names from Slack profiles."""
    await declare(
        slack,
        people,
        summary="Queries time out",
        impact="Shoppers can't search",
        lead=people.bob.id,
        severity="1",
    )
    status, html, headers = await bot.get("/incidents/1")
    assert status == 200
    assert "Search is down" in html
    assert "Investigating" in html and "Critical" in html
    assert "Queries time out" in html and "Shoppers can&#39;t search" in html
    assert "Alice Archer" in html or "alice" in html
    assert "bob" in html
    assert "UTC" in html and "Still open" in html
    assert "default-src 'none'" in headers["Content-Security-Policy"]


async def test_doc_page_for_a_missing_incident_is_404(bot: RunningBot) -> None:
    status, html, _ = await bot.get("/incidents/99")
    assert status == 404
    assert "Incident 99 doesn&#39;t exist" in html


async def test_healthz_is_503_while_the_database_is_unreachable_and_recovers(
    slack: FakeSlack, people: People, postgres_template: PostgresTemplate
) -> None:
    """Postgres behind a proxy that we cut: health says the database is down, then up again by itself."""
    await postgres_template.reset()
    proxy = await TcpProxy("127.0.0.1", 5432).start()
    url = postgres_template.url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    bot = await RunningBot(slack, bot_settings(slack, url)).start()
    try:
        status, _, _ = await bot.get("/healthz")
        assert status == 200
        await proxy.cut()
        status, body, _ = await bot.get("/healthz")
        assert status == 503
        assert json.loads(body) == {"status": "unavailable", "database": "down", "slack": "up"}
        proxy.restore()
        status, body, _ = await bot.get("/healthz")
        assert status == 200, body
    finally:
        await bot.stop()
        await proxy.stop()


async def test_metrics_count_envelopes_and_database_statements(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    """/metrics is Prometheus text with counts only; a declaration moves the counters."""
    _, before, _ = await bot.get("/metrics")
    await declare(slack, people, "Search is down")
    status, after, headers = await bot.get("/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")

    def value(text: str, name: str) -> float:
        match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
        return float(match.group(1)) if match else 0.0

    assert value(after, "response_db_statements_total") > value(before, "response_db_statements_total")
    assert value(after, 'response_envelopes_total{type="slash_commands"}') == 1
    assert value(after, "response_socket_connected") == 1
    assert value(after, "process_resident_memory_bytes") > 10_000_000
    assert "Search is down" not in after
