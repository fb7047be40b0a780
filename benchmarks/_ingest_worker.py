"""A process that reads one source through chronos's mapped ingester on demand, for
comparing two checkouts of chronos in the same run (``bench_ingest.py --before DIR``,
``bench_workbook.py --before DIR``): each checkout runs in its own worker, and the
benchmark asks them in turn, so both are measured in the same conditions.

Run as ``python _ingest_worker.py ROOT SOURCE_JSON`` (ROOT: the checkout whose
``chronos`` is imported; SOURCE_JSON: path, name, mapping, options). Each line on stdin
is a command, answered by one JSON line on stdout:

- ``run``: one timed read (``{"wall": s, "cpu": s, "user": s, "sys": s}``: the process's
  CPU seconds, threads included, and their user and system parts);
- ``digest``: SHA-256 of everything the read gives (events, persons, relationships as
  CSV with their dtypes; quarantine and warnings with every field; counts; reader info).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path


def print_medians(times: dict, baseline: str) -> None:
    """One line per timed code: median wall and CPU seconds and their ratios to
    ``baseline``'s (``times``: name -> [(wall, cpu[, user, system]), ...] per run); the
    user and system parts too where the runs carry them (the system's part varies most
    on a busy machine)."""
    import statistics

    base = [statistics.median(t[i] for t in times[baseline]) for i in (0, 1)]
    width = max(9, max(map(len, times)) + 1)
    for name, values in times.items():
        wall, cpu = (statistics.median(t[i] for t in values) for i in (0, 1))
        line = (f"  {name:<{width}} wall {wall:6.2f} s ({wall / base[0]:5.2f}x)   "
                f"cpu {cpu:6.2f} s ({cpu / base[1]:5.2f}x)")
        if len(values[0]) > 2:
            user, system = (statistics.median(t[i] for t in values) for i in (2, 3))
            line += f"   of which user {user:5.2f} s, system {system:5.2f} s"
        print(line)


def digests(result) -> dict:
    """The SHA-256 of each output of a :class:`~chronos.ingest.base.SourceResult`."""
    def frame(df) -> str:
        text = df.to_csv(index=False) + "\n" + "|".join(f"{c}:{t}" for c, t in df.dtypes.items())
        return hashlib.sha256(text.encode()).hexdigest()

    def issues(items) -> str:
        rows = [json.dumps({**i.as_dict(), "extra": i.extra}, sort_keys=True, default=str)
                for i in items]
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()

    counts = {"read": result.records_read, "to_data": result.records_to_data,
              "skipped": result.records_skipped,
              "quarantined": result.records_quarantined,
              "reasons": _reasons(result.quarantine)}
    return {"events": frame(result.events), "persons": frame(result.persons),
            "relationships": frame(result.relationships),
            "quarantine": issues(result.quarantine), "warnings": issues(result.warnings),
            "counts": counts,
            "info": hashlib.sha256(json.dumps(result.info, sort_keys=True, default=str)
                                   .encode()).hexdigest()}


def _reasons(quarantine) -> dict:
    out: dict[str, int] = {}
    for issue in quarantine:
        out[issue.code] = out.get(issue.code, 0) + 1
    return dict(sorted(out.items()))


def main() -> None:
    root, spec = sys.argv[1], json.loads(sys.argv[2])
    sys.path.insert(0, root)
    from chronos.ingest.base import Source
    from chronos.ingest.mapped import read_mapped

    source = Source(path=Path(spec["path"]), name=spec["name"], format="mapped",
                    mapping=spec["mapping"], options=spec.get("options", {}))
    for line in sys.stdin:
        command = line.strip()
        if command == "run":
            wall, cpu, times = time.perf_counter(), time.process_time(), os.times()
            read_mapped(source)
            after = os.times()
            answer = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                      "user": after.user - times.user, "sys": after.system - times.system}
        elif command == "digest":
            answer = digests(read_mapped(source))
        else:
            break
        print(json.dumps(answer), flush=True)


class Worker:
    """A worker process for one checkout (``root``) and one source; ``ask`` a command."""

    def __init__(self, root: str | Path, path: Path, name: str, mapping: dict, options: dict):
        import subprocess

        spec = json.dumps({"path": str(path), "name": name, "mapping": mapping,
                           "options": options})
        self.process = subprocess.Popen([sys.executable, __file__, str(root), spec],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker stopped answering ({command})")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


if __name__ == "__main__":
    main()
