"""Population mode: every child in an authority through the same rules (``chronos screen``).

:func:`screen` (in :mod:`chronos.screen.run`) runs the stages of :mod:`chronos.screen.stages`
on an engine of :mod:`chronos.screen.engines` (DuckDB or Spark); :mod:`chronos.screen.dedupe`
de-duplicates events and derives households at scale; :mod:`chronos.screen.scorecard` and
:mod:`chronos.screen.charts` write the scorecard.
"""

from chronos.screen.run import (
    COMPLETE_MARKER, ENGINES, STAGES, ScreenOptions, ScreenResult, StageRun, clear,
    is_complete, peak_mb, reset_peak, screen,
)

__all__ = ["COMPLETE_MARKER", "ENGINES", "STAGES", "ScreenOptions", "ScreenResult", "StageRun",
           "clear", "is_complete", "peak_mb", "reset_peak", "screen"]
