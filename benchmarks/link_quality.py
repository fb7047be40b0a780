"""Linking quality on a labelled synthetic population (printed, not asserted).

    /work/venv/bin/python benchmarks/link_quality.py [n_people] [--train]

Prints pairwise precision, recall and F1 of chronos.link.people.link_people, the false
merges of planted twins / same-name relatives, and the baseline of linking on exact
valid NHS number or UPN alone (what you get without the model).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from link_synth import generate, hard_case_merges, pairwise_scores  # noqa: E402

from chronos.link.cluster import ConstrainedClusters  # noqa: E402
from chronos.link.identifiers import prepare_records  # noqa: E402
from chronos.link.people import link_people  # noqa: E402


def identifier_baseline(records):
    frame, _ = prepare_records(records)
    clusters = ConstrainedClusters(list(frame["record_key"]))
    for column in ("nhs", "upn"):
        first = {}
        for key, value in zip(frame["record_key"], frame[column]):
            if value:
                clusters.union(first.setdefault(value, key), key)
    return {k: clusters.find(k) for k in frame["record_key"]}


def main():
    n_people = int(next((a for a in sys.argv[1:] if a.isdigit()), 3000))
    train = "--train" in sys.argv
    records, truth, pop = generate(n_people)
    print(f"{n_people} people -> {len(records)} records in 4 exports "
          f"({records['agency'].value_counts().to_dict()})")
    start = time.perf_counter()
    baseline = identifier_baseline(records)
    print(f"baseline (exact valid NHS/UPN only): {fmt(pairwise_scores(baseline, truth))} "
          f"[{time.perf_counter() - start:.2f}s]")
    start = time.perf_counter()
    result = link_people(records, train=train)
    elapsed = time.perf_counter() - start
    scores = pairwise_scores(result.record_to_person, truth)
    print(f"chronos link_people{' (trained)' if result.trained else ''}: {fmt(scores)} "
          f"[{elapsed:.2f}s]")
    print(f"  methods: {result.summary()['by_method']}; review pairs: {len(result.review)}")
    print(f"  hard cases: {hard_case_merges(result.record_to_person, truth, pop)}")


def fmt(s):
    return (f"precision {s['precision']:.4f} recall {s['recall']:.4f} F1 {s['f1']:.4f} "
            f"(pairs: true {s['true_pairs']}, predicted {s['predicted_pairs']})")


if __name__ == "__main__":
    main()
