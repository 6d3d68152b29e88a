"""Regenerate the README's pictures from a real run of the browser tests.

    python tools/screenshots.py                 # writes docs/images/*.png
    python tools/screenshots.py --out elsewhere

Runs `pytest tests/browser` with NLPBOOK_SCREENSHOTS set: each widget test saves the widget it drove, in action,
as PNG (JupyterLab in headless Chromium, Hangul drawn with the system's Korean font). The pictures therefore show
what the tests checked, and cannot go stale: a run that fails writes no picture for what failed.
Needs what the browser tests need: chromium and fonts-nanum (tools/browser_setup.sh).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/images", help="folder for the PNG files (default: docs/images)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments, e.g. -k tokenizer")
    options = parser.parse_args(argv)
    out = Path(options.out)
    out = out if out.is_absolute() else ROOT / out
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NLPBOOK_SCREENSHOTS": str(out)}
    command = [sys.executable, "-m", "pytest", "tests/browser", "-m", "browser", "-k", "not harness",
               "-p", "no:cacheprovider", "-q", *options.pytest_args]
    result = subprocess.run(command, cwd=ROOT, env=env)
    written = sorted(out.glob("*.png"))
    print(f"{len(written)} pictures in {out}: " + ", ".join(path.name for path in written))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
