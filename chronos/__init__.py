"""chronos: one chronology from many agencies' records about a child.

The library is the product; the ``chronos`` command is a thin adapter over it.
Start with :func:`chronos.case.build_case` (ingest, link, tables) and the table
contract in :mod:`chronos.model`.
"""

__version__ = "0.1.0"
