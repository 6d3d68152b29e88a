"""Stored notebook outputs hold on another machine, and the checks that show it are not vacuous.

A test session pins the CPU kernel family and the thread count of the recording where it can (root conftest.py,
`pin_kernels`): any x86 CPU with AVX2, AMD or Intel with AVX-512, then computes the recorded digits. What cannot
be pinned (a CPU without AVX2, ARM laptops, a caller's own thread count) is covered by the tolerance of cells
tagged `nbval-approx`. Here every notebook is run again under nbval against the same stored outputs as a machine
unlike the recording's in both ways this one can be made to differ, at once:

- one thread (OMP_NUM_THREADS=1; recorded with 2): another split of every reduction;
- another kernel family (ATEN_CPU_CAPABILITY=default: torch's plain C++ kernels instead of AVX2;
  MKL_CBWR=COMPATIBLE: MKL's code path that gives the same results on every x86; oneDNN as the CPU allows) —
  what a machine whose kernels differ from the recording's computes.

(Until 0.2.0 these were two runs of every notebook; each passed alone, and together they are the harder case. One
run saves a full pass of the notebooks in CI; `NLPBOOK_PORTABILITY=each` runs the two apart, as before.)

The run starts as soon as pytest has collected this test (root conftest.py, `pytest_collection_finish`), in its own
process and NLPBOOK_HOME, and goes on beside the rest of the session: it needs one thread, and much of the session
waits on Python, kernels starting and files, not on both cores. The test then waits for it. Nothing is shared but
the notebook files, which both only read; the numbers do not depend on what else runs (the thread count does, and
is fixed per run).

The run must pass, and must have needed the tolerance at least once (a number really differed from the stored
one): a run in which nothing differed could not show that the outputs hold elsewhere. Every number let through
is printed with its cell, so the tolerance is sized from measurement.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.nbval_approx import tolerance_of

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KERNEL_VARIABLES = ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA",
                    "OMP_NUM_THREADS", "MKL_NUM_THREADS")

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
OTHER_KERNELS = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}
MACHINES = ({"one-thread": ONE_THREAD, "other-kernels": OTHER_KERNELS}
            if os.environ.get("NLPBOOK_PORTABILITY") == "each" else
            {"one-thread-other-kernels": {**ONE_THREAD, **OTHER_KERNELS}})


# name → (the running nbval process, its folder: output.txt and approx.jsonl), started by start_in_background
_BACKGROUND: dict[str, tuple[subprocess.Popen, Path]] = {}


def _start(name: str, folder: Path) -> subprocess.Popen:
    """nbval over every notebook as the machine `name`, in its own NLPBOOK_HOME; output into folder/output.txt."""
    env = {key: value for key, value in os.environ.items() if key not in KERNEL_VARIABLES}
    env.update(MACHINES[name], NBVAL_APPROX_REPORT=str(folder / "approx.jsonl"),
               NLPBOOK_TEST_HOME=str(ROOT / ".nlpbook" / f"test-home-{name}"))
    with open(folder / "output.txt", "w", encoding="utf-8") as output:
        return subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *NOTEBOOKS],
                                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)


def start_in_background(names: list[str]) -> None:
    """Start the runs of `names` now, to go on beside the rest of the test session (root conftest.py)."""
    for name in names:
        if name not in _BACKGROUND:
            folder = Path(tempfile.mkdtemp(prefix=f"nlpbook-portability-{name}-"))
            _BACKGROUND[name] = (_start(name, folder), folder)


def stop_background() -> None:
    """End runs nobody waited for (the session was interrupted, or the test deselected after collection)."""
    while _BACKGROUND:
        process, folder = _BACKGROUND.popitem()[1]
        process.kill()
        process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def run_notebooks_as(name: str, tmp_path: Path) -> list[dict]:
    process, folder = _BACKGROUND.pop(name, (None, tmp_path))
    returncode = (process or _start(name, folder)).wait()
    stdout = (folder / "output.txt").read_text(encoding="utf-8")
    report = folder / "approx.jsonl"
    differed = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()] if report.exists() else []
    if process:
        shutil.rmtree(folder, ignore_errors=True)
    tail = "\n".join(stdout.splitlines()[-60:])
    assert returncode == 0, f"nbval as '{name}' ({MACHINES[name]}) failed against the stored outputs:\n{tail}"
    assert "kernel family" in stdout and all(f"{k}={v}" in stdout for k, v in MACHINES[name].items()
                                             if k != "MKL_NUM_THREADS"), stdout[:2000]
    return differed


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MACHINES))
def test_every_notebook_holds_on_another_machine(name, tmp_path):
    differed = run_notebooks_as(name, tmp_path)
    print(f"{len(differed)} stored numbers differed as '{name}' {MACHINES[name]}:")
    for entry in differed:
        print(f"  {entry['cell']}: stored {entry['stored']}, fresh {entry['fresh']} (tolerance {entry['tolerance']})")
    assert differed, (f"as '{name}' every number equalled the stored one: this run cannot show that the outputs "
                      "hold elsewhere (were they recorded this way?)")
    assert all(abs(float(entry["stored"]) - float(entry["fresh"])) <= entry["tolerance"] + 1e-12 for entry in differed)
    assert all(entry["tolerance"] == tolerance_of(entry["tags"]) for entry in differed)
