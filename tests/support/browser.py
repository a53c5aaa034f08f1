"""A headless Chromium for the report's browser test, driven over the W3C WebDriver protocol.

The Debian packages `chromium` and `chromium-driver` provide the browser and chromedriver; the
protocol is plain JSON over HTTP, so `requests` is all the client needed (no selenium).
`CHROMIUM_MISSING` is the reason to skip with when the browser is not installed.
"""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")
CHROMIUM_MISSING = None
if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
    CHROMIUM_MISSING = ("headless Chromium is not installed (Debian: apt-get install chromium chromium-driver; "
                        f"looked for {CHROMIUM} and {CHROMEDRIVER})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One chromedriver process and one headless Chromium session."""

    def __init__(self, width: int = 1280, height: int = 900):
        self.port = _free_port()
        self.driver = subprocess.Popen([str(CHROMEDRIVER), f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{self.base}/status", timeout=2).json()["value"]["ready"]:
                    break
            except (requests.RequestException, ValueError, KeyError):
                pass
            if time.monotonic() > deadline:
                self.driver.kill()
                raise RuntimeError("chromedriver did not become ready within 30 s")
            time.sleep(0.2)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": str(CHROMIUM),
                                   "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                            "--disable-dev-shm-usage", f"--window-size={width},{height}"]}}}}
        answer = requests.post(f"{self.base}/session", json=caps, timeout=120).json()
        if "sessionId" not in answer.get("value", {}):
            self.driver.kill()
            raise RuntimeError(f"chromedriver could not start Chromium: {answer}")
        self.session = f"{self.base}/session/{answer['value']['sessionId']}"

    def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        answer = requests.request(method, f"{self.session}{path}", json=body, timeout=120).json()
        value = answer.get("value")
        if isinstance(value, dict) and value.get("error"):
            raise RuntimeError(f"WebDriver {path}: {value['error']}: {value.get('message', '')[:500]}")
        return value

    def open(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    def run(self, script: str, *args: Any) -> Any:
        """Execute JavaScript in the page and return its result."""
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def console_errors(self) -> list[str]:
        try:
            entries = self._call("POST", "/se/log", {"type": "browser"}) or []
        except RuntimeError:
            return []
        return [e.get("message", "") for e in entries if e.get("level") == "SEVERE"]

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self._call("GET", "/screenshot")))
        return path

    def close(self) -> None:
        try:
            requests.delete(self.session, timeout=30)
        except requests.RequestException:
            pass
        self.driver.terminate()
        try:
            self.driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.driver.kill()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
