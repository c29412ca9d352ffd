"""Timing helpers shared by the benchmarks."""
from __future__ import annotations

import resource
import statistics
import time
from typing import Callable


def timed(func: Callable[[], object], repeat: int = 50) -> dict[str, float]:
    """Median and p95 of `repeat` calls, in milliseconds."""
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return {"median": statistics.median(samples),
            "p95": samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table."""
    def cell(value: object) -> str:
        return f"{value:,.1f}" if isinstance(value, float) else str(value)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
