"""Time and peak memory of ``chronos inspect`` and ``chronos build`` on the hostile corpus.

Runs every case of ``tests/hostile_corpus.py`` (or those named) with the chronos of a
given source tree (``--code``, default this one: e.g. a checkout of main for the figures
before a change), each run under a data-segment limit and a timeout, and prints one line
per run: exit code, seconds, peak memory (``ru_maxrss``) and the first line of the error.
Then the same for the current tree when ``--compare`` is given, with the ratio.

    python benchmarks/bench_hostile.py                       # this tree, every case
    python benchmarks/bench_hostile.py --code ../main --compare conc long_line gigacell_xlsx
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _corpus():
    spec = importlib.util.spec_from_file_location("hostile_corpus",
                                                  ROOT / "tests" / "hostile_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run(args: list[str], cwd: Path, code: Path, seconds: float, memory: int) -> dict:
    """One ``python -m chronos`` run of the tree ``code``: exit code (None when killed at
    the timeout), seconds, peak MiB and the first line of stderr."""
    def limits():
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.setsid()

    env = {**os.environ, "PYTHONPATH": str(code)}
    env.pop("CHRONOS_DEBUG", None)
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "chronos", *args], cwd=cwd, env=env,
                                   stdout=subprocess.DEVNULL, stderr=err,
                                   stdin=subprocess.DEVNULL, preexec_fn=limits)
        status = None
        while status is None:
            pid, raw, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(raw)
            elif time.monotonic() - start > seconds:
                os.killpg(process.pid, signal.SIGKILL)
                _, _, usage = os.wait4(process.pid, 0)
                break
            else:
                time.sleep(0.05)
        process.returncode = status if status is not None else -9
        elapsed = time.monotonic() - start
        err.seek(0)
        lines = [ln for ln in err.read().decode("utf-8", "replace").splitlines()
                 if ln and not ln.startswith("…")]
    return {"code": status, "seconds": elapsed, "peak_mib": usage.ru_maxrss / 1024,
            "message": (lines[0] if lines else "")[:110]}


def measure(cases, code: Path, seconds: float, memory: int, work: Path) -> dict:
    """Every case through build and inspect with the tree ``code``."""
    corpus = _corpus()
    out = {}
    for case in cases:
        folder = work / case.name / "case"
        if folder.exists():
            import shutil

            shutil.rmtree(work / case.name)
        source = corpus.write_case(case, folder)
        out[(case.name, "build")] = run(["build", str(folder), "--out",
                                         str(work / case.name / "out")], folder, code, seconds,
                                        memory)
        if case.inspect:
            out[(case.name, "inspect")] = run(["inspect", str(source)], folder, code, seconds,
                                              memory)
        for command in ("build", "inspect"):
            if (case.name, command) in out:
                _print(case.name, command, out[(case.name, command)])
    return out


def _print(name: str, command: str, found: dict, before: dict | None = None) -> None:
    code = "killed" if found["code"] is None else f"exit {found['code']}"
    ratio = ""
    if before:
        ratio = f"  (before: {_code(before)}, {before['seconds']:.1f} s, " \
                f"{before['peak_mib']:.0f} MiB)"
    print(f"{name:24} {command:8} {code:8} {found['seconds']:6.1f} s {found['peak_mib']:7.0f} MiB"
          f"  {found['message']}{ratio}", flush=True)


def _code(found: dict) -> str:
    return "killed" if found["code"] is None else f"exit {found['code']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help="case names (default: every case)")
    parser.add_argument("--code", type=Path, default=ROOT, help="the chronos source tree to run")
    parser.add_argument("--compare", action="store_true",
                        help="then run this tree too and print both")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--memory-gib", type=float, default=2)
    args = parser.parse_args()
    corpus = _corpus()
    cases = [c for c in corpus.CASES if not args.cases or c.name in args.cases]
    memory = int(args.memory_gib * 1024 ** 3)
    print(f"load: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as work:
        print(f"== {args.code}")
        before = measure(cases, args.code.resolve(), args.seconds, memory, Path(work) / "a")
        if args.compare:
            print(f"== {ROOT}")
            after = measure(cases, ROOT, args.seconds, memory, Path(work) / "b")
            print("== side by side")
            for key, found in after.items():
                _print(*key, found, before.get(key))


if __name__ == "__main__":
    main()
