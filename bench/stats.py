"""Percentiles and the results table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[rank]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


@dataclass
class Row:
    section: str
    measure: str
    value: str
    budget: str = ""
    verdict: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def add(self, section: str, measure: str, value: str, budget: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("met" if ok else "MISSED")
        self.rows.append(Row(section, measure, value, budget, verdict))

    def latency(
        self,
        section: str,
        measure: str,
        samples: Sequence[float],
        *,
        p50_budget: float | None = None,
        p99_budget: float | None = None,
        smoke: bool = False,
    ) -> dict[str, float]:
        p50, p99 = ms(percentile(samples, 50)), ms(percentile(samples, 99))
        budgets = []
        ok = True
        if p50_budget is not None:
            budgets.append(f"p50 ≤ {p50_budget:g} ms")
            ok = ok and p50 <= p50_budget
        if p99_budget is not None:
            budgets.append(f"p99 ≤ {p99_budget:g} ms")
            ok = ok and p99 <= p99_budget
        self.add(
            section,
            measure,
            f"p50 {p50} ms · p99 {p99} ms (n={len(samples)})",
            ", ".join(budgets),
            None if smoke or not budgets else ok,
        )
        return {"p50_ms": p50, "p99_ms": p99, "n": len(samples)}

    def markdown(self) -> str:
        lines = ["| section | measure | result | budget | |", "|---|---|---|---|---|"]
        for row in self.rows:
            lines.append(f"| {row.section} | {row.measure} | {row.value} | {row.budget} | {row.verdict} |")
        return "\n".join(lines)
