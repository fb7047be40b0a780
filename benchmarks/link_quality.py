"""Linking quality on a labelled synthetic population (printed, not asserted).

    python benchmarks/link_quality.py [n_people] [--train] [--original]

Prints pairwise precision, recall and F1 of chronos.link.people.link_people, the false
merges of planted twins (siblings sharing surname, date of birth and postcode), same-name
relatives and namesakes born before 1900, the merges of records distinct by declaration
(two individuals of one family tree), and the baseline of linking on exact valid NHS
number or UPN alone (what you get without the model). By default on the extended set
(link_synth.generate(extended=True): a census export with no names, family trees with
ancestors born before 1900); --original: the four agency exports alone.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from link_synth import (declared_merges, generate, hard_case_merges,  # noqa: E402
                        pairwise_scores)

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
    extended = "--original" not in sys.argv
    records, truth, pop = generate(n_people, extended=extended)
    print(f"{n_people} people -> {len(records)} records in {records['agency'].nunique()} "
          f"exports ({records['agency'].value_counts().to_dict()})"
          + (" [extended set]" if extended else " [original set]"))
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
    print(f"  merges of records distinct by declaration: "
          f"{declared_merges(result.record_to_person, records)}")
    missed, silent = missed_pairs(result, truth)
    print(f"  true pairs not joined: {missed}; of them neither joined nor offered in "
          f"link-review.csv (missed silently): {silent}")
    thin = records["given_name"].isna() & records["family_name"].isna()
    thin_keys = set(records.loc[thin, "record_key"])
    print(f"  records with no name: {len(thin_keys)}, joined to another record: "
          f"{sum(1 for k in thin_keys if _joined(k, result.record_to_person))}")


def missed_pairs(result, truth) -> tuple[int, int]:
    """(true pairs not joined, those of them that no review pair connects either): the
    second is what a person never gets to see."""
    from collections import defaultdict

    r2p = result.record_to_person
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(result.review["record_key_a"], result.review["record_key_b"]):
        parent[find(r2p[a])] = find(r2p[b])
    by_truth = defaultdict(list)
    for key, person in truth.items():
        by_truth[person].append(key)
    missed = silent = 0
    for keys in by_truth.values():
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                if r2p[a] != r2p[b]:
                    missed += 1
                    silent += find(r2p[a]) != find(r2p[b])
    return missed, silent


def _joined(key, record_to_person):
    person = record_to_person[key]
    return sum(1 for v in record_to_person.values() if v == person) > 1


def fmt(s):
    return (f"precision {s['precision']:.4f} recall {s['recall']:.4f} F1 {s['f1']:.4f} "
            f"(pairs: true {s['true_pairs']}, predicted {s['predicted_pairs']})")


if __name__ == "__main__":
    main()
