"""How fast the workspace's pages load for a family case (issue 20: under 300 ms).

A real server (``chronos.serve.prepare``, uvicorn on 127.0.0.1) on a copy of each example
family, read once; then each page is fetched ``--repeat`` times over HTTP with the run's
cookie, and the median time to the last byte is printed beside the median for a static
file the same server sends (``/static/chronos.css``, the baseline: the server and HTTP
alone), with their ratio.

Usage: ``python benchmarks/bench_serve.py [--repeat 30]``. ``uptime`` is printed first,
for the machine's load.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ("smith-family", "walsh-family")
PAGES = ("/case/{key}", "/case/{key}/chronology", "/case/{key}/chronology?agency=Police",
         "/case/{key}/chronology?q=school&significance=significant", "/case/{key}/event/{event}",
         "/case/{key}/findings", "/case/{key}/ingest", "/case/{key}/links",
         "/case/{key}/annotations")


def fetch(port: int, path: str, cookie: str) -> tuple[float, int, int]:
    """Seconds to the last byte, status, bytes."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers={"Cookie": cookie})
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    return time.perf_counter() - started, answer.status, len(body)


def median_ms(port: int, path: str, cookie: str, repeat: int) -> tuple[float, int, int]:
    fetch(port, path, cookie)                    # warm: templates compiled, caches filled
    runs = [fetch(port, path, cookie) for _ in range(repeat)]
    assert all(r[1] == 200 for r in runs), (path, runs[0][1])
    return statistics.median(r[0] for r in runs) * 1000, runs[0][1], runs[0][2]


def bench(case: str, repeat: int) -> None:
    from chronos.serve import prepare

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / case
        shutil.copytree(ROOT / "examples" / case, folder)
        server = prepare(folder)
        running = server.start_in_thread()
        try:
            workspace = server.app.app.state.workspace
            entry = workspace.cases()[0]
            started = time.perf_counter()
            workspace.ensure_loaded(entry)
            workspace.wait(entry)
            print(f"\n{case}: read in {time.perf_counter() - started:.1f} s "
                  f"({len(entry.rows)} chronology entries, {len(entry.result.findings)} findings)")
            cookie = f"chronos_token_{server.port}={server.token}"
            base, _, size = median_ms(server.port, "/static/chronos.css", cookie, repeat)
            print(f"  {'static file (baseline)':<58} {base:7.1f} ms  {size:>7} bytes")
            event = entry.rows.iloc[len(entry.rows) // 2]["event_id"]
            for page in PAGES:
                path = page.format(key=entry.key, event=event)
                ms, _, size = median_ms(server.port, path, cookie, repeat)
                flag = "" if ms < 300 else "  OVER 300 ms"
                print(f"  {path:<58} {ms:7.1f} ms  {size:>7} bytes  x{ms / base:5.1f}{flag}")
        finally:
            running.should_exit = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print("uptime:", os.popen("uptime").read().strip())
    print(f"median of {args.repeat} fetches over HTTP on 127.0.0.1, time to the last byte")
    for case in CASES:
        bench(case, args.repeat)


if __name__ == "__main__":
    main()
