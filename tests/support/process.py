"""Running `response-bot` as a real process, for what only a process can show (exit codes, signals)."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path


def clean_env(**values: str) -> dict[str, str]:
    """A minimal environment: no proxies, no stray settings from the developer's shell."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(values)
    return env


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str


async def run_cli(*args: str, env: dict[str, str], cwd: Path, timeout: float = 30) -> Finished:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "response_bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    return Finished(process.returncode or 0, stdout.decode(), stderr.decode())


async def start_bot_process(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    """`response-bot run` with its output in cwd/bot.log (a pipe nobody reads would fill and stall it)."""
    with open(cwd / "bot.log", "ab") as log:  # noqa: ASYNC230 - once; the child keeps its own copy
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "response_bot", "run", *args, env=env, cwd=cwd, stdout=log, stderr=log
        )
