"""Benchmark: ``chronos build`` of a family case, as a person runs it.

Each run is a fresh process (imports included), alternating in each round:

- ``read``: a Python process that merely reads the case's exports (pandas for CSV,
  openpyxl for workbooks): the baseline of the same run;
- ``build``: ``chronos build CASE --out DIR --no-cache`` (every source read);
- ``rebuild``: ``chronos build CASE --out DIR`` with the cache filled by the run before
  (what a person waits for after changing an annotation or an output option);
- ``imports``: a Python process that only imports, in the same order, every module a
  build imported (listed by a build run before): the fixed cost of starting a build, so
  ``build - imports`` is the work on the case itself.

With ``--baseline SRC`` (the root of another checkout of chronos, e.g. main's, made with
``git worktree add`` or ``git archive main | tar -x -C SRC``), ``baseline`` is the same
``build`` run by that code, in the same rounds: the before of a change, measured beside
its after.

Every process runs with Python's bytecode cache (in the run's temporary folder, filled by
the warm-up run), as an installed chronos does: where the environment sets
``PYTHONDONTWRITEBYTECODE``, chronos's own modules would otherwise be compiled again at
each start (about 0.2 s of CPU), a cost no person pays.

Prints the median wall and CPU seconds (user + system, the process and its children) of
each, and their ratios to ``read``; with ``--stages``, one build in this process timed by
stage and by output writer. Target (issue 21): a family case build in at most 2 s wall
on a quiet machine. Usage::

    python benchmarks/bench_family.py [--runs 5] [--case examples/smith-family] [--stages]
                                      [--baseline SRC]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

READ = """
import sys
from pathlib import Path
import pandas as pd
for path in map(Path, sys.argv[1:]):
    if path.suffix.lower() in ('.xlsx', '.xlsm'):
        pd.read_excel(path, sheet_name=None, dtype=str, engine='openpyxl')
    else:
        pd.read_csv(path, dtype=str, encoding_errors='replace')
"""


def _run(command: list[str], env: dict) -> tuple[float, float]:
    """(wall, CPU) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: runs ``chronos build`` in this process, then lists the modules it imported, in order
LIST_MODULES = """
import sys
from chronos.cli import main
out, sys.argv = sys.argv[1], ["chronos", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
with open(out, "w") as f:
    f.write("\\n".join(m for m in sys.modules if not m.startswith("__main__")))
"""

#: ``chronos`` run from another checkout (its root first in ``sys.argv``)
BASELINE = """
import sys
sys.path.insert(0, sys.argv.pop(1))
from chronos.cli import main
sys.argv[0] = "chronos"
main()
"""

#: imports the listed modules in order (skipping those that cannot be imported alone)
IMPORTS = """
import importlib, sys
for name in open(sys.argv[1]).read().split():
    try:
        importlib.import_module(name)
    except Exception:
        pass
"""


def _exports(case: Path) -> list[str]:
    from chronos.case import load_case

    return sorted({str(s.path) for s in load_case(case).sources if s.path.is_file()})


def _stages(case: Path, out: Path) -> None:
    """One build in this process, by stage and by output writer (after a warm-up)."""
    from chronos.case import build_case, case_stages, load_case, new_result, write_outputs
    from chronos.pipeline import run_stages

    build_case(case)
    result = new_result(load_case(case))
    for run in run_stages(case_stages(), result):
        print(f"  stage {run.name:<32} {run.seconds:6.2f} s")
    marks = [("tables", time.perf_counter())]
    write_outputs(result, out, progress=lambda text: marks.append((text, time.perf_counter())))
    marks.append(("", time.perf_counter()))
    for (label, start), (_, end) in zip(marks, marks[1:]):
        print(f"  {label:<38} {end - start:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--case", type=Path, default=ROOT / "examples" / "smith-family")
    parser.add_argument("--stages", action="store_true",
                        help="also time one build by stage and output writer")
    parser.add_argument("--baseline", type=Path,
                        help="root of another checkout whose build is measured alongside")
    args = parser.parse_args()
    chronos = [sys.executable, "-m", "chronos"]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, CHRONOS_CACHE_DIR=str(Path(tmp) / "cache"),
                   PYTHONPYCACHEPREFIX=str(Path(tmp) / "bytecode"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        case = Path(tmp) / "case"
        shutil.copytree(args.case, case)
        modules = Path(tmp) / "modules.txt"
        subprocess.run([sys.executable, "-c", LIST_MODULES, str(modules), "build", str(case),
                        "--out", str(Path(tmp) / "m"), "-q", "--no-cache"], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        commands = {
            "read": [sys.executable, "-c", READ, *_exports(case)],
            "imports": [sys.executable, "-c", IMPORTS, str(modules)],
            "build": [*chronos, "build", str(case), "--out", str(Path(tmp) / "a"), "-q",
                      "--no-cache"],
            "rebuild": [*chronos, "build", str(case), "--out", str(Path(tmp) / "b"), "-q"],
        }
        if args.baseline:
            commands["baseline"] = [sys.executable, "-c", BASELINE, str(args.baseline.resolve()),
                                    "build", str(case), "--out", str(Path(tmp) / "c"), "-q",
                                    "--no-cache"]
            _run(commands["baseline"], env)          # its bytecode
        _run(commands["rebuild"], env)               # fills the cache; warms the disk
        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
        for _ in range(args.runs):
            for label, command in commands.items():
                runs[label].append(_run(command, env))
        if args.stages:
            _stages(case, Path(tmp) / "stages")
    wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    print(f"case: {args.case.name}  runs: {args.runs}  load: {os.getloadavg()[0]:.1f} "
          f"(1-minute average at the end)")
    for label in commands:
        print(f"  {label:<8} wall {wall[label]:6.2f} s ({wall[label] / wall['read']:4.1f}x read)"
              f"   CPU {cpu[label]:6.2f} s ({cpu[label] / cpu['read']:4.1f}x read)")
    print(f"  build - imports: wall {wall['build'] - wall['imports']:6.2f} s   "
          f"CPU {cpu['build'] - cpu['imports']:6.2f} s (the work on the case)")
    if args.baseline:
        print(f"  build / baseline: wall {wall['build'] / wall['baseline']:5.2f}x   "
              f"CPU {cpu['build'] / cpu['baseline']:5.2f}x")
    print("target: a family case build in at most 2 s wall on a quiet machine")


if __name__ == "__main__":
    main()
