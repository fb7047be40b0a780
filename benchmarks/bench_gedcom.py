"""GEDCOM ingest speed on royal92.ged (3,010 people): median of 5 runs, and the ratio to a
bare read (decode + split lines + regex per line) of the same file in the same run."""

import re
from pathlib import Path

from chronos.ingest.base import Source
from chronos.ingest.gedcom import GedcomIngester
from _timing import median_seconds  # noqa: E402  (benchmarks/ is on the path)

ROOT = Path(__file__).resolve().parents[1]
FILE = next(p / "shared" / "data" / "gedcom" / "royal92.ged" for p in ROOT.parents
            if (p / "shared" / "data").exists())


def bare():
    line = re.compile(r"^\s*(\d+)\s+(@[^@]+@\s+)?(\S+)(?:\s(.*))?$")
    return [line.match(x) for x in FILE.read_bytes().decode("ascii").splitlines()]


def ingest():
    return GedcomIngester().read(Source(path=FILE, name="g"))


if __name__ == "__main__":
    events = len(ingest().events)
    base, full = median_seconds(bare, 5), median_seconds(ingest, 5)
    print(f"bare parse  {base * 1000:8.1f} ms")
    print(f"ingest      {full * 1000:8.1f} ms  ({events / full:,.0f} events/s, "
          f"{3010 / full:,.0f} persons/s)")
    print(f"ratio       {full / base:8.1f}x")
