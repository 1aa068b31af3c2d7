# ruff: noqa: INP001, S603 - a script (not a package) running our own CLI
"""Take the README's screenshots of the exposure report (headless Chromium, Selenium).

Run from the repository root: `python docs/screenshots.py`. It runs
`kzcn demo --count 20000 --seed 2023` in a temporary folder, writes the page
in Russian and Chinese, and saves the top of each page and its explorer at
1280 and 390 CSS pixels wide as `docs/report-<lang>-<part>-<width>.png`.
Chinese needs a CJK font (Debian: `apt-get install fonts-wqy-microhei`).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "tests"))

from browser import chrome, set_width  # noqa: E402 - tests/ is put on the path just above

LANGUAGES = ("ru", "zh")
WIDTHS = ((1280, False, 860), (390, True, 844))


def main() -> None:
    """Write the eight screenshots."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        kzcn = [sys.executable, "-m", "kzcn"]
        subprocess.run([*kzcn, "demo", "--out", str(work / "demo"), "--count", "20000",
                        "--seed", "2023"], check=True, capture_output=True)  # fmt: skip
        data = "demo/messages.jsonl"  # relative: the page names the file as given
        with chrome() as driver:
            for lang in LANGUAGES:
                page = work / f"report.{lang}.html"
                subprocess.run([*kzcn, "exposure", data, "--lang", lang, "--format", "html",
                                "--out", str(page)], check=True, cwd=work)  # fmt: skip
                driver.get(page.as_uri())
                for width, mobile, height in WIDTHS:
                    set_width(driver, width, mobile=mobile)
                    driver.execute_cdp_cmd(
                        "Emulation.setDeviceMetricsOverride",
                        {"width": width, "height": height, "deviceScaleFactor": 1,
                         "mobile": mobile},
                    )  # fmt: skip
                    for part, script in (
                        ("top", "window.scrollTo(0, 0)"),
                        ("explorer", "document.getElementById('explorer').scrollIntoView()"),
                    ):
                        driver.execute_script(script)
                        driver.save_screenshot(str(DOCS / f"report-{lang}-{part}-{width}.png"))


if __name__ == "__main__":
    main()
