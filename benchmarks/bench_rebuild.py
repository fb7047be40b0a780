"""Benchmark: rebuilding a case through the cache of ingested sources (chronos/cache.py).

On a copy of the example case (in a scratch folder, with a scratch cache folder), in one
process so that imports are paid once, alternating in each round:

- ``uncached``: ``build_case`` reading every source (the baseline of the same run);
- ``cached``: ``build_case`` with every source from the cache (what a rebuild after an
  annotation, an override or a rule parameter costs: no source changed);
- ``mapping``: ``build_case`` after one source's mapping changed (that source read again,
  the others from the cache; linking, de-duplication and the rules run again);
- ``build``: ``chronos build``'s work after a mapping change (the case and every output).

Prints the median wall time of each, its stages, its CPU time (the process's, steadier
on a shared machine) and its ratio to the uncached build. Target
(issue 21): a rebuild after an annotation or a mapping change in at most 1 s. Usage::

    python benchmarks/bench_rebuild.py [--runs 5] [--case examples/smith-family]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
ROOT = Path(__file__).resolve().parents[1]


def _stages(case_path: Path, cache: bool) -> tuple[float, dict]:
    from chronos.case import case_stages, load_case, new_result
    from chronos.pipeline import run_stages

    start, cpu = time.perf_counter(), time.process_time()
    result = new_result(load_case(case_path))
    runs = run_stages(case_stages(cache=cache), result)
    return time.perf_counter() - start, {**{r.name: r.seconds for r in runs},
                                         "cpu": time.process_time() - cpu}


#: the change made to the mapping, undone at the next change: one wording mapped to
#: another event type (so the source's events and the findings change)
CHANGE = ("DNA: was_not_brought", "DNA: appointment_cancelled")


def _flip_mapping(mapping: Path, state: list) -> None:
    """Change the mapping's content (:data:`CHANGE` made or undone, alternately)."""
    text = mapping.read_text("utf-8")
    old, new = CHANGE if not state[0] else CHANGE[::-1]
    if old not in text:
        raise SystemExit(f"{mapping} has no {old!r} to change; give --mapping and edit CHANGE")
    state[0] = not state[0]
    mapping.write_text(text.replace(old, new), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--case", type=Path, default=ROOT / "examples" / "smith-family")
    parser.add_argument("--mapping", default="mappings/gp.yaml",
                        help="the mapping to change, relative to the case folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CHRONOS_CACHE_DIR"] = str(Path(tmp) / "cache")
        case = Path(tmp) / "case"
        shutil.copytree(args.case, case)
        from chronos.case import build_case, write_outputs

        build_case(case, cache=True)                   # imports paid, cache filled
        times: dict[str, list[float]] = {}
        stages: dict[str, list[dict]] = {}
        state = [False]
        for run in range(args.runs):
            for label, before, cache in (("uncached", None, False), ("cached", None, True),
                                         ("mapping", _flip_mapping, True)):
                if before:
                    before(case / args.mapping, state)
                seconds, by_stage = _stages(case, cache)
                times.setdefault(label, []).append(seconds)
                stages.setdefault(label, []).append(by_stage)
            _flip_mapping(case / args.mapping, state)
            start, cpu = time.perf_counter(), time.process_time()
            result = build_case(case, cache=True)
            write_outputs(result, Path(tmp) / f"out{run}")
            times.setdefault("build", []).append(time.perf_counter() - start)
            stages.setdefault("build", []).append({"cpu": time.process_time() - cpu})
    base = statistics.median(times["uncached"])
    print(f"case: {args.case.name}  runs: {args.runs}  (medians)")
    for label, values in times.items():
        median = statistics.median(values)
        parts = ""
        if label in stages:
            names = stages[label][0]
            parts = "  " + ", ".join(
                f"{n} {statistics.median(s[n] for s in stages[label]):.2f}" for n in names)
        print(f"  {label:<9} {median:6.2f} s  {median / base:5.2f}x uncached{parts}")
    print("target: a rebuild after an annotation (cached) or a mapping change (mapping) "
          "in at most 1 s")


if __name__ == "__main__":
    main()
