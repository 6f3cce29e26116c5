"""The `response-bot` command as an operator meets it: exit codes, one-line errors, run and stop."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from response_bot.effects.models import Effect
from tests.conftest import StartBot
from tests.fakeslack import FakeSlack
from tests.fakevendors.jira import FakeJira
from tests.fakevendors.linear import FakeLinear
from tests.fakevendors.webhook_receiver import Receiver
from tests.fakevendors.zoom import FakeZoom
from tests.support.people import People
from tests.support.process import clean_env, run_cli, start_bot_process

pytestmark = pytest.mark.process


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_APP_TOKEN": "xapp-1-A-1-x"}, "SLACK_BOT_TOKEN is not set"),
        (
            {"SLACK_BOT_TOKEN": "xoxp-1-2", "SLACK_APP_TOKEN": "xapp-1-A-1-x"},
            "SLACK_BOT_TOKEN must start with xoxb-",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_APP_TOKEN": "nope"}, "SLACK_APP_TOKEN must start with xapp-"),
    ],
)
async def test_missing_or_malformed_tokens_exit_2_with_one_line(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    result = await run_cli("run", env=clean_env(**env), cwd=tmp_path)
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and "README" in lines[0]
    assert "Traceback" not in result.stderr


async def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_APP_TOKEN=bad\n")
    result = await run_cli("check", env=clean_env(), cwd=tmp_path)
    assert result.code == 2 and "SLACK_APP_TOKEN must start with xapp-" in result.stderr


async def test_check_reaches_database_and_slack(tmp_path: Path, slack: FakeSlack) -> None:
    result = await run_cli("check", env=clean_env(**slack.env()), cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "database: reachable" in result.stdout
    assert "bot token accepted" in result.stdout and "app token accepted" in result.stdout


async def test_check_says_which_integrations_are_on_without_showing_their_keys(
    tmp_path: Path, slack: FakeSlack
) -> None:
    off = await run_cli("check", env=clean_env(**slack.env()), cwd=tmp_path)
    assert "pagerduty: not configured (set PAGERDUTY_ROUTING_KEY" in off.stdout
    key = "Qk" * 16
    env = clean_env(**slack.env(), PAGERDUTY_ROUTING_KEY=key, PAGERDUTY_AUTO_PAGE_SEVERITY="major")
    on = await run_cli("check", env=env, cwd=tmp_path)
    assert on.code == 0, on.stderr
    assert "pagerduty: routing key set; pages automatically at major or worse" in on.stdout
    assert key not in on.stdout + on.stderr


async def test_check_tries_zoom_credentials_and_names_what_is_wrong(
    tmp_path: Path, slack: FakeSlack, zoom: FakeZoom
) -> None:
    zoom_env = {
        "ZOOM_ACCOUNT_ID": zoom.account_id,
        "ZOOM_CLIENT_ID": zoom.client_id,
        "ZOOM_CLIENT_SECRET": zoom.client_secret,
        "ZOOM_OAUTH_URL": f"{zoom.url}/oauth/token",
        "ZOOM_API_URL": f"{zoom.url}/v2",
    }
    good = await run_cli("check", env=clean_env(**slack.env(), **zoom_env), cwd=tmp_path)
    assert good.code == 0, good.stderr
    assert "call: Zoom credentials accepted" in good.stdout and zoom.token_requests == 1
    bad = await run_cli(
        "check", env=clean_env(**slack.env(), **{**zoom_env, "ZOOM_CLIENT_SECRET": "nope"}), cwd=tmp_path
    )
    assert bad.code == 1
    assert "Zoom: Zoom refused the app's credentials (Invalid client_id or client_secret)" in bad.stderr
    assert "nope" not in bad.stdout + bad.stderr
    fixed = await run_cli(
        "check", env=clean_env(**slack.env(), CONFERENCE_URL="https://meet.test/x"), cwd=tmp_path
    )
    assert "call: the same link for every incident (CONFERENCE_URL)" in fixed.stdout


async def test_check_tries_the_follow_up_tracker_and_names_what_is_wrong(
    tmp_path: Path, slack: FakeSlack, jira: FakeJira, linear: FakeLinear
) -> None:
    off = await run_cli("check", env=clean_env(**slack.env()), cwd=tmp_path)
    assert "follow-ups: kept in the bot (FOLLOWUP_TRACKER=jira or linear" in off.stdout
    jira_env = {
        "FOLLOWUP_TRACKER": "jira",
        "JIRA_URL": jira.url,
        "JIRA_PROJECT": "OPS",
        "JIRA_EMAIL": jira.email,
        "JIRA_API_TOKEN": jira.token,
        "FOLLOWUP_TICKETS_ON_CLOSE": "true",
    }
    good = await run_cli("check", env=clean_env(**slack.env(), **jira_env), cwd=tmp_path)
    assert good.code == 0, good.stderr
    assert "follow-ups: Jira accepted the credentials (tickets filed on a click, and on close)" in good.stdout
    bad = await run_cli(
        "check", env=clean_env(**slack.env(), **{**jira_env, "JIRA_ISSUE_TYPE": "Story"}), cwd=tmp_path
    )
    assert bad.code == 1
    assert "Jira project OPS has no issue type 'Story' (JIRA_ISSUE_TYPE): it has Task, Bug" in bad.stderr
    wrong = await run_cli(
        "check", env=clean_env(**slack.env(), **{**jira_env, "JIRA_API_TOKEN": "nope"}), cwd=tmp_path
    )
    assert wrong.code == 1 and "Check JIRA_EMAIL and JIRA_API_TOKEN" in wrong.stderr
    assert "nope" not in wrong.stdout + wrong.stderr
    missing = await run_cli(
        "check", env=clean_env(**slack.env(), **{**jira_env, "JIRA_API_TOKEN": ""}), cwd=tmp_path
    )
    assert (
        missing.code != 0
        and "FOLLOWUP_TRACKER=jira needs JIRA_API_TOKEN (or the 'jira-api-token' secret)" in (missing.stderr)
    )
    linear_env = {
        "FOLLOWUP_TRACKER": "linear",
        "LINEAR_TEAM_ID": linear.team_id,
        "LINEAR_API_KEY": linear.api_key,
        "LINEAR_API_URL": linear.url,
    }
    good = await run_cli("check", env=clean_env(**slack.env(), **linear_env), cwd=tmp_path)
    assert good.code == 0, good.stderr
    assert "follow-ups: Linear accepted the credentials (tickets filed on a click)" in good.stdout
    other_team = {**linear_env, "LINEAR_TEAM_ID": "00000000-0000-4000-8000-000000000000"}
    bad = await run_cli("check", env=clean_env(**slack.env(), **other_team), cwd=tmp_path)
    assert bad.code == 1
    assert (
        "Linear has no team 00000000-0000-4000-8000-000000000000 that this key can see (LINEAR_TEAM_ID)"
        in (bad.stderr)
    )


async def test_webhooks_secret_then_test_sends_a_signed_ping_and_check_lists_the_endpoint(
    tmp_path: Path, slack: FakeSlack
) -> None:
    from response_bot.crypto import FieldCipher

    receiver = await Receiver("").start()
    try:
        env = clean_env(**slack.env(), ENCRYPTED_FIELD_KEY=FieldCipher.new_key())
        assert (await run_cli("migrate", env=env, cwd=tmp_path)).code == 0
        made = await run_cli("webhooks", "secret", "ops", env=env, cwd=tmp_path)
        assert made.code == 0, made.stderr
        secret = made.stdout.strip().splitlines()[-1]
        assert secret.startswith("whsec_") and "stored as the 'webhook-secret-ops' secret" in made.stdout
        receiver.secret = secret
        hooked = {**env, "WEBHOOKS": f"ops={receiver.url} events=incident.closed"}
        pinged = await run_cli("webhooks", "test", "ops", env=hooked, cwd=tmp_path)
        assert pinged.code == 0, pinged.stderr
        assert f"POST {receiver.url}: 200 (accepted)" in pinged.stdout
        [ping] = receiver.received
        assert ping.verified and ping.event["type"] == "ping"
        checked = await run_cli("check", env=hooked, cwd=tmp_path)
        assert f"webhooks: ops → {receiver.url} (incident.closed; public incidents only; secret set)" in (
            checked.stdout
        )
        assert secret not in checked.stdout + checked.stderr
        # Any URL: signed with a throwaway secret, which this receiver can't know, so it refuses.
        other = await run_cli("webhooks", "test", receiver.url, env=env, cwd=tmp_path)
        assert other.code == 1 and "signed with a new secret, whsec_" in other.stdout
        assert "did not accept the ping (it answered 401: not now)" in other.stderr
        unknown = await run_cli("webhooks", "test", "nope", env=hooked, cwd=tmp_path)
        assert unknown.code == 1 and "'nope' is neither an endpoint in WEBHOOKS (ops) nor an http(s) URL" in (
            unknown.stderr
        )
        missing = await run_cli("check", env={**hooked, "WEBHOOKS": f"audit={receiver.url}"}, cwd=tmp_path)
        assert missing.code == 1
        assert "WEBHOOKS lists 'audit' but the 'webhook-secret-audit' secret is not set" in missing.stderr
    finally:
        await receiver.stop()


RULES = """
[[rule]]
name = "Exec heads-up"
when = "severity"
severity = "major"
if = { private = false }
[[rule.do]]
post = "#exec-incidents"
text = "{title}"

[[rule]]
name = "No lead"
when = "lead_missing"
minutes = 1
[[rule.do]]
remind = "Who leads?"

[[rule]]
name = "Closed"
when = "closed"
[[rule.do]]
remind = "Write the review."
"""


async def test_rules_check_validates_the_file_and_says_which_rules_would_fire_and_why(
    tmp_path: Path, slack: FakeSlack
) -> None:
    from datetime import UTC, datetime

    from response_bot.db.engine import Database
    from response_bot.incidents.enums import Severity
    from response_bot.incidents.fields import IncidentFields
    from response_bot.incidents.service import IncidentService
    from response_bot.users.models import UserRef

    (tmp_path / "rules.toml").write_text(RULES)
    env = clean_env(**slack.env(), RULES_FILE="rules.toml")
    assert (await run_cli("migrate", env=env, cwd=tmp_path)).code == 0
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'response.db'}")
    try:
        service = IncidentService(db, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
        await service.declare(IncidentFields("Checkout errors", severity=Severity.MINOR), UserRef("U0ALICE1"))
    finally:
        await db.dispose()
    listed = await run_cli("rules", "check", env=env, cwd=tmp_path)
    assert listed.code == 0, listed.stderr
    assert "rules.toml: 3 rules, all valid" in listed.stdout
    assert "'Exec heads-up': when severity; does post" in listed.stdout
    explained = await run_cli("rules", "check", "--incident", "1", env=env, cwd=tmp_path)
    assert explained.code == 0, explained.stderr
    assert "'Exec heads-up': would not fire: its severity is below Major" in explained.stdout
    assert "'No lead': would fire: it has had no lead for " in explained.stdout
    assert "and its conditions hold" in explained.stdout
    assert "'Closed': would not fire: it is open" in explained.stdout
    missing = await run_cli("rules", "check", "--incident", "9", env=env, cwd=tmp_path)
    assert missing.code == 1 and "there is no incident 9" in missing.stderr

    (tmp_path / "rules.toml").write_text(RULES.replace("minutes = 1", 'minutes = "soon"'))
    broken = await run_cli("rules", "check", env=env, cwd=tmp_path)
    assert broken.code == 2
    [line] = broken.stderr.strip().splitlines()
    assert "RULES_FILE rules.toml rule 'No lead': `minutes` must be a whole number of minutes" in line
    started = await run_cli("run", env=env, cwd=tmp_path)
    assert started.code == 2 and "rule 'No lead': `minutes`" in started.stderr

    (tmp_path / "rules.toml").write_text(
        RULES + '\n[[rule]]\nname = "Hook"\nwhen = "closed"\ndo = { webhook = "ops" }\n'
    )
    unhooked = await run_cli("rules", "check", env=env, cwd=tmp_path)
    assert unhooked.code == 1
    assert "RULES_FILE rule 'Hook': do[1] sends a webhook to 'ops', which is not in WEBHOOKS (none set)" in (
        unhooked.stderr
    )


async def test_check_names_a_refused_bot_token(tmp_path: Path, slack: FakeSlack) -> None:
    env = clean_env(**{**slack.env(), "SLACK_BOT_TOKEN": "xoxb-revoked-1"})
    result = await run_cli("check", env=env, cwd=tmp_path)
    assert result.code == 1
    assert result.stderr.strip() == (
        "response-bot: Slack refused SLACK_BOT_TOKEN (invalid_auth): check the bot token (xoxb-…)"
    )


async def test_run_exits_with_a_clear_message_when_the_incidents_channel_does_not_exist(
    tmp_path: Path, slack: FakeSlack
) -> None:
    env = clean_env(**slack.env(), INCIDENT_CHANNEL="major-incidents", HTTP_PORT="0")
    result = await run_cli("run", env=env, cwd=tmp_path)
    assert result.code == 1
    assert "INCIDENT_CHANNEL 'major-incidents' was not found" in result.stderr
    assert "Traceback" not in result.stderr


async def test_migrate_creates_the_embedded_database(tmp_path: Path) -> None:
    env = clean_env(SLACK_BOT_TOKEN="xoxb-1-2", SLACK_APP_TOKEN="xapp-1-A-2")
    result = await run_cli("migrate", env=env, cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert (tmp_path / "response.db").exists()


async def test_run_migrates_connects_joins_the_channel_and_stops_on_sigterm(
    tmp_path: Path, slack: FakeSlack
) -> None:
    """`response-bot run` with defaults: SQLite file created, bot joins #incidents, SIGTERM exits 0."""
    incidents = slack.add_channel("incidents", bot=False)
    process = await start_bot_process(clean_env(**slack.env(), HTTP_PORT="0"), tmp_path)
    try:
        await slack.wait_connected(timeout=20)
        assert (tmp_path / "response.db").exists()
        assert "U0FAKEBOT" in incidents.members  # joined the public channel by itself
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 10)
        assert code == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_check_names_what_slack_should_show_but_does_not_and_why(
    tmp_path: Path, slack: FakeSlack, people: People, start_bot: StartBot, database_url: str
) -> None:
    """The bot was removed from the incidents channel: the headline can't be posted; `check` says so."""
    bot = await start_bot(auto_create_channel=False, announce_check_after="1s")
    slack.fail("chat.postMessage", "not_in_channel", times=5)
    await slack.slash(people.alice, "Search is down", people.general)
    view = await slack.wait_for_view(people.alice, "incident_declare")
    assert (await slack.submit(people.alice, view)).closed
    await slack.wait_for_ephemeral(people.alice, lambda e: "is saved" in e.text, timeout=10)
    env = clean_env(**slack.env(), DATABASE_URL=database_url, ANNOUNCE_CHECK_AFTER="30m")
    fresh = await run_cli("check", env=env, cwd=tmp_path)
    assert fresh.code == 0 and "effects: nothing stuck" in fresh.stdout  # the bot may still get it done
    async with bot.core.db.transaction() as session:  # half an hour on, it still isn't
        for effect in await session.scalars(select(Effect)):
            effect.created_at -= timedelta(hours=1)
    await bot.stop()
    result = await run_cli("check", env=env, cwd=tmp_path)
    assert result.code == 1
    assert (
        "stuck: incident 1: headline.post is failed after 1 attempt(s): not sent: not_in_channel"
        in result.stdout
    )
    assert "not done yet" in result.stderr
