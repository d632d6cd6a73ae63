"""Serve a Streamlit script on 127.0.0.1 and drive it with headless Chromium (shared by the browser test and
the UI benchmark)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tracker.config import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# The app is rendered when its script run is over (stApp's data-test-script-state, the status widget gone),
# the main block has content and every Plotly chart has drawn its SVG.
# The page counts as rendered from the first moment this returns a count that then stays the same for
# STABLE_SECONDS (Streamlit streams elements while the script runs, so one look is not enough).
RENDERED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return -1;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return -1;
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  if (!main) return -1;
  const n = main.querySelectorAll('[data-testid="stElementContainer"]').length;
  if (n === 0 || main.querySelector('[data-testid="stSkeleton"]')) return -1;
  const charts = main.querySelectorAll('[data-testid="stPlotlyChart"]').length;
  const drawn = main.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg').length;
  return drawn >= charts ? n + 1000 * drawn : -1;
}"""
STABLE_SECONDS = 0.4
POLL_SECONDS = 0.03


def browser_missing() -> str | None:
    """Why the browser cannot run here, or None when Chromium and Playwright are both available."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (make test installs Debian's chromium when it can)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(script: Path, env: dict[str, str] | None = None, timeout: float = 60.0) -> Iterator[str]:
    """Run ``streamlit run script`` headless on a free port; yield its base URL; stop it afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, **(env or {})}, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start on {base} (exit code {process.poll()})")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright sync API) that refuses every request off 127.0.0.1."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, blocked: list[str]):
    """A page with a wide viewport; requests to other hosts are aborted and recorded in ``blocked``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()

    def route(request_route, request) -> None:
        url = request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    return page


def open_rendered(page, url: str, timeout_ms: float = 60_000) -> float:
    """Navigate to ``url`` and wait until the app is fully rendered; return the seconds it took."""
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    deadline = started + timeout_ms / 1000
    last, since = None, None
    while time.perf_counter() < deadline:
        try:
            state = page.evaluate(RENDERED_JS)
        except Exception:  # the document is still being replaced by the navigation
            state = -1
        now = time.perf_counter()
        if state != last or state < 0:
            last, since = state, now
        elif now - since >= STABLE_SECONDS:
            return since - started
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{url} did not finish rendering in {timeout_ms / 1000:.0f} s")
