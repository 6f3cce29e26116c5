"""The insights page: charts drawn as SVG with their definitions and numbers, a CSV per chart that
matches, the same numbers in the JSON API, and a plain 400 for a query it can't read."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.support.flows import command, declare, done
from tests.support.people import People

TOKEN = "api-token-1"


async def test_the_page_draws_each_chart_with_its_numbers_and_leaves_private_incidents_out(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    bot = await start_bot(api_tokens=TOKEN)
    first = await declare(slack, people, "Checkout errors", severity="1")
    await declare(slack, people, "Search slow", severity="3")
    await declare(slack, people, "Credential leak", severity="1", private=True)
    await declare(slack, people, "Failover rehearsal", severity="2", drill=["drill"])  # type: ignore[arg-type]
    assert first.channel is not None
    assert done(await command(slack, people.alice, first.channel, f"lead <@{people.bob.id}>"))
    assert done(await command(slack, people.alice, first.channel, "close"))

    status, page, headers = await bot.get("/insights?weeks=4")
    assert status == 200 and "script" not in headers["Content-Security-Policy"].replace(
        "default-src 'none'", ""
    )
    assert "2 incidents declared" in page  # not the private one, not the drill
    assert page.count("<svg") == 7 and page.count("<desc id=") == 7
    assert "Time to acknowledge: from declaring to the first lead being set" in page
    assert "Credential leak" not in page and "<script" not in page
    for name in ("declared", "acknowledge", "resolve", "status", "followups", "busiest", "leads"):
        assert f'href="/insights/{name}.csv?weeks=4"' in page

    _, body, headers = await bot.get("/insights/declared.csv?weeks=4")
    assert headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["week", "Critical", "Major", "Minor", "Trivial", "No severity", "total"]
    assert sum(int(r[-1]) for r in rows[1:]) == 2 and sum(int(r[1]) for r in rows[1:]) == 1
    # The page's own table holds the same numbers as the CSV.
    table = re.search(r'id="chart-declared".*?<tbody>(.*?)</tbody>', page, re.S)
    assert table is not None and [r[-1] for r in rows[1:]] == re.findall(
        r"<td>(\d+)</td></tr>", table.group(1)
    )
    _, leads, _ = await bot.get("/insights/leads.csv?weeks=4")
    assert list(csv.reader(io.StringIO(leads)))[1][1:] == [people.bob.id, "1"]

    _, with_drills, _ = await bot.get("/insights?weeks=4&drills=include")
    assert "3 incidents declared" in with_drills
    _, body, _ = await bot.get("/api/v1/insights?weeks=4", headers={"Authorization": f"Bearer {TOKEN}"})
    numbers = json.loads(body)
    assert sum(r[-1] for r in numbers["charts"]["declared"]["rows"]) == 2
    assert numbers["charts"]["resolve"]["columns"] == ["week", "incidents", "median seconds", "p90 seconds"]
    status, _, _ = await bot.get("/api/v1/insights")
    assert status == 401


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("weeks=7", "weeks must be one of 4, 12, 52"),
        ("weeks=%00", "weeks must be one of"),
        ("from=2026-01-01", "give both from and to"),
        ("from=2026-02-01&to=2026-01-01", "to must not be before from"),
        ("from=yesterday&to=today", "from must be a date"),
        ("from=1900-01-01&to=2026-01-01", "choose at most 260 weeks"),
        ("severity=9", "severity must be 1, 2, 3 or 4"),
        ("status=fine", "status must be one of"),
        ("drills=maybe", "drills must be include or exclude"),
    ],
)
async def test_a_query_it_cannot_read_is_a_plain_400(start_bot: StartBot, query: str, said: str) -> None:
    bot = await start_bot(api_tokens=TOKEN)
    status, page, _ = await bot.get(f"/insights?{query}")
    assert status == 400 and said in page
    status, body, _ = await bot.get(f"/insights/declared.csv?{query}")
    assert status == 400 and said in body
    status, body, _ = await bot.get(f"/api/v1/insights?{query}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 400 and said in json.loads(body)["error"]
    status, _, _ = await bot.get("/insights/nonsense.csv")
    assert status == 404


async def test_a_doc_page_shows_where_the_time_went_and_the_report_its_phases(
    slack: FakeSlack, people: People, start_bot: StartBot
) -> None:
    bot = await start_bot()
    declared = await declare(slack, people, "Checkout errors", severity="2")
    assert declared.channel is not None
    for text in ("status identified", "update Rolled back the deploy.", "close"):
        assert done(await command(slack, people.alice, declared.channel, text))
    _, page, _ = await bot.get("/incidents/1")
    picture = re.search(r'<figure id="picture">(.*?)</figure>', page, re.S)
    assert picture is not None and "<svg" in picture.group(1) and "<desc id=" in picture.group(1)
    assert "Status: Investigating for" in picture.group(1) and "Identified for" in picture.group(1)
    assert "Status update at" in picture.group(1)  # the update is marked
    assert page.index('id="picture"') < page.index('id="timeline"')
    phases = re.search(r'<table id="phases".*?<tbody>(.*?)</tbody>', page, re.S)
    assert phases is not None and re.findall(r"<tr><td>(\w+)</td>", phases.group(1)) == [
        "Investigating",
        "Identified",
    ]
    _, report, _ = await bot.get("/incidents/1/report.md")
    assert "## Phases\n\n| Status | From | To | Duration |\n|---|---|---|---|\n| Investigating |" in report
    assert "\n| Identified |" in report


async def test_huge_numbers_and_nul_in_the_query_are_answered_not_errors(start_bot: StartBot) -> None:
    bot = await start_bot(api_tokens=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status, _, _ = await bot.get("/api/v1/incidents/99999999999999", headers=auth)
    assert status == 404
    status, _, _ = await bot.get("/incidents/99999999999999")
    assert status == 404
    status, body, _ = await bot.get("/api/v1/incidents?page=99999999999999999999&q=a%00b", headers=auth)
    assert status == 200 and json.loads(body)["items"] == []
    status, _, _ = await bot.get("/?page=99999999999999999999&q=%00")
    assert status == 200
