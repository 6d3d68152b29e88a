"""Colab twin: the notebooks' Colab install cell and the notebooks themselves, in a venv pinned like Colab.

Colab is a runtime we add to and never upgrade. This script checks that the first cell's install line
(`!pip install -q "nlpbook-helpers[colab] @ git+https://github.com/OWNER/REPO@REF"`, the same in all nine
notebooks) leaves every package Colab already has at Colab's version, and that the nine notebooks then pass
under nbval with Colab's Jupyter stack (ipywidgets 7.7, IPython 7.34, ipykernel 6.17, ...).

    python tools/colab_twin.py                       # build or reuse the twin, check the install, run nbval
    python tools/colab_twin.py --only-install-check  # steps 1-3 only
    python tools/colab_twin.py --rebuild --keep      # ignore the cache; keep the run venv for debugging

1. The twin: a venv with `torch==2.13.0` (the CPU wheel on local disk; installed first, because any other spec
   downloads GBs of CUDA), then Colab's exact versions of the packages in PINNED, read from Google's list
   (default ../shared/colab/pip-freeze.txt beside the checkout, or --freeze). Not exactly Colab: Colab has
   Python 3.13 and torch 2.11, and the registry has no CPU torch for cp313, so the twin uses this machine's
   Python 3.11 and the local torch 2.13.0 wheel (and a setuptools both torches accept: see NOT_COLAB). Any other
   package of the twin that Colab has must be at Colab's version, or the build fails. Cached in ${NLPBOOK_CACHE:-~/.cache/nlpbook}/colab-twin-<hash>,
   verified against the package list recorded when it was built; each run works on a copy (`cp -a`).
2. The install cell's line, run as written, with only its git URL replaced by this checkout (file://...).
3. No package of the twin may change version or disappear; each added package must be one Colab lacks
   (one that Colab has means PINNED missed it: add it there).
4. nbval (which Colab lacks) is added with every present package held by constraints, then
   `python -m pytest notebooks/` runs in the twin with NLPBOOK_TEST_HOME=.nlpbook/test-home-colab-twin.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("NLPBOOK_CACHE") or Path.home() / ".cache" / "nlpbook")
TORCH = "torch==2.13.0"
# Colab's packages that the install cell's dependency closure or the notebooks touch (versions: the freeze file)
PINNED = """
    pip setuptools wheel packaging
    transformers tokenizers huggingface_hub safetensors hf-xet filelock regex tqdm PyYAML fsspec typing_extensions
    requests urllib3 idna certifi charset-normalizer httpx httpcore h11 anyio click typer shellingham rich
    markdown-it-py mdurl annotated-doc
    sympy mpmath networkx Jinja2 MarkupSafe numpy xlrd
    matplotlib contourpy cycler fonttools kiwisolver pillow pyparsing python-dateutil six
    aiohttp aiohappyeyeballs aiosignal attrs frozenlist multidict propcache yarl
    ipywidgets widgetsnbextension jupyterlab_widgets ipython ipykernel jupyter_client jupyter_core notebook
    jupyter_server tornado traitlets pyzmq matplotlib-inline nbformat nbclient debugpy psutil nest-asyncio
    decorator pexpect pickleshare prompt_toolkit Pygments parso backcall platformdirs wcwidth ptyprocess
    fastjsonschema jsonschema jsonschema-specifications referencing rpds-py
    nbconvert mistune beautifulsoup4 soupsieve entrypoints websocket-client argon2-cffi-bindings pycparser
    send2trash jsonpointer fqdn tzdata
    pytest pluggy iniconfig
    scikit-learn scipy joblib threadpoolctl cloudpickle narwhals
""".split()
# Where the twin cannot be Colab: torch 2.13 requires setuptools>=77.0.3 (Colab: 75.2.0, under torch 2.11's <82);
# a version that satisfies both, so that neither torch makes the install cell touch setuptools.
NOT_COLAB = {"torch": TORCH, "setuptools": "setuptools>=77.0.3,<82"}
TEST_ONLY = ["nbval"]                     # what the test run needs and Colab lacks
INSTALL_LINE = re.compile(r"^[ \t]*!pip install (.+)$", re.M)
GIT_URL = re.compile(r"git\+https://github\.com/[\w.-]+/[\w.-]+@[\w./-]+")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def run(*cmd, **kw) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run(list(map(str, cmd)), check=True, **kw)


def colab_freeze(path: Path) -> dict[str, str]:
    """Colab's packages: canonical name -> version (or the URL for `name @ url` lines)."""
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][\w.-]*)\s*(?:==\s*(\S+)|@\s*(\S+))", line)
        if match:
            found[canon(match[1])] = match[2] or match[3]
    return found


def installed(venv: Path) -> dict[str, str]:
    code = ("import importlib.metadata as m, json; "
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))")
    out = subprocess.run([venv / "bin/python", "-I", "-c", code], check=True, capture_output=True, text=True).stdout
    return {canon(name): version for name, version in json.loads(out).items()}


def install_line() -> str:
    """The first code cell's `!pip install` line, asserted identical in all notebooks."""
    lines = set()
    for notebook in NOTEBOOKS:
        first = next(c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code")
        found = INSTALL_LINE.findall("".join(first["source"]))
        assert len(found) == 1, f"{notebook.name}: first code cell has {len(found)} `!pip install` lines"
        lines.add(found[0].strip())
    assert NOTEBOOKS and len(lines) == 1, f"install lines differ across {len(NOTEBOOKS)} notebooks: {lines}"
    return lines.pop()


def twin(colab: dict[str, str], rebuild: bool) -> Path:
    """The cached pristine twin venv, built when missing, stale or asked for."""
    missing = [name for name in PINNED if canon(name) not in colab]
    assert not missing, f"PINNED names that Colab's list lacks: {missing}"
    pins = [NOT_COLAB.get(canon(name), f"{name}=={colab[canon(name)]}") for name in PINNED]
    key = hashlib.sha256("\n".join([sys.version, TORCH, *pins]).encode()).hexdigest()[:12]
    venv, record = CACHE / f"colab-twin-{key}", CACHE / f"colab-twin-{key}.json"
    if not rebuild and record.exists() and (venv / "bin/python").exists():
        if installed(venv) == json.loads(record.read_text()):
            print(f"colab twin: cached {venv}")
            return venv
        print(f"colab twin: {venv} changed since it was built: rebuilding")
    for old in CACHE.glob("colab-twin-*"):           # this twin, and those of other pins: stale
        if not old.name.startswith("colab-twin-run-"):
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    run(sys.executable, "-m", "venv", venv)
    pip = [venv / "bin/python", "-m", "pip", "install", "-qq"]   # -qq: errors only
    run(*pip, f"pip=={colab['pip']}")
    run(*pip, TORCH)                                  # first: the local CPU wheel, never a CUDA download
    run(*pip, *pins)
    packages = installed(venv)
    # a package that came in as a dependency at another version than Colab's: the twin would not be Colab's
    drift = {n: (v, colab[n]) for n, v in packages.items() if n in colab and n not in NOT_COLAB and colab[n] != v}
    assert not drift, f"twin differs from Colab (twin, Colab); add these to PINNED: {drift}"
    print("colab twin: built; packages that Colab lacks:", ", ".join(sorted(set(packages) - set(colab))))
    record.write_text(json.dumps(packages, indent=1, sort_keys=True))
    return venv


def copy_venv(venv: Path, target: Path) -> None:
    """`cp -a` the venv, then point bin/'s scripts (shebangs, activate) at the copy."""
    run("cp", "-a", venv, target)
    for script in (target / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            data = script.read_bytes()
            if str(venv).encode() in data:
                script.write_bytes(data.replace(str(venv).encode(), str(target).encode()))
    prefix = subprocess.run([target / "bin/python", "-c", "import sys; print(sys.prefix)"],
                            check=True, capture_output=True, text=True).stdout.strip()
    assert Path(prefix) == target, f"the copy runs in {prefix}, not in {target}"


def compare(before: dict[str, str], after: dict[str, str]) -> tuple[dict, dict]:
    changed = {n: (v, after.get(n, "removed")) for n, v in before.items() if after.get(n) != v}
    added = {n: v for n, v in after.items() if n not in before}
    return changed, added


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--freeze", type=Path, default=ROOT.parent / "shared" / "colab" / "pip-freeze.txt")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached twin")
    parser.add_argument("--keep", action="store_true", help="keep the run venv for debugging")
    parser.add_argument("--only-install-check", action="store_true", help="steps 1-3 only")
    args = parser.parse_args()
    os.environ["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    colab = colab_freeze(args.freeze)
    line = install_line()
    assert GIT_URL.search(line), f"no git+https://github.com/OWNER/REPO@REF in the install line: {line}"
    command = shlex.split(GIT_URL.sub(ROOT.as_uri(), line))
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="colab-twin-run-", dir=CACHE))
    target = work / "venv"
    try:
        with open(CACHE / "colab-twin.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)          # one build or copy of the cached twin at a time
            copy_venv(twin(colab, args.rebuild), target)
        before = installed(target)
        print(f"colab twin: the install cell's line: !pip install {line}")
        run(target / "bin/python", "-m", "pip", "install", *command)
        after = installed(target)
        changed, added = compare(before, after)
        in_colab = sorted(n for n in added if n in colab)
        print(f"colab twin: the install cell added {len(added)} packages:",
              ", ".join(f"{n}=={v}" for n, v in sorted(added.items())) or "none")
        failures = [f"changed or removed (was, now): {changed}"] if changed else []
        if in_colab:
            failures.append(f"added packages that Colab has ({', '.join(in_colab)}): the twin lacked them; "
                            "add them to PINNED in tools/colab_twin.py")
        if failures:
            print("colab twin: INSTALL CHECK FAILED:", *failures, sep="\n  ")
            return 1
        print(f"colab twin: install check passed: none of the twin's {len(before)} packages changed")
        if args.only_install_check:
            return 0
        constraints = work / "constraints.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in after.items() if n != "nlpbook-helpers"))
        run(target / "bin/python", "-m", "pip", "install", "-q", "-c", constraints, *TEST_ONLY)
        changed, added = compare(after, installed(target))
        assert not changed, f"installing {TEST_ONLY} changed the twin's packages: {changed}"
        print("colab twin: for the test run:", ", ".join(f"{n}=={v}" for n, v in sorted(added.items())))
        env = dict(os.environ, NLPBOOK_TEST_HOME=str(ROOT / ".nlpbook" / "test-home-colab-twin"),
                   VIRTUAL_ENV=str(target), PATH=f"{target / 'bin'}{os.pathsep}{os.environ['PATH']}",
                   PYDEVD_DISABLE_FILE_VALIDATION="1")   # quiets debugpy's note at each kernel start
        env.pop("PYTHONPATH", None)
        # (IPython 7 puts IPython/extensions, with a package `tests`, on sys.path: our tests/ is a regular package
        # so that the root conftest's `tests.nbval_approx` is still ours)
        pytest = ["-m", "pytest", "notebooks/", "-p", "no:cacheprovider"]
        return subprocess.run([target / "bin/python", *pytest], cwd=ROOT, env=env).returncode
    finally:
        if args.keep:
            print(f"colab twin: kept {target}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
