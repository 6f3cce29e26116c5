"""Filling the database with many past incidents, each with a timeline, straight through SQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import asyncpg

STATUSES = ["resolved"] * 98 + ["investigating", "monitoring"]


async def fill(dsn: str, count: int, *, entries_each: int = 6, seed: int = 7) -> None:
    """`count` incidents (2 % still open) with `entries_each` timeline entries, by 50 people."""
    rng = random.Random(seed)
    connection = await asyncpg.connect(dsn)
    try:
        now = datetime.now(UTC)
        people = [(f"UBENCH{n:04d}", f"person{n}", now) for n in range(50)]
        await connection.executemany(
            "INSERT INTO slack_users (slack_id, name, real_name, display_name, is_bot, deleted, updated_at) "
            "VALUES ($1, $2, $2, $2, false, false, $3) ON CONFLICT DO NOTHING",
            people,
        )
        ids = [
            row["id"]
            for row in await connection.fetch("SELECT id FROM slack_users WHERE slack_id LIKE 'UBENCH%'")
        ]
        first = int(await connection.fetchval("SELECT coalesce(max(id), 0) FROM incidents")) + 1
        incidents, entries = [], []
        for n in range(count):
            started = now - timedelta(days=rng.uniform(1, 700))
            status = rng.choice(STATUSES)
            resolved = started + timedelta(hours=rng.uniform(0.2, 30)) if status == "resolved" else None
            incidents.append(
                (
                    first + n,
                    f"Past incident {n}: {rng.choice(['API', 'DB', 'Queue', 'DNS'])} trouble",
                    "What happened, briefly.",
                    "Who was affected.",
                    rng.randint(1, 4),
                    status,
                    rng.choice(ids),
                    rng.choice(ids),
                    started,
                    started,
                    resolved,
                    resolved or started,
                    False,
                    # Announced long ago, like any real incident (or the sweep would announce it now).
                    "CBENCHHEAD",
                    f"{started.timestamp():.6f}",
                )
            )
            for e in range(entries_each):
                entries.append(
                    (
                        first + n,
                        "message" if e % 2 else "update",
                        started + timedelta(minutes=5 * e),
                        rng.choice(ids),
                        f"Timeline note {e} for incident {n} <https://ci.example/{n}|build>",
                        now,
                    )
                )
        await connection.copy_records_to_table(
            "incidents",
            records=incidents,
            columns=[
                "id",
                "title",
                "summary",
                "impact",
                "severity",
                "status",
                "reporter_id",
                "lead_id",
                "declared_at",
                "started_at",
                "resolved_at",
                "updated_at",
                "private",
                "headline_channel_id",
                "headline_ts",
            ],
        )
        await connection.copy_records_to_table(
            "timeline_entries",
            records=entries,
            columns=["incident_id", "kind", "occurred_at", "author_id", "text", "recorded_at"],
        )
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('incidents', 'id'), (SELECT max(id) FROM incidents))"
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
