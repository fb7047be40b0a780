"""The genogram and ecomap rules, kept as data in ``chronos/data/genogram.yaml``."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def settings() -> dict:
    """The genogram and ecomap rules (``chronos/data/genogram.yaml``), read once."""
    import yaml

    from chronos.datafiles import data_text

    return yaml.safe_load(data_text("genogram.yaml"))
