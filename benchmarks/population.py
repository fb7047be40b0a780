"""A synthetic population for ``chronos screen``: children in families, agency exports,
planted neglect patterns (no real people; seeded, vectorised with numpy).

``generate(n_children, out_dir, seed=1)`` writes::

    out_dir/case.yaml                 the manifest (as_of, five sources, their mappings)
    out_dir/exports/*.csv             gp, hospital, school_attendance, school_welfare,
                                      police, social_care (mapped CSVs, UK dates)
    out_dir/mappings/*.yaml           one mapping per export
    out_dir/truth/children.csv        every child: identifiers, age band, planted patterns

Each agency sees the children the way it would: the GP by NHS number (with mothers, and
the mother named on the child's row), the hospital by NHS number, schools by UPN, the
police by name and date of birth only, children's social care by its own id (NHS number
on most rows). Background activity (attended appointments, good attendance, a single A&E
visit, a single referral, a closed child protection plan) fires no catalogue rule on its
own; the planted patterns each fire one rule, at the rates in :data:`RATES`:

    wnb_health                     3 was-not-brought GP appointments within 9 months
    ae_frequent                    3 A&E attendances (aged over 1) within 12 months
    absence_persistent             one term's attendance between 60% and 89%
    head_lice_repeated             3 head lice reports, each within 6 months of the last
    domestic_abuse_child_present   2 domestic abuse incidents with the child present
    drift_cp_plan                  a child protection plan open for over a year

Usage: ``python benchmarks/population.py 10000 /tmp/pop10k [--seed 1]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = "2024-03-31"
RATES = {"wnb_health": 0.06, "ae_frequent": 0.04, "absence_persistent": 0.08,
         "head_lice_repeated": 0.04, "domestic_abuse_child_present": 0.04,
         "drift_cp_plan": 0.015}
PLANTED = tuple(RATES)
BOYS = ("Oliver George Harry Noah Jack Leo Arthur Oscar Charlie Jacob Thomas Henry William "
        "Freddie Alfie Theo Archie Joshua Isaac Edward Samuel Lucas Ethan Max Logan Mason "
        "Kayden Daniel Dylan Riley Tyler Callum Liam Connor Jake Kyle Nathan Ryan Lewis Aaron "
        "Adam Billy Jamie Jordan Kai Luke Reece Toby Zach").split()
GIRLS = ("Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow "
         "Florence Emily Ella Poppy Evie Elsie Charlotte Evelyn Sienna Daisy Phoebe Sophie Ruby "
         "Chloe Jessica Lucy Megan Holly Katie Ellie Millie Amber Jade Leah Paige Shannon "
         "Courtney Bethany Abigail Hannah Lauren Rebecca Sarah Emma Laura").split()
MOTHERS = ("Kelly Lisa Claire Natalie Samantha Gemma Stacey Danielle Louise Victoria "
           "Catherine Nicola Michelle Kerry Donna Joanne Leanne Hayley Carly Zoe").split()
SYLLABLES = ("ash bar ber bran by cal dal den don fel ford gar ham har ing kin lan ley lin "
             "low mar mer mont nor ock par per ril ros sel son ston ter thorn ton ver wal "
             "well wick win worth").split()
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
DISTRICTS = ("LS1 LS2 LS6 LS7 LS8 LS9 LS10 LS11 LS12 LS13 LS14 LS15 LS16 LS17 LS18 "
             "LS19 LS20 LS25 LS26 LS27 LS28").split()


# --------------------------------------------------------------------------- people

def _families(n: int, rng) -> np.ndarray:
    """Family number of each child (1 to 4 children per family)."""
    sizes = rng.choice([1, 2, 3, 4], size=n, p=[0.35, 0.35, 0.2, 0.1])
    family = np.repeat(np.arange(n), sizes)[:n]
    return family


def _surnames(count: int, rng) -> np.ndarray:
    syl = np.array(SYLLABLES)
    parts = [syl[rng.integers(0, len(syl), count)] for _ in range(3)]
    short = rng.random(count) < 0.4
    names = np.char.add(np.char.add(parts[0], parts[1]), np.where(short, "", parts[2]))
    return np.char.capitalize(names)


def _nhs_numbers(count: int, rng) -> np.ndarray:
    """Unique valid NHS numbers (modulus-11 check digit)."""
    start = 400_000_000 + int(rng.integers(0, 50_000_000))
    first = start + np.arange(int(count * 1.2) + 20) * 7
    digits = (first[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = 11 - (digits * np.arange(10, 1, -1)).sum(axis=1) % 11
    check = np.where(check == 11, 0, check)
    ok = check != 10
    numbers = first[ok] * 10 + check[ok]
    return numbers[:count].astype(str)


def _upns(count: int, rng) -> np.ndarray:
    """Unique UPNs: check letter + LA (3) + school (4) + year (2) + serial (3)."""
    body = np.char.zfill((800_000_000_000 + np.arange(count) * 13 + int(rng.integers(0, 1000)))
                         .astype(str), 12)
    digits = np.array([list(b) for b in body[:0]]) if count == 0 else \
        np.frombuffer("".join(body).encode(), dtype=np.uint8).reshape(count, 12) - 48
    total = (digits * np.arange(2, 14)).sum(axis=1) % 23
    letters = np.array(list(UPN_LETTERS))[total]
    return np.char.add(letters, body)


def _uk(days: np.ndarray) -> np.ndarray:
    """dd/mm/yyyy for days since 1970-01-01."""
    return pd.to_datetime(days, unit="D").strftime("%d/%m/%Y").to_numpy()


def _iso(days: np.ndarray) -> np.ndarray:
    return pd.to_datetime(days, unit="D").strftime("%Y-%m-%d").to_numpy()


def people(n: int, seed: int = 1, as_of: str = AS_OF) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(children, mothers)``: one row per child and per family's mother."""
    rng = np.random.default_rng(seed)
    today = (dt.date.fromisoformat(as_of) - dt.date(1970, 1, 1)).days
    family = _families(n, rng)
    n_fam = int(family.max()) + 1 if n else 0
    surname = _surnames(n_fam, rng)
    sex = np.where(rng.random(n) < 0.5, "M", "F")
    boys, girls = np.array(BOYS), np.array(GIRLS)
    given = np.where(sex == "M", boys[rng.integers(0, len(boys), n)],
                     girls[rng.integers(0, len(girls), n)])
    dob = today - rng.integers(0, 18 * 365, n)
    nhs = _nhs_numbers(n + n_fam, rng)
    district = np.array(DISTRICTS)[rng.integers(0, len(DISTRICTS), n_fam)]
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    inward = np.char.add(np.char.add(rng.integers(1, 9, n_fam).astype(str),
                                     letters[rng.integers(0, 20, n_fam)]),
                         letters[rng.integers(0, 20, n_fam)])
    postcode = np.char.add(np.char.add(district, " "), inward)
    children = pd.DataFrame({
        "child": [f"C{i:07d}" for i in range(n)], "family": family, "given_name": given,
        "family_name": surname[family], "sex": sex, "dob_days": dob,
        "nhs_number": nhs[:n], "upn": _upns(n, rng), "la_child_id": [f"LA{i:07d}" for i in range(n)],
        "postcode": postcode[family]})
    eldest = children.groupby("family")["dob_days"].min().to_numpy() if n else np.array([])
    mothers = pd.DataFrame({
        "family": np.arange(n_fam), "given_name": np.array(MOTHERS)[rng.integers(0, len(MOTHERS), n_fam)],
        "family_name": surname, "sex": "F",
        "dob_days": eldest - rng.integers(18 * 365, 40 * 365, n_fam),
        "nhs_number": nhs[n:], "postcode": postcode})
    children["age_band"] = _age_band(children["dob_days"].to_numpy(), today)
    return children, mothers


def _age_band(dob: np.ndarray, today: int) -> np.ndarray:
    years = (today - dob) / 365.25
    return np.select([years < 2, years < 5, years < 12], ["0-2", "2-4", "5-11"], "12-18")


# --------------------------------------------------------------------------- activity

class _Plan:
    """Which children carry which planted pattern, and helpers for random dates."""

    def __init__(self, children: pd.DataFrame, rng, today: int, rates: dict):
        self.children, self.rng, self.today = children, rng, today
        self.dob = children["dob_days"].to_numpy()
        self.n = len(children)
        self.age = today - self.dob
        self.school = (self.age >= 5 * 365 + 2) & (self.age < 16 * 365)
        eligible = {"wnb_health": self.age >= 420, "ae_frequent": self.age >= 800,
                    "absence_persistent": self.school, "head_lice_repeated": self.school,
                    "domestic_abuse_child_present": self.age >= 420,
                    "drift_cp_plan": self.age >= 520}
        self.planted = {rule: eligible[rule] & (rng.random(self.n) < rates[rule]) for rule in PLANTED}

    def uniform(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        lo, hi = np.asarray(lo), np.asarray(hi)
        return lo + np.floor(self.rng.random(len(lo)) * np.maximum(hi - lo, 1)).astype(int)


def _rows(index: np.ndarray, days: np.ndarray, **columns) -> pd.DataFrame:
    frame = pd.DataFrame({"i": index, "day": days})
    for name, value in columns.items():
        frame[name] = value
    return frame


def _gp(plan: _Plan, mothers: pd.DataFrame) -> pd.DataFrame:
    c, rng, today = plan.children, plan.rng, plan.today
    start = np.maximum(plan.dob, today - 3 * 365)
    counts = rng.poisson(13, plan.n)
    idx = np.repeat(np.arange(plan.n), counts)
    parts = [_rows(idx, plan.uniform(start[idx], today), Outcome="Attended",
                   Clinic=np.array(["GP", "Practice nurse", "Paediatrics"])[rng.integers(0, 3, len(idx))])]
    young = np.flatnonzero(plan.age < 5 * 365)
    for _ in range(2):
        parts.append(_rows(young, plan.uniform(plan.dob[young], today),
                           Outcome="Immunisation given", Clinic="Practice nurse"))
    one = np.flatnonzero((rng.random(plan.n) < 0.15) & (plan.age >= 60))
    parts.append(_rows(one, plan.uniform(start[one], today), Outcome="Was not brought", Clinic="GP"))
    wnb = np.flatnonzero(plan.planted["wnb_health"])
    base = plan.uniform(np.maximum(plan.dob[wnb] + 30, today - 700), today - 200)
    for offset in (0, plan.uniform(np.full(len(wnb), 20), 80),
                   plan.uniform(np.full(len(wnb), 100), 170)):
        parts.append(_rows(wnb, base + offset, Outcome="Was not brought", Clinic="Paediatrics"))
    rows = pd.concat(parts, ignore_index=True)
    frame = _person_block(c, rows["i"].to_numpy(), "G")
    frame["MotherID"] = "M" + c["family"].to_numpy()[rows["i"]].astype(str)
    frame["ApptDate"], frame["Clinic"], frame["Outcome"] = _uk(rows["day"].to_numpy()), rows["Clinic"], rows["Outcome"]
    frame["Role"] = "child"
    return pd.concat([frame, _gp_mothers(mothers, plan)], ignore_index=True)


def _gp_mothers(mothers: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    idx = np.repeat(np.arange(len(mothers)), 2)
    days = plan.uniform(np.full(len(idx), plan.today - 3 * 365), plan.today)
    m = mothers.iloc[idx]
    return pd.DataFrame({
        "PatientID": "M" + m["family"].astype(str).to_numpy(), "Forename": m["given_name"].to_numpy(),
        "Surname": m["family_name"].to_numpy(), "DOB": _uk(m["dob_days"].to_numpy()),
        "Sex": "F", "NHSNumber": m["nhs_number"].to_numpy(), "Postcode": m["postcode"].to_numpy(),
        "MotherID": "", "ApptDate": _uk(days), "Clinic": "GP",
        "Outcome": np.where(plan.rng.random(len(idx)) < 0.2, "DNA", "Attended"), "Role": "parent"})


def _person_block(c: pd.DataFrame, idx: np.ndarray, prefix: str) -> pd.DataFrame:
    rows = c.iloc[idx]
    return pd.DataFrame({
        "PatientID": prefix + rows["child"].str[1:].to_numpy(), "Forename": rows["given_name"].to_numpy(),
        "Surname": rows["family_name"].to_numpy(), "DOB": _uk(rows["dob_days"].to_numpy()),
        "Sex": rows["sex"].to_numpy(), "NHSNumber": rows["nhs_number"].to_numpy(),
        "Postcode": rows["postcode"].to_numpy()})


def _hospital(plan: _Plan) -> pd.DataFrame:
    rng, today = plan.rng, plan.today
    one = np.flatnonzero((rng.random(plan.n) < 0.25) & (plan.age >= 500))
    parts = [_rows(one, plan.uniform(np.maximum(plan.dob[one] + 400, today - 3 * 365), today))]
    ae = np.flatnonzero(plan.planted["ae_frequent"])
    base = plan.uniform(np.maximum(plan.dob[ae] + 400, today - 700), today - 330)
    for offset in (0, plan.uniform(np.full(len(ae), 30), 120), plan.uniform(np.full(len(ae), 150), 300)):
        parts.append(_rows(ae, base + offset))
    rows = pd.concat(parts, ignore_index=True)
    block = _person_block(plan.children, rows["i"].to_numpy(), "H")
    dates = _uk(rows["day"].to_numpy())
    bad = np.flatnonzero(rng.random(len(dates)) < 0.001)  # a few impossible dates: quarantine
    dates[bad] = "31/02/2023"
    return pd.DataFrame({
        "HospitalNo": block["PatientID"], "PatientForename": block["Forename"],
        "PatientSurname": block["Surname"], "DateOfBirth": block["DOB"], "Gender": block["Sex"],
        "NHS": block["NHSNumber"], "ArrivalDate": dates, "AttendanceType": "A&E attendance"})


def _school_block(plan: _Plan, idx: np.ndarray) -> pd.DataFrame:
    rows = plan.children.iloc[idx]
    return pd.DataFrame({
        "UPN": rows["upn"].to_numpy(), "Forename": rows["given_name"].to_numpy(),
        "Surname": rows["family_name"].to_numpy(), "DOB": _uk(rows["dob_days"].to_numpy()),
        "Sex": rows["sex"].to_numpy()})


def _attendance(plan: _Plan) -> pd.DataFrame:
    pupils = np.flatnonzero(plan.school)
    idx = np.repeat(pupils, 6)
    term = np.tile(np.arange(6), len(pupils))
    value = np.round(92 + plan.rng.random(len(idx)) * 8, 1)
    low = plan.planted["absence_persistent"][idx] & (term == (idx % 6))
    value[low] = np.round(60 + plan.rng.random(int(low.sum())) * 29, 1)
    frame = _school_block(plan, idx)
    frame["TermStart"] = _uk(plan.today - 730 + term * 121)
    frame["AttendancePct"] = value
    return frame


def _welfare(plan: _Plan) -> pd.DataFrame:
    rng, today = plan.rng, plan.today
    pupils = np.flatnonzero(plan.school & (rng.random(plan.n) < 0.05))
    parts = [_rows(pupils, plan.uniform(np.full(len(pupils), today - 700), today))]
    lice = np.flatnonzero(plan.planted["head_lice_repeated"])
    day = plan.uniform(np.full(len(lice), today - 700), today - 320)
    for _ in range(3):
        parts.append(_rows(lice, day))
        day = day + plan.uniform(np.full(len(lice), 30), 150)
    rows = pd.concat(parts, ignore_index=True)
    frame = _school_block(plan, rows["i"].to_numpy())
    frame["Date"] = _uk(rows["day"].to_numpy())
    frame["Concern"] = "Head lice"
    return frame


def _police(plan: _Plan, mothers: pd.DataFrame) -> pd.DataFrame:
    rng, today, c = plan.rng, plan.today, plan.children
    da = np.flatnonzero(plan.planted["domestic_abuse_child_present"])
    first = plan.uniform(np.maximum(plan.dob[da], today - 700), today - 250)
    second = first + plan.uniform(np.full(len(da), 20), 200)
    kids = pd.concat([_rows(da, first), _rows(da, second)], ignore_index=True)
    rows = c.iloc[kids["i"].to_numpy()]
    child_rows = pd.DataFrame({
        "PersonRef": "PR" + rows["child"].str[1:].to_numpy(),
        "Name": (rows["given_name"] + " " + rows["family_name"]).to_numpy(),
        "DOB": _uk(rows["dob_days"].to_numpy()), "IncidentDate": _uk(kids["day"].to_numpy()),
        "IncidentType": "Domestic abuse - child present"})
    fam = c["family"].to_numpy()[kids["i"].to_numpy()]
    mum = mothers.iloc[fam]
    mother_rows = pd.DataFrame({
        "PersonRef": "PM" + mum["family"].astype(str).to_numpy(),
        "Name": (mum["given_name"] + " " + mum["family_name"]).to_numpy(),
        "DOB": _uk(mum["dob_days"].to_numpy()), "IncidentDate": _uk(kids["day"].to_numpy()),
        "IncidentType": "Domestic abuse"})
    calls = mothers[rng.random(len(mothers)) < 0.05]
    call_rows = pd.DataFrame({
        "PersonRef": "PM" + calls["family"].astype(str).to_numpy(),
        "Name": (calls["given_name"] + " " + calls["family_name"]).to_numpy(),
        "DOB": _uk(calls["dob_days"].to_numpy()),
        "IncidentDate": _uk(plan.uniform(np.full(len(calls), today - 700), today)),
        "IncidentType": "Concern for welfare"})
    return pd.concat([child_rows, mother_rows, call_rows], ignore_index=True)


def _social_care(plan: _Plan) -> pd.DataFrame:
    rng, today = plan.rng, plan.today
    drift = plan.planted["drift_cp_plan"]
    parts = []
    single = np.flatnonzero((rng.random(plan.n) < 0.05) & ~drift)
    parts.append(_rows(single, plan.uniform(np.maximum(plan.dob[single], today - 3 * 365), today),
                       Event="Referral", Category=""))
    closed = np.flatnonzero((rng.random(plan.n) < 0.01) & ~drift & (plan.age >= 400))
    start = plan.uniform(np.maximum(plan.dob[closed] + 30, today - 900), today - 330)
    parts += [_rows(closed, start, Event="CP plan start", Category="Neglect"),
              _rows(closed, start + plan.uniform(np.full(len(closed), 90), 300),
                    Event="CP plan end", Category="")]
    open_ = np.flatnonzero(drift)
    start = plan.uniform(np.maximum(plan.dob[open_] + 30, today - 900), today - 420)
    parts += [_rows(open_, start - 20, Event="Referral", Category=""),
              _rows(open_, start, Event="CP plan start", Category="Neglect")]
    rows = pd.concat(parts, ignore_index=True)
    c = plan.children.iloc[rows["i"].to_numpy()]
    with_nhs = rng.random(len(rows)) < 0.6
    return pd.DataFrame({
        "LAChildID": c["la_child_id"].to_numpy(), "Forename": c["given_name"].to_numpy(),
        "Surname": c["family_name"].to_numpy(), "DOB": _uk(c["dob_days"].to_numpy()),
        "NHSNumber": np.where(with_nhs, c["nhs_number"].to_numpy(), ""),
        "EventDate": _uk(rows["day"].to_numpy()), "Event": rows["Event"].to_numpy(),
        "Category": rows["Category"].to_numpy()})


# --------------------------------------------------------------------------- mappings

MAPPINGS = {
    "gp": {"agency": "GP", "dayfirst": True,
           "person": {"id": "PatientID", "given_name": "Forename", "family_name": "Surname",
                      "dob": "DOB", "sex": "Sex", "nhs_number": "NHSNumber",
                      "postcode": "Postcode", "role": "Role"},
           "related": [{"column": "MotherID", "kind": "parent", "direction": "to_subject"}],
           "events": [{"date": "ApptDate", "summary": "{Clinic} appointment: {Outcome}",
                       "type": {"column": "Outcome", "map": {
                           "Attended": "appointment_attended", "Was not brought": "was_not_brought",
                           "DNA": "missed_appointment_adult",
                           "Immunisation given": "immunisation_given"}}}]},
    "hospital": {"agency": "Hospital", "dayfirst": True,
                 "person": {"id": "HospitalNo", "given_name": "PatientForename",
                            "family_name": "PatientSurname", "dob": "DateOfBirth",
                            "sex": "Gender", "nhs_number": "NHS"},
                 "events": [{"date": "ArrivalDate", "summary": "{AttendanceType}",
                             "type": {"column": "AttendanceType",
                                      "map": {"A&E attendance": "ae_attendance"}}}]},
    "school_attendance": {"agency": "School", "dayfirst": True,
                          "person": {"upn": "UPN", "given_name": "Forename",
                                     "family_name": "Surname", "dob": "DOB", "sex": "Sex",
                                     "id": "UPN"},
                          "events": [{"date": "TermStart", "value": "AttendancePct",
                                      "type": {"value": "attendance_summary"},
                                      "summary": "Attendance {AttendancePct}% this term"}]},
    "school_welfare": {"agency": "School", "dayfirst": True,
                       "person": {"id": "UPN", "upn": "UPN", "given_name": "Forename",
                                  "family_name": "Surname", "dob": "DOB", "sex": "Sex"},
                       "events": [{"date": "Date", "summary": "{Concern}",
                                   "type": {"column": "Concern", "map": {"Head lice": "head_lice"}}}]},
    "police": {"agency": "Police", "dayfirst": True,
               "person": {"id": "PersonRef", "name": "Name", "dob": "DOB"},
               "events": [{"date": "IncidentDate", "summary": "{IncidentType}",
                           "type": {"column": "IncidentType", "map": {
                               "Domestic abuse - child present": "domestic_abuse_incident",
                               "Domestic abuse": "domestic_abuse_incident",
                               "Concern for welfare": "police_call_out"}}}]},
    "social_care": {"agency": "Children's social care", "dayfirst": True,
                    "person": {"id": "LAChildID", "la_child_id": "LAChildID",
                               "given_name": "Forename", "family_name": "Surname",
                               "dob": "DOB", "nhs_number": "NHSNumber"},
                    "events": [{"date": "EventDate", "summary": "{Event}",
                                "details": {"category": "Category"},
                                "type": {"column": "Event", "map": {
                                    "Referral": "referral", "CP plan start": "cp_plan_start",
                                    "CP plan end": "cp_plan_end"}}}]},
}


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(frame.astype(str), preserve_index=False)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def generate(n_children: int, out_dir: str | Path, *, seed: int = 1, as_of: str = AS_OF,
             rates: dict | None = None) -> dict:
    """Write the population's exports, mappings, manifest and truth; return counts."""
    import yaml

    out = Path(out_dir)
    for sub in ("exports", "mappings", "truth"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    rates = {**RATES, **(rates or {})}
    children, mothers = people(n_children, seed, as_of)
    today = (dt.date.fromisoformat(as_of) - dt.date(1970, 1, 1)).days
    plan = _Plan(children, np.random.default_rng(seed + 1), today, rates)
    exports = {"gp": _gp(plan, mothers), "hospital": _hospital(plan),
               "school_attendance": _attendance(plan), "school_welfare": _welfare(plan),
               "police": _police(plan, mothers), "social_care": _social_care(plan)}
    sources = []
    for name, frame in exports.items():
        _write_csv(frame, out / "exports" / f"{name}.csv")
        (out / "mappings" / f"{name}.yaml").write_text(yaml.safe_dump(MAPPINGS[name], sort_keys=False))
        sources.append({"name": name, "path": f"exports/{name}.csv", "format": "mapped",
                        "agency": MAPPINGS[name]["agency"], "mapping": f"mappings/{name}.yaml"})
    manifest = {"case": f"Synthetic population ({n_children} children)", "as_of": as_of,
                "sources": sources}
    (out / "case.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    truth = children.drop(columns=["dob_days"]).assign(dob=_iso(children["dob_days"].to_numpy()))
    for rule, mask in plan.planted.items():
        truth[rule] = mask
    truth.to_csv(out / "truth" / "children.csv", index=False)
    counts = {name: len(frame) for name, frame in exports.items()}
    return {"children": n_children, "families": len(mothers), "rows": counts,
            "events": sum(counts.values()), "planted": {r: int(m.sum()) for r, m in plan.planted.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("children", type=int, help="how many children (e.g. 10000, 100000, 500000)")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(generate(args.children, args.out, seed=args.seed), indent=2))


if __name__ == "__main__":
    main()
