"""Headless Chromium driven by Selenium (Debian's `chromium` and `chromium-driver`).

One session per test module (`chrome()` in a module-scoped fixture): starting
Chromium costs about a second, a page load a few milliseconds. Outside CI a
missing browser or driver skips the tests with the reason; in CI (`CI=true`)
it fails them, so the browser tests cannot silently stop running.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def _binary(*names: str) -> str | None:
    return next((found for name in names if (found := shutil.which(name))), None)


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401, PLC0415 - optional: only the browser tests need it
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if _binary("chromium", "chromium-browser", "google-chrome") is None:
        return "no chromium binary (Debian: apt-get install -y chromium)"
    if _binary("chromedriver") is None:
        return "no chromedriver (Debian: apt-get install -y chromium-driver)"
    return None


def require_browser() -> None:
    """Skip (or, in CI, fail) when the browser or its driver is missing."""
    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@contextmanager
def chrome() -> Iterator[WebDriver]:
    """A headless Chromium session with a fresh profile, closed afterwards."""
    require_browser()
    from selenium import webdriver  # noqa: PLC0415 - optional dependency
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    binary = _binary("chromium", "chromium-browser", "google-chrome")
    assert binary is not None
    options.binary_location = binary
    with tempfile.TemporaryDirectory(prefix="kzcn-chrome-") as profile:
        for flag in (*FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900"):
            options.add_argument(flag)
        service = Service(executable_path=_binary("chromedriver"))
        driver = webdriver.Chrome(options=options, service=service)
        try:
            yield driver
        finally:
            driver.quit()


def set_width(driver: WebDriver, width: int, *, mobile: bool) -> None:
    """Emulate a screen `width` CSS pixels wide (a phone when `mobile`)."""
    metrics: dict[str, Any] = {
        "width": width,
        "height": 900,
        "deviceScaleFactor": 1,
        "mobile": mobile,
    }
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def full_screenshot(driver: WebDriver, path: Path, width: int, *, mobile: bool) -> None:
    """A PNG of the whole page at `width`."""
    set_width(driver, width, mobile=mobile)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    import base64  # noqa: PLC0415 - only here

    path.write_bytes(base64.b64decode(shot["data"]))
