"""The SQL dialect layer: backend-specific SQL written once per construct.

chronos runs its SQL on DuckDB (a case in memory, a population over Parquet) and on Spark.
The queries are written once; :mod:`chronos.sql.dialects` holds what differs between the
engines (ordered and distinct text aggregation, list functions, explode, hashed ids, the
translation of the common subset), as splink's dialects do.
"""

from chronos.sql.dialects import (
    DIALECTS, DUCKDB, SPARK, Dialect, DuckDB, Spark, date_literal, dialect, literal,
)

__all__ = ["DIALECTS", "DUCKDB", "SPARK", "Dialect", "DuckDB", "Spark", "date_literal",
           "dialect", "literal"]
