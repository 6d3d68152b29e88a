"""The wheel stands alone: built from the checkout, installed into a fresh venv, it trains without the checkout.

The fresh venv sees this venv's site-packages through a `.pth` line, so torch and the rest import without any
download, but the `.pth` files *inside* that directory are not processed: the editable install of nlpbook_helpers
(its `__editable__...pth` finder) stays inactive, and `import nlpbook_helpers` works only once the wheel is
installed. pip installs the wheel with dependency resolution and `--no-index`: a missing or wrong requirement in
the wheel's metadata fails the install.
"""
from __future__ import annotations

import email.parser
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

import nlpbook_helpers

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]
OUTER_SITE = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})


def project_files() -> list[str]:
    """Tracked files and new files git does not ignore: what a fresh clone (after the next commit) holds."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, check=True).stdout.decode()
    return sorted(name for name in set(out.split("\0")) if name and (ROOT / name).is_file())


def requirement_name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9._-]+", requirement).group(0)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would show the checkout or this venv to a child."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "NLPBOOK_HOME"}}
    env.update(PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", **extra)
    return env


def test_one_version_everywhere():
    assert VERSION == "0.2.0"
    assert nlpbook_helpers.__version__ == VERSION, "nlpbook_helpers/__init__.py and pyproject.toml disagree"
    assert PYPROJECT["tool"]["nlpbook"]["ref"] == f"v{VERSION}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the project's files (a build writes build/ and *.egg-info beside the sources)."""
    source, dist = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    for name in project_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist),
                           str(source)], capture_output=True, text=True, timeout=300, env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.mark.slow
def test_the_wheel_holds_the_package_its_assets_and_right_metadata(wheel):
    assert wheel.name == f"nlpbook_helpers-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"nlpbook_helpers-{VERSION}.dist-info"
        metadata = email.parser.Parser().parsestr(archive.read(f"{info}/METADATA").decode("utf-8"))
        entry_points = archive.read(f"{info}/entry_points.txt").decode("utf-8")
        for asset in ("offline_vocab.txt", "offline_vocab.json"):
            name = f"nlpbook_helpers/assets/{asset}"
            assert name in names, f"{name} is missing from the wheel"
            assert archive.read(name) == (ROOT / name).read_bytes()
    modules = {name for name in project_files() if name.startswith("nlpbook_helpers/") and name.endswith(".py")}
    assert modules <= names, f"modules missing from the wheel: {modules - names}"
    assert {name.split("/")[0] for name in names} == {"nlpbook_helpers", info}   # no tests/, tools/, notebooks/

    assert metadata["Name"] == "nlpbook-helpers" and metadata["Version"] == VERSION
    assert metadata["Requires-Python"] == PYPROJECT["project"]["requires-python"]
    core = [r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    assert core == PYPROJECT["project"]["dependencies"]
    assert set(metadata.get_all("Provides-Extra")) == set(PYPROJECT["project"]["optional-dependencies"])
    assert f"Repository, {PYPROJECT['project']['urls']['Repository']}" in metadata.get_all("Project-URL")
    assert "nlpbook = nlpbook_helpers.__main__:main" in entry_points


@pytest.mark.slow
def test_the_wheel_installs_and_trains_in_a_fresh_venv(wheel, tmp_path):
    venv, elsewhere, home = tmp_path / "venv", tmp_path / "elsewhere", tmp_path / "home"
    elsewhere.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    env = clean_env(NLPBOOK_HOME=str(home), HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"),
                    MPLCONFIGDIR=str(tmp_path / "mpl"))
    run = lambda *args, timeout=120: subprocess.run([str(python), *args], cwd=elsewhere, env=env,  # noqa: E731
                                                    capture_output=True, text=True, timeout=timeout)
    site = run("-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    assert Path(site).is_relative_to(venv), site
    (Path(site) / "_nlpbook_outer_site.pth").write_text("".join(f"{path}\n" for path in OUTER_SITE))
    outer_before = {path: sorted(p.name for p in Path(path).iterdir() if "nlpbook" in p.name) for path in OUTER_SITE}
    assert any(any(name.startswith("__editable__") for name in names) for names in outer_before.values()), \
        "expected this venv to hold the checkout's editable install (the case this test guards against)"

    # before the wheel: torch etc. import, nlpbook_helpers does not (the editable finder is not active there)
    probe = run("-c", "import sys, importlib.util, torch, transformers, pytorch_lightning, Korpora; "
                      "print(importlib.util.find_spec('nlpbook_helpers')); "
                      "print([m for m in sys.modules if 'editable' in m]); print(sys.path)")
    assert probe.returncode == 0, probe.stderr
    spec, editable, path = probe.stdout.splitlines()
    assert spec == "None" and editable == "[]", probe.stdout
    assert str(ROOT) not in path.replace(str(ROOT / ".venv"), ""), path

    # pip resolves the wheel's requirements (no index: each must already be satisfied, else the install fails)
    install = run("-m", "pip", "install", "--no-index", "--no-cache-dir", str(wheel), timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    assert f"Successfully installed nlpbook-helpers-{VERSION}" in install.stdout, install.stdout
    for requirement in PYPROJECT["project"]["dependencies"]:
        assert re.search(rf"Requirement already satisfied: {re.escape(requirement)} ", install.stdout), requirement
    outer_after = {path: sorted(p.name for p in Path(path).iterdir() if "nlpbook" in p.name) for path in OUTER_SITE}
    assert outer_after == outer_before, "installing into the fresh venv touched this venv's editable install"

    # from another folder, with its own NLPBOOK_HOME and the hub offline: all seven stages, one short epoch
    train = run("-m", "nlpbook_helpers", "train", "--preset", "offline", "--set", "max_train_examples=500",
                "--set", "epochs=1", timeout=600)
    assert train.returncode == 0, train.stdout[-3000:] + train.stderr[-3000:]
    accuracy = re.search(r"^test accuracy: (\d\.\d{4})", train.stdout, re.M)
    assert accuracy, train.stdout
    assert 0.0 <= float(accuracy.group(1)) <= 1.0
    assert (home / "checkpoints").is_dir(), "the run did not write under its NLPBOOK_HOME"

    where = run("-c", "import importlib.metadata as m, nlpbook_helpers as h; "
                      "print(h.__file__); print(h.__version__); print(m.version('nlpbook-helpers'))")
    assert where.returncode == 0, where.stderr
    file, version, dist_version = where.stdout.splitlines()
    assert Path(file).is_relative_to(venv) and not Path(file).is_relative_to(ROOT), file
    assert version == dist_version == VERSION
    script = subprocess.run([str(venv / "bin" / "nlpbook"), "--help"], cwd=elsewhere, env=env, capture_output=True,
                            text=True, timeout=120)
    assert script.returncode == 0 and "train" in script.stdout, script.stderr
