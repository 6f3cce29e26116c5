"""The incident docs on the web: list, doc page, report, JSON API, and who may see what."""

from __future__ import annotations

import json
import re
import socket

import aiohttp
import pytest

from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.support.bot import RunningBot
from tests.support.flows import Declared, command, declare
from tests.support.people import People

TOKEN = "test-api-token-0123456789"


async def busy_incident(slack: FakeSlack, people: People) -> Declared:
    """An incident with a bit of everything: lead, role, update, action, pinned message, close."""
    declared = await declare(
        slack,
        people,
        "Payments <b>down</b>",
        summary="Cards *fail*",
        impact="EU & UK",
        lead=people.bob.id,
        severity="1",
    )
    room = declared.channel
    assert room is not None
    await slack.join(people.bob, room)
    await command(slack, people.alice, room, f"role comms <@{people.carol.id}>")
    await command(slack, people.bob, room, "update Rolled back the release")
    await command(slack, people.bob, room, "action Alert on card failures")
    said = await slack.say(
        people.bob, room, f"Found it: <https://status.example/x|the dashboard> cc <@{people.alice.id}>"
    )
    await slack.pin(people.bob, said)
    await command(slack, people.bob, room, "close")
    await slack.settled()
    return declared


async def test_doc_page_shows_the_whole_record(bot: RunningBot, slack: FakeSlack, people: People) -> None:
    await busy_incident(slack, people)
    status, html, headers = await bot.get("/incidents/1")
    assert status == 200
    assert "Payments &lt;b&gt;down&lt;/b&gt;" in html
    assert "Resolved" in html and "Critical" in html
    assert "<strong>fail</strong>" in html and "EU &amp; UK" in html
    assert "Bob Baker" in html or "bob" in html
    assert re.search(r"<dt>Comms</dt><dd>(carol|Carol Chen)</dd>", html)
    assert "Rolled back the release" in html and "Alert on card failures" in html
    assert '<a href="https://status.example/x" rel="noopener noreferrer nofollow">the dashboard</a>' in html
    assert "@alice" in html or "@Alice Archer" in html  # mentions read as names
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", html)  # timeline rows carry full dates
    assert "Participants" in html
    assert "script-src" not in headers["Content-Security-Policy"]


async def test_the_report_is_markdown_with_everything_in_it(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    await busy_incident(slack, people)
    status, text, headers = await bot.get("/incidents/1/report.md")
    assert status == 200 and headers["Content-Type"].startswith("text/markdown")
    assert text.startswith("# Incident 1: Payments &lt;b&gt;down&lt;/b&gt;\n")
    for part in (
        "- **Status:** Resolved",
        "- **Severity:** Critical (1)",
        "- **Comms:** @",
        "## Summary",
        "Cards *fail*",
        "## Impact",
        "## Timeline",
        "**Update** from @",
        "## Follow-ups",
        "- [ ] Alert on card failures",
        "[the dashboard](https://status.example/x)",
    ):
        assert part in text, part
    assert re.search(r"- \*\*When:\*\* \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC → \d{4}", text)


async def test_the_list_puts_open_incidents_first_and_filters(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    await busy_incident(slack, people)  # 1, closed, critical
    await declare(slack, people, "Search slow", severity="3")  # 2
    await declare(slack, people, "Login flaky")  # 3
    _, html, _ = await bot.get("/")
    order = [int(n) for n in re.findall(r'href="/incidents/(\d+)"', html)]
    assert order == [3, 2, 1]
    _, html, _ = await bot.get("/?status=resolved")
    assert re.findall(r'href="/incidents/(\d+)"', html) == ["1"]
    _, html, _ = await bot.get("/?severity=3")
    assert re.findall(r'href="/incidents/(\d+)"', html) == ["2"]
    _, html, _ = await bot.get("/?q=LOGIN")
    assert re.findall(r'href="/incidents/(\d+)"', html) == ["3"]
    _, html, _ = await bot.get("/?per_page=2&page=2")
    assert re.findall(r'href="/incidents/(\d+)"', html) == ["1"] and "Page 2 of 2" in html
    status, _, _ = await bot.get("/?severity=banana&page=-4")
    assert status == 200


async def test_the_json_api_needs_a_token(start_bot: StartBot, slack: FakeSlack, people: People) -> None:
    bot = await start_bot(api_tokens=f"other-token,{TOKEN}")
    await busy_incident(slack, people)
    status, body, headers = await bot.get("/api/v1/incidents")
    assert status == 401 and "Bearer" in headers["WWW-Authenticate"]
    status, _, _ = await bot.get("/api/v1/incidents", headers={"Authorization": "Bearer wrong"})
    assert status == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status, body, _ = await bot.get("/api/v1/incidents?status=resolved", headers=auth)
    listing = json.loads(body)
    assert status == 200 and listing["total"] == 1
    item = listing["items"][0]
    assert item["title"] == "Payments <b>down</b>" and item["severity"] == {"level": 1, "name": "critical"}
    assert item["status"] == "resolved" and item["roles"]["comms"]["id"] == people.carol.id
    assert item["doc_url"] == "http://docs.example.test/incidents/1"
    _, body, _ = await bot.get("/api/v1/incidents/1/timeline", headers=auth)
    kinds = [e["kind"] for e in json.loads(body)["items"]]
    assert kinds[0] == "declared" and "message" in kinds and "update" in kinds and kinds[-1] == "closed"
    _, body, _ = await bot.get("/api/v1/incidents/1/followups", headers=auth)
    assert [f["text"] for f in json.loads(body)["items"]] == ["Alert on card failures"]
    _, old_name, _ = await bot.get("/api/v1/incidents/1/actions", headers=auth)  # still answered
    assert json.loads(old_name) == json.loads(body)
    status, body, _ = await bot.get("/api/v1/incidents/99", headers=auth)
    assert status == 404 and "doesn't exist" in json.loads(body)["error"]


async def test_the_api_is_off_without_tokens(bot: RunningBot) -> None:
    status, body, _ = await bot.get("/api/v1/incidents", headers={"Authorization": "Bearer anything"})
    assert status == 401 and "API_TOKENS" in body


async def test_open_mode_never_shows_private_incidents(
    bot: RunningBot, slack: FakeSlack, people: People
) -> None:
    await declare(slack, people, "Public one")
    await declare(slack, people, "Secret one", private=True)
    _, html, _ = await bot.get("/")
    assert "Public one" in html and "Secret one" not in html
    status, html, _ = await bot.get("/incidents/2")
    assert status == 404 and "Secret" not in html
    status, _, _ = await bot.get("/incidents/2/report.md")
    assert status == 404


async def test_proxy_mode_shows_private_incidents_only_to_channel_members(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await start_bot(web_auth="proxy", api_tokens=TOKEN)
    secret = await declare(slack, people, "Secret one", private=True, lead=people.bob.id)
    assert secret.channel is not None
    as_bob = {"X-Forwarded-Email": "bob@example.com"}
    as_carol = {"X-Forwarded-Email": people.carol.id}  # a Slack ID works too
    status, html, _ = await bot.get("/incidents/1", headers=as_bob)
    assert status == 200 and "Secret one" in html
    status, html, _ = await bot.get("/incidents/1", headers=as_carol)
    assert status == 404 and "Secret one" not in html
    _, html, _ = await bot.get("/", headers=as_carol)
    assert "Secret one" not in html
    _, html, _ = await bot.get("/", headers=as_bob)
    assert "Secret one" in html
    status, _, _ = await bot.get("/incidents/1")
    assert status == 401
    status, _, _ = await bot.get("/", headers={"X-Forwarded-Email": "stranger@elsewhere.example"})
    assert status == 403
    status, _, _ = await bot.get("/api/v1/incidents/1", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 404  # tokens are not people; private incidents are not theirs


def browser() -> aiohttp.ClientSession:
    # Like a browser, keep cookies for an IP-address host (aiohttp's jar refuses them by default).
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in(bot: RunningBot, session: aiohttp.ClientSession, path: str = "/") -> aiohttp.ClientResponse:
    return await session.get(bot.web_url + path, allow_redirects=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def slack_mode(start_bot: StartBot, slack: FakeSlack) -> RunningBot:
    port = free_port()  # the sign-in redirect must name the real address, so fix it up front
    return await start_bot(
        http_port=port,
        public_url=f"http://127.0.0.1:{port}",
        web_auth="slack",
        slack_client_id=slack.sign_in.client_id,
        slack_client_secret=slack.sign_in.client_secret,
        web_session_secret="s" * 40,
        slack_oidc_authorize_url=slack.base_url + "openid/connect/authorize",
    )


async def test_sign_in_with_slack_lets_workspace_members_in(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await slack_mode(start_bot, slack)
    await declare(slack, people, "Secret one", private=True)
    slack.sign_in.browser_user = people.alice
    async with browser() as session:
        response = await sign_in(bot, session, "/incidents/1")
        assert response.status == 200 and str(response.url).endswith("/incidents/1")
        assert "Secret one" in await response.text()
    slack.sign_in.browser_user = people.carol
    async with browser() as session:
        response = await sign_in(bot, session, "/incidents/1")
        assert response.status == 404


async def test_sign_in_from_another_workspace_or_a_forged_callback_is_refused(
    start_bot: StartBot, slack: FakeSlack, people: People
) -> None:
    bot = await slack_mode(start_bot, slack)
    slack.sign_in.browser_user = people.alice
    slack.sign_in.browser_team = "T0OTHERTEAM"
    async with browser() as session:
        response = await sign_in(bot, session)
        assert response.status == 403 and "another Slack workspace" in await response.text()
    async with browser() as session:
        forged = await session.get(bot.web_url + "/auth/callback?code=x&state=guess", allow_redirects=False)
        assert forged.status == 403
    async with browser() as session:
        response = await session.get(bot.web_url + "/", allow_redirects=False)
        assert response.status == 302 and response.headers["Location"].startswith("/login")
    slack.sign_in.browser_team = "T0FAKE001"
    slack.sign_in.declines = True
    async with browser() as session:
        response = await sign_in(bot, session)
        assert response.status == 403 and "cancelled" in await response.text()


@pytest.mark.parametrize("path", ["/", "/incidents/1", "/incidents/1/report.md"])
async def test_pages_need_sign_in_in_slack_mode(
    start_bot: StartBot, slack: FakeSlack, people: People, path: str
) -> None:
    bot = await slack_mode(start_bot, slack)
    await declare(slack, people, "Anything")
    status, _, headers = await bot.get(path, allow_redirects=False)
    assert status == 302 and headers["Location"].startswith("/login?next=")
