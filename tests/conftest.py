"""Shared fixtures: paths to the example case and the public sample files."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()
EXAMPLE = ROOT / "examples" / "smith-family"


#: chronos reads the user's chronos.toml (docs/settings.md): the tests read an empty
#: configuration folder of their own instead, whatever the machine's user has set
os.environ["CHRONOS_CONFIG_DIR"] = tempfile.mkdtemp(prefix="chronos-test-config-")


@pytest.fixture(scope="session")
def spark():
    """A local Spark session (two cores), shared by every test that needs one; skips
    when Java or pyspark is missing."""
    import importlib.util
    import shutil

    if shutil.which("java") is None:
        pytest.skip("Java is not installed")
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed")
    from chronos.screen.engines import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture
def shared_data() -> Path:
    """The folder of real public sample files (skips when it is not beside the project)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the project")
    return SHARED_DATA


def _hypothesis_profile() -> None:
    """No per-example deadline: CI machines are shared and timings are noisy; speed is
    measured in benchmarks/, not asserted in tests."""
    from hypothesis import settings

    settings.register_profile("chronos", deadline=None)
    settings.load_profile("chronos")


_hypothesis_profile()


def _private_cache() -> None:
    """The cache of ingested sources (chronos/cache.py) in a folder of the test run's own,
    not in the case folders (the example's among them) where it goes by default
    (commands run by the tests inherit it)."""
    folder = tempfile.mkdtemp(prefix="chronos-test-cache-")
    os.environ["CHRONOS_CACHE_DIR"] = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


_private_cache()
