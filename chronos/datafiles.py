"""The files chronos ships as data (``chronos/data/*.yaml``, the rule catalogue), found
beside this module.

Found by the module's own location rather than through :mod:`importlib.resources`: when
Python is started in a folder that holds a ``chronos/`` directory (a checkout, a case
folder named so), ``chronos`` can become a namespace package whose resources are a
``MultiplexedPath`` that older Pythons cannot join several parts onto. The package's own
folder is right in every case (an installed wheel, an editable install, a checkout).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """The path of a shipped data file, e.g. ``data_path("event_types.yaml")``."""
    return PACKAGE / "data" / name


def data_text(name: str) -> str:
    """The text (UTF-8) of a shipped data file in ``chronos/data``."""
    return data_path(name).read_text("utf-8")


def package_path(*parts: str) -> Path:
    """A path inside the installed package (``package_path("patterns", "catalogue")``)."""
    return PACKAGE.joinpath(*parts)


def version() -> str:
    """chronos's version (also when ``chronos/__init__.py`` was not run: see above)."""
    import re

    import chronos

    found = getattr(chronos, "__version__", None)
    if found:
        return str(found)
    text = package_path("__init__.py").read_text("utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M)
    return match.group(1) if match else "unknown"
