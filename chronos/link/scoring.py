"""Probabilistic scoring of candidate record pairs with splink (DuckDB backend).

The input is the frame :func:`chronos.link.identifiers.prepare_records` makes; the output
is one row per candidate pair worth keeping (likely matches, the review band, vetoed
look-alikes and shared identifiers) with splink's match weight and probability, the
comparison level (gamma) of each field, and which veto levels applied.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from chronos.link.identifiers import MATCH_COLUMNS
from chronos.link.settings import LinkSettings

#: Pairs below this probability are not even materialised by splink.
VETO_FLOOR = 1e-4
#: Vetoed look-alikes kept as constraints (given names: twins; one source: two people).
#: Date-of-birth and identifier vetoes need no pairs: clustering checks those facts on
#: whole groups (chronos.link.cluster.FACT_RULES).
CONSTRAINT_FLOOR = 1e-2
IDENTIFIERS = ("nhs", "upn", "la_id")


@dataclass
class Scored:
    """Scored pairs and what was learnt on the way."""

    pairs: object                      # DataFrame: key_l, key_r, match_weight, ...
    trained: bool = False
    model: dict = field(default_factory=dict)   # splink model json when trained
    self_pairs: object = None          # DataFrame like pairs: each asked record with itself
    blocking: object = None            # chronos.link.blocks.Blocking: windowed blocks


def _quiet_splink():
    logging.getLogger("splink").setLevel(logging.ERROR)


def _connection(settings: LinkSettings):
    import duckdb

    limit = settings.raw.get("duckdb_memory_limit")
    return duckdb.connect(config={"memory_limit": str(limit)} if limit else {})


def _linker(frame, settings: LinkSettings, n_records: int, db_api=None, blocking=None,
            parts: bool = True):
    """A splink linker on ``frame``; ``blocking`` (:class:`chronos.link.blocks.Blocking`)
    replaces the model's blocking rules and adds its window columns. ``parts=False``:
    predictions without each comparison's match weight and term frequencies (only the
    gammas, the weight and the probability linking keeps: half the table splink holds)."""
    import pandas as pd
    from splink import DuckDBAPI, Linker

    _quiet_splink()
    spec = settings.splink_settings(n_records)
    spec["retain_intermediate_calculation_columns"] = parts
    spec["retain_matching_columns"] = True  # gamma_ columns come with the matching ones
    db_api = db_api if db_api is not None else DuckDBAPI(_connection(settings))
    table = frame[["record_key", *MATCH_COLUMNS]]
    # a column with no value at all (no initial-only record) is still text: untyped, Spark
    # would take it for a number and fail comparing it with a name
    empty = [c for c in table.columns if table[c].dtype == object and table[c].isna().all()]
    if empty:
        table = table.astype({c: "string" for c in empty})
    if blocking is not None:
        spec["blocking_rules_to_generate_predictions"] = list(blocking.rules)
        if blocking.columns is not None:
            table = pd.concat([table.reset_index(drop=True), blocking.columns], axis=1)
    return Linker(db_api.register(table), spec, log_level=None,
                  validate_settings=False)  # shipped, tested


def score_pairs(frame, settings: LinkSettings, *, train: bool = False, db_api=None,
                self_keys=(), files: dict | None = None, stars: dict | None = None,
                predict: bool = True) -> Scored:
    """Score the candidate pairs of ``frame`` (see module docstring). ``db_api``: a splink
    database API (default a new in-memory ``DuckDBAPI``; ``SparkAPI`` for Spark).

    Blocks bigger than the model's ``max_block_size`` are windowed and the candidate
    pairs bounded (:func:`chronos.link.blocks.bound_blocks`; ``files``: source -> file
    for its messages). ``self_keys``: records also scored against themselves (a unit of
    identical records, :mod:`chronos.link.units`), in ``Scored.self_pairs``. ``stars``:
    record -> the record it alone is compared with (:func:`chronos.link.units.
    identifier_stars`); such records are left out of every blocking rule.
    ``predict=False``: only train (``Scored.model``), no pairs scored (a screen trains on
    a sample it does not link)."""
    import pandas as pd

    from chronos.link.blocks import add_stars, bound_blocks

    usable = frame[frame["record_key"].notna()].reset_index(drop=True)
    if len(usable) < 2 and not len(self_keys):
        return Scored(pd.DataFrame(columns=_pair_columns(settings)))
    blocked = usable[~usable["record_key"].isin(list(stars))] if stars else usable
    blocking = bound_blocks(blocked, settings.blocking_rules, settings.max_block_size,
                            settings.max_candidate_pairs, files, settings.window_size)
    if stars:
        blocking = add_stars(blocking, usable, blocked.index, stars)
    own = None
    if db_api is None:
        from splink import DuckDBAPI

        own = _connection(settings)
        db_api = DuckDBAPI(own)
    try:
        return _score(usable, settings, train, db_api, blocking, self_keys, predict)
    finally:
        if own is not None:   # DuckDB's memory back now, not when a cycle is collected
            own.close()


def _score(usable, settings: LinkSettings, train: bool, db_api, blocking, self_keys,
           predict: bool) -> Scored:
    import pandas as pd

    linker = _linker(usable, settings, len(usable), db_api, blocking, parts=False)
    scored = Scored(None, blocking=blocking)
    if train and len(usable) >= settings.min_records_to_train:
        scored.model = _train(linker, settings)
        scored.trained = True
    floor = min(VETO_FLOOR, settings.review_threshold)   # far below: never kept anyway
    if predict and len(usable) >= 2:
        scored.pairs = _predict_kept(linker, settings, floor)
    else:
        scored.pairs = pd.DataFrame(columns=_pair_columns(settings))
    if predict and len(self_keys):
        scored.self_pairs = _score_self_pairs(linker, db_api, self_keys, settings, floor)
    return scored


def _predict_kept(linker, settings: LinkSettings, floor: float):
    """The pairs worth keeping (:func:`_kept`) of splink's prediction at ``floor``.

    On DuckDB, in one query: splink's own blocking, comparison and scoring SQL with
    :func:`_keep_sql` on top, and no compared field carried along, so what DuckDB holds
    is the kept pairs' few columns, never every prediction with both records' fields
    (100,000 records of one child: 780,000 predictions of 80 columns). The same pairs,
    weights and gammas as ``predict`` then :func:`_kept` (a test compares them); any
    other backend, or a splink whose internals moved, takes that public way."""
    narrow = _narrow_prediction(linker, settings, floor)
    if narrow is not None:
        return narrow
    predictions = linker.inference.predict(threshold_match_probability=floor,
                                           warning_mode="never")
    return _kept(linker, predictions, settings)


def _narrow_prediction(linker, settings: LinkSettings, floor: float):
    """:func:`_predict_kept` through splink's SQL pipeline (None: not available here)."""
    if linker._sql_dialect_str != "duckdb":
        return None
    try:
        from splink.internals.comparison_vector_values import (
            compute_comparison_vector_values_from_id_pairs_sqls)
        from splink.internals.dialects import SplinkDialect
        from splink.internals.pipeline import CTEPipeline
        from splink.internals.predict import predict_from_comparison_vectors_sqls
        from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

        spec = linker._settings_obj
        blocked, cached = linker.inference._get_or_compute_blocked_pairs_for_predict_chunk()
    except (ImportError, AttributeError, TypeError):
        return None
    retained = spec._retain_matching_columns
    spec._retain_matching_columns = False         # gammas only: no field l/r pairs
    try:
        pipeline = CTEPipeline([blocked])
        enqueue_df_concat_with_tf(linker, pipeline)
        pipeline.enqueue_list_of_sqls(compute_comparison_vector_values_from_id_pairs_sqls(
            spec._columns_to_select_for_blocking,
            spec._columns_to_select_for_comparison_vector_values,
            input_tablename_l="__splink__df_concat_with_tf",
            input_tablename_r="__splink__df_concat_with_tf",
            source_dataset_input_column=spec.column_info_settings.source_dataset_input_column,
            unique_id_input_column=spec.column_info_settings.unique_id_input_column,
            link_type=spec._link_type, sql_dialect_str=linker._sql_dialect_str))
        pipeline.enqueue_list_of_sqls(predict_from_comparison_vectors_sqls(
            unique_id_input_columns=spec.column_info_settings.unique_id_input_columns,
            core_model_settings=spec.core_model_settings,
            sql_dialect=SplinkDialect.from_string(linker._sql_dialect_str),
            threshold_match_probability=floor, training_mode=True))   # gammas kept
        present = {c._gamma_column_name[len("gamma_"):] for c in spec.comparisons}
        pair_sql, kept_sql = _keep_steps("__splink__df_predict", "__chronos_pairs",
                                         settings, present)
        pipeline.enqueue_sql(pair_sql, "__chronos_pairs")
        pipeline.enqueue_sql(kept_sql, "__chronos_kept_pairs")
    except (AttributeError, TypeError):           # splink's internals moved: public way
        pipeline = None
    finally:
        spec._retain_matching_columns = retained
    try:
        if pipeline is None:
            return None
        kept = linker._db_api.sql_pipeline_to_splink_dataframe(pipeline)
    finally:
        if not cached:
            blocked.drop_table_from_database_and_remove_from_cache()
    pairs = kept.as_pandas_dataframe()
    kept.drop_table_from_database_and_remove_from_cache()
    return _as_kept(pairs, settings, present)


def _kept(linker, predictions, settings: LinkSettings):
    """The pairs worth keeping (:func:`_keep_sql`); their text columns as Python strings
    (linking walks them pair by pair)."""
    present = _gamma_columns(linker, predictions.physical_name)
    sql = _keep_sql(predictions.physical_name, settings, present)
    pairs = linker.misc.query_sql(sql, output_type="pandas")
    predictions.drop_table_from_database_and_remove_from_cache()
    return _as_kept(pairs, settings, present)


def _as_kept(pairs, settings: LinkSettings, present: set[str] | None):
    """The kept pairs as linking reads them: a gamma of -1 for a comparison splink left
    out, text columns as Python strings."""
    for name in _missing_gammas(settings, present):   # a comparison with no data at all
        pairs[f"gamma_{name}"] = -1                   # (no names in a census return)
    text = ["key_l", "key_r", "vetoes", "identifiers"]
    return pairs.astype({c: object for c in text if c in pairs.columns})


def _score_self_pairs(linker, db_api, keys, settings: LinkSettings, floor: float):
    """Each of ``keys`` scored against itself (what the model makes of two identical
    records), through splink's registered blocked pairs."""
    import pandas as pd

    keys = sorted(keys)
    table = pd.DataFrame({"match_key": "0", "join_key_l": keys, "join_key_r": keys})
    linker.table_management.register_blocked_pairs_for_predict(db_api.register(table))
    predictions = linker.inference.predict(threshold_match_probability=floor,
                                           warning_mode="never")
    return _kept(linker, predictions, settings)


def _gamma_columns(linker, table: str) -> set[str] | None:
    """The comparisons whose ``gamma_`` column the predictions table has (None: all).
    After training on records where a compared field is always empty (a census return
    has no names), splink leaves that comparison out of its predictions."""
    try:
        head = linker.misc.query_sql(f"SELECT * FROM {table} LIMIT 0", output_type="pandas")
    except Exception:  # a backend that cannot run it: assume every comparison is there
        return None
    return {c[len("gamma_"):] for c in head.columns if c.startswith("gamma_")}


def _missing_gammas(settings: LinkSettings, present: set[str] | None) -> list[str]:
    if present is None:
        return []
    return [c.name for c in settings.comparisons if c.name not in present]


def _train(linker, settings: LinkSettings) -> dict:
    """Re-estimate u from random pairs, then m by EM blocked on date of birth and on
    family name (each pass estimates the fields it does not block on)."""
    from splink import block_on

    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("dob"), block_on("family_first", "given_initial")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True)
        except Exception as exc:  # EM can fail to converge on odd data: keep defaults
            logging.getLogger(__name__).warning("EM training skipped: %s", exc)
    return linker.misc.save_model_to_json()


def _veto_sql(settings: LinkSettings, present: set[str] | None = None) -> str:
    parts = []
    for name, gammas in settings.veto_levels().items():
        if gammas and (present is None or name in present):
            values = ", ".join(str(g) for g in sorted(gammas))
            parts.append(f"CASE WHEN gamma_{name} IN ({values}) THEN '{name}' END")
    same_source = _same_source_sql(settings) if present is None or "given" in present else None
    if same_source:
        parts.append(same_source)
    return f"concat_ws(',', {', '.join(parts)})" if parts else "''"


def _same_source_sql(settings: LinkSettings) -> str | None:
    """Veto 'source': two keys of one source whose given names are neither the same nor
    nicknames of each other (one system's two records are two people)."""
    given = next((c for c in settings.comparisons if c.name == "given"), None)
    if not settings.distinct_within_source or given is None:
        return None
    top = len(given.levels) - 1
    kept = [top - i for i, lv in enumerate(given.levels) if lv.label in ("exact", "nickname")]
    floor = min(kept) if kept else top
    return ("CASE WHEN split_part(record_key_l, ':', 1) = split_part(record_key_r, ':', 1) "
            f"AND gamma_given >= 0 AND gamma_given < {floor} THEN 'source' END")


def _identifier_sql(settings: LinkSettings, present: set[str] | None = None) -> str:
    names = [c for c in settings.comparisons if c.name in IDENTIFIERS
             and (present is None or c.name in present)]
    parts = [f"CASE WHEN gamma_{c.name} = {len(c.levels) - 1} THEN '{c.name}' END"
             for c in names]
    return f"concat_ws(',', {', '.join(parts)})" if parts else "''"


def _keep_sql(table: str, settings: LinkSettings, present: set[str] | None = None) -> str:
    pairs, kept = _keep_steps(table, "p", settings, present)
    return f"WITH p AS ({pairs}) {kept}"


def _keep_steps(table: str, named: str, settings: LinkSettings,
                present: set[str] | None = None) -> tuple[str, str]:
    """The SQL of the pairs worth keeping, in two steps: each prediction of ``table``
    as a pair (keys in order, gammas, vetoes, identifiers), then those of them (the
    first step's result ``named``) to keep, in key order."""
    gammas = ", ".join(f"gamma_{c.name}" for c in settings.comparisons
                       if present is None or c.name in present)
    pairs = f"""
            SELECT least(record_key_l, record_key_r) AS key_l,
                   greatest(record_key_l, record_key_r) AS key_r,
                   match_weight, match_probability, {gammas},
                   {_veto_sql(settings, present)} AS vetoes,
                   {_identifier_sql(settings, present)} AS identifiers
            FROM {table}"""
    kept = f"""
        SELECT * FROM {named}
        WHERE match_probability >= {settings.review_threshold}
           OR identifiers <> ''
           OR ((vetoes LIKE '%given%' OR vetoes LIKE '%source%')  -- portable (Spark too)
               AND match_probability >= {CONSTRAINT_FLOOR})
        ORDER BY key_l, key_r"""
    return pairs, kept


def _pair_columns(settings: LinkSettings) -> list[str]:
    return ["key_l", "key_r", "match_weight", "match_probability",
            *(f"gamma_{c.name}" for c in settings.comparisons), "vetoes", "identifiers"]


def score_one_pair(record_a: dict, record_b: dict, settings: LinkSettings, n_records: int):
    """splink's scoring of one pair (any two records, blocked or not), as a dict with
    ``match_weight``, ``match_probability`` and ``gamma_``/``bf_`` per comparison."""
    import pandas as pd

    frame = pd.DataFrame([record_a, record_b])
    linker = _linker(frame, settings, n_records)
    cols = ["record_key", *MATCH_COLUMNS]
    result = linker.inference.score_pair({k: record_a.get(k) for k in cols},
                                         {k: record_b.get(k) for k in cols})
    return result.as_pandas_dataframe().iloc[0].to_dict()
