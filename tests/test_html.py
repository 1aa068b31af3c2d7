"""The HTML report in a real browser (headless Chromium): it renders its charts offline."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from exposure_fixtures import build_messages
from kzcn.exposure import compute_exposure, render_html

CHROMIUM = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    None,
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = compute_exposure(list(build_messages(1200, seed=31)))
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(result), encoding="utf-8")
    return path


def test_page_is_self_contained(page: Path) -> None:
    text = page.read_text("utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert "<script" not in text
    assert "@import" not in text
    for chart in ("chart-histogram", "chart-subsets", "chart-ladder"):
        assert f'id="{chart}"' in text


def _chromium(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.skip("no chromium binary (Debian: apt-get install -y chromium)")
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.mark.slow
def test_charts_are_drawn_in_chromium(page: Path, tmp_path: Path) -> None:
    """After rendering, the DOM holds the three SVG charts with their bars and cells."""
    done = _chromium(page, tmp_path, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    for chart in ("chart-histogram", "chart-subsets", "chart-ladder"):
        block = re.search(rf'<svg id="{chart}".*?</svg>', dom, re.DOTALL)
        assert block, chart
    histogram = re.search(r'<svg id="chart-histogram".*?</svg>', dom, re.DOTALL)
    subsets = re.search(r'<svg id="chart-subsets".*?</svg>', dom, re.DOTALL)
    ladder = re.search(r'<svg id="chart-ladder".*?</svg>', dom, re.DOTALL)
    assert histogram
    assert subsets
    assert ladder
    assert histogram.group(0).count('class="bar"') == 9
    assert subsets.group(0).count('class="bar"') == 30
    assert ladder.group(0).count('class="cell"') == 12


@pytest.mark.slow
def test_screenshot_is_not_blank(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    done = _chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1200,1600")
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG")
    # A blank white page of this size compresses to a few kB; charts and text do not.
    assert len(data) > 30_000
