"""The docs in a real browser: follow the list to a doc page; hostile text stays inert."""

from __future__ import annotations

from playwright.async_api import Browser

from tests.fakeslack import FakeSlack
from tests.support.bot import RunningBot
from tests.support.flows import declare
from tests.support.people import People

HOSTILE_TITLE = "<script>window.pwned = 1</script> Payments <img src=x onerror=window.pwned=2>"


async def test_list_to_doc_page_and_hostile_text_is_inert(
    bot: RunningBot, slack: FakeSlack, people: People, browser: Browser
) -> None:
    declared = await declare(slack, people, "Search is slow", severity="3")
    hostile = await declare(slack, people, HOSTILE_TITLE, severity="1", summary="*Cards* fail :fire:")
    room = hostile.channel
    assert room is not None and declared.channel is not None
    pinned = await slack.say(
        people.alice,
        room,
        "Runbook: <javascript:window.pwned=3|click me> and <https://runbooks.example/pay|the real one>",
        raw=True,
    )
    await slack.pin(people.alice, pinned)
    await slack.settled()

    page = await browser.new_page()
    response = await page.goto(bot.web_url + "/")
    assert (
        response is not None
        and "default-src 'none'" in (await response.all_headers())["content-security-policy"]
    )
    rows = page.locator("#incidents tbody tr")
    assert await rows.count() == 2
    assert await rows.nth(0).locator("td").nth(1).inner_text() == HOSTILE_TITLE  # shown as text, not run

    await page.get_by_role("link", name="Search is slow").click()
    await page.wait_for_url("**/incidents/1")
    assert await page.locator("#title").inner_text() == "Search is slow"
    assert "Minor" in await page.locator("#severity").inner_text()

    await page.goto(bot.web_url + "/")
    await page.locator("#incidents a[href='/incidents/2']").click()
    await page.wait_for_url("**/incidents/2")
    assert await page.locator("#title").inner_text() == HOSTILE_TITLE
    assert await page.evaluate("typeof window.pwned") == "undefined"
    summary = page.locator("#summary")
    assert await summary.locator("strong").inner_text() == "Cards" and "🔥" in await summary.inner_text()

    timeline = page.locator("#timeline")
    assert await timeline.locator("a[href^='javascript:']").count() == 0
    assert "click me" in await timeline.inner_text()
    real = timeline.get_by_role("link", name="the real one")
    assert await real.get_attribute("href") == "https://runbooks.example/pay"
    assert await timeline.locator("tr.entry-message td.when").first.inner_text() != ""
    assert await page.evaluate("typeof window.pwned") == "undefined"

    await page.get_by_role("link", name="Response · incidents").click()
    await page.wait_for_url(bot.web_url + "/")
    await page.close()
