"""Linking quality on a labelled synthetic population (printed, not asserted).

    python benchmarks/link_quality.py [n_people] [--seed N] [--train] [--original] [--undated]

Prints pairwise precision, recall and F1 of chronos.link.people.link_people, the false
merges of planted twins (siblings sharing surname, date of birth and postcode), same-name
relatives and namesakes born before 1900, the merges of records distinct by declaration
(two individuals of one family tree), and the baseline of linking on exact valid NHS
number or UPN alone (what you get without the model). By default on the extended set
(link_synth.generate(extended=True): a census export with no names, family trees with
ancestors born before 1900); --original: the four agency exports alone; --seed N: another
population.

Then what the true pairs not joined are: by why linking did not join the two records of
the pair (its own pair: never compared, scored below the review band, in the band, a
veto, ambiguous, held back, refused by clustering) and by the kind of the records
(source, name, date of birth); and the ceiling: the records that fit another person of
the population at least as well as their own (every field they state agrees with a
relative wherever it agrees with their own person: "Callum Lanley", no date of birth,
when two brothers are called Callum) cannot be linked except by a guess, and the F1 on
the other records' pairs says how good linking is where the records carry the answer;
the same with the role as a field, and with what the dated records state (a person born
when a record's dated roles and events say its person cannot have been does not fit it).
The records are dated by events (link_synth.record_events) unless --undated.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from link_synth import (declared_merges, generate, hard_case_merges,  # noqa: E402
                        pairwise_scores, record_events)

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
    args = sys.argv[1:]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 7
    n_people = int(next((a for i, a in enumerate(args) if a.isdigit()
                         and (i == 0 or args[i - 1] != "--seed")), 3000))
    train = "--train" in args
    extended = "--original" not in args
    records, truth, pop = generate(n_people, seed, extended=extended)
    events = None if "--undated" in args else record_events(records, truth, pop, seed)
    print(f"{n_people} people -> {len(records)} records in {records['agency'].nunique()} "
          f"exports ({records['agency'].value_counts().to_dict()})"
          + (" [extended set]" if extended else " [original set]")
          + (f", {len(events)} events dating them" if events is not None else ", undated"))
    start = time.perf_counter()
    baseline = identifier_baseline(records)
    print(f"baseline (exact valid NHS/UPN only): {fmt(pairwise_scores(baseline, truth))} "
          f"[{time.perf_counter() - start:.2f}s]")
    start = time.perf_counter()
    result = link_people(records, train=train, events=events)
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
    why, kinds = missed_by_kind(result, truth, records)
    print("  true pairs not joined, by why their own pair was not joined: "
          + ", ".join(f"{k} {v}" for k, v in why.most_common()))
    print("  ... by the kinds of their two records (source/name/date of birth):")
    for kind, count in kinds.most_common(8):
        print(f"      {count:4d}  {kind}")
    told = None if events is None else dated_statements(records, events)
    for label, fields, said in (("", FIELDS, None),
                                (" (the role telling apart too)", FIELDS + ("role",), None),
                                (" (what the dated records state telling apart too)", FIELDS,
                                 told)):
        if label.startswith(" (what") and told is None:
            continue
        lost = indistinguishable(records, truth, pop, fields, said)
        kept = {k: v for k, v in truth.items() if k not in lost}
        scores = pairwise_scores({k: result.record_to_person[k] for k in kept}, kept)
        total = pairwise_scores(truth, truth)["true_pairs"]
        best = scores["true_pairs"] / total           # recall with every guess left out
        print(f"  ceiling{label}: {len(lost)} records fit another person as well as their "
              f"own ({total - scores['true_pairs']} true pairs); the best F1 without a "
              f"guess {2 * best / (1 + best):.4f}; on the other records' pairs: {fmt(scores)}")


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


#: the fields of a record compared with the true people (see :func:`indistinguishable`)
FIELDS = ("given", "family", "dob", "sex", "postcode", "nhs", "upn", "la_id")


def dated_statements(records, events) -> dict:
    """Record key -> what chronos reads a record to state on the days of its events
    (:func:`chronos.link.stated.stated_facts` with :func:`record_dates`)."""
    from chronos.link.stated import record_dates, stated_facts

    frame, _ = prepare_records(records)
    return stated_facts(frame, records.set_axis(frame.index), None, None, None,
                        record_dates(events))


def indistinguishable(records, truth, pop, fields=FIELDS, said=None) -> set[str]:
    """Records that another person of the population fits at least as well as their own
    person, field by field (exact beats similar: one edit, an initial, a nickname, one
    part of a double family name; similar beats nothing): "Callum Lanley" with no date
    of birth when two brothers are called Callum; "S Cooper", female, when two women are.
    Linking such a record is a guess. Candidates: the people sharing the record's given
    initial, family name or date of birth. ``said``: what each record states on the days
    of its events (:func:`dated_statements`); a person born when those statements say
    the record's person cannot have been (the father of a child named in 2021) does not
    fit it."""
    from chronos.link.stated import contradiction
    from collections import defaultdict

    from link_synth import NICK

    people = {p.pid: _truth_fields(p.given, p.family, p.dob.isoformat(), p.sex, p.postcode,
                                   p.role, p.nhs, p.upn, p.la_id) for p in pop.people}
    tree = records[records["record_key"].str.startswith("tree:")]
    for r in tree.itertuples():                       # ancestors: their one record
        people.setdefault(truth[r.record_key], _truth_fields(
            r.given_name, r.family_name, r.dob, r.sex, None, None, None, None, None))
        if r.dob_precision == "year":
            people[truth[r.record_key]]["born_in"] = str(r.dob)[:4]
    index = defaultdict(set)
    for pid, v in people.items():
        index["g", v["given"][:1]].add(pid)
        index["f", v["family"]].add(pid)
        index["d", str(v["dob"])[:10]].add(pid)
    nicks = {k.upper(): v.upper() for k, v in NICK.items()}
    lost = set()
    for r in records.itertuples():
        pid = truth[r.record_key]
        said_ = _record_fields(r)
        mine = [_fit(f, said_[f], people[pid][f], nicks) for f in fields]
        near = index["g", (said_["given"] or "")[:1]] | index["d", said_["dob"] or ""]
        near |= index["f", (said_["family"] or "").split("-")[0]]
        statements = (said or {}).get(r.record_key)
        for other in near - {pid}:
            if all(_fit(f, said_[f], people[other][f], nicks) >= m
                   for f, m in zip(fields, mine)) and not (
                    statements and contradiction(statements, _born(people[other]))):
                lost.add(r.record_key)
                break
    return lost


def _born(person: dict):
    """A :class:`chronos.link.stated.Stated` of a person's true date of birth (a year:
    its whole year), or None."""
    from datetime import date

    from chronos.link.stated import Stated

    dob = person.get("born_in") or person["dob"]
    if not isinstance(dob, str) or dob in ("", "None", "nan"):
        return None
    text = str(dob)
    if len(text) == 4:
        return Stated(born=(date(int(text), 1, 1), date(int(text), 12, 31)))
    day = date.fromisoformat(text[:10])
    return Stated(born=(day, day))


def _truth_fields(given, family, dob, sex, postcode, role, nhs, upn, la_id) -> dict:
    return {"given": str(given).upper(), "family": str(family).upper(),
            "dob": dob if dob is None else str(dob), "sex": sex, "postcode": postcode,
            "role": role, "nhs": nhs, "upn": upn, "la_id": la_id}


def _record_fields(r) -> dict:
    def text(value):
        return None if value is None or value != value else str(value)

    dob = text(r.dob)
    if dob and getattr(r, "dob_precision", "day") == "year":
        dob = dob[:4]
    return {"given": text(r.given_name) and text(r.given_name).upper(),
            "family": text(r.family_name) and text(r.family_name).upper(), "dob": dob,
            "sex": text(r.sex), "postcode": text(r.postcode), "role": text(r.role),
            "nhs": text(r.nhs_number), "upn": text(r.upn), "la_id": text(r.la_child_id)}


def _fit(field, said, true, nicks) -> int:
    """2: the record states the person's value; 1: something like it; 0: nothing (or
    not stated)."""
    if not said or true is None or true != true:
        return 0
    if said == true:
        return 2
    if field == "given":
        like = (len(said) == 1 and true.startswith(said)) or nicks.get(true) == said or \
            _one_edit(said, true)
    elif field == "family":
        like = true in said.replace("-", " ").split() or _one_edit(said, true)
    elif field == "dob":
        like = len(said) == 4 and true.startswith(said) or (
            len(said) == len(true) and _one_edit(said, true)) or (
            said[:4] == true[:4] and said[5:7] == true[8:10] and said[8:10] == true[5:7])
    else:
        like = False
    return int(like)


def _one_edit(a: str, b: str) -> bool:
    """One character changed, added, removed, or two adjacent swapped."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def missed_by_kind(result, truth, records):
    """Counters of the true pairs not joined: by why their own pair was not joined, and
    by the kinds of the two records."""
    from collections import Counter, defaultdict

    r2p = result.record_to_person
    scored = {(a, b): (p, v) for a, b, p, v in zip(
        result.pairs["key_l"], result.pairs["key_r"], result.pairs["match_probability"],
        result.pairs["vetoes"])}
    reasons = {tuple(sorted(k)): r for k, r in zip(
        zip(result.review["record_key_a"], result.review["record_key_b"]),
        result.review["reason"])}
    kind_of = {r.record_key: _kind(r) for r in records.itertuples()}
    by_truth = defaultdict(list)
    for key, person in truth.items():
        by_truth[person].append(key)
    why, kinds = Counter(), Counter()
    for keys in by_truth.values():
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                if r2p[a] == r2p[b]:
                    continue
                pair = tuple(sorted((a, b)))
                why[_why(scored.get(pair), reasons.get(pair))] += 1
                kinds[" + ".join(sorted((kind_of[a], kind_of[b])))] += 1
    return why, kinds


def _why(scored, reason) -> str:
    if reason:
        for start, label in (("ambiguous", "ambiguous"), ("uncertain", "review band"),
                             ("likely match", "refused by clustering"),
                             ("not joined: a record with no name", "held (no name)"),
                             ("not joined: it would join", "consistency check"),
                             ("ruled out", "ruled out"), ("shares", "identifier conflict")):
            if reason.startswith(start):
                return label
        return "veto, offered"
    if scored is None:
        return "never compared (or scored under the floor)"
    if scored[1]:
        return "veto"
    return "under the review band" if scored[0] < 0.3 else "not offered"


def _kind(r) -> str:
    given = r.given_name if isinstance(r.given_name, str) else ""
    name = "no name" if not given and not isinstance(r.family_name, str) else (
        "initial" if len(given.strip()) == 1 else "name")
    dob = r.dob if isinstance(r.dob, str) else ""
    born = "no dob" if not dob else ("year" if getattr(r, "dob_precision", "day") == "year"
                                     else "dob")
    return f"{r.record_key.split(':')[0]}/{name}/{born}"


def _joined(key, record_to_person):
    person = record_to_person[key]
    return sum(1 for v in record_to_person.values() if v == person) > 1


def fmt(s):
    return (f"precision {s['precision']:.4f} recall {s['recall']:.4f} F1 {s['f1']:.4f} "
            f"(pairs: true {s['true_pairs']}, predicted {s['predicted_pairs']})")


if __name__ == "__main__":
    main()
