"""The genogram and ecomap rules, kept as data in ``chronos/data/genogram.yaml``."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def settings() -> dict:
    """The genogram and ecomap rules (``chronos/data/genogram.yaml``), read once."""
    import yaml

    text = resources.files("chronos").joinpath("data", "genogram.yaml").read_text("utf-8")
    return yaml.safe_load(text)
