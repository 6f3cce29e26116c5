"""Insights and a doc page in a real browser at a desktop and a phone width: the charts draw,
each CSV download holds the chart's numbers, axe-core finds no serious accessibility problem, and
screenshots are kept in tests/artifacts/ for a person to look at."""

from __future__ import annotations

import asyncio
import csv
import io
import os
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from tests.fakeslack import FakeSlack
from tests.support.bot import RunningBot
from tests.support.flows import command, declare, done
from tests.support.people import People

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("AXE_PATH", ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"))
ARTIFACTS = ROOT / "tests" / "artifacts"
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def axe() -> Path:
    if not AXE.exists():
        pytest.fail(f"axe-core is needed at {AXE} (`make axe` installs it from npm)")
    return AXE


async def some_incidents(slack: FakeSlack, people: People) -> None:
    first = await declare(slack, people, "Checkout errors", severity="1")
    await declare(slack, people, "Search slow", severity="3")
    await declare(slack, people, "Credential leak", severity="2", private=True)
    assert first.channel is not None
    for text in (
        f"lead <@{people.bob.id}>",
        "status identified",
        "update Rolled back.",
        "followup Add a canary",
        "close",
    ):
        assert done(await command(slack, people.alice, first.channel, text))


async def serious_problems(page: Page, axe: Path) -> list[str]:
    await page.add_script_tag(path=str(axe))
    found = await page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help)"
    )
    return list(found)


@pytest.mark.parametrize("width", WIDTHS)
async def test_insights_draw_download_pass_axe_and_fit_the_screen(
    bot: RunningBot, slack: FakeSlack, people: People, browser: Browser, axe: Path, width: int
) -> None:
    await some_incidents(slack, people)
    # bypass_csp only lets the test load axe-core: the pages themselves run no script.
    context = await browser.new_context(
        viewport={"width": width, "height": 900}, accept_downloads=True, bypass_csp=True
    )
    page = await context.new_page()
    await page.goto(bot.web_url + "/insights?weeks=4")
    charts = page.locator("svg.chart")
    assert await charts.count() == 7
    for i in range(7):
        chart = charts.nth(i)
        assert await chart.is_visible()
        box = await chart.bounding_box()
        assert box is not None and box["width"] > width * 0.8 - 80 and box["height"] > 100
        assert await chart.locator("desc").count() == 1
    assert (
        await page.locator("#summary").inner_text() == (await page.locator("#summary").inner_text())
        and "2 incidents declared" in await page.locator("#summary").inner_text()
    )
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    section = page.locator("#chart-declared")
    await section.locator("summary").click()
    shown = [
        [await cell.inner_text() for cell in await row.locator("td").all()]
        for row in await section.locator("tbody tr").all()
    ]
    async with page.expect_download() as waiting:
        await section.locator("a.csv").click()
    download = await waiting.value
    saved = Path(str(await download.path()))
    rows = list(csv.reader(io.StringIO(await asyncio.to_thread(saved.read_text))))
    assert rows[1:] == shown and sum(int(r[-1]) for r in rows[1:]) == 2

    assert await serious_problems(page, axe) == []
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"insights-{width}.png"), full_page=True)
    await context.close()


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_doc_page_with_its_picture_passes_axe_and_fits_the_screen(
    bot: RunningBot, slack: FakeSlack, people: People, browser: Browser, axe: Path, width: int
) -> None:
    await some_incidents(slack, people)
    context = await browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = await context.new_page()
    await page.goto(bot.web_url + "/incidents/1")
    picture = page.locator("#picture svg")
    assert await picture.is_visible()
    box = await picture.bounding_box()
    assert box is not None and box["width"] > width * 0.8 - 80  # the page's width, less its margins
    assert await page.locator("#picture svg rect").count() >= 3  # status and severity bands
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert await serious_problems(page, axe) == []
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"incident-{width}.png"), full_page=True)
    await context.close()
