"""Drive a real Jupyter front end the way a student does: a server on loopback, headless Chromium, key presses.

`JupyterServer` starts `jupyter lab` (or `jupyter notebook`) over a directory and stops it; `NotebookPage` opens
one notebook in a browser page, waits for the kernel, runs all cells, waits until they are done, and turns every
failure into an AssertionError that says what was expected and where the screenshot of the page lies.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Locator, Page, expect
    PLAYWRIGHT_MISSING = ""
except ImportError as error:        # collected without playwright: the fixtures skip (or fail where required)
    PLAYWRIGHT_MISSING = f"the Python package playwright is missing ({error}): pip install -e '.[test]'"
    PlaywrightError = type("PlaywrightError", (Exception,), {})
    Locator = Page = expect = None

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--font-render-hinting=none"]

# The plain-text repr a widget falls back to when its front end does not render it (`VBox(children=(...`).
WIDGET_REPR = re.compile(r"\b(VBox|HBox|Box|GridBox|Text|Textarea|IntSlider|FloatSlider|IntText|HTML|HTMLMath|Label|"
                         r"Output|Image|Button|Dropdown|ToggleButtons|Checkbox|Tab|Accordion|Play)"
                         r"\((children|value|layout|description|outputs|options|format)=")
# Run All may go this long with nothing visible changing before it counts as stuck. The longest silent cell (notebook
# 07's label curve: 20 fine-tunings, about 100 s on 2 idle cores here, 16-21 min measured under a load of 6-7) sets
# it, with room for a machine three times slower under load. $NLPBOOK_BROWSER_STALL_TIMEOUT overrides it.
STALL_ENV = "NLPBOOK_BROWSER_STALL_TIMEOUT"
STALL_TIMEOUT = float(os.environ.get(STALL_ENV) or 1800)
# per code cell: its prompt text, and the size of its outputs (text length, and the bytes of pictures)
PROGRESS = """notebook => Array.from(notebook.querySelectorAll('.jp-CodeCell')).map(cell => {
    const prompt = (cell.querySelector('.jp-InputPrompt') || {}).textContent || '';
    const outputs = Array.from(cell.querySelectorAll('.jp-OutputArea-output'));
    const text = outputs.reduce((n, output) => n + output.textContent.length, 0);
    const pictures = Array.from(cell.querySelectorAll('.jp-OutputArea-output img'))
        .reduce((n, img) => n + (img.getAttribute('src') || '').length, 0);
    return prompt.trim() + '|' + outputs.length + '|' + text + '|' + pictures;
})"""
WIDGET_ERROR = re.compile(r"Error displaying widget|Failed to load model class|Loading widget\.\.\.")


# share of pixels that are not (near) white, measured by drawing the decoded image onto a canvas
INK = """img => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 0; i < pixels.length; i += 4)
        if (pixels[i] < 200 || pixels[i + 1] < 200 || pixels[i + 2] < 200) ink++;
    return ink / (pixels.length / 4);
}"""


def find_chromium() -> str | None:
    """$NLPBOOK_CHROMIUM if set (and only it), else Debian's /usr/bin/chromium or a Chromium/Chrome on PATH."""
    if os.environ.get("NLPBOOK_CHROMIUM"):
        candidates = [os.environ["NLPBOOK_CHROMIUM"]]
    else:
        candidates = ["/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def korean_fonts() -> list[str]:
    """Font files fontconfig knows for Korean (what Chromium draws Hangul with); [] without fontconfig."""
    try:
        listed = subprocess.run(["fc-list", ":lang=ko", "file"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip().rstrip(":") for line in listed.stdout.splitlines() if line.strip()]


def write_notebook(root: Path, name: str, *cells: str, title: str = "# 시험용 노트북") -> str:
    """Write a notebook of a markdown title and these code cells into `root` (a served folder); returns `name`."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                       "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell(title), *(nbformat.v4.new_code_cell(source) for source in cells)]
    nbformat.write(notebook, Path(root) / name)
    return name


@contextlib.contextmanager
def nlpbook_home(home: Path):
    """NLPBOOK_HOME=home inside the block (arguments made there put corpora and models there), restored after."""
    previous = os.environ.get("NLPBOOK_HOME")
    os.environ["NLPBOOK_HOME"] = str(home)
    try:
        yield home
    finally:
        if previous is None:
            os.environ.pop("NLPBOOK_HOME", None)
        else:
            os.environ["NLPBOOK_HOME"] = previous


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterServer:
    """`jupyter lab` / `jupyter notebook` on 127.0.0.1:<free port> with a random token, over `root_dir`.

    Its config lives in a temporary JUPYTER_CONFIG_DIR (no announcements pop-up, every cell in the DOM);
    `env` is added to the current environment (the kernels inherit it).
    """

    def __init__(self, root_dir: Path, app: str = "lab", env: dict | None = None, log_dir: Path | None = None,
                 disabled_extensions: tuple[str, ...] = ()):
        self.root_dir, self.app = Path(root_dir), app
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config_dir = Path(tempfile.mkdtemp(prefix="nlpbook-jupyter-config-"))
        self.log_path = Path(log_dir or self.config_dir) / f"jupyter-{app}-{self.port}.log"
        self._write_config(disabled_extensions)
        self.env = {**os.environ, **(env or {}), "JUPYTER_CONFIG_DIR": str(self.config_dir),
                    "JUPYTERLAB_SETTINGS_DIR": str(self.config_dir / "lab" / "user-settings"),
                    "JUPYTERLAB_WORKSPACES_DIR": str(self.config_dir / "lab" / "workspaces"),
                    "PYTHONUNBUFFERED": "1"}
        self.process: subprocess.Popen | None = None

    def _write_config(self, disabled_extensions) -> None:
        disabled = {"@jupyterlab/apputils-extension:announcements": True,
                    **{name: True for name in disabled_extensions}}
        (self.config_dir / "labconfig").mkdir(parents=True)
        (self.config_dir / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": disabled}), encoding="utf-8")
        settings = self.config_dir / "lab" / "user-settings" / "@jupyterlab"
        # every cell stays in the DOM (no virtual scrolling), so prompts and widgets below the fold can be checked
        (settings / "notebook-extension").mkdir(parents=True)
        (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
            json.dumps({"windowingMode": "none"}), encoding="utf-8")
        # no "Jupyter news" / update check notification
        (settings / "apputils-extension").mkdir(parents=True)
        (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")

    def start(self, timeout: float = 60) -> "JupyterServer":
        command = [sys.executable, "-m", "jupyterlab" if self.app == "lab" else "notebook", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
                   "--ServerApp.open_browser=False", "--allow-root"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        cwd=self.root_dir, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited with {self.process.returncode} before answering; "
                                   f"log {self.log_path}:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                self.api("GET", "/api/status")
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"jupyter {self.app} did not answer within {timeout:.0f} s; log {self.log_path}")

    def api(self, method: str, path: str, timeout: float = 10, body: dict | None = None):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def delete_sessions(self) -> None:
        """Shut down every kernel the previous page left (the server keeps them between page loads)."""
        for session in self.api("GET", "/api/sessions"):
            with contextlib.suppress(OSError):
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
        for kernel in self.api("GET", "/api/kernels"):
            with contextlib.suppress(OSError):
                self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)

    def start_kernel_for(self, path: str, kernel_name: str = "python3") -> None:
        """Start the notebook's kernel session now (the page, loading meanwhile, attaches to it, as it does when
        a student reopens a notebook whose kernel runs): kernel start-up overlaps the page load."""
        self.api("POST", "/api/sessions", timeout=30,
                 body={"path": path, "name": Path(path).name, "type": "notebook", "kernel": {"name": kernel_name}})

    def notebook_url(self, path: str) -> str:
        if self.app == "lab":
            return f"{self.url}/lab/tree/{path}?token={self.token}&reset"
        return f"{self.url}/notebooks/{path}?token={self.token}"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.api("POST", "/api/shutdown", timeout=5)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.config_dir, ignore_errors=True)


class NotebookPage:
    """One notebook opened in a browser page, with steps that fail as readable assertions with a screenshot."""

    def __init__(self, page: Page, server: JupyterServer, path: str, artifacts: Path, name: str):
        self.page, self.server, self.path = page, server, path
        self.artifacts, self.name = Path(artifacts), re.sub(r"[^\w.-]+", "_", name)
        self.console: list[str] = []
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        self.screenshots_taken = 0

    # ---- failures -------------------------------------------------------------------------------------------
    def screenshot(self, label: str = "failure") -> Path:
        self.screenshots_taken += 1
        self.artifacts.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^\w.-]+", "_", label, flags=re.ASCII)[:60].strip("_")
        path = self.artifacts / f"{self.name}-{self.screenshots_taken:02d}-{slug}.png"
        with contextlib.suppress(PlaywrightError):
            self.page.screenshot(path=str(path), full_page=True, timeout=15000)
        return path

    def fail(self, message: str, focus: Locator | None = None) -> None:
        """Raise AssertionError(message + screenshot path); `focus` is scrolled into view for the picture."""
        if focus is not None:
            with contextlib.suppress(PlaywrightError):
                focus.first.scroll_into_view_if_needed(timeout=2000)
        shot = self.screenshot(message.split("\n")[0])
        console = "\n".join(self.console[-10:])
        raise AssertionError(f"{message}\n  notebook: {self.path} ({self.server.app})\n  screenshot: {shot}"
                             + (f"\n  browser console (last lines):\n{console}" if console else ""))

    @contextlib.contextmanager
    def step(self, what: str, focus: Locator | None = None):
        """Any failure inside (an assert, a Playwright timeout) becomes `AssertionError(what + cause + screenshot)`."""
        try:
            yield
        except (AssertionError, PlaywrightError) as error:
            cause = str(error).strip().split("\nCall log:")[0]
            self.fail(f"{what}\n  cause: {cause[:1500]}", focus)

    # ---- opening and running --------------------------------------------------------------------------------
    @property
    def notebook(self) -> Locator:
        return self.page.locator(".jp-NotebookPanel:visible").first

    def open(self, timeout: float = 180) -> "NotebookPage":
        with self.step(f"open {self.path} and wait for an idle kernel"):
            self.server.start_kernel_for(self.path)
            self.page.goto(self.server.notebook_url(self.path), wait_until="domcontentloaded", timeout=timeout * 1000)
            expect(self.notebook.locator(".jp-Cell").first).to_be_visible(timeout=timeout * 1000)
            self.wait_kernel_idle(timeout)
        return self

    def wait_kernel_idle(self, timeout: float = 60) -> None:
        """Wait until the page is attached to a running, idle kernel. The toolbar's execution indicator says
        "idle" before any kernel is attached (a Run All sent then is dropped), so JupyterLab waits for the status
        bar's `Python 3 (ipykernel) | Idle`, Notebook 7 for the kernel name beside an idle indicator and no
        "Kernel Connecting/Initializing" notice; both also for the server's session of this notebook."""
        ms = timeout * 1000
        if self.server.app == "lab":
            expect(self.page.locator("#jp-main-statusbar")).to_contain_text(
                re.compile(r"Python 3 \(ipykernel\)\s*\|\s*Idle"), timeout=ms)
        else:
            toolbar = self.notebook.locator(".jp-NotebookPanel-toolbar")
            expect(toolbar.locator(".jp-KernelName").first).to_have_text(re.compile(r"Python 3"), timeout=ms)
            expect(toolbar.locator(".jp-Notebook-ExecutionIndicator").first).to_have_attribute(
                "data-status", "idle", timeout=ms)
            expect(self.page.locator(".jp-NotebookKernelStatus")).not_to_contain_text(
                re.compile(r"Connecting|Initializing|Starting|Restarting"), timeout=ms)
        deadline = time.monotonic() + timeout
        while not any(session["path"].endswith(self.path) and session["kernel"]["execution_state"] == "idle"
                      for session in self.server.api("GET", "/api/sessions")):
            if time.monotonic() > deadline:
                raise AssertionError(f"the server has no idle kernel for {self.path}: "
                                     f"{self.server.api('GET', '/api/sessions')}")
            time.sleep(0.2)

    def menu(self, menu: str, command: str) -> None:
        """Click a menu of the menu bar, then one of its items (by its command id), as a student does."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).first.click()
        self.page.locator(f"li.lm-Menu-item[data-command='{command}']").click()

    def run_all(self, stall_timeout: float | None = None, on_tick=None) -> "NotebookPage":
        """Edit → Clear Outputs of All Cells (the stored outputs and counts must not pass for fresh ones), then
        Run → Run All Cells; wait until every code cell has run (a number in its prompt) and the kernel is idle
        again, for as long as the run makes progress (see `wait_finished`). A cell that raised fails with its
        error text."""
        with self.step("Edit → Clear Outputs of All Cells"):
            self.menu("Edit", "editmenu:clear-all")
            expect(self.notebook.locator(".jp-CodeCell .jp-OutputArea-output")).to_have_count(0, timeout=10_000)
        with self.step("Run → Run All Cells"):
            self.menu("Run", "runmenu:run-all")
        self.wait_finished(stall_timeout, on_tick)
        return self

    def prompts(self) -> list[str]:
        return [text.strip() for text in self.notebook.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()]

    def progress(self) -> tuple:
        """What a student would see move: each code cell's prompt, and every output's size (text and images: a
        picture redrawn in place changes its bytes, a line printed grows the text)."""
        return tuple(self.notebook.evaluate(PROGRESS))

    def wait_finished(self, stall_timeout: float | None = None, on_tick=None) -> None:
        """Wait for the end of Run All as long as it makes progress: it fails only when nothing visible changed
        (no cell started or finished, no output printed or redrawn) for `stall_timeout` seconds (default
        STALL_TIMEOUT), never for the total time, so a slow or busy machine passes. `on_tick()` is called at each
        poll (to watch a cell while it runs)."""
        stall_timeout = STALL_TIMEOUT if stall_timeout is None else stall_timeout
        seen, changed = None, time.monotonic()
        stable = 0
        while True:
            if on_tick is not None:
                on_tick()
            prompts = self.prompts()
            done = prompts and all(re.fullmatch(r"\[\d+\]:?", prompt) for prompt in prompts)
            errors = self.error_outputs()
            if errors:
                error = errors[0] if len(errors[0]) < 2000 else f"{errors[0][:400]}\n  [...]\n{errors[0][-1500:]}"
                self.fail(f"a cell raised an error while running {self.path}:\n{error}",
                          self.notebook.locator(".jp-OutputArea-output", has_text=errors[0][:40]))
            if not any("*" in prompt for prompt in prompts) and not done and stable > 40 and prompts:
                self.fail(f"run all stopped before the last cell: prompts {prompts}")
            stable = stable + 1 if not any("*" in prompt for prompt in prompts) else 0   # polls without a [*]
            if done:
                with self.step("kernel idle after run all"):
                    self.wait_kernel_idle(timeout=max(60.0, stall_timeout))
                return
            now, state = time.monotonic(), self.progress()
            if state != seen:
                seen, changed = state, now
            elif now - changed > stall_timeout:
                running = [number for number, prompt in enumerate(prompts, 1) if "*" in prompt]
                waiting = (f"code cell {running[0]} of {len(prompts)} (prompt [*]) to finish" if running else
                           f"the next cell to start after {sum(p != '[ ]:' and p != '' for p in prompts)} ran")
                self.fail(f"run all made no visible progress for {stall_timeout:.0f} s (no cell finished, no output "
                          f"printed or redrawn): waiting for {waiting}; prompts {prompts}. A slower machine? Set "
                          f"{STALL_ENV}=<seconds> (now {stall_timeout:.0f})",
                          self.notebook.locator(".jp-CodeCell").nth(running[0] - 1) if running else None)
            self.page.wait_for_timeout(250)

    def cell_prompt(self, cell: Locator) -> str:
        return cell.locator(".jp-InputPrompt").first.inner_text().strip()

    def error_outputs(self) -> list[str]:
        """Text of outputs that show a traceback (an `error` output renders as stderr text with the exception)."""
        texts = self.notebook.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                                      ).all_inner_texts()
        return [text for text in texts if "Traceback" in text
                or (re.search(r"^\w*(Error|Exception)\b", text, re.MULTILINE) and "Warning" not in text.split("\n")[0])]

    def wait_until(self, what: str, check, timeout: float = 60, focus: Locator | None = None) -> None:
        """Poll `check()` (returns "" when satisfied, else what is wrong) until it passes; fail with its last word."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                problem = check()
            except PlaywrightError as error:
                problem = str(error).split("\nCall log:")[0]
            if not problem:
                return
            if time.monotonic() > deadline:
                self.fail(f"{what} (waited {timeout:.0f} s)\n  last seen: {problem}", focus)
            self.page.wait_for_timeout(200)

    # ---- widgets --------------------------------------------------------------------------------------------
    def output_texts(self) -> list[str]:
        return self.notebook.locator(".jp-OutputArea-output").all_inner_texts()

    def widget(self, selector: str, what: str, repr_name: str | None = None, timeout: float = 60) -> Locator:
        """The rendered widget element for `selector`; fails if the widget fell back to its text repr (e.g.
        `VBox(children=...` or `repr_name(...`) or is missing (front end not loaded, class renamed)."""
        locator = self.notebook.locator(selector).first
        try:
            expect(locator).to_be_visible(timeout=timeout * 1000)
        except AssertionError:
            pass
        else:
            return locator
        own = re.compile(rf"\b{re.escape(repr_name)}\(") if repr_name else WIDGET_REPR
        reprs = [text for text in self.output_texts()
                 if own.search(text) or WIDGET_REPR.search(text) or WIDGET_ERROR.search(text)]
        if reprs:
            shown = self.notebook.locator(".jp-OutputArea-output", has_text=reprs[0][:40])
            self.fail(f"the {what} widget did not render: the page shows its plain-text repr instead "
                      f"(widget front end missing or broken):\n  {reprs[0][:300]}", shown)
        self.fail(f"the {what} widget did not render: no element matches {selector!r}")

    def check_widgets_rendered(self) -> None:
        """No output anywhere in the notebook shows a widget's text repr or a widget error."""
        bad = [text for text in self.output_texts() if WIDGET_REPR.search(text) or WIDGET_ERROR.search(text)]
        if bad:
            self.fail(f"a widget did not render; its output shows:\n  {bad[0][:300]}",
                      self.notebook.locator(".jp-OutputArea-output", has_text=bad[0][:40]))

    def type_into(self, input_locator: Locator, text: str, press_enter: bool = False) -> None:
        """Clear a text box with real key presses and type `text` key by key, as a student would."""
        input_locator.click()
        input_locator.press("Control+a")
        input_locator.press("Delete")
        input_locator.press_sequentially(text, delay=15)
        if press_enter:
            input_locator.press("Enter")

    def set_slider(self, slider: Locator, value: int, what: str, step: int = 1) -> None:
        """Move an ipywidgets IntSlider with the keyboard: focus its handle, then arrow keys, one `step` each.
        (JupyterLab only: in Notebook 7 an arrow key on a slider handle moves the focus to a cell instead.)"""
        handle = slider.locator(".noUi-handle").first
        readout = slider.locator(".widget-readout").first
        with self.step(f"set the {what} slider to {value}"):
            handle.focus()
            current = int(readout.inner_text().strip())
            key = "ArrowRight" if value > current else "ArrowLeft"
            for _ in range(abs(value - current) // step):
                handle.press(key)
            expect(readout).to_have_text(str(value), timeout=5000)

    # ---- pictures -------------------------------------------------------------------------------------------
    def check_image_drawn(self, image: Locator, what: str, timeout: float = 10) -> None:
        """The <img> was decoded by the browser, is plot-sized and has ink on it (not broken, not blank)."""
        def problem() -> str:
            complete, width, height, src = image.evaluate(
                "img => [img.complete, img.naturalWidth, img.naturalHeight, img.src.slice(0, 22)]")
            if not complete or width < 200 or height < 100:
                return f"image not decoded: complete={complete}, natural size {width}x{height}, src {src!r}..."
            ink = image.evaluate(INK)
            if not 0.005 < ink < 0.6:
                return f"image has {ink:.1%} non-white pixels: blank or not a plot"
            return ""

        self.wait_until(f"{what} is drawn", problem, timeout=timeout)

    def cell_with(self, selector: str) -> Locator:
        """The code cell whose output holds `selector`."""
        return self.notebook.locator(".jp-CodeCell").filter(has=self.page.locator(selector)).first

    def output_area(self, selector: str) -> Locator:
        """The output area of the cell whose output holds `selector` (what a screenshot of a widget shows)."""
        return self.cell_with(selector).locator(".jp-Cell-outputArea").first

    def capture(self, locator: Locator, name: str, readme_dir: Path | None = None) -> Path:
        """A PNG of `locator` in tests/browser/artifacts/widgets/<name>.png, and in `readme_dir` if given."""
        target = self.artifacts / "widgets" / f"{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        with self.step(f"screenshot {name}"):
            locator.scroll_into_view_if_needed()
            locator.screenshot(path=str(target), animations="disabled")
        if readme_dir is not None:
            shutil.copyfile(target, Path(readme_dir) / f"{name}.png")
        return target
