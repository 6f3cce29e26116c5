"""Tokens, scopes and secrets: only the bot and app tokens, only the scopes the code needs, nothing
secret in logs or pages, and secrets at rest encrypted with keys that can be rotated."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from pathlib import Path

import pytest
from slack_bolt.async_app import AsyncApp
from sqlalchemy import select, update

from response_bot.crypto import CannotDecrypt, FieldCipher
from response_bot.db.engine import Database
from response_bot.extensions.registry import Registry
from response_bot.settings import ConfigError, load_settings
from response_bot.slack.app import register_flows
from response_bot.vault.models import StoredSecret
from response_bot.vault.service import Vault, VaultClosed
from tests.fakeslack import FakeSlack
from tests.support.flows import declare
from tests.support.people import People
from tests.support.process import clean_env, run_cli, start_bot_process

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "manifest.json").read_text())

# Web API method → the scopes it needs here (public and private incident channels both occur).
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "apps.connections.open": set(),  # the app-level token's connections:write
    "openid.connect.token": set(),  # the app's client credentials
    "views.open": set(),
    "views.publish": set(),
    "views.update": set(),
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "conversations.list": {"channels:read", "groups:read"},
    "conversations.info": {"channels:read", "groups:read"},
    "conversations.members": {"channels:read", "groups:read"},
    "conversations.join": {"channels:join"},
    "conversations.create": {"channels:manage", "groups:write"},
    "conversations.invite": {"channels:manage", "groups:write"},
    "conversations.setTopic": {"channels:manage", "groups:write"},
    "conversations.rename": {"channels:manage", "groups:write"},
    "conversations.history": {"channels:history", "groups:history", "im:history"},
    "conversations.replies": {"channels:history", "groups:history"},
    "conversations.open": {"im:write"},
    "users.info": {"users:read"},
    "users.lookupByEmail": {"users:read.email"},
    "reactions.add": {"reactions:write"},
    "bookmarks.add": {"bookmarks:write"},
    "bookmarks.list": {"bookmarks:read"},
    "usergroups.list": {"usergroups:read"},
    "usergroups.users.list": {"usergroups:read"},
}
EVENT_SCOPES = {
    "app_mention": {"app_mentions:read"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "pin_added": {"pins:read"},
    "pin_removed": {"pins:read"},
    "reaction_added": {"reactions:read"},
    "reaction_removed": {"reactions:read"},
    "channel_rename": {"channels:read"},
    "group_rename": {"groups:read"},
    "app_home_opened": set(),
}
SPECIAL = {
    "apps_connections_open": "apps.connections.open",
    "openid_connect_token": "openid.connect.token",
    "usergroups_users_list": "usergroups.users.list",
}


def methods_the_code_calls() -> set[str]:
    found: set[str] = set()
    groups = "auth|apps|chat|conversations|views|users|usergroups|reactions|bookmarks|openid"
    pattern = re.compile(rf"\.((?:{groups})_\w+)\(")
    for path in (ROOT / "src" / "response_bot").rglob("*.py"):
        text = path.read_text()
        for name in pattern.findall(text):
            found.add(SPECIAL.get(name, name.replace("_", ".", 1)))
        found.update(re.findall(r'api_call\(\s*"([a-z]+\.[a-zA-Z.]+)"', text))
    return found


def test_every_web_api_method_the_code_calls_is_covered_by_the_manifest() -> None:
    granted = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    called = methods_the_code_calls()
    assert "chat.postMessage" in called and "conversations.create" in called  # the scan works
    unknown = called - set(METHOD_SCOPES)
    assert unknown == set(), f"add these methods' scopes to METHOD_SCOPES: {unknown}"
    missing = {m: s - granted for m, s in METHOD_SCOPES.items() if m in called and s - granted}
    assert missing == {}


def test_the_manifest_asks_for_no_more_than_the_code_uses() -> None:
    called = methods_the_code_calls()
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    needed = (
        {"commands"}
        | {s for m in called for s in METHOD_SCOPES[m]}
        | {s for e in events for s in EVENT_SCOPES[e]}
    )
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed
    assert "user" not in MANIFEST["oauth_config"]["scopes"]  # no user token, ever
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in json.dumps(MANIFEST)  # no public URL anywhere


def test_every_subscribed_event_has_a_listener_and_every_listener_is_subscribed() -> None:
    subscribed = {
        e.replace("message.channels", "message").replace("message.groups", "message")
        for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    }
    app = AsyncApp(token="xoxb-test", process_before_response=True)
    assert subscribed == register_flows(app, Registry()).types


def test_shortcuts_in_the_manifest_are_the_ones_the_code_handles() -> None:
    from response_bot.slack.ids import Shortcut

    declared = {s["callback_id"] for s in MANIFEST["features"]["shortcuts"]}
    assert declared == {s.value for s in Shortcut}


# --- tokens stay secret ---------------------------------------------------------------------------


async def test_tokens_never_reach_logs_errors_or_pages(
    slack: FakeSlack, people: People, tmp_path: Path
) -> None:
    env = clean_env(**slack.env(), HTTP_PORT="18766", LOG_LEVEL="DEBUG")
    process = await start_bot_process(env, tmp_path)
    try:
        await slack.wait_connected(timeout=20)
        await declare(slack, people, "Payments down")
        import aiohttp

        async with aiohttp.ClientSession() as session:
            pages = [
                await (await session.get(f"http://127.0.0.1:18766{p}")).text()
                for p in ("/", "/incidents/1", "/incidents/1/report.md", "/healthz")
            ]
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = (tmp_path / "bot.log").read_text()
    assert "connected to Slack" in output
    for token in (slack.bot_token, slack.app_token):
        secret_part = token.split("-", 1)[1]
        assert secret_part not in output
        assert all(secret_part not in page for page in pages)


async def test_a_malformed_token_is_refused_without_being_repeated(tmp_path: Path) -> None:
    result = await run_cli(
        "check",
        env=clean_env(SLACK_BOT_TOKEN="xoxp-my-user-token-42", SLACK_APP_TOKEN="xapp-1"),
        cwd=tmp_path,
    )
    assert result.code == 2 and "my-user-token-42" not in result.stderr + result.stdout


# --- secrets at rest ---------------------------------------------------------------------------------


def test_values_are_bound_to_their_place_and_keys_rotate() -> None:
    old, new = FieldCipher.new_key(), FieldCipher.new_key()
    before = FieldCipher([old])
    token = before.encrypt("secret:pagerduty", "pd-token-123")
    assert "pd-token-123" not in token
    with pytest.raises(CannotDecrypt):
        before.decrypt("secret:statuspage", token)  # copied into another row: refused
    both = FieldCipher([new, old])
    assert both.decrypt("secret:pagerduty", token) == "pd-token-123"
    rotated = both.rotate(token)
    assert FieldCipher([new]).decrypt("secret:pagerduty", rotated) == "pd-token-123"
    with pytest.raises(CannotDecrypt):
        FieldCipher([new]).decrypt("secret:pagerduty", token)  # the old key is really gone


@pytest.mark.parametrize(
    "value",
    ["not-a-key", "a" * 44, f"{FieldCipher.new_key()},short"],
    ids=["not-a-key", "not-base64-of-32-bytes", "a-good-key-then-a-short-one"],
)
def test_start_up_refuses_a_malformed_key(value: str) -> None:
    with pytest.raises(ConfigError, match=r"ENCRYPTED_FIELD_KEY .*not a Fernet key"):
        load_settings(
            _env_file=None, slack_bot_token="xoxb-1-2", slack_app_token="xapp-1-2", encrypted_field_key=value
        )


async def test_the_vault_stores_ciphertext_and_refuses_swapped_rows(db: Database) -> None:
    vault = Vault(db, FieldCipher([FieldCipher.new_key()]))
    await vault.set("pagerduty", "pd-secret")
    await vault.set("statuspage", "sp-secret")
    async with db.transaction() as session:
        rows = {r.name: r.ciphertext for r in (await session.execute(select(StoredSecret))).scalars()}
        assert all("secret" not in text for text in rows.values())
        await session.execute(
            update(StoredSecret).where(StoredSecret.name == "statuspage").values(ciphertext=rows["pagerduty"])
        )
    assert await vault.get("pagerduty") == "pd-secret"
    with pytest.raises(CannotDecrypt):
        await vault.get("statuspage")
    with pytest.raises(VaultClosed):
        await Vault(db, None).get("pagerduty")


async def test_the_secrets_command_sets_lists_and_rotates_under_a_new_key(tmp_path: Path) -> None:
    old, new = FieldCipher.new_key(), FieldCipher.new_key()
    base = {
        "SLACK_BOT_TOKEN": "xoxb-1-2",
        "SLACK_APP_TOKEN": "xapp-1-2",
        "DATABASE_URL": f"sqlite:///{tmp_path}/r.db",
    }
    assert (await run_cli("migrate", env=clean_env(**base), cwd=tmp_path)).code == 0

    async def cli(*args: str, key: str, stdin: str | None = None) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,  # not whatever `python` is on PATH: CI does not activate the venv
            "-m",
            "response_bot",
            *args,
            env=clean_env(**base, ENCRYPTED_FIELD_KEY=key),
            cwd=tmp_path,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate(stdin.encode() if stdin else None)
        return process.returncode or 0, out.decode()

    assert (await cli("secrets", "set", "pagerduty", key=old, stdin="pd-value-xyz\n"))[0] == 0
    code, listed = await cli("secrets", "list", key=old)
    assert code == 0 and listed.strip() == "pagerduty" and "pd-value-xyz" not in listed
    code, out = await cli("secrets", "rotate", key=f"{new},{old}")
    assert code == 0 and "re-encrypted 1" in out
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/r.db")
    try:
        assert await Vault(db, FieldCipher([new])).get("pagerduty") == "pd-value-xyz"
    finally:
        await db.dispose()
    code, key = await cli("secrets", "new-key", key="")
    assert code == 0 and len(key.strip()) == 44
