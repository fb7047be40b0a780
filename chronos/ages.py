"""Age bands, as data: ``chronos/data/age_bands.yaml``, read once.

The rules select events by band (``age_band: [0-2, 2-4]``), the rule SQL decides who is a
child (younger than the last band's end, or in the months before birth) and the screen's
scorecard counts children by band: all from :func:`age_bands`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class AgeBands:
    """The age bands: ``bands`` maps each name to ``(from, to)`` in completed months
    (``from`` None: before birth), in order; ``adult`` and ``unknown`` name an age past
    the last band and an unknown one; ``prenatal_months`` is how long before birth events
    count for the child."""

    bands: dict[str, tuple[int | None, int]]
    adult: str
    unknown: str
    prenatal_months: int

    @property
    def names(self) -> list[str]:
        """Every name a table may hold, in order: the bands, then adult and unknown."""
        return [*self.bands, self.adult, self.unknown]

    @property
    def child_months(self) -> int:
        """A child is younger than this many completed months (the last band's end)."""
        return max(hi for _, hi in self.bands.values())

    def of_months(self, months):
        """The band of each age in completed months (a pandas Series; missing ages are
        ``unknown``, ages past the last band ``adult``)."""
        import numpy as np
        import pandas as pd

        values = pd.to_numeric(pd.Series(months), errors="coerce")
        known = values.to_numpy(dtype="float64", na_value=np.nan)
        conditions = [known < hi if lo is None else (known >= lo) & (known < hi)
                      for lo, hi in self.bands.values()]
        named = np.select(conditions, list(self.bands), self.adult)
        return pd.Series(np.where(np.isnan(known), self.unknown, named), index=values.index)


@lru_cache(maxsize=1)
def age_bands() -> AgeBands:
    """The age bands shipped with chronos (``chronos/data/age_bands.yaml``)."""
    import yaml

    from chronos.datafiles import data_text

    text = data_text("age_bands.yaml")
    raw = yaml.safe_load(text)
    bands = {str(name): (spec.get("from"), int(spec["to"])) for name, spec in raw["bands"].items()}
    return AgeBands(bands, str(raw["adult"]), str(raw["unknown"]), int(raw["prenatal_months"]))


def completed_months(dob, on):
    """Completed months of age on ``on`` for each ``dob`` (pandas Series of dates or ISO
    text; missing or unreadable dates give missing ages)."""
    import pandas as pd

    dob, on = pd.to_datetime(dob, errors="coerce"), pd.to_datetime(on, errors="coerce")
    return (on.dt.year - dob.dt.year) * 12 + (on.dt.month - dob.dt.month) \
        - (on.dt.day < dob.dt.day).astype("Int64")
