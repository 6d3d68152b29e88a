"""Fixtures of the browser tests: a Jupyter server on loopback over a copy of the notebooks, headless Chromium,
one fresh browser context per test, and a screenshot of the page when a test fails.

    pytest -m browser tests/browser                          # the suite (needs chromium + a Korean font)
    NLPBOOK_SCREENSHOTS=docs/images pytest tests/browser      # also write the README's pictures
    python tools/screenshots.py                               # the same, as one command

Without Chromium (or playwright) the tests skip with the fix (run tools/browser_setup.sh); in CI (CI=true) or
with NLPBOOK_REQUIRE_BROWSER=1 they fail instead: there they are required. A missing Korean font always fails.

The server gets its own NLPBOOK_HOME (`$NLPBOOK_HOME/browser`, under the test home the root conftest empties at
session start), so the kernels build the offline assets there and notebook 07 trains from scratch even when
nbval ran it earlier in the same session and left checkpoints behind.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from notebook_driver import (CHROMIUM_ARGS, PLAYWRIGHT_MISSING, JupyterServer, NotebookPage, find_chromium,
                             korean_fonts, nlpbook_home)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SETUP_HINT = "run `sudo tools/browser_setup.sh` (apt-get install -y chromium fonts-nanum)"


def _required() -> bool:
    """In CI (CI=true) or with NLPBOOK_REQUIRE_BROWSER=1 the browser tests must run: what is missing fails."""
    return any(os.environ.get(name, "").lower() in ("1", "true", "yes") for name in ("CI", "NLPBOOK_REQUIRE_BROWSER"))


def _missing(message: str):
    if _required():
        pytest.fail(f"browser tests are required here (CI / NLPBOOK_REQUIRE_BROWSER) but {message}", pytrace=False)
    pytest.skip(message)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    if PLAYWRIGHT_MISSING:
        _missing(PLAYWRIGHT_MISSING)
    path = find_chromium()
    if path is None:
        _missing(f"no Chromium found (/usr/bin/chromium or `chromium` on PATH): {SETUP_HINT}")
    if not korean_fonts():
        pytest.fail("no Korean font is installed (`fc-list :lang=ko` is empty): Hangul would render as boxes in "
                    f"the browser and in the screenshots; {SETUP_HINT}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def playwright_browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_home() -> Path:
    """NLPBOOK_HOME of the kernels the browser tests start: a fresh folder inside the test run's home."""
    base = Path(os.environ.get("NLPBOOK_HOME") or ROOT / ".nlpbook" / "test-home")
    home = base / "browser"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    return home


def _start_server(app: str, tmp_path_factory, browser_home: Path, notebooks: Path = NOTEBOOKS) -> JupyterServer:
    root = tmp_path_factory.mktemp(f"served-{app}")
    # a copy: autosave writes into the notebooks a test runs, never into the repository's
    shutil.copytree(notebooks, root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    env = {"NLPBOOK_HOME": str(browser_home), "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
           "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0"), "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    return JupyterServer(root, app=app, env=env, log_dir=ARTIFACTS / "logs").start()


@pytest.fixture(scope="session")
def lab_server(chromium_executable, tmp_path_factory, browser_home):
    server = _start_server("lab", tmp_path_factory, browser_home)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def notebook7_server(chromium_executable, tmp_path_factory, browser_home):
    """`jupyter notebook` (Notebook 7): the other front end classes use."""
    server = _start_server("notebook", tmp_path_factory, browser_home)
    yield server
    server.stop()


@pytest.fixture
def browser_context(playwright_browser):
    """One fresh browser context per test (no cookies, storage or open pages from another test)."""
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 1000}, locale="ko-KR",
                                             device_scale_factor=1)
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def open_notebook(request, browser_context, lab_server):
    """`open_notebook("04_tokenizer.ipynb", server=...)` → a NotebookPage with the kernel idle and no other kernel
    running. A test that fails outside a NotebookPage step still leaves a screenshot (path in the report)."""
    opened: list[NotebookPage] = []

    def open_(path: str, server: JupyterServer | None = None) -> NotebookPage:
        server = server or lab_server
        if not (Path(server.root_dir) / path).is_file():
            pytest.fail(f"{path} does not exist in notebooks/ (the browser test for it has nothing to open)",
                        pytrace=False)
        server.delete_sessions()
        page = browser_context.new_page()
        notebook = NotebookPage(page, server, path, ARTIFACTS, request.node.name)
        opened.append(notebook)
        return notebook.open()

    yield open_
    failed = getattr(request.node, "rep_call", None)
    for notebook in opened:
        if failed is not None and failed.failed and notebook.screenshots_taken == 0:
            shot = notebook.screenshot("failure")
            request.node.add_report_section("call", "screenshot", str(shot))
            print(f"\nscreenshot of the failed page: {shot}")
        notebook.server.delete_sessions()


@pytest.fixture(scope="session")
def readme_images() -> Path | None:
    """Where the README's pictures go (env NLPBOOK_SCREENSHOTS, e.g. docs/images); None: not this run."""
    target = os.environ.get("NLPBOOK_SCREENSHOTS")
    if not target:
        return None
    path = Path(target)
    path = path if path.is_absolute() else ROOT / path
    path.mkdir(parents=True, exist_ok=True)
    return path


class OfflineReference:
    """What the project's own helpers give, computed in the test process (never read back from the page)."""

    def __init__(self, home: Path):
        with nlpbook_home(home):
            from nlpbook_helpers.corpus import download_corpus, load_corpus
            from nlpbook_helpers.model import prepare_pretrained
            from nlpbook_helpers.settings import make_arguments
            from nlpbook_helpers.tokenizer import load_tokenizer

            self.args = make_arguments("offline")
            download_corpus(self.args)
            prepare_pretrained(self.args)
            self.tokenizer = load_tokenizer(self.args)
            self.corpus = load_corpus(self.args)

    def input_ids(self, text: str) -> list[int]:
        """The features of one review, as NsmcDataset makes them (truncated to max_seq_length, not padded)."""
        return self.tokenizer(text, truncation=True, max_length=self.args.max_seq_length)["input_ids"]


@pytest.fixture(scope="session")
def offline_reference(tmp_path_factory) -> OfflineReference:
    """The offline preset's tokenizer and corpus in a home of their own (the shipped vocabulary and the embedded
    corpus are fixed, so they are the ones the notebook kernels use)."""
    return OfflineReference(tmp_path_factory.mktemp("reference-home"))
