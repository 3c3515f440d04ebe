"""Helpers for the BI tests (BI clients, dashboard, docs site): the golden example's
publication, the dashboard as a server process, and a real headless Chromium.

Chromium and chromedriver are Debian's (`make test-browser` installs them; `make test`
runs it first). Selenium drives them; nothing is downloaded at test time.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.lib.publish import publish
from orchestration.lib.settings import PROJECT_ROOT

CHROMIUM = Path(os.environ.get("CRMWH_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CRMWH_CHROMEDRIVER", "/usr/bin/chromedriver"))
LOCAL_PREFIXES = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "file://", "data:")
LOCAL_PREFIXES += ("blob:", "about:", "chrome://", "chrome-extension://", "devtools://")

_published: dict[Path, Path] = {}  # warehouse -> its publish folder, once per session


def golden_publication(warehouse: Path) -> Path:
    """The publish folder of the golden example's warehouse (`published/` beside it).

    The refresh publishes after a green run; a refresh that did not (an older pipeline, or
    the step switched off) is published here with the same function. Memoised: the test
    modules share the session's one refresh and one publication."""
    if warehouse not in _published:
        folder = warehouse.parent / "published"
        if not (folder / "current" / "crm.duckdb").is_file():
            publish(warehouse, folder, "golden-clean")
        _published[warehouse] = folder
    return _published[warehouse]


def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$CRMWH_SCREENSHOTS_DIR (`make screenshots`: docs/screenshots), else a temporary one."""
    wanted = os.environ.get("CRMWH_SCREENSHOTS_DIR")
    if wanted:
        folder = Path(wanted) if Path(wanted).is_absolute() else PROJECT_ROOT / wanted
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(publish_dir: Path, log_file: Path, timeout: float = 90) -> Iterator[str]:
    """`python -m orchestration.dashboard dashboard` (what `crmwh dashboard` runs) on a free
    port; yields its URL once it answers, stops it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "orchestration.dashboard", "dashboard"]
    command += ["--publish-dir", str(publish_dir), "--port", str(port)]
    with open(log_file, "w") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"the dashboard exited {process.returncode}:\n{log_file.read_text()}"
                    )
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"the dashboard did not answer in {timeout} s:\n{log_file.read_text()}"
                    )
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def chromium(width: int = 1400, height: int = 1000) -> Iterator:
    """A headless Chromium (Debian's) driven by Selenium through Debian's chromedriver, with
    its console and network logs recorded."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run `make test-browser` (apt-get chromium)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",  # root in CI
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()


def console_errors(driver) -> list[str]:
    """Console errors, uncaught exceptions and failed loads the page produced so far."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def requested_urls(driver) -> list[str]:
    """Every URL the page requested so far (from Chromium's network log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message.get("method") == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def external(urls: list[str]) -> list[str]:
    return [url for url in urls if not url.startswith(LOCAL_PREFIXES)]


def full_page_screenshot(driver, path: Path) -> Path:
    """A PNG of the whole page, not just the window."""
    import base64

    size = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
