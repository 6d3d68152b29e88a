"""The repository is named once (pyproject.toml) and every Colab badge, install line and Binder link agrees with it.

The links are found by scanning every tracked file for the URL shapes (not from a list of places), with patterns of
this test's own, independent of tools/retarget.py; tools/retarget.py is then run on a temporary copy of the repository.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = Path("tools") / "retarget.py"
PLACEHOLDER = "UNPUBLISHED_OWNER"
OLD_OWNER = "nlpbook" + "-kr"          # split, so that this file does not name it either
NOTICE = "<!-- retarget:unpublished -->"
NEW_SLUG, NEW_REF = "some-teacher/nlpbook-class", "2026-spring"     # a teacher's own copy of the project
TEXT_SUFFIXES_SKIPPED = {".png", ".jpg", ".jpeg", ".gif", ".whl", ".pt", ".bin", ".safetensors", ".ckpt"}

# Loose on purpose: everything after the host prefix up to a character that ends a URL, judged afterwards.
_TAIL = r"""([^\s"'\\<>()\[\]`{}]+)"""   # '{' too: code builds URLs in f-strings, not links
SHAPES = {
    "colab": re.compile(r"colab\.research\.google\.com/github/" + _TAIL),
    "install": re.compile(r"git\+https?://github\.com/" + _TAIL),
    "binder": re.compile(r"mybinder\.org/v2/gh/" + _TAIL),
    "github": re.compile(r"(?<!git\+https://)(?<!git\+http://)github\.com/" + _TAIL),
}
DOC_EXAMPLE = "OWNER/REPO"   # how documentation writes the URL shapes (tools/retarget.py's docstring)


def project_files(root: Path = ROOT) -> list[str]:
    """Tracked files, and new files git does not ignore (they are tracked at the next commit)."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                         capture_output=True, check=True).stdout.decode()
    return sorted(name for name in set(out.split("\0")) if name and (root / name).is_file())


FILES = project_files()


def pyproject_target(root: Path) -> tuple[str, str, str]:
    """(OWNER/REPO, ref, version) as pyproject.toml says."""
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    url = data["project"]["urls"]["Repository"]
    assert re.fullmatch(r"https://github\.com/[^/\s]+/[^/\s]+", url), url
    return url.removeprefix("https://github.com/"), data["tool"]["nlpbook"]["ref"], data["project"]["version"]


def find_links(root: Path, names: list[str]) -> list[tuple[str, int, str, str]]:
    """(file, line, kind, what follows the host prefix) for every URL of the four shapes in the given files."""
    found = []
    for name in names:
        if Path(name).suffix.lower() in TEXT_SUFFIXES_SKIPPED:
            continue
        try:
            text = (root / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for kind, pattern in SHAPES.items():
            for match in pattern.finditer(text):
                tail = match.group(1)
                if not tail.startswith(DOC_EXAMPLE):
                    found.append((name, text.count("\n", 0, match.start()) + 1, kind, tail))
    return found


def disagreements(root: Path, names: list[str], slug: str, ref: str) -> tuple[list[str], dict[str, list]]:
    """Every link that does not name `slug` at `ref`, and the links of each kind that do."""
    owner = slug.split("/")[0]
    bad, good = [], {"colab": [], "install": [], "binder": [], "github": []}
    for name, line, kind, tail in find_links(root, names):
        where = f"{name}:{line}: {kind} {tail}"
        if kind == "colab":
            match = re.fullmatch(rf"{re.escape(slug)}/blob/{re.escape(ref)}/(notebooks/\d\d_\w+\.ipynb)", tail)
            ok = bool(match) and (root / match.group(1)).is_file()
        elif kind == "install":
            ok = tail == f"{slug}@{ref}"
        elif kind == "binder":
            ok = re.fullmatch(rf"{re.escape(slug)}/{re.escape(ref)}\?urlpath=lab/tree/notebooks(/\S*)?", tail) is not None
        else:  # a plain link: only those to the project's own owner (or the placeholder) must name the project
            link_owner = tail.partition("/")[0]
            if link_owner.lower() not in {owner.lower(), PLACEHOLDER.lower()}:
                continue
            ok = tail == slug or tail.startswith(slug + "/")
        (good[kind] if ok else bad).append(where if ok else where + f"   (expected {slug} at {ref})")
    return bad, good


def run_tool(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / TOOL), *args], cwd=root, capture_output=True, text=True,
                          timeout=60)


def first_code_cell(path: Path) -> str:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return "".join(next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")["source"])


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    """The project's files (tracked, or new and not ignored), copied: retarget may edit any of them."""
    copy = tmp_path / "repo"
    for name in FILES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    return copy


def snapshot(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in FILES}


# ------------------------------------------------------------------------------------------ (a) the checkout

def test_pyproject_names_the_repository_at_a_tag():
    slug, ref, _ = pyproject_target(ROOT)
    tool = load_tool()
    owner, repo = slug.split("/")
    tool.check_owner(owner, allow_placeholder=True)     # the placeholder until published, then a GitHub owner
    tool.check_repo(repo)
    tool.check_ref(ref)                                 # a tag or commit, never a moving branch


def test_every_link_agrees_with_pyproject():
    slug, ref, _ = pyproject_target(ROOT)
    bad, good = disagreements(ROOT, FILES, slug, ref)
    assert not bad, "links that disagree with pyproject.toml (fix: python tools/retarget.py --sync):\n" + "\n".join(bad)
    # never vacuous: a Colab badge for every notebook, an install line in every notebook's first code cell, a Binder link
    notebooks = sorted(name for name in FILES if re.fullmatch(r"notebooks/\d\d_\w+\.ipynb", name))
    assert len(notebooks) == 13     # 01-07 (the book's chapter 1), 08 (own data), 09 (pairs), 10 (NER), 11 (generation), 12 (QA), 13 (search)
    badges = {entry.split(" ")[-1].rsplit("/blob/" + ref + "/", 1)[-1] for entry in good["colab"]}
    assert badges == set(notebooks), f"notebooks without a Colab badge: {set(notebooks) - badges}"
    installs = {entry.split(":")[0] for entry in good["install"]}
    assert set(notebooks) <= installs and "notebooks/AUTHORING.md" in installs
    assert good["binder"] and any(entry.startswith("README.md:") for entry in good["binder"])
    assert any(entry.startswith("pyproject.toml:") for entry in good["github"])
    for name in notebooks:
        cell = first_code_cell(ROOT / name)
        lines = [line for line in cell.splitlines() if "git+https://github.com/" in line]
        assert len(lines) == 1 and lines[0].strip().startswith("!pip install"), (name, lines)
        assert f"git+https://github.com/{slug}@{ref}\"" in lines[0], (name, lines[0])


def test_retarget_check_passes_on_the_checkout():
    done = run_tool(ROOT, "--check")            # read-only
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every link agrees" in done.stdout


# --------------------------------------------------------------------------------------------- (b) old owner

def test_no_file_names_the_old_owner():
    named = [name for name in FILES if OLD_OWNER.encode() in (ROOT / name).read_bytes().lower()]
    assert not named, f"files that still name {OLD_OWNER} (an owner the project does not hold): {named}"


# ------------------------------------------------------------------------------------------ (c) retarget works

def test_retarget_moves_every_link_and_check_catches_a_hand_edit(repo_copy):
    old_slug, old_ref, version = pyproject_target(repo_copy)
    before = snapshot(repo_copy)
    old_links = find_links(repo_copy, FILES)

    done = run_tool(repo_copy, f"{NEW_SLUG}@{NEW_REF}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{old_slug}@{old_ref} -> {NEW_SLUG}@{NEW_REF}" in done.stdout
    assert pyproject_target(repo_copy) == (NEW_SLUG, NEW_REF, version)

    check = run_tool(repo_copy, "--check")
    assert check.returncode == 0, check.stdout + check.stderr

    bad, good = disagreements(repo_copy, FILES, NEW_SLUG, NEW_REF)
    assert not bad, "\n".join(bad)
    assert len(good["colab"]) >= 7 and len(good["install"]) >= 8 and good["binder"] and good["github"]
    assert len(find_links(repo_copy, FILES)) == len(old_links)         # every link moved, none lost or added

    changed = sorted(name for name in FILES if (repo_copy / name).read_bytes() != before[name])
    for name in changed:                         # the tool prints every file it changed
        assert f"  {name}:" in done.stdout, (name, done.stdout)
    assert {"pyproject.toml", "README.md", "notebooks/AUTHORING.md"} <= set(changed)
    readme = (repo_copy / "README.md").read_text(encoding="utf-8")
    assert PLACEHOLDER not in readme and NOTICE not in readme          # the "not published yet" notice is gone

    # notebooks: only the install line changed, byte for byte (outputs, formatting, key order untouched)
    old_install = f"git+https://github.com/{old_slug}@{old_ref}"
    new_install = f"git+https://github.com/{NEW_SLUG}@{NEW_REF}"
    for name in (name for name in FILES if name.endswith(".ipynb")):
        old_text, new_text = before[name].decode("utf-8"), (repo_copy / name).read_text(encoding="utf-8")
        assert old_text.count(old_install) == 1
        assert new_text == old_text.replace(old_install, new_install), name
        nbformat.validate(nbformat.reads(new_text, as_version=4))
        assert new_install in first_code_cell(repo_copy / name)

    # running it again changes nothing
    again = run_tool(repo_copy, f"{NEW_SLUG}@{NEW_REF}")
    assert again.returncode == 0 and "nothing to change" in again.stdout
    after = snapshot(repo_copy)

    # a badge edited by hand: --check fails and names the file and line
    readme_lines = readme.splitlines(keepends=True)
    line_no = next(i for i, line in enumerate(readme_lines) if f"/blob/{NEW_REF}/notebooks/03_" in line)
    readme_lines[line_no] = readme_lines[line_no].replace(f"/blob/{NEW_REF}/", "/blob/main/")
    (repo_copy / "README.md").write_text("".join(readme_lines), encoding="utf-8")
    check = run_tool(repo_copy, "--check")
    assert check.returncode == 1, check.stdout
    assert f"README.md:{line_no + 1}: colab" in check.stdout and "/blob/main/" in check.stdout
    bad, _ = disagreements(repo_copy, FILES, NEW_SLUG, NEW_REF)   # this test's own scan sees it as well
    assert [entry.split(": ")[0] for entry in bad] == [f"README.md:{line_no + 1}"]

    # an install line without its tag (a moving branch): named too
    notebook = repo_copy / "notebooks" / "05_data_loader.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace(new_install, new_install.split("@")[0]),
                        encoding="utf-8")
    check = run_tool(repo_copy, "--check")
    assert check.returncode == 1
    assert "notebooks/05_data_loader.ipynb:" in check.stdout and "README.md:" in check.stdout

    # --sync puts both back exactly as retarget wrote them
    sync = run_tool(repo_copy, "--sync")
    assert sync.returncode == 0, sync.stdout + sync.stderr
    assert snapshot(repo_copy) == after
    assert run_tool(repo_copy, "--check").returncode == 0


def test_retarget_without_a_ref_takes_the_version_tag(repo_copy):
    done = run_tool(repo_copy, "another-teacher/nlpbook")
    assert done.returncode == 0, done.stdout + done.stderr
    slug, ref, version = pyproject_target(repo_copy)
    assert (slug, ref) == ("another-teacher/nlpbook", f"v{version}")
    bad, _ = disagreements(repo_copy, FILES, slug, ref)
    assert not bad


# ---------------------------------------------------------------------------------------- (d) bad targets

def load_tool():
    """tools/retarget.py as a module (tools/ is not a package)."""
    if "retarget_under_test" not in sys.modules:
        spec = importlib.util.spec_from_file_location("retarget_under_test", ROOT / TOOL)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module             # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
    return sys.modules["retarget_under_test"]


BAD_TARGETS = {
    "nlpbook": "OWNER/REPO",
    "a/b/c": "OWNER/REPO",
    "/nlpbook": "owner is empty",
    "owner/": "repository name is empty",
    f"{PLACEHOLDER}/nlpbook": "placeholder",
    f"{PLACEHOLDER}/nlpbook@v0.2.0": "placeholder",
    "-teacher/nlpbook": "single hyphens",
    "teacher-/nlpbook": "single hyphens",
    "tea--cher/nlpbook": "single hyphens",
    "tea_cher/nlpbook": "single hyphens",
    "teacher.kr/nlpbook": "single hyphens",
    "t" * 40 + "/nlpbook": "at most 39",
    "teacher/nlp book": "only letters, digits",
    "teacher/nlpbook!": "only letters, digits",
    "teacher/..": "reserved",
    "teacher/nlpbook.git": ".git",
    "teacher/" + "r" * 101: "at most 100",
    "teacher/nlpbook@": "empty",
    "teacher/nlpbook@main": "moving branch",
    "teacher/nlpbook@master": "moving branch",
    "teacher/nlpbook@release/2026": "'/'",
    "teacher/nlpbook@v1..2": "not a usable tag",
    "teacher/nlpbook@-v1": "not a usable tag",
    "teacher/nlpbook@v1.lock": "not a usable tag",
    "teacher/nlpbook@v1 2": "not a usable tag",
    'teacher/nlpbook@v1"': "not a usable tag",
}
GOOD_TARGETS = ["a/b", "some-teacher/nlpbook-class@2026-spring", "T" * 39 + "/re.po_x-1@v1.0.0-rc.1",
                "org9/nlpbook@0123456789abcdef0123456789abcdef01234567", "o/.github"]


@pytest.mark.parametrize("target", list(BAD_TARGETS))
def test_bad_targets_are_refused_with_a_reason(target):
    tool = load_tool()
    with pytest.raises(tool.TargetError, match=re.escape(BAD_TARGETS[target])):
        tool.parse_target(target, default_ref="v0.2.0")


@pytest.mark.parametrize("target", GOOD_TARGETS)
def test_good_targets_are_accepted(target):
    parsed = load_tool().parse_target(target, default_ref="v0.2.0")
    assert f"{parsed.owner}/{parsed.repo}" == target.split("@")[0]


def test_the_command_refuses_bad_targets_and_changes_nothing(repo_copy):
    before = snapshot(repo_copy)
    for target in ["tea_cher/nlpbook", f"{PLACEHOLDER}/nlpbook@v0.2.0", "teacher/nlpbook@main", "nlpbook"]:
        done = run_tool(repo_copy, target)
        assert done.returncode == 2, (target, done.stdout, done.stderr)
        assert "retarget: error:" in done.stderr and done.stdout == "", (target, done.stderr)
    assert run_tool(repo_copy).returncode == 2                          # neither a target nor a mode
    assert snapshot(repo_copy) == before
