"""Agency returns: send each agency its template, check what comes back, merge, and track
who is missing (docs/practitioner.md, "A review's returns").

- :mod:`chronos.returns.issue`: ``returns new``, the Word and Excel templates per agency;
- :mod:`chronos.returns.check`: ``returns check``, numbered messages with row and column;
- :mod:`chronos.returns.status`: ``returns status``, who has returned, and each return
  added to the case manifest as a source (a later one replacing the earlier);
- :mod:`chronos.returns.register`: what was issued and received (``returns/register.json``).

Returned tables are read by the chronology-table reader, through the same build as every
other source.
"""
