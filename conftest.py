"""Test session setup for the whole repository (unit tests, nbval notebooks, browser tests).

Every test run uses its own NLPBOOK_HOME (`.nlpbook/test-home`, or $NLPBOOK_TEST_HOME; emptied at the start), never the user's
~/nlpbook: notebook outputs are then the same on every machine, and a student's checkpoints are never touched.
The notebook kernels that nbval starts inherit this environment.
"""
import os
import shutil
from pathlib import Path

# numbers from float arithmetic in cells tagged `nbval-approx` are compared within a tolerance (see the module)
pytest_plugins = ["tests.nbval_approx"]

# $NLPBOOK_TEST_HOME lets a second pytest session (e.g. one started by a test) use a home of its own
TEST_HOME = Path(os.environ.get("NLPBOOK_TEST_HOME") or Path(__file__).resolve().parent / ".nlpbook" / "test-home")


def pytest_configure(config):
    if hasattr(config, "workerinput"):          # pytest-xdist worker: the controller prepared it
        return
    shutil.rmtree(TEST_HOME, ignore_errors=True)
    TEST_HOME.mkdir(parents=True)
    os.environ["NLPBOOK_HOME"] = str(TEST_HOME)
    os.environ["HF_HUB_OFFLINE"] = "1"               # nothing may reach the hub during tests
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    os.environ.setdefault("PYTHONHASHSEED", "0")
