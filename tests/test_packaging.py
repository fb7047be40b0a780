"""The package as users install it: a distribution name of its own, every import declared
with a lower bound, type information shipped, the ``chronos`` command."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
#: import name -> distribution name, where they differ
DISTRIBUTIONS = {"yaml": "pyyaml", "docx": "python-docx", "dateutil": "python-dateutil",
                 "phonenumbers": "phonenumberslite", "fpdf": "fpdf2", "fontTools": "fonttools",
                 "python_calamine": "python-calamine"}


def _requirements() -> dict[str, str]:
    """distribution (normalised) -> its requirement, over dependencies and extras."""
    found = {}
    for line in [*PROJECT["dependencies"],
                 *[r for extra in PROJECT["optional-dependencies"].values() for r in extra]]:
        name = re.match(r"[A-Za-z0-9_.-]+", line).group(0)
        found[re.sub(r"[-_.]+", "-", name).lower()] = line
    return found


def _third_party_imports() -> set[str]:
    names = set()
    for path in (ROOT / "chronos").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "chronos"}


def test_the_distribution_name_is_not_the_unrelated_chronos_package():
    assert PROJECT["name"] == "chronos-safeguarding"
    assert PROJECT["scripts"] == {"chronos": "chronos.cli:main"}


def test_every_import_is_declared_with_a_lower_bound():
    requirements = _requirements()
    imports = _third_party_imports()
    assert {"pandas", "sqlglot", "numpy"} <= imports
    for name in sorted(imports):
        wanted = DISTRIBUTIONS.get(name, name).lower()
        assert wanted in requirements, f"{name} is imported but not declared in pyproject.toml"
        assert ">=" in requirements[wanted], f"{requirements[wanted]} has no lower bound"


def test_type_information_is_shipped():
    assert (ROOT / "chronos" / "py.typed").exists()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "py.typed" in data["tool"]["setuptools"]["package-data"]["chronos"]
