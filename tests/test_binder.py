"""binder/ stays consistent with pyproject.toml, and postBuild's steps really work in a fresh virtual environment."""
import os
import site
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$")


def requirements(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, _, spec = NAME.match(line).groups()
            found[name.lower().replace("_", "-")] = spec.replace(" ", "")
    return found


def project_dependencies() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["notebooks"]
    return {NAME.match(l).group(1).lower().replace("_", "-"): NAME.match(l).group(3).replace(" ", "") for l in lines}


def test_binder_requirements_match_the_project():
    binder = requirements(ROOT / "binder" / "requirements.txt")
    project = project_dependencies()
    assert binder.pop("torch") == "==2.13.0"                        # the CPU build, not a CUDA download
    assert "download.pytorch.org/whl/cpu" in (ROOT / "binder" / "requirements.txt").read_text()
    assert project.pop("torch").startswith(">=")                     # 2.13.0 satisfies the project's range
    assert binder == project


def test_binder_installs_a_korean_font_and_the_package():
    assert "fonts-nanum" in (ROOT / "binder" / "apt.txt").read_text().split()
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert "prepare --preset offline" in post_build.read_text()


@pytest.mark.slow
def test_post_build_runs_in_a_fresh_venv(tmp_path):
    """postBuild in a new venv (dependencies seen from this one, the package itself installed fresh):
    it installs nlpbook_helpers from the checkout and leaves the offline assets ready."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    fresh_site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                     capture_output=True, text=True, check=True).stdout.strip())
    # the heavy dependencies (torch, transformers, ...) are seen from this environment, not reinstalled
    (fresh_site / "deps-from-test-env.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    home = tmp_path / "home"
    env = {**os.environ, "PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}", "HOME": str(home),
           "NLPBOOK_HOME": str(home / "nlpbook"), "VIRTUAL_ENV": str(env_dir), "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "[4/7] 토크나이저: 어휘 집합 토큰" in done.stdout
    installed = subprocess.run([str(python), "-m", "pip", "list", "--path", str(fresh_site)],
                               env=env, capture_output=True, text=True, check=True).stdout
    assert "nlpbook-helpers" in installed                            # installed into the fresh venv itself
    for path in ("data/embedded/nsmc/ratings_train.txt", "data/embedded/nsmc/ratings_test.txt",
                 "models/tiny-kcbert/model.safetensors", "models/tiny-kcbert/vocab.txt"):
        assert (home / "nlpbook" / path).is_file(), path
