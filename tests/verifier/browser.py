"""Headless Debian chromium driven by Selenium through the system chromedriver (never a download)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists()
                                                else None)


def missing() -> str:
    """Why the browser tests cannot run here ('' when they can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if CHROMIUM is None:
        return "no chromium on PATH (Debian: apt-get install chromium chromium-driver; .ci/run installs them)"
    if CHROMEDRIVER is None:
        return "no chromedriver on PATH (Debian: apt-get install chromium-driver)"
    return ""


def start(window: tuple[int, int] = (1000, 1400), extra: tuple[str, ...] = ()):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-default-apps", "--disable-sync", "--lang=en-US", f"--window-size={window[0]},{window[1]}",
                *extra):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_script_timeout(120)  # the tests' scripts wait for the page's verdicts themselves
    return driver


def requests_seen(driver) -> list[dict]:
    """Every request the browser started since the last call (performance log): url, and whether
    the Content-Security-Policy blocked it or a response came back."""
    seen: dict[str, dict] = {}
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        params = msg.get("params", {})
        if msg["method"] == "Network.requestWillBeSent":
            seen[params["requestId"]] = {"url": params["request"]["url"], "blocked": "", "response": False}
        elif msg["method"] == "Network.loadingFailed" and params.get("requestId") in seen:
            seen[params["requestId"]]["blocked"] = params.get("blockedReason", "")
        elif msg["method"] == "Network.responseReceived" and params.get("requestId") in seen:
            seen[params["requestId"]]["response"] = True
    return list(seen.values())


def write_y4m(image, path: Path, frames: int = 3) -> Path:
    """A still picture as a Y4M video (4:2:0), for Chromium's fake camera (--use-file-for-fake-video-capture)."""
    rgb = image.convert("RGB")
    w, h = rgb.size[0] // 2 * 2, rgb.size[1] // 2 * 2
    y, cb, cr = rgb.crop((0, 0, w, h)).convert("YCbCr").split()
    half = (w // 2, h // 2)
    frame = b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    path.write_bytes(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * frames)
    return path
