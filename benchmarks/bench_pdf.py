"""Benchmark: the case report's PDF, made by chronos (fpdf2, no browser) against the way
it was made before (headless Chromium printing the case report's HTML), in the same run.

For each chronology size it prints the median seconds of both, their ratio, and, where
strace can trace, how many internet sockets (AF_INET/AF_INET6) each opened. The images
(genogram, ecomap, timeline) are drawn once beforehand and given to both, so the figures
are the PDF making alone. Not asserted in tests.

    python benchmarks/bench_pdf.py [--events 26,2000,20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronos.report._example import example_result  # noqa: E402
from chronos.report.document import ChronologyOptions, build_chronology  # noqa: E402
from _timing import median_seconds  # noqa: E402  (benchmarks/ is on the path)

#: the flags chronos used to start Chromium with, plus everything else that keeps it quiet
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-extensions",
                  "--no-pdf-header-footer"]


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def print_with_chromium(browser: str, html: Path, pdf: Path, trace: Path | None = None) -> None:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
               html.as_uri()]
        if trace:
            cmd = ["strace", "-f", "-qq", "-e", "trace=socket", "-o", str(trace), *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)


def internet_sockets(trace: Path) -> int:
    return sum(1 for line in trace.read_text().splitlines()
               if "socket(AF_INET," in line or "socket(AF_INET6," in line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="26,2000,20000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from chronos.report.case_report import _genogram, _timeline, write_case_report
    from chronos.report.pdf_writer import write_case_report_pdf

    browser = chromium()
    strace = shutil.which("strace")
    print(f"load: {os.getloadavg()[0]:.1f} (1 min), median of {args.repeat} runs; "
          f"baseline: {browser or 'no Chromium installed'}")
    print(f"{'rows':>7} {'fpdf2 s':>9} {'Chromium s':>11} {'ratio':>7} "
          f"{'sockets fpdf2':>14} {'sockets Chromium':>17}")
    for events in (int(n) for n in args.events.split(",")):
        result = example_result(events) if events > 26 else example_result()
        chron = build_chronology(result, ChronologyOptions(produced="2024-03-31"))
        images = {"genogram": _genogram(result, "genogram"), "ecomap": _genogram(result, "ecomap"),
                  "timeline": _timeline(result, None)}
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            ours = median_seconds(lambda: write_case_report_pdf(result, out / "ours.pdf",
                                                       chronology=chron, images=images),
                         args.repeat)
            html = write_case_report(result, out / "r.html", chronology=chron, images=images)
            theirs = (median_seconds(lambda: print_with_chromium(browser, html, out / "chromium.pdf"),
                            args.repeat) if browser else float("nan"))
            sockets = ("-", "-")
            if strace and browser:
                print_with_chromium(browser, html, out / "t.pdf", trace=out / "trace")
                sockets = ("0 (no process)", str(internet_sockets(out / "trace")))
            print(f"{len(chron.rows):>7} {ours:>9.2f} {theirs:>11.2f} {ours / theirs:>7.2f} "
                  f"{sockets[0]:>14} {sockets[1]:>17}")


if __name__ == "__main__":
    main()
