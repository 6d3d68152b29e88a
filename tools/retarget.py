#!/usr/bin/env python3
"""Point every link to the project's repository at one place: OWNER/REPO at a tag (or commit).

pyproject.toml is the single source of truth: `[project.urls] Repository` names the repository and
`[tool.nlpbook] ref` the tag that students get. Every other place that names the repository follows it:

  Colab badges    https://colab.research.google.com/github/OWNER/REPO/blob/REF/notebooks/NN_name.ipynb
  install lines   git+https://github.com/OWNER/REPO@REF   (first cell of each notebook, notebooks/AUTHORING.md)
  Binder links    https://mybinder.org/v2/gh/OWNER/REPO/REF?urlpath=lab/tree/notebooks
  other links to the repository itself (https://github.com/OWNER/REPO/...), pyproject's Repository included

Usage (from anywhere; the tool works on the checkout it lies in):

  python tools/retarget.py OWNER/REPO[@REF]   rewrite everything to that target (REF defaults to v<version>)
  python tools/retarget.py --check            exit 1 and list every place that disagrees with pyproject
  python tools/retarget.py --sync             rewrite every place to agree with pyproject as it stands

`UNPUBLISHED_OWNER` is the placeholder for "not published yet" (GitHub names have no underscore, so nobody can
register it): it is accepted as the current state, never as a target. While it stands, Markdown files (the README)
show notices between `<!-- retarget:unpublished -->` and `<!-- /retarget:unpublished -->`; retargeting removes them.

Files are edited as text, only where a link changes: notebooks keep their outputs and formatting byte for byte.
Exit status: 0 done / in agreement, 1 `--check` found disagreements, 2 bad target or unreadable pyproject.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER_OWNER = "UNPUBLISHED_OWNER"
NOTICE_START, NOTICE_END = "<!-- retarget:unpublished -->", "<!-- /retarget:unpublished -->"

# GitHub's rules: an owner (user or organization) is 1-39 letters, digits and single hyphens, neither first nor
# last; a repository is letters, digits, '.', '_' and '-' (GitHub drops a trailing ".git"; "." and ".." are taken).
OWNER_RULE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*")
REPO_RULE = re.compile(r"[A-Za-z0-9._-]+")
# A ref is one path segment (it goes into URLs unescaped) that git accepts as a tag name.
REF_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MOVING_BRANCHES = {"main", "master", "head", "develop", "development", "dev", "trunk", "gh-pages"}

# Scanning is lenient on purpose: whatever a hand edit left there is found, reported and rewritten.
_NAME = r"[A-Za-z0-9_.-]+"
_END = r"""\s"'\\<>()\[\]`"""                      # characters that end a URL in Markdown, JSON strings, shell
PATTERNS = {
    "colab": re.compile(rf"https?://colab\.research\.google\.com/github/(?P<owner>{_NAME})/(?P<repo>{_NAME})"
                        rf"(?:/blob/(?P<ref>[^/{_END}]+)/(?P<path>[^{_END}?#]+))?"),
    "install": re.compile(rf"git\+https?://github\.com/(?P<owner>{_NAME})/(?P<repo>{_NAME})"
                          rf"(?:@(?P<ref>[^{_END}#]+))?"),
    "binder": re.compile(rf"https?://mybinder\.org/v2/gh/(?P<owner>{_NAME})/(?P<repo>{_NAME})"
                         rf"(?:/(?P<ref>[^/{_END}?#]+))?"),
    "repository": re.compile(rf"(?<!git\+)https?://github\.com/(?P<owner>{_NAME})/(?P<repo>{_NAME})"),
}
# Documentation of the URL shapes (like this file's docstring) writes OWNER/REPO literally: not a link.
DOC_EXAMPLE = ("OWNER", "REPO")

SKIP_DIRS = {".git", ".venv", "venv", ".nlpbook", "node_modules", "__pycache__", "build", "dist", ".pytest_cache",
             ".ipynb_checkpoints", ".mypy_cache", ".ruff_cache"}
BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".pdf", ".whl", ".gz", ".zip", ".tar", ".pt", ".bin",
                   ".safetensors", ".ckpt", ".npy", ".npz", ".pyc", ".ttf", ".otf", ".woff", ".woff2"}
MAX_BYTES = 5_000_000


class TargetError(ValueError):
    """A target (or pyproject's current one) that breaks GitHub's or git's naming rules."""


@dataclass(frozen=True)
class Target:
    owner: str
    repo: str
    ref: str

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.repo}"

    def __str__(self) -> str:
        return f"{self.slug}@{self.ref}"


@dataclass(frozen=True)
class Finding:
    path: str      # relative to the root, with '/'
    line: int
    kind: str      # colab / install / binder / repository
    found: str
    expected: str
    problem: str = ""


# ----------------------------------------------------------------------------------------------- validation

def check_owner(owner: str, *, allow_placeholder: bool = False) -> str:
    if owner == PLACEHOLDER_OWNER:
        if allow_placeholder:
            return owner
        raise TargetError(f"{PLACEHOLDER_OWNER} is the placeholder that means 'not published yet', not a target: "
                          "give the GitHub user or organization that will hold the repository")
    if not owner:
        raise TargetError("the owner is empty: write OWNER/REPO, e.g. some-teacher/nlpbook")
    if len(owner) > 39:
        raise TargetError(f"owner {owner!r} has {len(owner)} characters: GitHub allows at most 39")
    if not OWNER_RULE.fullmatch(owner):
        raise TargetError(f"owner {owner!r} is not a GitHub user or organization name: only letters, digits and "
                          "single hyphens, not at the start or the end")
    return owner


def check_repo(repo: str) -> str:
    if not repo:
        raise TargetError("the repository name is empty: write OWNER/REPO, e.g. some-teacher/nlpbook")
    if len(repo) > 100:
        raise TargetError(f"repository name {repo!r} has {len(repo)} characters: GitHub allows at most 100")
    if not REPO_RULE.fullmatch(repo):
        raise TargetError(f"repository name {repo!r} is not allowed by GitHub: only letters, digits, '.', '_', '-'")
    if repo in {".", ".."}:
        raise TargetError(f"repository name {repo!r} is reserved by GitHub")
    if repo.lower().endswith(".git"):
        raise TargetError(f"repository name {repo!r}: leave out the '.git' ending (GitHub drops it)")
    return repo


def check_ref(ref: str) -> str:
    if not ref:
        raise TargetError("the ref after '@' is empty: give a tag such as v0.2.0 (or leave out '@' for v<version>)")
    if "/" in ref:
        raise TargetError(f"ref {ref!r} contains '/': use a tag without slashes (it goes into URLs as one segment)")
    if len(ref) > 100 or not REF_RULE.fullmatch(ref) or ".." in ref or ref.endswith((".", ".lock")):
        raise TargetError(f"ref {ref!r} is not a usable tag name: letters, digits, '.', '_', '-', starting with a "
                          "letter or digit, no '..', not ending in '.' or '.lock'")
    if ref.lower() in MOVING_BRANCHES:
        raise TargetError(f"ref {ref!r} is a moving branch: a later push would change every running class. "
                          "Give a tag (e.g. v0.2.0) or a commit")
    return ref


def parse_target(text: str, default_ref: str) -> Target:
    """`OWNER/REPO[@REF]` as given on the command line (never the placeholder)."""
    slug, at, ref = text.partition("@")
    if slug.count("/") != 1:
        raise TargetError(f"target {text!r} must be OWNER/REPO or OWNER/REPO@REF, e.g. some-teacher/nlpbook@v0.2.0")
    owner, repo = slug.split("/")
    return Target(check_owner(owner), check_repo(repo), check_ref(ref if at else default_ref))


def looks_like_commit(ref: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{7,40}", ref))


# ------------------------------------------------------------------------------------------------ pyproject

def _sections(lines: list[str]):
    """(section name, line index) of each key line of a TOML file, read line by line."""
    section = ""
    for i, line in enumerate(lines):
        header = re.match(r"\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            section = header.group(1).strip()
        else:
            yield section, i


def _find_key(lines: list[str], section: str, key: str) -> tuple[int, str]:
    for name, i in _sections(lines):
        if name == section:
            match = re.match(rf'\s*{re.escape(key)}\s*=\s*"([^"]*)"\s*(#.*)?$', lines[i])
            if match:
                return i, match.group(1)
    raise TargetError(f'pyproject.toml has no `{key} = "..."` under [{section}]: add it, e.g. '
                      + ('Repository = "https://github.com/OWNER/REPO"' if key == "Repository" else 'ref = "v0.2.0"'))


def read_pyproject(root: Path = ROOT) -> tuple[Target, str]:
    """pyproject's current target (the placeholder allowed) and the project version."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    lines = text.splitlines()
    _, url = _find_key(lines, "project.urls", "Repository")
    _, ref = _find_key(lines, "tool.nlpbook", "ref")
    _, version = _find_key(lines, "project", "version")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the line-by-line reading above is all we have
        tomllib = None
    if tomllib is not None:
        data = tomllib.loads(text)
        seen = (data["project"]["urls"]["Repository"], data["tool"]["nlpbook"]["ref"], data["project"]["version"])
        if seen != (url, ref, version):
            raise TargetError(f"pyproject.toml reads {seen} as TOML but {(url, ref, version)} line by line: "
                              "keep each of Repository, ref and version on one line of its own")
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", url)
    if not match:
        raise TargetError(f"pyproject.toml: Repository = {url!r} must be https://github.com/OWNER/REPO")
    owner, repo = match.groups()
    return Target(check_owner(owner, allow_placeholder=True), check_repo(repo), check_ref(ref)), version


def rewrite_pyproject(text: str, target: Target) -> str:
    lines = text.splitlines(keepends=True)
    for key, section, value in (("Repository", "project.urls", f"https://github.com/{target.slug}"),
                                ("ref", "tool.nlpbook", target.ref)):
        i, old = _find_key([line.rstrip("\r\n") for line in lines], section, key)
        lines[i] = lines[i].replace(f'"{old}"', f'"{value}"', 1)
    return "".join(lines)


# ------------------------------------------------------------------------------------------------- scanning

def project_files(root: Path = ROOT) -> list[Path]:
    """Tracked files (and new ones git does not ignore); outside a git checkout, every file but build outputs."""
    names = None
    if (root / ".git").exists():
        try:
            out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                                 capture_output=True, check=True).stdout
            names = [name for name in out.decode("utf-8").split("\0") if name]
        except (OSError, subprocess.CalledProcessError):
            names = None
    if names is None:
        names = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
            names += [str(Path(folder, f).relative_to(root)) for f in sorted(files)]
    paths = []
    for name in sorted(set(names)):
        path = root / name
        if path.is_file() and not path.is_symlink() and path.suffix.lower() not in BINARY_SUFFIXES \
                and path.stat().st_size <= MAX_BYTES:
            paths.append(path)
    return paths


def read_text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def expected_link(kind: str, match: re.Match, target: Target) -> str:
    if kind == "colab":
        path = match.group("path") or "notebooks"
        return f"https://colab.research.google.com/github/{target.slug}/blob/{target.ref}/{path}"
    if kind == "install":
        return f"git+https://github.com/{target.slug}@{target.ref}"
    if kind == "binder":
        return f"https://mybinder.org/v2/gh/{target.slug}/{target.ref}"
    return f"https://github.com/{target.slug}"


def links(text: str, current: Target):
    """(kind, match) for every link to the project's repository in a text, in order."""
    found = []
    for kind, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            owner, repo = match.group("owner"), match.group("repo")
            if (owner, repo) == DOC_EXAMPLE:
                continue
            if kind == "repository" and owner.lower() not in {current.owner.lower(), PLACEHOLDER_OWNER.lower()}:
                continue  # a link to someone else's repository
            if kind == "repository" and owner.lower() == current.owner.lower() \
                    and repo.lower().removesuffix(".git") != current.repo.lower():
                continue
            found.append((kind, match))
    return sorted(found, key=lambda item: item[1].start())


def notice_span(text: str) -> tuple[int, int] | None:
    """Where the 'not published yet' block lies (markers and the line ends after them), or None."""
    start = text.find(NOTICE_START)
    if start < 0:
        return None
    end = text.find(NOTICE_END, start)
    if end < 0:
        raise TargetError(f"{NOTICE_START} without a matching {NOTICE_END}")
    end += len(NOTICE_END)
    while end < len(text) and text[end] in "\r\n":
        end += 1
    return start, end


def scan(root: Path, target: Target, current: Target) -> dict[Path, tuple[str, str, list[Finding]]]:
    """For each file that names the repository: (old text, text rewritten to `target`, findings)."""
    result = {}
    for path in project_files(root):
        text = read_text(path)
        if text is None:
            continue
        rel = path.relative_to(root).as_posix()
        new, pos, findings = [], 0, []
        for kind, match in links(text, current):
            if match.start() < pos:
                continue
            found, expected = match.group(0), expected_link(kind, match, target)
            problem = ""
            if kind == "colab" and match.group("path") and not (root / match.group("path")).is_file():
                problem = f"points at {match.group('path')}, which is not in the repository"
            if found != expected or problem:
                findings.append(Finding(rel, text.count("\n", 0, match.start()) + 1, kind, found, expected, problem))
            new += [text[pos:match.start()], expected]
            pos = match.end()
        new.append(text[pos:])
        new_text = "".join(new)
        if rel == "pyproject.toml":
            new_text = rewrite_pyproject(new_text, target)
        if target.owner != PLACEHOLDER_OWNER and path.suffix.lower() == ".md":
            for block in re.finditer(re.escape(NOTICE_START), text):
                findings.append(Finding(rel, text.count("\n", 0, block.start()) + 1, "notice",
                                        "the 'not published yet' notice", "no notice",
                                        f"the repository is {target.slug}: the notice no longer holds"))
            while span := notice_span(new_text):
                new_text = new_text[:span[0]] + new_text[span[1]:]
        if findings or new_text != text:
            result[path] = (text, new_text, sorted(findings, key=lambda f: f.line))
    return result


# --------------------------------------------------------------------------------------------------- modes

def run_check(root: Path, current: Target) -> int:
    changes = scan(root, current, current)
    problems = [f for _, _, findings in changes.values() for f in findings]
    counts = count_links(root, current)
    if not problems:
        print(f"retarget --check: every link agrees with pyproject.toml ({current}): "
              + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
        return 0
    print(f"retarget --check: {len(problems)} place(s) disagree with pyproject.toml ({current}):")
    for f in problems:
        print(f"  {f.path}:{f.line}: {f.kind}: {f.problem or 'found ' + f.found}")
        if not f.problem or f.found != f.expected:
            print(f"      expected {f.expected}")
    print("Fix: python tools/retarget.py --sync   (or retarget OWNER/REPO@REF to move the whole project)")
    return 1


def count_links(root: Path, current: Target) -> dict[str, int]:
    counts = dict.fromkeys(PATTERNS, 0)
    for path in project_files(root):
        text = read_text(path)
        if text is not None:
            for kind, _ in links(text, current):
                counts[kind] += 1
    return counts


def run_rewrite(root: Path, target: Target, current: Target, version: str) -> int:
    changes = scan(root, target, current)
    print(f"retarget: {current} -> {target}" if target != current else f"retarget --sync: every link to {target}")
    edited = 0
    for path, (old, new, findings) in changes.items():
        rel = path.relative_to(root).as_posix()
        if rel == "pyproject.toml":
            old_lines, new_lines = old.splitlines(), new.splitlines()
            for i, (a, b) in enumerate(zip(old_lines, new_lines), 1):
                if a != b:
                    print(f"  {rel}:{i}: {a.strip()}  ->  {b.strip()}")
        for f in findings:
            if rel == "pyproject.toml" and f.kind == "repository":
                continue  # shown above, as the line of pyproject that changed
            if f.kind == "notice":
                print(f"  {f.path}:{f.line}: removed the 'not published yet' notice")
            elif f.found != f.expected:
                print(f"  {f.path}:{f.line}: {f.kind}: {f.found}  ->  {f.expected}")
            if f.problem and f.kind != "notice":
                print(f"  {f.path}:{f.line}: WARNING: {f.problem} (left as it is)")
        if new != old:
            with open(path, "w", encoding="utf-8", newline="") as out:  # newline="": keep the file's line ends
                out.write(new)
            edited += 1
    if not edited:
        print("  nothing to change: every link already names this target")
        return 0
    print(f"{edited} file(s) changed. Next: review `git diff` and commit", end="")
    if target.owner == PLACEHOLDER_OWNER:
        print(f" (nothing to publish: {PLACEHOLDER_OWNER} means 'not published yet').")
        return 0
    print(", then publish the ref:")
    if looks_like_commit(target.ref):
        print(f"  {target.ref} looks like a commit: it must be pushed to {target.slug} (a tag is the usual choice;"
              " a commit cannot name itself)")
    else:
        print(f"  git tag {target.ref} && git push origin HEAD {target.ref}   (to https://github.com/{target.slug})")
    if target.ref != f"v{version}":
        print(f"  (the package version in pyproject.toml stays {version})")
    return 0


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python tools/retarget.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", help="OWNER/REPO or OWNER/REPO@REF (REF defaults to v<version>)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 and list every place that disagrees with pyproject")
    mode.add_argument("--sync", action="store_true", help="rewrite every place to agree with pyproject as it stands")
    options = parser.parse_args(argv)
    if bool(options.target) == (options.check or options.sync):
        parser.error("give either a target OWNER/REPO[@REF], or --check, or --sync")
    try:
        current, version = read_pyproject(root)
        if options.check:
            return run_check(root, current)
        target = current if options.sync else parse_target(options.target, default_ref=f"v{version}")
        return run_rewrite(root, target, current, version)
    except TargetError as error:
        print(f"retarget: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
