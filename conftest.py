"""Test session setup for the whole repository (unit tests, nbval notebooks, browser tests).

Every test run uses its own NLPBOOK_HOME (`.nlpbook/test-home`, or $NLPBOOK_TEST_HOME; emptied at the start), never the user's
~/nlpbook: notebook outputs are then the same on every machine, and a student's checkpoints are never touched.
The notebook kernels that nbval starts inherit this environment, the CPU kernel family below included.

Stored outputs and the machine (README, "테스트가 어느 컴퓨터에서나 통과하는 방법"): a seed fixes the random numbers, not
the float arithmetic. The outputs were recorded with the AVX2 kernel family (torch's ATen kernels, MKL's BLAS
path, oneDNN's instruction set) and 2 threads; a test session on an x86 CPU with AVX2 (AMD or Intel, AVX-512
included) computes with that same family, so Intel AVX-512 machines give the recorded digits. What cannot be
pinned (another thread count set by the caller, a CPU without AVX2, ARM) is covered by the tolerance of cells
tagged `nbval-approx`; tests/test_portability.py proves it with one thread and another kernel family at once.
"""
import os
import platform
import shutil
from pathlib import Path

# numbers from float arithmetic in cells tagged `nbval-approx` are compared within a tolerance (see the module)
pytest_plugins = ["tests.nbval_approx"]

# $NLPBOOK_TEST_HOME lets a second pytest session (e.g. one started by a test) use a home of its own
TEST_HOME = Path(os.environ.get("NLPBOOK_TEST_HOME") or Path(__file__).resolve().parent / ".nlpbook" / "test-home")

# the kernel family of the stored outputs; measured: with these an Intel Xeon (AVX-512) passes notebook 08, which
# fails there natively (../shared/NOTES.md, 2026-12-03)
RECORDED_KERNELS = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
                    "ONEDNN_MAX_CPU_ISA": "AVX2"}
RECORDED_THREADS = "2"      # OpenMP threads of the recording (2 cores here, as Colab)


def _cpu_has_avx2() -> bool:
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:         # not Linux: no cheap way to ask; the tolerance covers it
        return False
    return " avx2" in flags


def pin_kernels(environ=os.environ) -> str:
    """Make torch, MKL and oneDNN compute as the recording machine did, where this machine can: the AVX2 family
    and 2 threads, unless the caller chose a family or a thread count itself (tests/test_portability.py does).
    Returns what was done, for the test report's header."""
    chosen = [name for name in RECORDED_KERNELS if name in environ]
    if chosen:
        family = f"kernel family as set by the caller ({', '.join(f'{n}={environ[n]}' for n in chosen)})"
    elif _cpu_has_avx2():
        environ.update(RECORDED_KERNELS)
        family = "kernel family pinned to the recording's (AVX2: ATen, MKL_CBWR, oneDNN)"
    else:
        family = "kernel family not pinned (no AVX2 on this CPU): tagged numbers rely on the tolerance"
    threads = "as set" if "OMP_NUM_THREADS" in environ else "pinned"
    environ.setdefault("OMP_NUM_THREADS", RECORDED_THREADS)
    return f"{family}; OMP_NUM_THREADS={environ['OMP_NUM_THREADS']} ({threads})"


def prepare_test_environment(reset: bool = True) -> str:
    """The environment every test run (and tools/run_notebooks.py, which records the outputs) gives notebooks."""
    if reset:
        shutil.rmtree(TEST_HOME, ignore_errors=True)
    TEST_HOME.mkdir(parents=True, exist_ok=True)
    os.environ["NLPBOOK_HOME"] = str(TEST_HOME)
    os.environ["HF_HUB_OFFLINE"] = "1"               # nothing may reach the hub during tests
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    os.environ.setdefault("PYTHONHASHSEED", "0")
    return pin_kernels()


_PINNED = ""


def pytest_configure(config):
    global _PINNED
    if hasattr(config, "workerinput"):          # pytest-xdist worker: the controller prepared it
        return
    _PINNED = prepare_test_environment(reset=True)


def pytest_report_header(config):
    return f"nlpbook: NLPBOOK_HOME={TEST_HOME}; {_PINNED}"
