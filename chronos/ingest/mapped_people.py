"""Persons and relationships for the mapped ingester (see :mod:`chronos.ingest.mapped`).

Each row has one subject (the ``person:`` block). Its record key is
``"<source name>:<local id>"``; a row without a local id gets a derived, stable key from
the normalised name and date of birth (``"<source>:~<hash>"``), so the same person
written the same way gets the same key in every run. Values are normalised over the
distinct values of each column only (names, sex codes, identifiers).
"""

from __future__ import annotations

import re
from itertools import combinations

import pandas as pd

from chronos import model
from chronos.ingest.mapping import normalise_wording
from chronos.ingest.tabular import (cell_lengths, factorize, map_values, per_distinct, pick,
                                    text_column)

SEX_CODES = {
    "M": ("m", "male", "man", "boy", "1"),
    "F": ("f", "female", "woman", "girl", "2"),
    "U": ("u", "unknown", "not known", "nk", "0", "not recorded"),
    "X": ("x", "indeterminate", "other", "not specified", "9", "intersex", "non-binary"),
}
_SEX = {word: code for code, words in SEX_CODES.items() for word in words}
TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "master"}
SYMMETRIC = ("partner", "sibling", "household")
PERSON_OUT = ("given_name", "family_name", "other_names", "dob", "dob_precision", "dod",
              "sex", "nhs_number", "upn", "la_child_id", "other_ids", "postcode", "address",
              "role")


def person_columns(ing) -> pd.DataFrame:
    """The subject of each row: ``record_key`` and the person fields ("" where empty)."""
    mapping, frame = ing.mapping, ing.frame
    out = pd.DataFrame(index=frame.index)
    person = mapping.person
    for name in ("given_name", "family_name", "other_names", "address"):
        out[name] = ing.values(person.get(name))
    if "name" in person:
        _fill_from_full_name(out, ing.values(person["name"]))
    out["dob"], out["dob_precision"] = _person_date(ing, person.get("dob"), "dob")
    out["dod"], _ = _person_date(ing, person.get("dod"), "dod")
    out["sex"] = _sex(ing, person.get("sex"))
    out["nhs_number"] = _cleaned(ing, person.get("nhs_number"),
                                 lambda v: per_distinct(v, _nhs_numbers))
    out["upn"] = _cleaned(ing, person.get("upn"), lambda v: per_distinct(
        v, lambda d: d.str.upper().str.replace(" ", "")))
    out["la_child_id"] = ing.values(person.get("la_child_id"))
    out["postcode"] = _cleaned(ing, person.get("postcode"), lambda v: _map_unique(v, _postcode))
    if "address" in person:   # "12 Oak Road, Leeds LS6 2AB": the postcode inside it
        found = map_values(out["address"], postcode_in)
        out["postcode"] = out["postcode"].mask(out["postcode"].eq(""), found)
    out["role"] = _cleaned(ing, person.get("role"), lambda v: per_distinct(v, lambda d: d.str.lower()))
    out["other_ids"] = _other_ids(ing)
    out["record_key"] = _record_keys(ing, out)
    return out


def _cleaned(ing, spec, clean) -> pd.Series:
    """``clean`` applied to a person field's values (nothing to clean when unmapped)."""
    values = ing.values(spec)
    return values if spec is None else clean(values)


def _fill_from_full_name(out: pd.DataFrame, names: pd.Series) -> None:
    given = map_values(names, lambda v: split_name(v)[0])
    family = map_values(names, lambda v: split_name(v)[1])
    out["given_name"] = out["given_name"].mask(out["given_name"].eq(""), given)
    out["family_name"] = out["family_name"].mask(out["family_name"].eq(""), family)


def split_name(text: str) -> tuple[str, str]:
    """(given, family) from a full name: ``"Smith, Jade"``, ``"SMITH Jade"``,
    ``"Jade Louise Smith"`` (family = last word, given = the rest)."""
    words = str(text).split()
    while len(words) > 1 and words[0].casefold().rstrip(".") in TITLES:
        words = words[1:]
    text = " ".join(words)
    if not text:
        return "", ""
    if "," in text:
        family, _, given = text.partition(",")
        return given.strip(), family.strip()
    words = text.split(" ")
    if len(words) == 1:
        return "", words[0]
    capitals = [w for w in words if w.isupper() and len(w) > 1]
    if capitals and len(capitals) < len(words):
        family = " ".join(w for w in words if w.isupper())
        return " ".join(w for w in words if not w.isupper()), family.title()
    return " ".join(words[:-1]), words[-1]


def _person_date(ing, spec, what: str) -> tuple[pd.Series, pd.Series]:
    index = ing.frame.index
    if spec is None or not spec.column:
        blank = text_column("", index)
        return blank, blank
    parsed = ing.dates(spec.column)
    bad = ~parsed["empty"] & parsed["error"].notna()
    ing.cell_warnings(bad, f"person.{what}_invalid", spec.column,
                      f"the {what} cannot be read; the person is kept without it")
    date = parsed["date"].fillna("").astype("string")
    precision = parsed["precision"].where(parsed["date"].notna(), "").fillna("")
    return date, precision.astype("string")


def _sex(ing, spec) -> pd.Series:
    values = ing.values(spec)
    if spec is None:
        return values
    codes = map_values(values, lambda v: _SEX.get(normalise_wording(v)))
    unknown = codes.isna() & values.ne("")
    if spec.column:
        ing.cell_warnings(unknown, "person.sex_unknown_value", spec.column,
                          "unknown sex code; recorded as U (unknown)")
    return codes.fillna("U").where(values.ne(""), "").astype("string")


def _nhs_numbers(values: pd.Series) -> pd.Series:
    """Spaces and dashes dropped when what is left is all digits (``943 476 5919``)."""
    digits = values.str.replace(" ", "", regex=False).str.replace("-", "", regex=False)
    return digits.where(digits.str.isdigit().fillna(False), values)


def _postcode(value: str) -> str:
    code = "".join(value.split()).upper()
    if 5 <= len(code) <= 7:
        return f"{code[:-3]} {code[-3:]}"
    return postcode_in(value) or value.strip().upper()   # a whole address in the column


#: a UK postcode inside text: outward code, a space (or none), inward code
_POSTCODE_IN = re.compile(r"\b(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})\b")


def postcode_in(text: str) -> str:
    """The last UK postcode written inside ``text`` (an address), in the standard form
    (``LS6 2AB``); "" when there is none."""
    found = _POSTCODE_IN.findall(str(text).upper())
    if not found:
        return ""
    code = found[-1].replace(" ", "")
    return f"{code[:-3]} {code[-3:]}"


def _map_unique(values: pd.Series, func) -> pd.Series:
    return map_values(values, func)


def _other_ids(ing) -> pd.Series:
    out = text_column("", ing.frame.index)
    for key, spec in ing.mapping.person.items():
        if key.startswith("other_ids."):
            out = join_parts(out, key.split(".", 1)[1], ing.values(spec))
    return out


def join_parts(acc: pd.Series, key: str, values: pd.Series) -> pd.Series:
    """Append ``key=value`` to ``acc`` ('key=value;key=value') where value is not empty."""
    part = (key + "=" + values.str.replace(";", ",", regex=False)).where(values.ne(""), "")
    sep = text_column(";", acc.index).where(acc.ne("") & part.ne(""), "")
    return acc + sep + part


def _record_keys(ing, out: pd.DataFrame) -> pd.Series:
    """``source:id``, or ``source:~hash`` from name and dob; flags rows with no person."""
    prefix = ing.source.name + ":"
    index = ing.frame.index
    if not ing.mapping.person:
        return text_column("", index)
    ids = ing.values(ing.mapping.person.get("id"))
    no_id = ids.eq("")
    if not no_id.any():
        return prefix + ids
    derived_from = (out["given_name"].str.lower() + "|" + out["family_name"].str.lower()
                    + "|" + out["dob"])
    derived = map_values(derived_from.where(no_id, ""),
                         lambda v: prefix + "~" + model.stable_id("", v, length=10))
    keys = (prefix + ids).where(~no_id, derived)
    nobody = no_id & out["given_name"].eq("") & out["family_name"].eq("") & out["dob"].eq("")
    ing.nobody = nobody   # quarantined (person.missing) only where an event applies
    return keys.where(~nobody, "").astype("string")


def flag_nobody(ing, wanted: pd.Series) -> None:
    """Quarantine the rows that name nobody (``person.missing``) among ``wanted``: the
    rows an event applies to (after its ``when:``), or every row of a persons file."""
    nobody = getattr(ing, "nobody", None)
    if nobody is None or not ing.mapping.person:
        return
    spec = ing.mapping.person.get("id")
    column = getattr(spec, "column", None) or ""
    ing._flag(nobody & wanted, "person.missing", column, ing.values(spec),
              "the row names nobody: no id, no name and no date of birth")


def person_records(ing, persons: pd.DataFrame, data: pd.Series) -> pd.DataFrame:
    """One record per record key among the data rows (first non-empty value of each field)."""
    return finish_person_records(ing, [first_person_rows(ing, persons, data)])


def first_person_rows(ing, persons: pd.DataFrame, data: pd.Series) -> pd.DataFrame | None:
    """Per record key among the data rows, the first non-empty value of each field, in
    order of first appearance (None when the rows hold no person)."""
    if not ing.mapping.person or not data.any():
        return None
    used = ["record_key"] + [c for c in PERSON_OUT if _is_mapped(ing, c)]
    rows = pick(persons[used], data).assign(source_ref=pick(ing.rows.refs, data))
    return first_filled_per_key(pick(rows, rows["record_key"].fillna("").ne("")), "record_key")


def finish_person_records(ing, parts: list[pd.DataFrame | None]) -> pd.DataFrame:
    """The person records from the :func:`first_person_rows` of consecutive blocks of
    rows (one block: the whole file): the first non-empty value over all, by key."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return _with_key(model.empty("persons"))
    first = parts[0] if len(parts) == 1 else \
        first_filled_per_key(pd.concat(parts, ignore_index=True), "record_key")
    for name, value in (("agency", _agency_constant(ing)), ("source_format", "mapped"),
                        ("source_file", ing.label)):
        first[name] = text_column(value, first.index)
    first = first.sort_values("record_key", kind="mergesort")
    return _with_key(model.conform(first, "persons"))


def first_filled_per_key(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per distinct ``key`` (in order of first appearance) holding, in each other
    column, the first non-empty value of that key's rows (missing if none): what
    ``groupby(key).first()`` gives with "" as missing, but found by positions (each
    key's first row, searching further only for keys whose first row is empty there)."""
    import numpy as np

    codes = factorize(rows[key])[0]
    firsts = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    out = {key: rows[key].iloc[firsts].reset_index(drop=True)}
    for column in rows.columns.drop(key):
        filled = _filled(rows[column])
        positions = _first_positions(codes, firsts, filled)
        values = rows[column].iloc[np.maximum(positions, 0)].reset_index(drop=True)
        out[column] = values.mask(positions < 0)
    return pd.DataFrame(out)


def _filled(values: pd.Series):
    """Which cells hold text (numpy booleans): "" and missing do not."""
    if isinstance(values.dtype, pd.StringDtype):
        return cell_lengths(values) > 0
    return values.fillna("").ne("").to_numpy(dtype=bool)


def _first_positions(codes, firsts, filled):
    """For each key (code), the first row position where ``filled`` holds, or -1."""
    import numpy as np

    positions = firsts.copy()
    needy = ~filled[firsts]
    if not needy.any():
        return positions
    rows = np.flatnonzero(needy[codes] & filled)
    found = pd.Series(rows).groupby(codes[rows], sort=False).first()
    positions[needy] = -1
    positions[found.index.to_numpy()] = found.to_numpy()
    return positions


def _is_mapped(ing, column: str) -> bool:
    person = ing.mapping.person
    if column == "other_ids":
        return any(k.startswith("other_ids.") for k in person)
    if column in ("given_name", "family_name"):
        return column in person or "name" in person
    if column == "dob_precision":
        return "dob" in person
    if column == "postcode":
        return "postcode" in person or "address" in person
    return column in person


def _agency_constant(ing) -> str:
    spec = ing.mapping.agency
    if ing.source.agency:
        return ing.source.agency
    return spec.value if spec is not None and spec.value else ing.source.name


def _with_key(frame: pd.DataFrame) -> pd.DataFrame:
    if model.PERSON_RECORD_KEY not in frame.columns:
        frame[model.PERSON_RECORD_KEY] = pd.Series(dtype="string")
    cols = [c for c in frame.columns if c != model.PERSON_RECORD_KEY]
    return frame[cols + [model.PERSON_RECORD_KEY]].reset_index(drop=True)


def related_keys(ing, spec) -> pd.Series:
    """The related person's record key(s) on each row, ';'-joined ("" if none)."""
    values = ing.frame[spec.column]
    prefix = ing.source.name + ":"

    def keys(text: str) -> str:
        parts = [p.strip() for p in text.split(spec.separator)] if text else []
        return ";".join(prefix + p for p in parts if p)

    return _map_unique(values, keys)


def relationships(ing, persons: pd.DataFrame, data: pd.Series) -> pd.DataFrame:
    """Relationships from ``related:`` columns and the ``household:`` column."""
    return finish_relationships(ing, [relationship_rows(ing, persons, data)])


def relationship_rows(ing, persons: pd.DataFrame, data: pd.Series) -> dict:
    """A block of rows' share of the relationships: the pairs of each ``related:``
    column (each pair once, in row order) and the first row of each household member."""
    related = [_distinct_pairs(_related_rows(ing, spec, persons, data))
               for spec in ing.mapping.related]
    members = None
    if ing.mapping.household is not None:
        members = _household_members(ing, persons, data)
    return {"related": related, "members": members}


def finish_relationships(ing, parts: list[dict]) -> pd.DataFrame:
    """The relationships from the :func:`relationship_rows` of consecutive blocks of
    rows (one block: the whole file)."""
    if not parts:
        return model.empty("relationships")
    rows = [pd.concat([p["related"][i] for p in parts], ignore_index=True)
            for i in range(len(ing.mapping.related))]
    if ing.mapping.household is not None:
        members = pd.concat([p["members"] for p in parts], ignore_index=True)
        rows.append(_household_rows(ing, members.drop_duplicates(["household", "key"])))
    rows = [r for r in rows if len(r)]
    if not rows:
        return model.empty("relationships")
    frame = _distinct_pairs(pd.concat(rows, ignore_index=True))
    frame = frame.sort_values(["person_a", "person_b", "kind"], kind="mergesort")
    return model.conform(frame.replace("", pd.NA), "relationships")


def _distinct_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """Symmetric kinds with the pair in order, without self-pairs, each pair once."""
    if not len(frame):
        return frame
    symmetric = frame["kind"].isin(SYMMETRIC)
    if symmetric.any():
        frame = frame.copy()
        pairs = frame.loc[symmetric, ["person_a", "person_b"]]
        frame.loc[symmetric, "person_a"] = pairs.min(axis=1)
        frame.loc[symmetric, "person_b"] = pairs.max(axis=1)
    frame = frame[frame["person_a"] != frame["person_b"]]
    return frame.drop_duplicates(["person_a", "person_b", "kind", "subtype"])


def _related_rows(ing, spec, persons: pd.DataFrame, data: pd.Series) -> pd.DataFrame:
    mask = data & persons["record_key"].ne("") & ing.frame[spec.column].ne("")
    frame = pd.DataFrame({
        "subject": persons["record_key"], "other": related_keys(ing, spec),
        "subtype": ing.values(spec.subtype).str.lower(),
        "start": _optional_date(ing, spec.start), "end": _optional_date(ing, spec.end),
        "source_ref": ing.rows.refs})[mask]
    if frame["other"].str.contains(";", regex=False).any():  # several people in a cell
        frame["other"] = frame["other"].str.split(";")
        frame = frame.explode("other")
    forward = spec.direction == "to_subject"
    frame["person_a"] = frame["other"] if forward else frame["subject"]
    frame["person_b"] = frame["subject"] if forward else frame["other"]
    frame["kind"] = spec.kind
    frame["source_file"] = ing.label
    return frame.drop(columns=["subject", "other"])


def _household_members(ing, persons: pd.DataFrame, data: pd.Series) -> pd.DataFrame:
    """The first row of each person in each household (household, key, ref)."""
    households = ing.values(ing.mapping.household)
    mask = data & persons["record_key"].ne("") & households.ne("")
    frame = pd.DataFrame({"household": households, "key": persons["record_key"],
                          "ref": ing.rows.refs})[mask]
    return frame.drop_duplicates(["household", "key"])


def _household_rows(ing, members: pd.DataFrame) -> pd.DataFrame:
    """Every pair of members of each household (the pair's row: the first member's)."""
    rows = []
    for _, group in members.groupby("household", sort=True):
        for (a, ref), (b, _) in combinations(zip(group["key"], group["ref"]), 2):
            rows.append({"person_a": a, "person_b": b, "kind": "household", "subtype": "",
                         "source_file": ing.label, "source_ref": ref})
    return pd.DataFrame(rows)


def _optional_date(ing, column: str | None) -> pd.Series:
    if not column:
        return text_column("", ing.frame.index)
    return ing.dates(column)["date"].fillna("").astype("string")
