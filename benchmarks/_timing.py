"""Timing helpers shared by the benchmark scripts (run as ``python benchmarks/NAME.py``,
so this folder is on ``sys.path`` and they ``from _timing import ...``).

The machines are shared and noisy: every figure is a median of several runs, and the
scripts print it beside a baseline measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable


def median_with_result(func: Callable, runs: int, before: Callable | None = None):
    """(median wall seconds of ``runs`` calls of ``func``, the last call's result);
    ``before`` runs ahead of each call, untimed (a cache cleared, say)."""
    times, value = [], None
    for _ in range(max(1, runs)):
        if before is not None:
            before()
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def median_seconds(func: Callable, runs: int, before: Callable | None = None) -> float:
    """The median wall seconds of ``runs`` calls of ``func`` (see :func:`median_with_result`)."""
    return median_with_result(func, runs, before)[0]
