"""Execute the notebooks in place, each top to bottom in a fresh kernel, as the nbval test run will.

    python tools/run_notebooks.py                      # all notebooks/[0-9][0-9]_*.ipynb
    python tools/run_notebooks.py notebooks/04_tokenizer.ipynb

The kernel is the Python that runs this script (like `pytest --nbval --nbval-current-env`), started in the
notebook's folder, with the test environment of the root `conftest.py`: NLPBOOK_HOME=.nlpbook/test-home (emptied
once at the start, so the stored outputs are those of a clean run), HF_HUB_OFFLINE=1, no hub progress bars,
PYTHONHASHSEED=0, and the CPU kernel family and thread count the tests pin (`conftest.pin_kernels`). Outputs and execution counts are kept; volatile metadata (timings, widget state) is dropped.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from conftest import prepare_test_environment  # noqa: E402  (the same home, kernel family and threads as the tests)

KERNEL_NAME = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}


class CurrentEnvKernelSpecManager(KernelSpecManager):
    """`python3` is always this interpreter's ipykernel, whatever kernelspecs are installed."""

    def get_kernel_spec(self, kernel_name):
        return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                      **ipykernel.kernelspec.get_kernel_dict())


def strip_volatile(nb: nbformat.NotebookNode) -> None:
    """Keep outputs and execution counts; drop what changes from run to run without meaning anything."""
    nb.metadata.pop("widgets", None)           # widget state: new model ids every run, the kernel is gone anyway
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)   # timestamps
        if cell.cell_type == "code":
            for output in cell.outputs:
                output.get("metadata", {}).pop("execution", None)


def run(path: Path, timeout: int) -> float:
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=CurrentEnvKernelSpecManager())
    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name=KERNEL_NAME, record_timing=False,
                            store_widget_state=False, resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute(cwd=str(path.parent))
    finally:
        elapsed = time.perf_counter() - start
        strip_volatile(nb)
        nbformat.write(nb, path)               # written even on failure: the error output shows where
    return elapsed


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9][0-9]_*.ipynb")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    parser.add_argument("--keep-home", action="store_true",
                        help="do not empty .nlpbook/test-home first (faster; outputs may then differ)")
    options = parser.parse_args(argv)
    paths = options.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    print(prepare_test_environment(reset=not options.keep_home), flush=True)
    failed = []
    for path in paths:
        path = path.resolve()
        try:
            elapsed = run(path, options.timeout)
            print(f"ok     {elapsed:6.1f} s  {shown(path)}", flush=True)
        except Exception as error:  # noqa: BLE001  (report every notebook, then fail)
            failed.append(path)
            last_line = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
            print(f"FAILED          {shown(path)}: {last_line}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
